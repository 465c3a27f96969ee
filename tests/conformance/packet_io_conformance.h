#pragma once
/// One body of checks run against the scripted packet I/O (unit) and against
/// libpcap on a real namespace with a kernel host (netns): a host answers an
/// ARP request sent to the broadcast address or to its own MAC, never one sent
/// to another MAC, nobody answers for an address nobody has, and replies come
/// to our MAC. So the fake can never answer what the wire would not carry.

#include <catch2/catch.hpp>

#include <functional>
#include <vector>

#include "custode/core/frames.h"
#include "custode/os/packet_io.h"
#include "support/literals.h"

namespace custode::testing {

struct PacketIoRig {
    Ipv4Address own_ip;  ///< the address our requests claim as sender
    Ipv4Address host_ip;
    MacAddress host_mac;  ///< the one host that has host_ip
    Ipv4Address unused_ip;  ///< an address nobody on the LAN has
    std::function<os::Clock::time_point()> now;  ///< the clock receive() deadlines are on
    os::Clock::duration patience;  ///< how long to wait for a reply that should come (or not)
};

/// The ARP replies for `from` that arrive within the rig's patience.
inline std::vector<ArpPacket> conformance_replies(os::PacketIo& io, const PacketIoRig& rig, Ipv4Address from) {
    std::vector<ArpPacket> replies;
    const auto deadline = rig.now() + rig.patience;
    while (const auto frame = io.receive(deadline)) {
        const auto arp = parse_arp(frame->bytes);
        if (!arp || arp->op != ArpPacket::Op::reply || arp->sender_ip != from) continue;
        const MacAddress destination(MacAddress::Bytes{frame->bytes[0], frame->bytes[1], frame->bytes[2],
                                                       frame->bytes[3], frame->bytes[4], frame->bytes[5]});
        CHECK(destination == io.mac());
        replies.push_back(*arp);
    }
    return replies;
}

inline void check_packet_io_conformance(os::PacketIo& io, const PacketIoRig& rig) {
    CHECK_FALSE(io.mac().is_multicast());
    CHECK_FALSE(io.mac().is_zero());

    SECTION("a request to the broadcast address is answered by the host, to us") {
        io.send(build_arp_request(io.mac(), rig.own_ip, rig.host_ip));
        const auto replies = conformance_replies(io, rig, rig.host_ip);
        REQUIRE(replies.size() == 1);
        CHECK(replies[0].sender_mac == rig.host_mac);
        CHECK(replies[0].ethernet_source == rig.host_mac);
        CHECK(replies[0].target_mac == io.mac());
        CHECK(replies[0].target_ip == rig.own_ip);
    }
    SECTION("a request to the host's own MAC is answered") {
        io.send(build_arp_request(io.mac(), rig.own_ip, rig.host_ip, rig.host_mac));
        const auto replies = conformance_replies(io, rig, rig.host_ip);
        REQUIRE(replies.size() == 1);
        CHECK(replies[0].sender_mac == rig.host_mac);
    }
    SECTION("a request to another MAC is not answered") {
        io.send(build_arp_request(io.mac(), rig.own_ip, rig.host_ip, mac("02:00:00:00:00:99")));
        CHECK(conformance_replies(io, rig, rig.host_ip).empty());
    }
    SECTION("nobody answers for an address nobody has") {
        io.send(build_arp_request(io.mac(), rig.own_ip, rig.unused_ip));
        CHECK(conformance_replies(io, rig, rig.unused_ip).empty());
    }
    CHECK(io.dropped() == 0);
}

}  // namespace custode::testing
