#pragma once
/// The inventory of each client's LAN in the state file (tables `hosts`,
/// `host_macs`, `scans` of docs/state.md), as core's Inventory.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "custode/core/inventory.h"
#include "custode/os/state_store.h"

namespace custode::os {

/// One row of `scans`.
struct ScanRecord {
    std::string at;  ///< UTC ISO-8601
    std::int64_t elapsed_ms = 0;
    std::int64_t hosts_found = 0;
    /// False when the capture lost frames or the scan ran out of time: its
    /// silent addresses were not all asked and heard, and none was called missing.
    bool complete = true;
};

Inventory load_inventory(const StateStore& store, std::string_view client);

/// Replaces the client's inventory with `inventory` and appends `scan`, in one transaction.
void save_scan(StateStore& store, std::string_view client, const Inventory& inventory, const ScanRecord& scan);

/// The client's newest scan, if any.
std::optional<ScanRecord> last_scan(const StateStore& store, std::string_view client);

/// Now, as the store writes times: "2026-11-28T21:30:00Z".
std::string utc_now();

}  // namespace custode::os
