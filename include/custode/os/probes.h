#pragma once
/// The machine facts the isolation check needs beside its raw frames: the
/// interface's IPv4 address and default route (read inside the interface's
/// namespace), the clock's NTP state (adjtimex), the host name, SHA-256
/// (libsodium) and random ids. The probes themselves are frames built in
/// core/isolation.h and sent through PacketIo, so the reply's Ethernet
/// source (the responder's MAC) is seen for every answer.

#include <cstdint>
#include <optional>
#include <span>
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

/// Lower-case hex of SHA-256 (libsodium crypto_hash_sha256).
std::string sha256_hex(std::span<const std::uint8_t> bytes);

/// `bytes` random bytes (libsodium), as lower-case hex.
std::string random_hex(std::size_t bytes);
/// A random 32-bit number (libsodium).
std::uint32_t random_u32();

}  // namespace custode::os
