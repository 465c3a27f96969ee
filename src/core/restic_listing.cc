#include "custode/core/restic_listing.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace custode {
namespace {

/// The unsigned number of exactly `digits` digits at `text[at]`, or nothing.
std::optional<int> digits_at(std::string_view text, std::size_t at, std::size_t digits) {
    if (at + digits > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + digits; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

bool is_snapshot_id(std::string_view id) {
    return id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS, then .fraction (1 to 9 digits), then Z or +HH:MM / -HH:MM.
    const auto year = digits_at(text, 0, 4), month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
    const auto hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2), second = digits_at(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second || text.size() < 20 || text[4] != '-' ||
        text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
        return std::nullopt;
    const std::chrono::year_month_day date{std::chrono::year{*year}, std::chrono::month(unsigned(*month)),
                                           std::chrono::day(unsigned(*day))};
    if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;  // 60: a leap second
    // Nanoseconds since 1970 reach 2262; a PC may write any year (Go's zero time is year 1).
    if (*year < 1970 || *year > 2199) return std::nullopt;
    std::size_t at = 19;
    std::chrono::nanoseconds fraction{0};
    if (text[at] == '.') {
        const auto start = ++at;
        long long nanos = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (at - start == 9) return std::nullopt;
            nanos = nanos * 10 + (text[at++] - '0');
        }
        if (at == start) return std::nullopt;
        for (auto scale = at - start; scale < 9; ++scale) nanos *= 10;
        fraction = std::chrono::nanoseconds{nanos};
    }
    std::chrono::minutes offset{0};
    const auto zone = text.substr(at);
    if (zone == "Z" || zone == "z") {
        // UTC
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        const auto zone_hours = digits_at(zone, 1, 2), zone_minutes = digits_at(zone, 4, 2);
        if (!zone_hours || !zone_minutes || *zone_hours > 23 || *zone_minutes > 59) return std::nullopt;
        offset = std::chrono::hours{*zone_hours} + std::chrono::minutes{*zone_minutes};
        if (zone[0] == '-') offset = -offset;
    } else {
        return std::nullopt;
    }
    const auto local = std::chrono::sys_days{date} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} +
                       std::chrono::seconds{*second} + fraction;
    return std::chrono::time_point_cast<TimePoint::duration>(local - offset);
}

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
        if (time == entry.end() || !time->is_string()) return fail("/time", "not an RFC 3339 time");
        const auto when = parse_rfc3339(time->get_ref<const std::string&>());
        if (!when) return fail("/time", "not an RFC 3339 time");
        listing.snapshots.push_back({id->get<std::string>(), host->get<std::string>(), *when});
    }
    return listing;
}

}  // namespace custode
