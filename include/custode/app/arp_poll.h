#pragma once
/// The driver of core's ArpPoller on a PacketIo, shared by the disconnect
/// baseline, wake and the wait for PCs to power off.

#include <functional>

#include "custode/core/arp_poll.h"
#include "custode/os/packet_io.h"

namespace custode::app {

/// Runs the poll to its end. Requests carry `sender_ip` (0.0.0.0 for
/// RFC 5227 probes, which teach no neighbour table a bogus address).
void run_arp_poll(os::PacketIo& io, Ipv4Address sender_ip, ArpPollRule& rule, const ArpPollTiming& timing,
                  const std::function<os::Clock::time_point()>& now);

}  // namespace custode::app
