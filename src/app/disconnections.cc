#include "custode/app/disconnections.h"

#include <fmt/format.h>

#include "custode/core/error.h"
#include "custode/os/disconnection_store.h"

namespace custode::app {
namespace {

/// The stored row with what its record says. A record the store holds is
/// custode's own canonical JSON; one that does not parse is reported, not skipped.
StoredDisconnection stored(const os::DisconnectionRecord& row) {
    StoredDisconnection out;
    out.state_id = row.id;
    out.client = row.client;
    out.finished = row.at;
    out.user = row.user;
    out.signature = row.signature;
    out.signed_record = !row.signature.empty();
    try {
        out.record = nlohmann::json::parse(row.record_json);
    } catch (const nlohmann::json::parse_error& error) {
        throw UsageError(fmt::format("state file: disconnection #{}: the record is not JSON: {}", row.id, error.what()));
    }
    out.id = out.record.value("id", "");
    out.site = out.record.value("site", "");
    out.verdict = out.record.value("verdict", "");
    out.files = out.record.value("files", nlohmann::json::object());
    return out;
}

}  // namespace

std::vector<StoredDisconnection> list_disconnections(const std::filesystem::path& state, const std::string& client) {
    const auto store = os::StateStore::open(state);
    std::vector<StoredDisconnection> list;
    for (const auto& row : os::disconnections(store, client)) list.push_back(stored(row));
    return list;
}

StoredDisconnection find_disconnection(const std::filesystem::path& state, const std::string& id) {
    for (auto& entry : list_disconnections(state, ""))
        if (entry.id == id || std::to_string(entry.state_id) == id) return entry;
    throw UsageError(fmt::format("no disconnection '{}' in {} (custode disconnections lists them)", id, state.string()));
}

}  // namespace custode::app
