#pragma once
/// UTC times as custode writes them: in records, reports and file names.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace custode {

/// "2025-01-31T12:34:56Z": the state file's and the records' form.
std::string utc_iso_seconds(std::chrono::system_clock::time_point at);
/// "2025-01-31T12:34:56.789Z".
std::string utc_iso(std::chrono::system_clock::time_point at);
/// "20250131T123456Z", for file names.
std::string utc_stamp(std::chrono::system_clock::time_point at);

/// "2026-11-29T01:30:00Z" as people read it: "2026-11-29 01:30:00 UTC"
/// (reports, the morning message); other text unchanged.
std::string readable_utc(std::string time);

/// Seconds since the epoch of a UTC time as the store writes it
/// ("2026-11-29T01:30:00Z", fractions allowed); empty when it does not read.
std::optional<double> parse_utc_seconds(std::string_view text);

/// RFC 3339 in any offset, as restic (Go) writes it
/// ("2026-12-07T21:31:55.503969685+01:00") and as utc_iso does; nothing when
/// it does not read, or lies outside the years 1970 to 2199 (a claim no real
/// backup makes, and past what a nanosecond time_point holds).
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace custode
