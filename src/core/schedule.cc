#include "custode/core/schedule.h"

#include <algorithm>
#include <fmt/format.h>

namespace custode {
namespace {

namespace chr = std::chrono;

int minute_of_day(chr::local_seconds at) {
    const auto since_midnight = at - chr::floor<chr::days>(at);
    return static_cast<int>(chr::duration_cast<chr::minutes>(since_midnight).count());
}

}  // namespace

std::optional<chr::local_seconds> window_opening(const MaintenanceWindow& window, chr::local_seconds now) {
    if (!window.contains(minute_of_day(now))) return std::nullopt;
    auto opening = chr::floor<chr::days>(now) + chr::minutes(window.start_minute());
    if (opening > now) opening -= chr::days(1);  // the morning part of a window that opened last evening
    return chr::local_seconds(opening);
}

bool is_due(const MaintenanceSpec& maintenance, chr::local_seconds now,
            std::optional<chr::local_seconds> last_run_started) {
    if (!maintenance.window) return true;
    const auto opening = window_opening(*maintenance.window, now);
    return opening && (!last_run_started || *last_run_started < *opening);
}

std::vector<std::string> timer_calendar(const std::vector<Client>& clients) {
    std::vector<int> starts;
    for (const auto& client : clients)
        if (client.maintenance.window) starts.push_back(client.maintenance.window->start_minute());
    if (starts.empty()) starts.push_back(0);
    std::sort(starts.begin(), starts.end());
    starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
    std::vector<std::string> calendar;
    for (const int start : starts) calendar.push_back(fmt::format("*-*-* {:02}:{:02}:00", start / 60, start % 60));
    return calendar;
}

}  // namespace custode
