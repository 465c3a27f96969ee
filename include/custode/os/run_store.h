#pragma once
/// The nightly runs in the state file (tables `runs` and `run_tasks`,
/// docs/state.md): a `running` row when a run starts, the whole record when
/// it ends, so `runs` and `report` can read them back.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/run_record.h"
#include "custode/os/state_store.h"

namespace custode::os {

/// One row of `custode runs`.
struct RunSummary {
    std::int64_t id = 0;
    std::string site;
    std::string started;
    std::string finished;  ///< "" while running
    std::string status;    ///< "running" | "ok" | "problems" | "interrupted"
    bool dry_run = false;
    std::vector<std::string> clients;
    RunTotals totals;
};

/// Inserts a `running` row for `record` (its site, started, dry_run, clients
/// so far; record.id is ignored) and returns the new run's id.
std::int64_t begin_run(StateStore& store, const RunRecord& record);

/// Stores what a run has done so far (the PCs it woke) while it is still
/// `running`, in its own transaction, so a kill leaves it on disk.
void save_run_progress(StateStore& store, const RunRecord& record);

/// Marks every `running` run `interrupted` (status and record) and returns
/// their ids, oldest first. Only for a caller holding the maintenance lock:
/// then no run can still be going on.
std::vector<std::int64_t> mark_interrupted_runs(StateStore& store);

/// Stores the finished `record` (record.id from begin_run) in one
/// transaction: the runs row gets status ok/problems, finished and the whole
/// record; run_tasks gets one row per task. Calling it again replaces both.
/// Throws SystemError when no run has that id.
void finish_run(StateStore& store, const RunRecord& record);

/// The newest `limit` runs, newest first; with `client`, only runs that
/// worked on that client.
std::vector<RunSummary> list_runs(const StateStore& store, std::optional<std::string_view> client,
                                  std::size_t limit);

/// The run's record, as stored by finish_run (or begin_run while it runs).
std::optional<RunRecord> load_run(const StateStore& store, std::int64_t id);

/// Every run started at or after `since` (UTC ISO 8601, as the store writes
/// it), oldest first: the overview's window.
std::vector<RunRecord> load_runs_since(const StateStore& store, std::string_view since);

}  // namespace custode::os
