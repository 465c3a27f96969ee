#pragma once
/// The lab's record of each client's backup snapshots in the state file
/// (tables `backup_snapshots`, `backup_looks` of docs/state.md), as core's
/// RecordedSnapshot: retention goes by it, not by the times the PCs wrote.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/backup_retention.h"
#include "custode/os/state_store.h"

namespace custode::os {

struct BackupRecord {
    std::vector<RecordedSnapshot> snapshots;  ///< in the order they were saved
    std::optional<TimePoint> last_look;       ///< none before the client's first look
    std::optional<TimePoint> last_data_read;  ///< the last check that read data and passed
    std::map<std::string, TimePoint> last_restore;  ///< by host: its last restore test that passed
};

/// The client's record. Throws SystemError naming the file when a stored time does not read.
BackupRecord load_backup_record(const StateStore& store, std::string_view client);

/// Replaces the client's record with `snapshots`, as of the look at `look`, in one transaction.
void save_backup_look(StateStore& store, std::string_view client, const std::vector<RecordedSnapshot>& snapshots,
                      TimePoint look);

/// A check that read the client's data passed at `at` (after its look).
void save_data_read(StateStore& store, std::string_view client, TimePoint at);

/// A restore test from `host`'s latest snapshot passed at `at`.
void save_restore_test(StateStore& store, std::string_view client, std::string_view host, TimePoint at);

}  // namespace custode::os
