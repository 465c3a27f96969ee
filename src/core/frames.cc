#include "custode/core/frames.h"
#include "custode/core/wire.h"

#include <algorithm>
#include <stdexcept>

/// Frame layouts, offsets from the start of the Ethernet header:
///   Ethernet: destination 0..5, source 6..11, EtherType 12..13, payload 14..
///   ARP body: htype 0..1, ptype 2..3, hlen 4, plen 5, op 6..7, sha 8..13,
///             spa 14..17, tha 18..23, tpa 24..27 (28 bytes)
///
/// Decisions for frames from the wire (docs/discovery.md, "Frames"):
/// * 802.1Q-tagged frames are ignored. custode captures on the client's bridge,
///   where the circuit's own tag is already gone; a frame that still carries a
///   tag belongs to another broadcast domain inside the client's LAN, and its
///   addresses are not ours to inventory.
/// * A multicast or all-zero MAC as the Ethernet source or the ARP sender is
///   never a real host (IEEE 802.3 forbids group source addresses): ignored.
/// * The Ethernet source may differ from the ARP sender (bridges, proxy ARP):
///   both are kept; callers match on the ARP sender.
/// * Trailing bytes (padding to 60, a captured FCS) are allowed up to the
///   largest frame a tagged link can carry.
namespace custode {
namespace {

constexpr std::size_t kArpBody = 28;
constexpr std::size_t kMagicRepeats = 16;
constexpr std::size_t kMagicLength = 6 + kMagicRepeats * 6;

constexpr std::uint16_t kHardwareEthernet = 1;
constexpr std::uint8_t kIpProtocolUdp = 17;
constexpr std::size_t kUdpHeader = 8;

using namespace wire;

void put_ethernet_header(Frame& out, MacAddress destination, MacAddress source, std::uint16_t ethertype) {
    put_mac(out, destination);
    put_mac(out, source);
    put_u16(out, ethertype);
}

void pad_to_minimum(Frame& out) {
    if (out.size() < kMinimumFrame) out.resize(kMinimumFrame, 0);
}

/// A host address: neither a group address nor the unset all-zero one.
bool is_station(MacAddress mac) { return !mac.is_multicast() && !mac.is_zero(); }

/// The payload of an untagged Ethernet frame of `ethertype` within the size limit.
std::optional<Bytes> ethernet_payload(Bytes frame, std::uint16_t ethertype) {
    if (frame.size() < kEthernetHeader || frame.size() > maximum_frame) return std::nullopt;
    if (get_u16(frame, 12) != ethertype) return std::nullopt;
    return frame.subspan(kEthernetHeader);
}

Frame build_arp(ArpPacket::Op op, MacAddress destination, MacAddress sender_mac, Ipv4Address sender_ip,
                MacAddress target_mac, Ipv4Address target_ip) {
    Frame out;
    out.reserve(kMinimumFrame);
    put_ethernet_header(out, destination, sender_mac, ethertype_arp);
    put_u16(out, kHardwareEthernet);
    put_u16(out, ethertype_ipv4);
    out.push_back(6);
    out.push_back(4);
    put_u16(out, static_cast<std::uint16_t>(op));
    put_mac(out, sender_mac);
    put_u32(out, sender_ip.value());
    put_mac(out, target_mac);
    put_u32(out, target_ip.value());
    pad_to_minimum(out);
    return out;
}

bool arp_header_is_ethernet_ipv4(Bytes body) {
    return get_u16(body, 0) == kHardwareEthernet && get_u16(body, 2) == ethertype_ipv4 && body[4] == 6 &&
           body[5] == 4;
}

std::optional<ArpPacket::Op> arp_op(std::uint16_t value) {
    if (value == static_cast<std::uint16_t>(ArpPacket::Op::request)) return ArpPacket::Op::request;
    if (value == static_cast<std::uint16_t>(ArpPacket::Op::reply)) return ArpPacket::Op::reply;
    return std::nullopt;
}

/// The MAC of the first magic sequence in `payload` (6 x 0xFF, then 16 copies
/// of one MAC), searched anywhere as a NIC does; nullopt if there is none.
std::optional<MacAddress> find_magic(Bytes payload) {
    if (payload.size() < kMagicLength) return std::nullopt;
    for (std::size_t at = 0; at + kMagicLength <= payload.size(); ++at) {
        const auto sync = payload.subspan(at, 6);
        if (!std::all_of(sync.begin(), sync.end(), [](std::uint8_t b) { return b == 0xff; })) continue;
        const auto first = payload.subspan(at + 6, 6);
        bool repeated = true;
        for (std::size_t copy = 1; copy < kMagicRepeats && repeated; ++copy)
            repeated = std::equal(first.begin(), first.end(), payload.begin() + static_cast<std::ptrdiff_t>(at + 6 + copy * 6));
        if (!repeated) continue;
        const auto mac = get_mac(payload, at + 6);
        if (is_station(mac)) return mac;
    }
    return std::nullopt;
}

/// The UDP payload of an unfragmented IPv4/UDP packet, checked against the
/// IP and UDP length fields; nullopt for anything else.
std::optional<Bytes> udp_payload(Bytes ip) {
    if (ip.size() < 20 || (ip[0] >> 4) != 4) return std::nullopt;
    const std::size_t header = std::size_t{static_cast<std::uint8_t>(ip[0] & 0x0f)} * 4;
    const std::size_t total = get_u16(ip, 2);
    const bool fragment = (get_u16(ip, 6) & 0x3fff) != 0;  ///< MF flag or an offset
    if (header < 20 || total < header + kUdpHeader || total > ip.size() || fragment) return std::nullopt;
    if (ip[9] != kIpProtocolUdp) return std::nullopt;
    const auto udp = ip.subspan(header, total - header);
    const std::size_t udp_length = get_u16(udp, 4);
    if (udp_length < kUdpHeader || udp_length > udp.size()) return std::nullopt;
    return udp.subspan(kUdpHeader, udp_length - kUdpHeader);
}

}  // namespace

Frame build_arp_request(MacAddress source_mac, Ipv4Address source_ip, Ipv4Address target, MacAddress destination) {
    return build_arp(ArpPacket::Op::request, destination, source_mac, source_ip, MacAddress{}, target);
}

Frame build_arp_reply(MacAddress source_mac, Ipv4Address source_ip, MacAddress target_mac, Ipv4Address target_ip) {
    return build_arp(ArpPacket::Op::reply, target_mac, source_mac, source_ip, target_mac, target_ip);
}

std::optional<ArpPacket> parse_arp(std::span<const std::uint8_t> frame) {
    const auto body = ethernet_payload(frame, ethertype_arp);
    if (!body || body->size() < kArpBody || !arp_header_is_ethernet_ipv4(*body)) return std::nullopt;
    const auto op = arp_op(get_u16(*body, 6));
    if (!op) return std::nullopt;
    ArpPacket packet;
    packet.op = *op;
    packet.ethernet_source = get_mac(frame, 6);
    packet.sender_mac = get_mac(*body, 8);
    packet.sender_ip = Ipv4Address(get_u32(*body, 14));
    packet.target_mac = get_mac(*body, 18);
    packet.target_ip = Ipv4Address(get_u32(*body, 24));
    if (!is_station(packet.ethernet_source) || !is_station(packet.sender_mac)) return std::nullopt;
    return packet;
}

std::vector<std::uint8_t> magic_payload(MacAddress target, const WolPassword& password) {
    if (!password.empty() && password.size() != 4 && password.size() != 6)
        throw std::invalid_argument("a SecureOn password has 4 or 6 bytes");
    std::vector<std::uint8_t> out(6, 0xff);
    out.reserve(kMagicLength + password.size());
    for (std::size_t copy = 0; copy < kMagicRepeats; ++copy)
        out.insert(out.end(), target.bytes().begin(), target.bytes().end());
    out.insert(out.end(), password.begin(), password.end());
    return out;
}

Frame build_wol_frame(MacAddress source_mac, MacAddress target, const WolPassword& password) {
    Frame out;
    put_ethernet_header(out, MacAddress::broadcast(), source_mac, ethertype_wol);
    const auto payload = magic_payload(target, password);
    out.insert(out.end(), payload.begin(), payload.end());
    pad_to_minimum(out);
    return out;
}

std::optional<MacAddress> parse_magic_packet(std::span<const std::uint8_t> frame) {
    if (const auto raw = ethernet_payload(frame, ethertype_wol)) return find_magic(*raw);
    const auto ip = ethernet_payload(frame, ethertype_ipv4);
    if (!ip) return std::nullopt;
    const auto udp = udp_payload(*ip);
    if (!udp) return std::nullopt;
    return find_magic(*udp);
}

}  // namespace custode
