#pragma once
/// Raw Ethernet frames on one interface: what ARP scans, Wake-on-LAN and the
/// isolation check send and receive. Abstract so the scan scheduler and the
/// verdict rules are tested on a scripted fake; the real one is libpcap,
/// opened inside the client's namespace (a pcap handle keeps the namespace
/// its socket was opened in).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/frames.h"

namespace custode::os {

using Clock = std::chrono::steady_clock;

/// One received frame, from the Ethernet header on.
struct ReceivedFrame {
    std::vector<std::uint8_t> bytes;
    Clock::time_point at;  ///< when it arrived (the capture's stamp), not when it was read
};

class PacketIo {
public:
    virtual ~PacketIo() = default;

    /// The interface's own MAC address (the source of every frame custode sends).
    virtual MacAddress mac() const = 0;
    /// Sends one complete Ethernet frame; throws SystemError when the kernel refuses.
    virtual void send(std::span<const std::uint8_t> frame) = 0;
    /// Waits until `deadline` at most for the next frame that passed the filter.
    virtual std::optional<ReceivedFrame> receive(Clock::time_point deadline) = 0;
    /// Frames the capture dropped so far (a non-zero count makes a result doubtful).
    virtual std::uint64_t dropped() const = 0;
};

/// libpcap on `interface` in the calling thread's network namespace (or in
/// `namespace_name` when given), with a BPF filter such as "arp".
std::unique_ptr<PacketIo> open_pcap(const std::string& interface, const std::string& filter,
                                    const std::optional<std::string>& namespace_name = std::nullopt);

/// Whether the capture also sees unicast frames for other MACs. custode only
/// needs frames to itself and broadcasts; the LAN simulator answers for MACs
/// that are not the interface's and needs it on.
enum class Promiscuous { off, on };

/// Capture settings beyond the filter; the defaults suit ARP scans and WoL.
struct PcapOptions {
    Promiscuous promiscuous = Promiscuous::off;
    /// Bytes kept per frame: headers only, but a UDP magic packet (142 bytes
    /// plus a SecureOn password) must fit whole.
    int snaplen = 256;
    /// Kernel ring size: room for a /22's worth of replies arriving at once.
    int buffer_bytes = 4 << 20;
    /// Frames longer than this on the wire are skipped. The capture cuts a
    /// frame to `snaplen` and the parsers would see only its head: a jumbo
    /// frame carrying an ARP reply must not pass for a frame custode reads.
    /// nullopt keeps every frame (the isolation check's passive capture).
    std::optional<std::size_t> max_wire_length = maximum_frame;
};

/// open_pcap with explicit settings.
std::unique_ptr<PacketIo> open_pcap(const std::string& interface, const std::string& filter,
                                    const std::optional<std::string>& namespace_name, const PcapOptions& options);

}  // namespace custode::os
