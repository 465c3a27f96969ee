#pragma once
/// `custode check CLIENT`: the acceptance test of a provisioned circuit,
/// from the client's namespace. It sends only what a scan and a ping would:
/// ARP for the control and for the gateway's own address (an RFC 5227 probe),
/// ICMP echoes to the control, and DF echoes of growing size for the path MTU.

#include <chrono>
#include <functional>
#include <string>

#include "custode/core/circuit_check.h"
#include "custode/core/netconf.h"
#include "custode/os/packet_io.h"

namespace custode::app {

struct CircuitProbeTiming {
    int echoes = 20;                                  ///< latency and loss
    std::chrono::milliseconds echo_gap{50};
    std::chrono::milliseconds answer_wait{500};       ///< after the last frame of each step
    int smallest_packet = 576;                        ///< the MTU search's floor (IPv4's minimum reassembly size)
};

/// Probes the client's LAN through `io` (open on br0 in the client's
/// namespace, unfiltered) as `own` (the gateway's address there). `carrier`
/// and `circuit_mtu` come from the live circuit.
CircuitMeasurements probe_circuit(os::PacketIo& io, Ipv4Address own, Ipv4Address control, int circuit_mtu,
                                  bool carrier, const CircuitProbeTiming& timing,
                                  const std::function<os::Clock::time_point()>& now);

struct CircuitCheck {
    std::string client;
    Ipv4Address own_address;
    Ipv4Address control;
    CircuitMeasurements measured;
    CircuitVerdict verdict;
    double seconds = 0;
};

/// On the gateway: the client must be provisioned and have `lan.control`
/// (a UsageError otherwise, naming the file); the circuit's MTU and carrier
/// are read from the kernel, the probes sent from the client's namespace.
CircuitCheck check_on_gateway(const Netconf& netconf, const Client& client, const CircuitProbeTiming& timing = {});

}  // namespace custode::app
