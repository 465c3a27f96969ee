#pragma once
/// A hostile client LAN for the netns tests (docs/reliability.md, "Hostile
/// LAN"): an AF_PACKET sender on a veth of its own that floods the LAN with
/// malformed and spoofed ARP, gratuitous ARP, group sender MACs and frames
/// beyond the MTU, at a paced rate, from a thread, counting what it sent.
///
///   ArpFlood flood(site.ns, "fl0", frames, 20000);   // starts sending
///   ... run custode ...
///   const auto sent = flood.stop();                  // frames and seconds

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/frames.h"

namespace custode::testing {

/// What a flood sent: every frame the kernel took, and over how long.
struct FloodCount {
    std::uint64_t frames = 0;
    std::uint64_t refused = 0;  ///< send() errors (ENOBUFS under load): not counted as sent
    double seconds = 0;
    double rate() const { return seconds > 0 ? static_cast<double>(frames) / seconds : 0; }
};

/// The addresses a hostile LAN aims at.
struct FloodAim {
    MacAddress gateway_mac;          ///< custode's own MAC on the LAN (the client's br0)
    Ipv4Address gateway_ip;          ///< custode's own address on the LAN
    std::vector<Ipv4Address> real;   ///< hosts that exist: spoofed for, never with their MAC
    std::vector<Ipv4Address> unused; ///< addresses nobody holds
    std::vector<Ipv4Address> lab;    ///< lab addresses (the isolation check's targets)
};

/// The kinds of frames in one round of the flood (each `aim` address gets
/// its own of each kind where it applies). Named so a test can list them.
struct FloodFrame {
    std::string kind;
    Frame bytes;
};

/// One round of the hostile mix: truncated ARP, wrong hardware/protocol
/// types and lengths, an unknown op; spoofed replies for real, unused and lab
/// addresses from MACs that are not their owners', not addressed to custode
/// (another target IP, or custode's IP with another target MAC); gratuitous
/// ARP (reply and request) for custode's own address and for lab addresses;
/// replies with a multicast, broadcast or zero sender MAC (as ARP sender or
/// Ethernet source) addressed to custode; jumbo frames (9000 bytes) carrying
/// well-formed replies addressed to custode. Spoofed MACs are drawn from
/// a pool of locally administered MACs (02:66:..., see ArpFlood), so a defence
/// that keeps one entry per MAC is tested against many.
std::vector<FloodFrame> hostile_frames(const FloodAim& aim);

/// The n-th spoofed MAC: 02:66:00:<n>, never a harness or lab MAC.
MacAddress spoofed_mac(std::uint32_t n);

/// Sends `frames` round-robin on `interface` in namespace `ns` at about
/// `rate` frames per second (paced every millisecond) until stop().
/// A spoofed MAC (02:66:...) as Ethernet source or ARP sender becomes the
/// next of `mac_pool` spoofed MACs at each send.
class ArpFlood {
public:
    ArpFlood(const std::string& ns, const std::string& interface, std::vector<FloodFrame> frames, double rate,
             std::uint32_t mac_pool = 4096);
    ~ArpFlood();
    ArpFlood(const ArpFlood&) = delete;
    ArpFlood& operator=(const ArpFlood&) = delete;

    /// Stops and joins the sender; idempotent.
    FloodCount stop();

private:
    void run();

    int socket_ = -1;
    int ifindex_ = 0;
    std::vector<FloodFrame> frames_;
    double rate_;
    std::uint32_t mac_pool_;
    std::atomic<bool> stopping_{false};
    FloodCount count_;
    std::thread sender_;
};

}  // namespace custode::testing
