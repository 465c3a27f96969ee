#pragma once
/// `disconnections`: the signed disconnection records kept in the state file
/// (append-only, docs/disconnect.md), listed or shown one at a time.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace custode::app {

struct StoredDisconnection {
    std::int64_t state_id = 0;  ///< the row in the state file
    std::string id;             ///< the record's id, "<client>-<UTC stamp>"
    std::string client, finished, user, site, verdict;
    bool signed_record = false;
    nlohmann::json files;   ///< {"targets","script","record","certificate"}; {} for records older than the field
    nlohmann::json record;  ///< the signed record, parsed
    std::string signature;  ///< the .minisig text; "" when unsigned
};

/// The client's records ("" for every client), oldest first.
std::vector<StoredDisconnection> list_disconnections(const std::filesystem::path& state, const std::string& client);

/// One record by its id or its state number; UsageError naming `id` when
/// there is none.
StoredDisconnection find_disconnection(const std::filesystem::path& state, const std::string& id);

}  // namespace custode::app
