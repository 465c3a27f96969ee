#pragma once
/// The run record as JSON: `maintain --json`, `report --json` and the state
/// file's copy. Apart from run_record.h so that only the files that make or
/// read JSON include nlohmann/json.

#include <nlohmann/json.hpp>

#include "custode/core/run_record.h"

namespace custode {

/// The `maintain --json` shape (docs/reports.md) (`run`, `clients[].hosts[].tasks[]` with
/// `task`, `status`, `exit`, `seconds`) plus every other field of the record.
nlohmann::json to_json(const RunRecord& record);
/// The lab's care of one client's backups (docs/backups.md, "What the night says").
nlohmann::json to_json(const BackupCare& care);
/// One notification: `channel`, `target`, `ok`, `detail`.
nlohmann::json to_json(const NotificationResult& result);
/// Reads what to_json wrote; throws std::runtime_error naming the field on a bad shape.
RunRecord run_record_from_json(const nlohmann::json& json);

}  // namespace custode
