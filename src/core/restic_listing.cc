#include "custode/core/restic_listing.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "custode/core/utc_time.h"

namespace custode {
namespace {

bool is_snapshot_id(std::string_view id) {
    return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

SnapshotListing read_snapshot_listing(std::string_view json) {
    const auto document = nlohmann::json::parse(json, nullptr, false);
    if (document.is_discarded()) return {{}, "/: not JSON"};
    if (!document.is_array()) return {{}, "/: not a list of snapshots"};
    SnapshotListing listing;
    for (std::size_t i = 0; i < document.size(); ++i) {
        const auto& entry = document[i];
        const auto fail = [&](std::string_view field, std::string_view why) {
            return SnapshotListing{{}, fmt::format("/{}{}: {}", i, field, why)};
        };
        if (!entry.is_object()) return fail("", "not an object");
        const auto id = entry.find("id"), host = entry.find("hostname"), time = entry.find("time");
        if (id == entry.end() || !id->is_string() || !is_snapshot_id(id->get_ref<const std::string&>()))
            return fail("/id", "not a snapshot id (64 hex digits)");
        if (host == entry.end() || !host->is_string() || host->get_ref<const std::string&>().empty())
            return fail("/hostname", "not a host name");
        const auto when = time != entry.end() && time->is_string() ? parse_rfc3339(time->get_ref<const std::string&>())
                                                                   : std::nullopt;
        if (!when) return fail("/time", "not an RFC 3339 time");
        listing.snapshots.push_back({id->get<std::string>(), host->get<std::string>(), *when});
    }
    return listing;
}

FileListing read_file_listing(std::string_view json_lines) {
    FileListing listing;
    std::size_t number = 0;
    while (!json_lines.empty()) {
        const auto end = std::min(json_lines.find('\n'), json_lines.size());
        const auto line = json_lines.substr(0, end);
        json_lines.remove_prefix(std::min(end + 1, json_lines.size()));
        ++number;
        if (line.empty()) continue;
        const auto fail = [&](std::string_view why) { return FileListing{{}, fmt::format("line {}: {}", number, why)}; };
        const auto node = nlohmann::json::parse(line, nullptr, false);
        if (node.is_discarded() || !node.is_object()) return fail("not a JSON object");
        const auto type = node.find("type");
        if (type == node.end() || *type != "file") continue;  // the snapshot line, directories, links
        const auto path = node.find("path"), size = node.find("size");
        if (path == node.end() || !path->is_string() || !path->get_ref<const std::string&>().starts_with('/'))
            return fail("a file without an absolute path");
        if (size == node.end() || !size->is_number_unsigned()) return fail("a file without a size");
        listing.files.push_back({path->get<std::string>(), size->get<std::uint64_t>()});
    }
    return listing;
}

std::optional<ListedFile> choose_restore_file(const std::vector<ListedFile>& files, std::uint64_t random) {
    std::vector<const ListedFile*> takeable;
    for (const auto& file : files)
        if (file.size <= max_restore_test_bytes && file.path.find_first_of("*?[\\") == std::string::npos)
            takeable.push_back(&file);
    if (takeable.empty()) return std::nullopt;
    return *takeable[random % takeable.size()];
}

}  // namespace custode
