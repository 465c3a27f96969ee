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

}  // namespace custode
