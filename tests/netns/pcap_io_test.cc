/// The libpcap PacketIo and the UDP broadcast socket on real namespaces.

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>
#include <unistd.h>

#include "custode/core/error.h"
#include "custode/core/frames.h"
#include "custode/os/packet_io.h"
#include "custode/os/udp_broadcast.h"
#include "support/literals.h"
#include "support/root.h"
#include "testbed/testbed.h"

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
using custode::os::Clock;
using namespace std::chrono_literals;

namespace {

/// The gateway's end of a site's port, up, optionally with an address: what
/// custode's bridge looks like from the client LAN.
void bring_up_port(Testbed& tb, const Site& site, const char* address = nullptr) {
    IpBatch batch(tb.gateway());
    if (address != nullptr) batch.add(std::string("addr add ") + address + " dev p-" + site.name);
    batch.add("link set p-" + site.name + " up").run();
}

/// The next frame that `accept` likes, or nullopt at the deadline.
template <class Accept>
std::optional<os::ReceivedFrame> receive_matching(os::PacketIo& io, Clock::time_point deadline, Accept accept) {
    while (auto frame = io.receive(deadline))
        if (accept(*frame)) return frame;
    return std::nullopt;
}

std::optional<ArpPacket> arp_reply_from(os::PacketIo& io, Ipv4Address from, Clock::time_point deadline) {
    const auto frame = receive_matching(io, deadline, [&](const os::ReceivedFrame& f) {
        const auto arp = parse_arp(f.bytes);
        return arp && arp->op == ArpPacket::Op::reply && arp->sender_ip == from;
    });
    if (!frame) return std::nullopt;
    return parse_arp(frame->bytes);
}

/// The MAC iproute2 shows for `dev` in `ns`.
MacAddress link_mac(const std::string& ns, const std::string& dev) {
    const auto text = run_checked({"ip", "-n", ns, "-o", "link", "show", "dev", dev});
    const auto at = text.find("link/ether ");
    REQUIRE(at != std::string::npos);
    const auto mac = MacAddress::parse(text.substr(at + 11, 17));
    REQUIRE(mac);
    return *mac;
}

Frame ipv4_frame(MacAddress source) {
    Frame frame(60, 0);
    for (int i = 0; i < 6; ++i) frame[i] = 0xff;
    for (int i = 0; i < 6; ++i) frame[6 + i] = source.bytes()[i];
    frame[12] = 0x08;
    frame[13] = 0x00;
    frame[14] = 0x45;
    return frame;
}

}  // namespace

TEST_CASE("pcap: an ARP request from a client namespace gets the kernel host's reply", "[pcap]") {
    require_root();
    Testbed tb("pcap-arp");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    const auto hosts = tb.add_light_hosts(acme, 3, ip("192.168.1.10"));
    bring_up_port(tb, acme);

    const auto io = os::open_pcap("p-acme", "arp", tb.gateway());
    CHECK(io->mac() == link_mac(tb.gateway(), "p-acme"));

    const auto start = Clock::now();
    io->send(build_arp_request(io->mac(), ip("192.168.1.250"), hosts[1].ip));
    const auto reply = arp_reply_from(*io, hosts[1].ip, start + 10s);
    REQUIRE(reply);
    CHECK(reply->sender_mac == hosts[1].mac);
    CHECK(reply->ethernet_source == hosts[1].mac);
    CHECK(reply->target_mac == io->mac());
    CHECK(reply->target_ip == ip("192.168.1.250"));
    WARN("the kernel host's ARP reply read after " << (Clock::now() - start) / 1us << " us");
    CHECK(io->dropped() == 0);

    /// `at` is when the reply arrived, not when it was read: read a second
    /// after it was asked for (the reply takes well under a millisecond).
    const auto sent = Clock::now();
    io->send(build_arp_request(io->mac(), ip("192.168.1.250"), hosts[2].ip));
    std::this_thread::sleep_for(1s);
    const auto read_at = Clock::now();
    const auto late = io->receive(read_at + 10s);
    REQUIRE(late);
    WARN("reply stamped " << (late->at - sent) / 1us << " us after the request, read " << (read_at - sent) / 1ms
                          << " ms after it");
    CHECK(late->at >= sent);
    CHECK(late->at < read_at);
}

TEST_CASE("pcap: the MAC is the interface's in its own namespace", "[pcap]") {
    require_root();
    Testbed tb("pcap-mac");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    Site& bianchi = tb.site("bianchi", prefix("192.168.1.0/24"));
    IpBatch(acme.ns).add("link set br0 address 02:aa:00:00:00:01").run();
    IpBatch(bianchi.ns).add("link set br0 address 02:bb:00:00:00:01").run();
    /// Same interface name in both: each handle must see its own.
    CHECK(os::open_pcap("br0", "arp", acme.ns)->mac() == *MacAddress::parse("02:aa:00:00:00:01"));
    CHECK(os::open_pcap("br0", "arp", bianchi.ns)->mac() == *MacAddress::parse("02:bb:00:00:00:01"));
}

TEST_CASE("pcap: the filter passes only its frames, and our own sends never come back", "[pcap]") {
    require_root();
    Testbed tb("pcap-filter");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    bring_up_port(tb, acme);
    const auto gateway = os::open_pcap("p-acme", "arp", tb.gateway());
    const auto bridge = os::open_pcap("br0", "arp or ether proto 0x0842", acme.ns);
    const auto site_mac = bridge->mac();

    /// From the site's bridge: an IPv4 frame, a WoL frame, then an ARP request.
    bridge->send(ipv4_frame(site_mac));
    bridge->send(build_wol_frame(site_mac, *MacAddress::parse("02:00:00:00:00:42")));
    bridge->send(build_arp_request(site_mac, ip("192.168.1.1"), ip("192.168.1.99")));

    const auto first = gateway->receive(Clock::now() + 1s);
    REQUIRE(first);
    const auto arp = parse_arp(first->bytes);
    REQUIRE(arp);
    CHECK(arp->target_ip == ip("192.168.1.99"));
    CHECK_FALSE(gateway->receive(Clock::now() + 200ms));

    /// PCAP_D_IN on a bridge: the three frames br0 sent are not captured by br0.
    CHECK_FALSE(bridge->receive(Clock::now() + 200ms));
}

TEST_CASE("pcap: receive returns nothing at the deadline, after waiting for it", "[pcap]") {
    require_root();
    Testbed tb("pcap-deadline");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    const auto io = os::open_pcap("br0", "arp", acme.ns);
    for (const auto wait : {0ms, 50ms, 300ms}) {
        const auto start = Clock::now();
        CHECK_FALSE(io->receive(start + wait));
        const auto took = Clock::now() - start;
        INFO("a " << wait / 1ms << " ms deadline returned after " << took / 1us << " us");
        CHECK(took >= wait);
        CHECK(took < wait + 5s);  // at the deadline (about 0.1 ms late measured), never a hang
    }
    /// A deadline already past: an answer without waiting.
    const auto start = Clock::now();
    CHECK_FALSE(io->receive(start - 1s));
    CHECK(Clock::now() - start < 5s);
}

TEST_CASE("pcap: malformed frames from the wire reach the parsers and are refused", "[pcap]") {
    require_root();
    Testbed tb("pcap-malformed");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    bring_up_port(tb, acme);
    const auto gateway = os::open_pcap("p-acme", "arp or ether proto 0x0842 or udp", tb.gateway());
    const auto bridge = os::open_pcap("br0", "arp", acme.ns);
    const auto mac = bridge->mac();

    std::vector<Frame> bad;
    Frame arp = build_arp_request(mac, ip("192.168.1.1"), ip("192.168.1.2"));
    bad.push_back(Frame(arp.begin(), arp.begin() + 14));  // header only
    bad.push_back(Frame(arp.begin(), arp.begin() + 30));  // truncated body
    Frame wrong_lengths = arp;
    wrong_lengths[18] = 8;  // hardware address length 8
    bad.push_back(wrong_lengths);
    Frame bad_op = arp;
    bad_op[21] = 9;
    bad.push_back(bad_op);
    Frame short_wol = build_wol_frame(mac, *MacAddress::parse("02:00:00:00:00:42"));
    short_wol.resize(14 + 50);
    bad.push_back(short_wol);
    Frame oversized(1514, 0xff);
    std::copy(arp.begin(), arp.begin() + 14, oversized.begin());
    bad.push_back(oversized);
    for (const auto& frame : bad) bridge->send(frame);
    bridge->send(arp);  // a good one last: everything before it arrived

    int received = 0;
    for (;;) {
        const auto frame = gateway->receive(Clock::now() + 1s);
        REQUIRE(frame);
        ++received;
        CHECK(frame->bytes.size() <= 256);  // the snap length
        if (const auto parsed = parse_arp(frame->bytes)) {
            CHECK(parsed->target_ip == ip("192.168.1.2"));
            break;
        }
        CHECK_FALSE(parse_magic_packet(frame->bytes));
    }
    /// All seven arrived, the six bad ones refused by both parsers.
    CHECK(received == 7);
}

TEST_CASE("pcap: open failures name the interface or the filter", "[pcap]") {
    require_root();
    Testbed tb("pcap-errors");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    CHECK_THROWS_WITH(os::open_pcap("nosuch0", "arp", acme.ns), Catch::Contains("nosuch0"));
    CHECK_THROWS_WITH(os::open_pcap("br0", "arp and and", acme.ns), Catch::Contains("arp and and"));
    CHECK_THROWS_AS(os::open_pcap("br0", "arp", std::string("ctb-no-such-namespace")), SystemError);
    CHECK_THROWS_WITH(os::open_udp_broadcast("nosuch0", acme.ns), Catch::Contains("nosuch0"));
}

TEST_CASE("udp broadcast: the datagram leaves on the bound device, not the routed one", "[pcap]") {
    require_root();
    Testbed tb("pcap-udp");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    Site& bianchi = tb.site("bianchi", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    tb.connect_port(bianchi);
    /// Both clients use 192.168.1.0/24: the route alone cannot choose.
    bring_up_port(tb, acme, "192.168.1.250/24");
    bring_up_port(tb, bianchi, "192.168.1.251/24");
    const auto at_acme = os::open_pcap("br0", "udp port 9", acme.ns);
    const auto at_bianchi = os::open_pcap("br0", "udp port 9", bianchi.ns);
    const auto target = *MacAddress::parse("02:00:00:00:00:42");
    const auto payload = magic_payload(target);

    for (Site* site : {&bianchi, &acme}) {
        os::open_udp_broadcast("p-" + site->name, tb.gateway())->send(ip("192.168.1.255"), 9, payload);
        auto& right = site == &acme ? at_acme : at_bianchi;
        auto& wrong = site == &acme ? at_bianchi : at_acme;
        const auto frame = right->receive(Clock::now() + 1s);
        REQUIRE(frame);
        CHECK(parse_magic_packet(frame->bytes) == target);
        CHECK_FALSE(wrong->receive(Clock::now() + 200ms));
    }
}
