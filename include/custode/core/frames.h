#pragma once
/// Ethernet frames custode builds and reads: ARP (RFC 826) and Wake-on-LAN
/// magic packets. Builders give complete frames, parsers take untrusted bytes
/// from the wire and return nullopt for anything short, truncated, oversized
/// or odd; they never read past the span.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "custode/core/address.h"

namespace custode {

inline constexpr std::uint16_t ethertype_ipv4 = 0x0800;
inline constexpr std::uint16_t ethertype_arp = 0x0806;
inline constexpr std::uint16_t ethertype_wol = 0x0842;

using Frame = std::vector<std::uint8_t>;

/// 1500-byte payload + header + an 802.1Q tag + FCS: nothing longer is a
/// frame custode reads (a jumbo or beyond-MTU frame is refused).
inline constexpr std::size_t maximum_frame = 1522;

struct ArpPacket {
    enum class Op : std::uint16_t { request = 1, reply = 2 };
    Op op = Op::request;
    MacAddress ethernet_source;  ///< from the Ethernet header, not the ARP body
    MacAddress sender_mac;
    Ipv4Address sender_ip;
    MacAddress target_mac;
    Ipv4Address target_ip;

    bool operator==(const ArpPacket&) const = default;
};

/// An ARP request from (`source_mac`, `source_ip`) for `target`, to the
/// broadcast address, or to `destination` for a unicast probe. Padded to 60 bytes.
Frame build_arp_request(MacAddress source_mac, Ipv4Address source_ip, Ipv4Address target,
                        MacAddress destination = MacAddress::broadcast());
/// An ARP reply (what a simulated PC sends).
Frame build_arp_reply(MacAddress source_mac, Ipv4Address source_ip, MacAddress target_mac, Ipv4Address target_ip);
/// An Ethernet/IPv4 ARP packet, or nullopt.
std::optional<ArpPacket> parse_arp(std::span<const std::uint8_t> frame);

/// A SecureOn password: none, 4 or 6 bytes.
using WolPassword = std::vector<std::uint8_t>;

/// 6 x 0xFF, 16 x the MAC, then the password.
std::vector<std::uint8_t> magic_payload(MacAddress target, const WolPassword& password = {});
/// The magic packet as a raw EtherType 0x0842 broadcast frame.
Frame build_wol_frame(MacAddress source_mac, MacAddress target, const WolPassword& password = {});
/// The MAC a magic packet wakes, found in a 0x0842 frame or in an IPv4/UDP
/// datagram (any port) carrying the magic payload; nullopt otherwise.
std::optional<MacAddress> parse_magic_packet(std::span<const std::uint8_t> frame);

}  // namespace custode
