#pragma once
/// Wake-on-LAN with confirmation: magic packets on the client's bridge (a raw
/// EtherType 0x0842 broadcast and a UDP copy to port 9 of the subnet's
/// broadcast address), then ARP polling until each PC answers with its own
/// MAC (firewalls do not block ARP) or the wait runs out.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "custode/core/frames.h"
#include "custode/core/inventory.h"
#include "custode/core/netconf.h"
#include "custode/os/packet_io.h"
#include "custode/os/udp_broadcast.h"

namespace custode::app {

struct WakeTarget {
    std::string name;
    MacAddress mac;
    std::optional<Ipv4Address> ip;  ///< unknown: every address of the subnet is polled
};

struct WakeResult {
    WakeTarget target;
    bool woke = false;
    double seconds = 0;  ///< from the first magic packet to the first ARP reply
    std::optional<Ipv4Address> ip;  ///< where it answered
};

struct WakeSettings {
    std::chrono::milliseconds wait{std::chrono::seconds(120)};
    int repeats = 3;  ///< magic packets per target, each raw and UDP
    std::chrono::milliseconds repeat_gap{100};
    std::chrono::milliseconds poll_interval{500};
    WolPassword password;
};

using Now = std::function<os::Clock::time_point()>;

/// Sends the magic packets and polls until every target answered or `wait` passed.
std::vector<WakeResult> wake_hosts(os::PacketIo& io, os::UdpBroadcast& udp, Ipv4Prefix own,
                                   const std::vector<WakeTarget>& targets, const WakeSettings& settings,
                                   const Now& now = os::Clock::now);

/// wake_hosts from the client's bridge, in its namespace: libpcap for ARP
/// and raw magic packets, a UDP broadcast socket for the others.
std::vector<WakeResult> wake_on_gateway(const Netconf& netconf, const Client& client,
                                        const std::vector<WakeTarget>& targets, const WakeSettings& settings);

/// A host on the client LAN: where it answers ARP.
struct LanHost {
    Ipv4Address ip;
    MacAddress mac;
};

/// ARP polls each host every `poll_interval` until it has missed
/// `quiet_polls` polls in a row (a PC shutting down still answers for a
/// while), or `wait` passes. One flag per host, true = off.
/// As wake_hosts without the magic packets: a PC coming back by itself (a restart).
std::vector<WakeResult> wait_hosts_on(os::PacketIo& io, Ipv4Prefix own, const std::vector<WakeTarget>& targets,
                                      std::chrono::milliseconds wait, std::chrono::milliseconds poll_interval,
                                      const Now& now = os::Clock::now);

std::vector<bool> wait_hosts_off(os::PacketIo& io, Ipv4Prefix own, const std::vector<LanHost>& hosts,
                                 std::chrono::milliseconds wait, std::chrono::milliseconds poll_interval,
                                 int quiet_polls = 3, const Now& now = os::Clock::now);

/// The hosts to wake, by name: netconf's `[[host]]` first, then the
/// inventory's named hosts; a MAC address stands for itself; `all` takes
/// every netconf host. An unknown name is a UsageError.
std::vector<WakeTarget> wake_targets(const Client& client, const Inventory& inventory,
                                     const std::vector<std::string>& names, bool all);

}  // namespace custode::app
