#pragma once
/// UDP datagrams to a subnet's broadcast address, out of one named device:
/// the UDP copy of a Wake-on-LAN magic packet (port 9 of the client subnet's
/// broadcast address, on the client's bridge). Bound to the device because
/// client subnets overlap and the route alone could pick another one; opened
/// inside the client's namespace, which the socket then keeps. Abstract so the
/// wake logic is tested on a fake.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "custode/core/address.h"

namespace custode::os {

class UdpBroadcast {
public:
    virtual ~UdpBroadcast() = default;

    /// Sends one datagram carrying `payload` to `address`:`port`. Throws
    /// SystemError when the kernel refuses. The device must hold an address
    /// in the subnet: without one the kernel does not know `address` is a
    /// broadcast, takes it for an on-link host and ARPs for it instead.
    virtual void send(Ipv4Address address, std::uint16_t port, std::span<const std::uint8_t> payload) = 0;
};

/// A UDP socket with SO_BROADCAST and SO_BINDTODEVICE `device`, opened in the
/// calling thread's namespace or in `namespace_name` when given.
std::unique_ptr<UdpBroadcast> open_udp_broadcast(const std::string& device,
                                                 const std::optional<std::string>& namespace_name = std::nullopt);

}  // namespace custode::os
