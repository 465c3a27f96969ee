#pragma once
/// IPv4 probe frames, built and parsed: ICMP echo and TCP SYN for the
/// isolation check, their answers, and the Ethernet header of any frame.
/// Beside core/frames.h (ARP and Wake-on-LAN); golden-tested both ways.

#include <cstdint>
#include <optional>
#include <span>

#include "custode/core/address.h"
#include "custode/core/frames.h"

namespace custode {

inline constexpr std::uint8_t ip_protocol_icmp = 1;
inline constexpr std::uint8_t ip_protocol_tcp = 6;
inline constexpr std::uint8_t tcp_flag_rst = 0x04;
inline constexpr std::uint8_t tcp_flag_syn = 0x02;
inline constexpr std::uint8_t tcp_flag_ack = 0x10;

struct IpEndpoints {
    MacAddress source_mac;
    MacAddress destination_mac;
    Ipv4Address source_ip;
    Ipv4Address destination_ip;
};

/// ICMP echo request (18 bytes of payload: the frame is 60 bytes).
Frame build_icmp_echo(const IpEndpoints& to, std::uint16_t id, std::uint16_t sequence);
/// ICMP echo request of `packet_size` IPv4 bytes (headers included; at
/// least 28), DF set: the probe of a path's MTU.
Frame build_icmp_echo_of_size(const IpEndpoints& to, std::uint16_t id, std::uint16_t sequence, std::size_t packet_size);
/// TCP SYN without options, padded to 60 bytes.
Frame build_tcp_syn(const IpEndpoints& to, std::uint16_t source_port, std::uint16_t destination_port,
                    std::uint32_t sequence);
/// An ICMP echo reply (what a host answers; for tests).
Frame build_icmp_echo_reply(const IpEndpoints& from, std::uint16_t id, std::uint16_t sequence);
/// A TCP segment with `flags` (SYN-ACK or RST; for tests).
Frame build_tcp_reply(const IpEndpoints& from, std::uint16_t source_port, std::uint16_t destination_port,
                      std::uint8_t flags);

/// An IPv4 reply as the check reads it.
struct IpReply {
    enum class Kind { icmp_echo_reply, tcp };
    Kind kind = Kind::icmp_echo_reply;
    MacAddress ethernet_source;
    Ipv4Address source_ip;
    Ipv4Address destination_ip;
    std::uint16_t icmp_id = 0, icmp_sequence = 0;
    std::uint16_t source_port = 0, destination_port = 0;
    std::uint8_t tcp_flags = 0;
    std::uint16_t packet_size = 0;  ///< the IPv4 total length
    bool fragmented = false;        ///< the first of several fragments (MF set)
};

/// An untagged Ethernet/IPv4 ICMP echo reply or TCP segment (first fragment,
/// checksums not checked: a corrupt answer still shows who answered), or nullopt.
std::optional<IpReply> parse_ip_reply(std::span<const std::uint8_t> frame);

/// The IPv4 source of an untagged UDP datagram sent from `source_port` (67:
/// a DHCP server), or nullopt.
std::optional<Ipv4Address> parse_udp_source(std::span<const std::uint8_t> frame, std::uint16_t source_port);

/// The Ethernet source and EtherType of any frame of at least 14 bytes.
struct EthernetHeader {
    MacAddress source;
    std::uint16_t ethertype = 0;
};
std::optional<EthernetHeader> parse_ethernet(std::span<const std::uint8_t> frame);

}  // namespace custode
