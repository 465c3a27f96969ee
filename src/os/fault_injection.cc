#include "custode/os/fault_injection.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace custode::os {
namespace {

/// 0 when the switch is off or not a positive number.
long kill_after() {
    const char* text = std::getenv("CUSTODE_TEST_KILL_AFTER");
    if (!text) return 0;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    return end != text && *end == '\0' && value > 0 ? value : 0;
}

}  // namespace

void count_system_change() {
    static const long limit = kill_after();
    static std::atomic<long> changes{0};
    if (++changes == limit) std::raise(SIGKILL);
}

}  // namespace custode::os
