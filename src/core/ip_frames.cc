#include "custode/core/ip_frames.h"

#include <algorithm>
#include <string_view>

#include "custode/core/wire.h"

/// Frame layouts (offsets from the Ethernet header): Ethernet 0..13, IPv4
/// 14..33 (no options when we build; IHL honoured when we parse), then ICMP
/// (type, code, checksum, id, sequence) or TCP (ports, seq, ack, offset,
/// flags, window, checksum, urgent).
namespace custode {
namespace {

using namespace wire;

constexpr std::size_t kIpHeader = 20;
constexpr std::uint8_t kDefaultTtl = 64;
constexpr std::string_view kIcmpPayload = "custode-isolation!";  ///< 18 bytes: 60-byte frame

/// RFC 1071 one's complement sum, folded; `initial` carries a pseudo header.
std::uint16_t checksum(Bytes data, std::uint32_t initial = 0) {
    std::uint32_t sum = initial;
    for (std::size_t i = 0; i + 1 < data.size(); i += 2) sum += get_u16(data, i);
    if (data.size() % 2 == 1) sum += std::uint32_t{data.back()} << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

/// Ethernet + IPv4 header for a payload of `payload` bytes; checksum filled.
Frame ip_header(const IpEndpoints& to, std::uint8_t protocol, std::size_t payload) {
    Frame out;
    out.reserve(kMinimumFrame);
    put_mac(out, to.destination_mac);
    put_mac(out, to.source_mac);
    put_u16(out, ethertype_ipv4);
    out.push_back(0x45);
    out.push_back(0);
    put_u16(out, static_cast<std::uint16_t>(kIpHeader + payload));
    put_u16(out, 0);       // identification: DF set, never fragmented
    put_u16(out, 0x4000);  // DF
    out.push_back(kDefaultTtl);
    out.push_back(protocol);
    put_u16(out, 0);
    put_u32(out, to.source_ip.value());
    put_u32(out, to.destination_ip.value());
    set_u16(out, kEthernetHeader + 10, checksum(Bytes(out).subspan(kEthernetHeader, kIpHeader)));
    return out;
}

void pad(Frame& frame) {
    if (frame.size() < kMinimumFrame) frame.resize(kMinimumFrame, 0);
}

/// An echo whose payload is `payload` bytes of kIcmpPayload, repeated.
Frame icmp_echo(const IpEndpoints& to, std::uint8_t type, std::uint16_t id, std::uint16_t sequence,
                std::size_t payload = kIcmpPayload.size()) {
    Frame out = ip_header(to, ip_protocol_icmp, 8 + payload);
    const std::size_t start = out.size();
    out.push_back(type);
    out.push_back(0);
    put_u16(out, 0);
    put_u16(out, id);
    put_u16(out, sequence);
    for (std::size_t i = 0; i < payload; ++i) out.push_back(static_cast<std::uint8_t>(kIcmpPayload[i % kIcmpPayload.size()]));
    set_u16(out, start + 2, checksum(Bytes(out).subspan(start)));
    pad(out);
    return out;
}

Frame tcp_segment(const IpEndpoints& to, std::uint16_t source_port, std::uint16_t destination_port,
                  std::uint32_t sequence, std::uint8_t flags) {
    constexpr std::size_t kTcpHeader = 20;
    Frame out = ip_header(to, ip_protocol_tcp, kTcpHeader);
    const std::size_t start = out.size();
    put_u16(out, source_port);
    put_u16(out, destination_port);
    put_u32(out, sequence);
    put_u32(out, (flags & tcp_flag_ack) ? 1u : 0u);
    out.push_back(0x50);  // data offset 5 words
    out.push_back(flags);
    put_u16(out, 64240);
    put_u16(out, 0);
    put_u16(out, 0);
    /// Pseudo header: source, destination, protocol, TCP length.
    std::uint32_t pseudo = (to.source_ip.value() >> 16) + (to.source_ip.value() & 0xffff) +
                           (to.destination_ip.value() >> 16) + (to.destination_ip.value() & 0xffff) +
                           ip_protocol_tcp + kTcpHeader;
    set_u16(out, start + 16, checksum(Bytes(out).subspan(start), pseudo));
    pad(out);
    return out;
}

/// An untagged IPv4 packet that is the first (or only) fragment: the
/// packet from its header on, and its payload after the header (IHL honoured).
struct Ipv4Packet {
    Bytes packet;
    Bytes payload;
};

std::optional<Ipv4Packet> first_fragment(Bytes frame) {
    if (frame.size() < kEthernetHeader + kIpHeader || get_u16(frame, 12) != ethertype_ipv4) return std::nullopt;
    const Bytes ip = frame.subspan(kEthernetHeader);
    if ((ip[0] >> 4) != 4) return std::nullopt;
    const std::size_t header = std::size_t{ip[0] & 0x0fu} * 4;
    if (header < kIpHeader || ip.size() < header) return std::nullopt;
    if ((get_u16(ip, 6) & 0x1fff) != 0) return std::nullopt;  // a later fragment
    return Ipv4Packet{ip, ip.subspan(header)};
}

}  // namespace

Frame build_icmp_echo(const IpEndpoints& to, std::uint16_t id, std::uint16_t sequence) {
    return icmp_echo(to, 8, id, sequence);
}
Frame build_icmp_echo_of_size(const IpEndpoints& to, std::uint16_t id, std::uint16_t sequence, std::size_t packet_size) {
    return icmp_echo(to, 8, id, sequence, std::max(packet_size, kIpHeader + 8) - kIpHeader - 8);
}
Frame build_icmp_echo_reply(const IpEndpoints& from, std::uint16_t id, std::uint16_t sequence) {
    return icmp_echo(from, 0, id, sequence);
}
Frame build_tcp_syn(const IpEndpoints& to, std::uint16_t source_port, std::uint16_t destination_port,
                    std::uint32_t sequence) {
    return tcp_segment(to, source_port, destination_port, sequence, tcp_flag_syn);
}
Frame build_tcp_reply(const IpEndpoints& from, std::uint16_t source_port, std::uint16_t destination_port,
                      std::uint8_t flags) {
    return tcp_segment(from, source_port, destination_port, 0x1000, flags);
}

std::optional<EthernetHeader> parse_ethernet(std::span<const std::uint8_t> frame) {
    if (frame.size() < kEthernetHeader) return std::nullopt;
    return EthernetHeader{get_mac(frame, 6), get_u16(frame, 12)};
}

std::optional<Ipv4Address> parse_udp_source(std::span<const std::uint8_t> frame, std::uint16_t source_port) {
    constexpr std::uint8_t ip_protocol_udp = 17;
    const auto ip = first_fragment(frame);
    if (!ip || ip->packet[9] != ip_protocol_udp || ip->payload.size() < 8 || get_u16(ip->payload, 0) != source_port)
        return std::nullopt;
    return Ipv4Address(get_u32(ip->packet, 12));
}

std::optional<IpReply> parse_ip_reply(std::span<const std::uint8_t> frame) {
    const auto first = first_fragment(frame);
    if (!first) return std::nullopt;
    const Bytes ip = first->packet;
    IpReply reply;
    reply.ethernet_source = get_mac(frame, 6);
    reply.source_ip = Ipv4Address(get_u32(ip, 12));
    reply.destination_ip = Ipv4Address(get_u32(ip, 16));
    reply.packet_size = get_u16(ip, 2);
    reply.fragmented = (get_u16(ip, 6) & 0x2000) != 0;
    const Bytes payload = first->payload;
    if (ip[9] == ip_protocol_icmp) {
        if (payload.size() < 8 || payload[0] != 0 || payload[1] != 0) return std::nullopt;
        reply.kind = IpReply::Kind::icmp_echo_reply;
        reply.icmp_id = get_u16(payload, 4);
        reply.icmp_sequence = get_u16(payload, 6);
        return reply;
    }
    if (ip[9] == ip_protocol_tcp) {
        if (payload.size() < 14) return std::nullopt;
        reply.kind = IpReply::Kind::tcp;
        reply.source_port = get_u16(payload, 0);
        reply.destination_port = get_u16(payload, 2);
        reply.tcp_flags = payload[13];
        return reply;
    }
    return std::nullopt;
}

}  // namespace custode
