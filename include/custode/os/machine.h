#pragma once
/// The machine facts the isolation check records beside its raw frames: the
/// interface's IPv4 address and default route (read inside the interface's
/// namespace), the clock's NTP state (adjtimex) and the host name.

#include <cstdint>
#include <optional>
#include <string>

#include "custode/core/address.h"

namespace custode::os {

struct InterfaceInfo {
    bool exists = false;
    std::optional<Ipv4Prefix> ipv4;               ///< the first IPv4 address on the interface
    std::optional<Ipv4Address> default_gateway;   ///< the default route's next hop through it
};

/// Reads `interface`'s address and default route in `namespace_name` (or the
/// caller's namespace). Throws SystemError when the kernel refuses.
InterfaceInfo interface_info(const std::string& interface, const std::optional<std::string>& namespace_name);

/// The kernel clock's discipline state, as `timedatectl` shows it: synchronised
/// when STA_UNSYNC is clear and the maximum error is below 16 s.
struct ClockStatus {
    bool ntp_synchronized = false;
    std::int64_t max_error_us = 0;
};
ClockStatus clock_status();

std::string hostname();

}  // namespace custode::os
