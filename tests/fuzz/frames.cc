/// Frames off a client LAN: Ethernet, ARP, IPv4 with ICMP, TCP and UDP, and
/// Wake-on-LAN. The parsers return nullopt for anything they refuse and
/// never throw (core/frames.h, core/ip_frames.h).

#include "custode/core/frames.h"
#include "custode/core/ip_frames.h"
#include "fuzz/fuzz_target.h"

namespace custode::fuzz {

void frames(Bytes bytes) {
    const auto ethernet = parse_ethernet(bytes);
    expect(ethernet.has_value() == (bytes.size() >= 14), "parse_ethernet reads every frame of 14 bytes or more");

    if (parse_arp(bytes))
        expect(ethernet && ethernet->ethertype == ethertype_arp,
               "an ARP packet comes in an ARP frame");
    parse_magic_packet(bytes);
    if (const auto reply = parse_ip_reply(bytes))
        expect(reply->kind == IpReply::Kind::tcp || reply->kind == IpReply::Kind::icmp_echo_reply,
               "an IPv4 reply is ICMP or TCP");
    parse_udp_source(bytes, 67);
    // Any source port: the first two bytes choose it.
    if (bytes.size() >= 2) parse_udp_source(bytes, static_cast<std::uint16_t>(bytes[0] << 8 | bytes[1]));
}

}  // namespace custode::fuzz

CUSTODE_FUZZ_TARGET(frames)
