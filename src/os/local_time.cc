#include "custode/os/local_time.h"

#include <ctime>

namespace custode::os {

std::chrono::local_seconds to_local(std::chrono::sys_seconds at) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(at);
    std::tm local{};
    ::localtime_r(&seconds, &local);
    return std::chrono::local_seconds(at.time_since_epoch() + std::chrono::seconds(local.tm_gmtoff));
}

std::chrono::local_seconds local_now() {
    return to_local(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

}  // namespace custode::os
