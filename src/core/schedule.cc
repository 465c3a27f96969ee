#include "custode/core/schedule.h"


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
    // Without a window the occurrence is the day: once a day, from midnight.
    const auto opening = maintenance.window ? window_opening(*maintenance.window, now)
                                            : std::optional<chr::local_seconds>(chr::floor<chr::days>(now));
    return opening && (!last_run_started || *last_run_started < *opening);
}

}  // namespace custode
