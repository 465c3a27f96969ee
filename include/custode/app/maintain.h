#pragma once
/// The nightly run (`custode maintain`): per client, clients in parallel:
/// link check → ARP scan → wake the sleeping PCs → wait for SSH → tasks
/// (a restart after `updates` when they need one and the policy allows) →
/// shut down per policy → confirm off → the lab's care of the client's
/// backups ([backup]) → the run record. A PC that does not
/// wake, cannot be reached or fails a task never stops the others.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "custode/app/backup_care.h"
#include "custode/app/run_lock.h"
#include "custode/app/wake.h"
#include "custode/core/netconf.h"
#include "custode/core/run_record.h"
#include "custode/os/packet_io.h"
#include "custode/os/run_store.h"
#include "custode/os/ssh.h"
#include "custode/os/state_store.h"

namespace custode::app {

/// What the run needs from the system, for one client at a time. Abstract so
/// the sequence is tested on a fake; the real one is kernel_maintenance_system.
/// Called from several threads at once (a client's thread and its hosts').
class MaintenanceSystem {
public:
    virtual ~MaintenanceSystem() = default;

    /// Empty when the client's namespace, circuit and bridge are there and up
    /// and its PCs' host keys are recorded; otherwise why the client cannot be
    /// worked on.
    virtual std::string link_problem(const Client& client) = 0;
    /// ARP scan of the client's LAN (the inventory is updated on the way).
    virtual std::vector<LanHost> scan(const Client& client) = 0;
    /// Magic packets, then ARP polling until each answers or `wait` passes.
    virtual std::vector<WakeResult> wake(const Client& client, const std::vector<WakeTarget>& targets,
                                         std::chrono::milliseconds wait) = 0;
    /// ARP polling, no magic packet, until each answers or `wait` passes: PCs
    /// coming back from a restart.
    virtual std::vector<WakeResult> wait_on(const Client& client, const std::vector<WakeTarget>& targets,
                                            std::chrono::milliseconds wait) = 0;
    /// An SSH session to `ip` from inside the client's namespace.
    virtual os::SshConnectResult connect(const Client& client, Ipv4Address ip) = 0;
    /// ARP polling until each host stops answering or `wait` passes; true = off.
    virtual std::vector<bool> wait_off(const Client& client, const std::vector<LanHost>& hosts,
                                       std::chrono::milliseconds wait) = 0;

    /// After the client's night (no PC of it backing up any more): the lab's
    /// care of its backup repository (app/backup_care.h). Failures are in the result.
    virtual BackupCare care_for_backups(const Client& client) = 0;

    virtual os::Clock::time_point now() = 0;
    virtual void pause(std::chrono::milliseconds how_long) = 0;
};

/// The PCs of one client that an interrupted run woke (or sent a magic packet
/// to): found on by the next run, they count as woken for its shutdown policy.
struct WokenEarlier {
    std::int64_t run = 0;
    std::vector<std::string> macs;
};

struct MaintainOptions {
    std::optional<std::vector<MaintenanceTask>> tasks;  ///< `--tasks`: instead of each client's list
    bool dry_run = false;  ///< check keys, programs and the repository; wake nothing, change nothing
    std::chrono::milliseconds wake_wait{std::chrono::minutes(5)};  ///< for a PC to answer ARP
    std::chrono::milliseconds ssh_wait{std::chrono::minutes(3)};   ///< then for its sshd
    std::chrono::milliseconds off_wait{std::chrono::minutes(3)};   ///< for a shut-down PC to go quiet
    /// For a PC restarted for its updates to answer ARP again (then ssh_wait for its sshd).
    std::chrono::milliseconds reboot_wait{std::chrono::minutes(20)};
    std::chrono::milliseconds ssh_retry{std::chrono::seconds(2)};
    int concurrency = 32;  ///< SSH sessions at once, over all clients
    std::map<std::string, WokenEarlier> woken_earlier;  ///< by client name (recorded_run fills it)
};

/// One line per event ("acme/pc1: antivirus ok in 3.2 s"), from any thread.
using MaintainProgress = std::function<void(const std::string&)>;

/// Told, from a client's thread, which PCs are being woken (power
/// did_not_wake until they answer) and then which woke: the run keeps them in
/// the state file as it goes, so a run cut short still names them.
using WakeRecorder = std::function<void(const ClientRun&)>;

/// Runs the clients in parallel and returns the record (id, site and times
/// are the caller's to fill).
std::vector<ClientRun> maintain_clients(const std::vector<const Client*>& clients, MaintenanceSystem& system,
                                        const MaintainOptions& options, const MaintainProgress& progress = {},
                                        const WakeRecorder& record_wakes = {});

/// The clients a scheduled run takes now: inside their window (or without
/// one) and without a run started since the window opened.
std::vector<const Client*> due_clients(const Netconf& netconf, const os::StateStore& store);

/// Where a recorded run leaves its files.
struct RunFiles {
    std::filesystem::path report_dir;            ///< run-ID.html goes here
    std::optional<std::filesystem::path> metrics;  ///< Prometheus textfile, when wanted
};

struct RecordedRun {
    RunRecord record;
    std::filesystem::path report;  ///< the HTML page written
};

/// A whole `maintain` run: runs left `running` marked `interrupted` (the PCs
/// they woke go to options.woken_earlier), a `running` row in the store, the
/// PCs woken recorded as they wake, the clients maintained, the record
/// stored, its HTML report and metrics written. Call it holding the
/// maintenance lock (lock_runs).
RecordedRun recorded_run(const Netconf& netconf, os::StateStore& store, MaintenanceSystem& system,
                         const std::vector<const Client*>& clients, const MaintainOptions& options,
                         const RunFiles& files, const MaintainProgress& progress = {});

/// The real system: libpcap scans and wake in the client's namespace, the
/// inventory in the state file, libssh with the site's [ssh] settings.
std::unique_ptr<MaintenanceSystem> kernel_maintenance_system(const Netconf& netconf, const std::string& state_path,
                                                           const os::SshOptions& ssh);

/// The run history in the state file at `state` (`runs`, `report`).
using RunSummary = os::RunSummary;
std::vector<RunSummary> list_runs(const std::filesystem::path& state, const std::optional<std::string>& client,
                                  std::size_t limit);
std::optional<RunRecord> load_run(const std::filesystem::path& state, std::int64_t id);

/// A run's HTML report (for a phone) and its node_exporter textfile metrics,
/// each written atomically.
void write_html_report(const RunRecord& record, const std::filesystem::path& path);
void write_metrics(const RunRecord& record, const std::filesystem::path& path);

/// `maintain` on the real gateway.
struct MaintainRequest {
    std::vector<std::string> clients;  ///< named clients; empty with `scheduled` (or for all)
    bool scheduled = false;            ///< the clients due now (due_clients) instead
    MaintainOptions options;
    RunFiles files;
    Wait wait = Wait::no;
    MaintainProgress progress;
};

/// The nightly lock, the state file, the real system, recorded_run.
/// nullopt when no client is due (a timer fired for another client's
/// window). A missing SSH identity is a UsageError: every PC would fail the same way.
std::optional<RecordedRun> maintain_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                               const MaintainRequest& request);

}  // namespace custode::app
