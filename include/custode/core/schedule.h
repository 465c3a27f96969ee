#pragma once
/// When the nightly run is due for a client, and the systemd timer that
/// starts it. Times are the gateway's local wall-clock time: windows are
/// written in it ("20:30-06:30"), and the caller converts.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/netconf.h"

namespace custode {

/// The start of the occurrence of `window` that contains `now`, or nothing
/// when `now` is outside the window. A window crossing midnight opened the
/// evening before when `now` is in its morning part.
std::optional<std::chrono::local_seconds> window_opening(const MaintenanceWindow& window,
                                                         std::chrono::local_seconds now);

/// A scheduled run takes the client when it is inside its window (or has
/// none) and has not started a run since this occurrence opened.
bool is_due(const MaintenanceSpec& maintenance, std::chrono::local_seconds now,
            std::optional<std::chrono::local_seconds> last_run_started);

}  // namespace custode
