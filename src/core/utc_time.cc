#include "custode/core/utc_time.h"

#include <cstdio>
#include <fmt/format.h>

namespace custode {

namespace chr = std::chrono;

namespace {

/// `at` in UTC, to the millisecond, as the calendar fields the formats use.
struct UtcFields {
    int year;
    unsigned month, day;
    long hours, minutes, seconds, millis;
};

UtcFields fields_of(chr::system_clock::time_point at) {
    const auto millis = chr::floor<chr::milliseconds>(at);
    const auto days = chr::floor<chr::days>(millis);
    const chr::year_month_day date(days);
    const chr::hh_mm_ss time(millis - days);
    return {static_cast<int>(date.year()), static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
            time.hours().count(),          time.minutes().count(),               time.seconds().count(),
            static_cast<long>(time.subseconds().count())};
}


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

}  // namespace

std::string utc_iso_seconds(chr::system_clock::time_point at) {
    const auto f = fields_of(at);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", f.year, f.month, f.day, f.hours, f.minutes, f.seconds);
}

std::string utc_iso(chr::system_clock::time_point at) {
    const auto f = fields_of(at);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", f.year, f.month, f.day, f.hours, f.minutes,
                       f.seconds, f.millis);
}

std::string utc_stamp(chr::system_clock::time_point at) {
    const auto f = fields_of(at);
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", f.year, f.month, f.day, f.hours, f.minutes, f.seconds);
}

std::optional<double> parse_utc_seconds(std::string_view text) {
    int year = 0;
    unsigned month = 0, day = 0, hour = 0, minute = 0;
    double second = 0;
    char zone = 0;
    const std::string copy(text);
    // %lf takes "05" as well as "05.250"; the trailing 'Z' insists on UTC.
    if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2u:%2u:%lf%c", &year, &month, &day, &hour, &minute, &second,
                    &zone) != 7 ||
        zone != 'Z')
        return std::nullopt;
    const chr::year_month_day date{chr::year{year}, chr::month{month}, chr::day{day}};
    if (!date.ok() || hour > 23 || minute > 59 || second < 0 || second >= 61) return std::nullopt;
    const auto days = chr::sys_days(date).time_since_epoch().count();
    return static_cast<double>(days) * 86400 + hour * 3600 + minute * 60 + second;
}

std::string readable_utc(std::string time) {
    if (time.size() > 10 && time[10] == 'T') time[10] = ' ';
    if (!time.empty() && time.back() == 'Z') time.replace(time.size() - 1, 1, " UTC");
    return time;
}

std::optional<chr::system_clock::time_point> parse_rfc3339(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS, then .fraction (1 to 9 digits), then Z or +HH:MM / -HH:MM.
    const auto year = digits_at(text, 0, 4), month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
    const auto hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2), second = digits_at(text, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second || text.size() < 20 || text[4] != '-' ||
        text[7] != '-' || (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
        return std::nullopt;
    const chr::year_month_day date{chr::year{*year}, chr::month(unsigned(*month)), chr::day(unsigned(*day))};
    if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;  // 60: a leap second
    // Nanoseconds since 1970 reach 2262; a PC may write any year (Go's zero time is year 1).
    if (*year < 1970 || *year > 2199) return std::nullopt;
    std::size_t at = 19;
    chr::nanoseconds fraction{0};
    if (text[at] == '.') {
        const auto start = ++at;
        long long nanos = 0;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            if (at - start == 9) return std::nullopt;
            nanos = nanos * 10 + (text[at++] - '0');
        }
        if (at == start) return std::nullopt;
        for (auto scale = at - start; scale < 9; ++scale) nanos *= 10;
        fraction = chr::nanoseconds{nanos};
    }
    chr::minutes offset{0};
    const auto zone = text.substr(at);
    if (zone == "Z" || zone == "z") {
        // UTC
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        const auto zone_hours = digits_at(zone, 1, 2), zone_minutes = digits_at(zone, 4, 2);
        if (!zone_hours || !zone_minutes || *zone_hours > 23 || *zone_minutes > 59) return std::nullopt;
        offset = chr::hours{*zone_hours} + chr::minutes{*zone_minutes};
        if (zone[0] == '-') offset = -offset;
    } else {
        return std::nullopt;
    }
    const auto local = chr::sys_days{date} + chr::hours{*hour} + chr::minutes{*minute} +
                       chr::seconds{*second} + fraction;
    return chr::time_point_cast<chr::system_clock::duration>(local - offset);
}

}  // namespace custode
