#include "netns/arp_flood.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include "custode/core/error.h"
#include "custode/core/wire.h"
#include "custode/os/netns.h"

namespace custode::testing {
namespace flood_frames {

using namespace wire;

/// A whole ARP frame with every field chosen, for the malformed ones.
Frame arp_frame(MacAddress destination, MacAddress source, std::uint16_t htype, std::uint16_t ptype, std::uint8_t hlen,
                std::uint8_t plen, std::uint16_t op, MacAddress sender_mac, Ipv4Address sender_ip,
                MacAddress target_mac, Ipv4Address target_ip) {
    Frame out;
    put_mac(out, destination);
    put_mac(out, source);
    put_u16(out, ethertype_arp);
    put_u16(out, htype);
    put_u16(out, ptype);
    out.push_back(hlen);
    out.push_back(plen);
    put_u16(out, op);
    put_mac(out, sender_mac);
    put_u32(out, sender_ip.value());
    put_mac(out, target_mac);
    put_u32(out, target_ip.value());
    if (out.size() < kMinimumFrame) out.resize(kMinimumFrame, 0);
    return out;
}

/// A reply from `sender` (Ethernet source and ARP sender alike).
Frame reply(MacAddress destination, MacAddress sender, Ipv4Address sender_ip, MacAddress target_mac,
            Ipv4Address target_ip) {
    return arp_frame(destination, sender, 1, ethertype_ipv4, 6, 4, 2, sender, sender_ip, target_mac, target_ip);
}

/// A MAC of the spoofed pool (02:66:...) at `at`, other than the fixed
/// "another MAC" (which stays put).
bool is_spoofed(const Frame& frame, std::size_t at) {
    return frame[at] == 0x02 && frame[at + 1] == 0x66 && !(frame[at + 4] == 0xff && frame[at + 5] == 0xfe);
}

}  // namespace flood_frames

MacAddress spoofed_mac(std::uint32_t n) {
    return MacAddress({0x02, 0x66, static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                       static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)});
}

std::vector<FloodFrame> hostile_frames(const FloodAim& aim) {
    using namespace flood_frames;
    const auto bc = MacAddress::broadcast();
    const auto spoof = spoofed_mac(0);  // rewritten at each send from the pool
    const auto other_mac = spoofed_mac(0xfffffe);
    const auto multicast = MacAddress({0x01, 0x00, 0x5e, 0x00, 0x00, 0x01});
    const auto gw = aim.gateway_mac;
    const auto me = aim.gateway_ip;
    std::vector<FloodFrame> out;
    const auto add = [&](std::string kind, Frame bytes) { out.push_back({std::move(kind), std::move(bytes)}); };
    std::vector<Ipv4Address> all = aim.real;
    all.insert(all.end(), aim.unused.begin(), aim.unused.end());
    all.insert(all.end(), aim.lab.begin(), aim.lab.end());
    for (const auto ip : all) {
        // Malformed: each would be a reply to custode for `ip` if it were well formed.
        auto truncated = reply(gw, spoof, ip, gw, me);
        truncated.resize(14 + 20);  // cut inside the sender's address, no padding
        add("truncated", std::move(truncated));
        add("hlen 8", arp_frame(gw, spoof, 1, ethertype_ipv4, 8, 4, 2, spoof, ip, gw, me));
        add("plen 16", arp_frame(gw, spoof, 1, ethertype_ipv4, 6, 16, 2, spoof, ip, gw, me));
        add("htype 6", arp_frame(gw, spoof, 6, ethertype_ipv4, 6, 4, 2, spoof, ip, gw, me));
        add("ptype 0x86dd", arp_frame(gw, spoof, 1, 0x86dd, 6, 4, 2, spoof, ip, gw, me));
        add("op 9", arp_frame(gw, spoof, 1, ethertype_ipv4, 6, 4, 9, spoof, ip, gw, me));
        // Spoofed, well formed, not addressed to custode.
        add("spoofed reply to another IP", reply(bc, spoof, ip, bc, ip == aim.real.front() ? aim.unused.front() : aim.real.front()));
        // To custode's MAC and IP, but the ARP target MAC is another host's.
        add("spoofed reply to custode's IP, another MAC", reply(gw, spoof, ip, other_mac, me));
        add("spoofed request", arp_frame(bc, spoof, 1, ethertype_ipv4, 6, 4, 1, spoof, ip, MacAddress{}, me));
        // Group or zero senders, addressed to custode.
        add("multicast sender", reply(gw, multicast, ip, gw, me));
        add("broadcast sender", reply(gw, bc, ip, gw, me));
        add("multicast ARP sender, unicast source",
            arp_frame(gw, spoof, 1, ethertype_ipv4, 6, 4, 2, multicast, ip, gw, me));
        add("zero sender", arp_frame(gw, spoof, 1, ethertype_ipv4, 6, 4, 2, MacAddress{}, ip, gw, me));
        // A well-formed reply to custode inside a jumbo frame.
        auto jumbo = reply(gw, spoof, ip, gw, me);
        jumbo.resize(9000, 0);
        add("jumbo", std::move(jumbo));
    }
    // Gratuitous ARP for custode's own address and the lab's, reply and request.
    std::vector<Ipv4Address> claimed{me};
    claimed.insert(claimed.end(), aim.lab.begin(), aim.lab.end());
    for (const auto ip : claimed) {
        add("gratuitous reply", reply(bc, spoof, ip, bc, ip));
        add("gratuitous request", arp_frame(bc, spoof, 1, ethertype_ipv4, 6, 4, 1, spoof, ip, MacAddress{}, ip));
    }
    return out;
}

ArpFlood::ArpFlood(const std::string& ns, const std::string& interface, std::vector<FloodFrame> frames, double rate,
                   std::uint32_t mac_pool)
    : frames_(std::move(frames)), rate_(rate), mac_pool_(mac_pool) {
    if (frames_.empty()) throw UsageError("ArpFlood: no frames");
    socket_ = os::in_namespace(os::NamespaceFd::open_named(ns), [&] {
        const int fd = ::socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
        if (fd < 0) throw SystemError("socket(AF_PACKET) in " + ns, errno, "");
        ifindex_ = static_cast<int>(::if_nametoindex(interface.c_str()));
        return fd;
    });
    if (ifindex_ == 0) {
        ::close(socket_);
        throw SystemError("if_nametoindex " + interface + " in " + ns, ENODEV, "");
    }
    sender_ = std::thread([this] { run(); });
}

ArpFlood::~ArpFlood() {
    stop();
    if (socket_ >= 0) ::close(socket_);
}

FloodCount ArpFlood::stop() {
    stopping_ = true;
    if (sender_.joinable()) sender_.join();
    return count_;
}

void ArpFlood::run() {
    using Clock = std::chrono::steady_clock;
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex_;
    to.sll_halen = 6;
    const auto started = Clock::now();
    using flood_frames::is_spoofed;
    std::uint64_t attempted = 0;
    std::uint32_t next_mac = 1;
    std::size_t next_frame = 0;
    while (!stopping_) {
        // Pacing: as many frames as the rate allows by now, then a millisecond's sleep.
        const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
        const auto due = static_cast<std::uint64_t>(elapsed * rate_);
        for (; attempted < due && !stopping_; ++attempted) {
            auto& frame = frames_[next_frame];
            next_frame = (next_frame + 1) % frames_.size();
            const auto mac = spoofed_mac(1 + next_mac++ % mac_pool_);
            for (const std::size_t at : {std::size_t{6}, std::size_t{22}})  // Ethernet source, ARP sender
                if (frame.bytes.size() >= at + 6 && is_spoofed(frame.bytes, at))
                    std::copy(mac.bytes().begin(), mac.bytes().end(), frame.bytes.begin() + static_cast<std::ptrdiff_t>(at));
            std::memcpy(to.sll_addr, frame.bytes.data(), 6);
            if (::sendto(socket_, frame.bytes.data(), frame.bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                         sizeof to) == static_cast<ssize_t>(frame.bytes.size()))
                ++count_.frames;
            else
                ++count_.refused;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    count_.seconds = std::chrono::duration<double>(Clock::now() - started).count();
}

}  // namespace custode::testing
