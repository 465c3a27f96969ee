#pragma once
/// The lab-side disconnection records in the state file (table
/// `disconnections`, docs/state.md): append-only, as befits a proof.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custode/os/state_store.h"

namespace custode::os {

struct DisconnectionRecord {
    std::int64_t id = 0;      ///< assigned by the store
    std::string client;
    std::string at;           ///< UTC ISO-8601
    std::string user;
    std::string record_json;  ///< the canonical JSON that was signed
    std::string signature;    ///< the .minisig text; "" when no key existed

    bool operator==(const DisconnectionRecord&) const = default;
};

/// Appends one record; returns its id.
std::int64_t append_disconnection(StateStore& store, const DisconnectionRecord& record);

/// The client's records, oldest first ("" for every client).
std::vector<DisconnectionRecord> disconnections(const StateStore& store, std::string_view client);

}  // namespace custode::os
