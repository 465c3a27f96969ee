#pragma once
/// The record of one nightly run (`custode maintain`): per client, per PC,
/// per task. It is stored whole in the state store, printed by `--json`, and
/// rendered as the HTML report and the Prometheus metrics.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/tasks.h"

namespace custode {

struct TaskResult {
    std::string task;  ///< a MaintenanceTask name or "shutdown"
    TaskStatus status = TaskStatus::error;
    std::optional<int> exit_code;
    double seconds = 0;
    std::string summary;
    std::vector<std::string> findings;
    std::string output;  ///< the last few KiB of stdout and stderr, for the report
    std::vector<UpdateItem> updates;  ///< the `updates` task: each update installed or failed
    bool reboot_required = false;     ///< the `updates` task: the PC asked for a restart
};

/// What became of a PC's power during the run.
enum class PowerOutcome {
    was_on,       ///< answered the scan before any wake
    woken,        ///< custode woke it and it answered
    did_not_wake, ///< woken, never answered within the wait
    unknown,      ///< no MAC to wake, or not seen and not woken (dry run)
};

/// What became of the shutdown step.
enum class ShutdownOutcome {
    not_requested,  ///< the policy left it on
    confirmed_off,  ///< shut down and no longer answering
    still_on,       ///< shut down, but still answering after the wait
    failed,         ///< the shutdown command failed or could not be sent
    user_logged_on, ///< left on: someone was logged on, and netconf does not force
};

/// What became of a restart that updates asked for (docs/tasks.md, "updates").
enum class RebootOutcome {
    not_needed,      ///< no update asked for one
    rebooted,        ///< restarted, came back with the same host key, the night went on
    pending,         ///< needed, not done: policy `never` (the default for a PC found on)
    user_logged_on,  ///< needed, not done: someone was logged on
    did_not_return,  ///< restarted and not back (ARP, then SSH) within --reboot-wait
    reboot_loop,     ///< the same updates asked again after tonight's restart: not restarted twice
    failed,          ///< the reboot command failed, the PC never went down, or it came back refused (host key)
};

/// Every RebootOutcome, in the order above (the metrics give each a line).
inline constexpr std::array reboot_outcomes = {RebootOutcome::not_needed,     RebootOutcome::rebooted,
                                               RebootOutcome::pending,        RebootOutcome::user_logged_on,
                                               RebootOutcome::did_not_return, RebootOutcome::reboot_loop,
                                               RebootOutcome::failed};

std::string_view to_string(PowerOutcome outcome);
std::string_view to_string(RebootOutcome outcome);
std::optional<RebootOutcome> parse_reboot_outcome(std::string_view text);
std::string_view to_string(ShutdownOutcome outcome);
std::optional<PowerOutcome> parse_power_outcome(std::string_view text);
std::optional<ShutdownOutcome> parse_shutdown_outcome(std::string_view text);

/// "left on: maria, luca logged on": why a user_logged_on PC stayed on.
std::string left_on_text(const std::vector<std::string>& logged_on);

/// did_not_return and failed: the PC is not ok.
bool is_problem(RebootOutcome outcome);
/// The PC needs a restart it did not get tonight: pending, user_logged_on,
/// reboot_loop, did_not_return, failed (custode_reboot_pending).
bool restart_still_needed(RebootOutcome outcome);

struct HostRun {
    std::string name;
    std::string ip;   ///< empty when never learned
    std::string mac;
    HostOs os = HostOs::windows;
    PowerOutcome power = PowerOutcome::unknown;
    bool reached = false;  ///< an SSH session was established
    std::string error;     ///< why it was not reached: host key changed, timeout...
    std::vector<TaskResult> tasks;
    ShutdownOutcome shutdown = ShutdownOutcome::not_requested;
    std::vector<std::string> logged_on;  ///< who kept it on (user_logged_on), or kept it from restarting
    RebootOutcome reboot = RebootOutcome::not_needed;
    std::string reboot_detail;  ///< one line: why it failed, how long it was away
    double seconds = 0;
    /// Found on, and woken by this earlier run, which was interrupted: the
    /// shutdown policy treats it as woken (docs/maintenance.md, "Interrupted runs").
    std::optional<std::int64_t> woken_by_run;

    /// Reached, every task ok/warning/skipped, shut down if asked, and back
    /// from any restart (pending, user_logged_on and reboot_loop are not problems
    /// of the night: the morning message lists them).
    bool ok() const;
};

/// A weekly restore test: one file of a host's latest snapshot restored into
/// a scratch directory on the lab and verified against the snapshot's own
/// blob hashes (restic restore --verify).
struct RestoreTest {
    std::string host;
    std::string snapshot;  ///< short id
    std::string file;      ///< its path in the snapshot; "" when none was chosen
    std::uint64_t size = 0;
    bool ok = false;
    std::string detail;    ///< why it failed, with restic's words

    bool operator==(const RestoreTest&) const = default;
};

/// What the lab did with the client's backup repository after the night,
/// with its own access (docs/backups.md, "After the night").
struct BackupCare {
    bool listed = false;    ///< the look read the repository's listing (the counts below mean something)
    int snapshots = 0;      ///< in the repository once retention is done
    int new_snapshots = 0;  ///< first seen tonight
    /// Removed by retention, "pc1 1a2b3c4d" (host and short id), newest first per host.
    std::vector<std::string> removed;
    /// One line per snapshot whose own time lies far from when the lab saw it appear.
    std::vector<std::string> forged;
    std::optional<std::uint64_t> bytes_before;  ///< the repository's size before retention
    std::optional<std::uint64_t> bytes_after;   ///< and after its prune
    std::string check;  ///< what verified it: "check", "check --read-data-subset=5%"; "" when not reached
    std::vector<RestoreTest> restores;  ///< tonight's restore tests (each host once a week)
    std::vector<std::string> stale;     ///< hosts whose newest backup is older than max_age (stale_line)
    std::string error;  ///< the step that failed, with restic's words
    double seconds = 0;

    bool ok() const;  ///< no error, no forged time, no stale host, every restore test passed
};

/// One line for progress, the report and the morning message: "backups: 14
/// snapshots (2 new), 2 removed, 310.2 MiB freed, check passed", then any
/// forged time and the error.
std::string backup_care_line(const BackupCare& care);
/// "restore test pc1 /d/invoice.pdf (1.2 MiB) verified", "restore test pc1 failed: ...".
std::string restore_test_line(const RestoreTest& test);

struct ClientRun {
    std::string client;
    std::string error;  ///< why the client was not worked on at all (link down, no namespace)
    double seconds = 0;
    std::vector<HostRun> hosts;
    std::optional<BackupCare> backup;  ///< the client has a [backup] and the night was not a dry run

    bool ok() const;  ///< no error, every host ok, and the backup care (if any) ok
};

/// One message sent, or not, about a scheduled night (docs/notify.md). Never
/// part of the run's outcome: a failure to notify is logged, not a failed night.
struct NotificationResult {
    std::string channel;  ///< "mail" or "webhook"
    std::string target;   ///< the addresses; a webhook's scheme and host only (its path may hold a token)
    bool ok = false;
    std::string detail;   ///< "sent", "HTTP 200", "sendmail exited 75: ...", "timed out after 10 s"
};

struct RunRecord {
    std::int64_t id = 0;    ///< assigned by the store
    std::string site;
    std::string started;    ///< ISO 8601 UTC, "2026-11-29T01:30:00Z"
    std::string finished;
    bool dry_run = false;
    std::vector<std::string> tasks;  ///< the `--tasks` filter, empty for each client's own list
    std::vector<ClientRun> clients;
    std::vector<NotificationResult> notifications;  ///< after a scheduled night with [notify]
    /// Cut by a kill or a reboot: found with no end by the next run.
    bool interrupted = false;

    bool ok() const;  ///< not interrupted, and every client ok: exit 0, otherwise 1
};

/// The MACs of `client`'s PCs that `record` woke or sent a magic packet to
/// (power woken or did_not_wake): any of them found on later is on because of it.
std::vector<std::string> woken_macs(const RunRecord& record, std::string_view client);

/// Counts over a run, for headers, tables and metrics.
struct RunTotals {
    int clients = 0;
    int clients_ok = 0;
    int hosts = 0;
    int hosts_ok = 0;
    int did_not_wake = 0;  ///< power did_not_wake
    int unreached = 0;     ///< no SSH session, whatever the reason (did_not_wake included)
    int tasks = 0;
    int task_problems = 0;  ///< tasks failed, error or timeout
    int updates_installed = 0;
    int updates_failed = 0;
    int restarts_needed = 0;  ///< PCs whose restart_still_needed
    int problems = 0;       ///< hosts not ok plus clients with an error
};
RunTotals run_totals(const RunRecord& record);

/// finished - started, when both read.
std::optional<double> run_duration_seconds(std::string_view started, std::string_view finished);

/// A duration as people read it: "0.4 s", "12 s", "3 min 05 s", "1 h 02 min".
std::string format_duration(double seconds);
/// How reports name a PC: its name, else its IP, else its MAC.
std::string host_label(const HostRun& host);

/// The PC's updates as the night left them: each id once, with its last
/// result (`updates` runs again after a restart, and may install then what
/// failed before it), in the order first met.
std::vector<UpdateItem> updates_of(const HostRun& host);
/// Of updates_of, those installed, and those that failed.
int updates_installed(const HostRun& host);
int updates_failed(const HostRun& host);
/// How the reports say a restart ended, in a few words ("" for not_needed):
/// "restarted", "needs a restart (logged on: maria)", "did not come back
/// after its restart"; reboot_detail is shown beside it.
std::string restart_text(const HostRun& host);
/// The record's reboot_detail where it adds to restart_text: "" for
/// user_logged_on, whose restart_text already says who.
std::string restart_detail(const HostRun& host);
/// restart_text, then restart_detail in brackets: "restarted (away 100 s)".
std::string restart_line(const HostRun& host);

/// One self-contained HTML page (inline CSS, no script, no external
/// resources), readable on a phone.
std::string render_html_report(const RunRecord& record);

/// Prometheus node_exporter textfile metrics for the run.
std::string render_prometheus_metrics(const RunRecord& record);

}  // namespace custode
