#pragma once
/// The lab's care of a client's backup repository after the night, with its
/// own access, never the PCs' (docs/backups.md, "After the night"): stale
/// locks cleared, the snapshots listed and recorded, retention by that
/// record, a prune, `restic check` (reading part of the data once a week),
/// and once a week per host a restore test of one file of its latest snapshot.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "custode/core/netconf.h"
#include "custode/core/run_record.h"
#include "custode/os/lab_restic.h"
#include "custode/os/program.h"
#include "custode/os/state_store.h"

namespace custode::app {

/// restic as the lab runs it on one client's repository. Abstract so the
/// sequence is tested on a fake; the real one is lab_restic().
class LabRestic {
public:
    virtual ~LabRestic() = default;
    /// `restic ARGUMENTS` on the repository, stdout kept whole.
    virtual os::ProgramRun run(const BackupSpec& backup, const std::vector<std::string>& arguments,
                               std::chrono::milliseconds timeout) = 0;
    /// The repository's size on disk.
    virtual std::uint64_t repository_bytes(const BackupSpec& backup) = 0;
    /// A fresh scratch directory restic can restore into, gone with the handle.
    virtual std::unique_ptr<os::RestoreScratch> restore_scratch(const BackupSpec& backup) = 0;
};

/// The gateway's restic (os/lab_restic.h), with the password from backup.password_file (root's only).
std::unique_ptr<LabRestic> lab_restic();

/// One client's care: every step's failure is recorded in the result (the
/// client's night then needs attention), never thrown. Call it once no PC
/// of the client is backing up: after its night. `random` picks the files
/// the restore tests take.
BackupCare care_for_backups(const Client& client, LabRestic& restic, os::StateStore& store,
                            std::chrono::system_clock::time_point now, std::uint64_t random);

/// `custode backups CLIENT`: what the lab's record says of a client's backups.
struct ClientBackups {
    std::string client;
    BackupSpec backup;
    std::optional<std::chrono::system_clock::time_point> last_look;
    std::optional<std::chrono::system_clock::time_point> last_data_read;  ///< the last reading check that passed
    std::vector<HostBackups> hosts;                                       ///< by the lab's record, stale past max_age
    std::map<std::string, std::chrono::system_clock::time_point> last_restore;  ///< by host: the last that passed
    std::optional<std::int64_t> last_run;  ///< the newest recorded run that cared for them
    std::optional<BackupCare> last_care;   ///< and what it did

    bool ok() const;  ///< no host stale, and the last care (if any) needed no attention
};

/// Reads the state file. A client without [backup] is a UsageError.
ClientBackups client_backups(const std::filesystem::path& state, const Client& client,
                             std::chrono::system_clock::time_point now);

}  // namespace custode::app
