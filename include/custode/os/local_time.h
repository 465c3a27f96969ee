#pragma once
/// The gateway's wall clock: maintenance windows are written in local time.

#include <chrono>

namespace custode::os {

/// `at` in the gateway's time zone (localtime_r; the TZ environment applies).
std::chrono::local_seconds to_local(std::chrono::sys_seconds at);

/// Now, in local time.
std::chrono::local_seconds local_now();

}  // namespace custode::os
