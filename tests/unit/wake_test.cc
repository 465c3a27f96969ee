#include <catch2/catch.hpp>

#include "custode/app/wake.h"
#include "custode/core/error.h"
#include "fake_packet_io.h"

using namespace custode;
using namespace custode::testing;

namespace {

/// Records the UDP copies of the magic packets.
struct FakeUdp : os::UdpBroadcast {
    struct Datagram {
        Ipv4Address address;
        std::uint16_t port;
        std::vector<std::uint8_t> payload;
    };
    std::vector<Datagram> sent;
    void send(Ipv4Address address, std::uint16_t port, std::span<const std::uint8_t> payload) override {
        sent.push_back({address, port, {payload.begin(), payload.end()}});
    }
};

const auto own = *Ipv4Prefix::parse("192.168.1.250/24");
const auto gateway_mac = *MacAddress::parse("02:00:00:00:00:fa");
const auto pc_mac = *MacAddress::parse("00:11:22:33:44:55");
const auto other_mac = *MacAddress::parse("00:11:22:33:44:66");

app::WakeSettings quick(std::chrono::milliseconds wait) {
    app::WakeSettings settings;
    settings.wait = wait;
    settings.repeat_gap = std::chrono::milliseconds(0);
    return settings;
}

std::vector<MacAddress> woken_by_raw_frames(const FakePacketIo& io) {
    std::vector<MacAddress> macs;
    for (const auto& frame : io.sent())
        if (auto mac = parse_magic_packet(frame.bytes)) macs.push_back(*mac);
    return macs;
}

}  // namespace

TEST_CASE("magic packets go out raw and as UDP to port 9 of the subnet broadcast", "[wake]") {
    FakeClock clock;
    FakePacketIo io(gateway_mac, clock);
    FakeUdp udp;
    io.answer(*Ipv4Address::parse("192.168.1.21"), pc_mac);
    const auto results = app::wake_hosts(io, udp, own, {{"reception", pc_mac, Ipv4Address::parse("192.168.1.21")}},
                                         quick(std::chrono::seconds(5)), [&] { return clock.now(); });
    CHECK(woken_by_raw_frames(io) == std::vector<MacAddress>(3, pc_mac));
    REQUIRE(udp.sent.size() == 3);
    CHECK(udp.sent[0].address.to_string() == "192.168.1.255");
    CHECK(udp.sent[0].port == 9);
    CHECK(udp.sent[0].payload == magic_payload(pc_mac));
    REQUIRE(results.size() == 1);
    CHECK(results[0].woke);
}

TEST_CASE("a PC that boots answers ARP after a while and is reported with its time", "[wake]") {
    FakeClock clock;
    FakePacketIo io(gateway_mac, clock);
    FakeUdp udp;
    const auto ip = *Ipv4Address::parse("192.168.1.21");
    io.answer(ip, pc_mac, std::chrono::milliseconds(2), 6);  // silent for six polls: booting
    const auto results = app::wake_hosts(io, udp, own, {{"reception", pc_mac, ip}}, quick(std::chrono::seconds(30)),
                                         [&] { return clock.now(); });
    REQUIRE(results[0].woke);
    CHECK(results[0].seconds == Approx(3.0).margin(0.05));  // the 7th poll, 500 ms apart
    CHECK(results[0].ip == ip);
}

TEST_CASE("a PC that never wakes is reported within the wait — the others still wake", "[wake]") {
    FakeClock clock;
    FakePacketIo io(gateway_mac, clock);
    FakeUdp udp;
    const auto start = clock.now();
    io.answer(*Ipv4Address::parse("192.168.1.22"), other_mac);
    const auto results = app::wake_hosts(io, udp, own,
                                         {{"dead", pc_mac, Ipv4Address::parse("192.168.1.21")},
                                          {"alive", other_mac, Ipv4Address::parse("192.168.1.22")}},
                                         quick(std::chrono::seconds(4)), [&] { return clock.now(); });
    CHECK_FALSE(results[0].woke);
    CHECK(results[1].woke);
    CHECK(clock.now() - start <= std::chrono::seconds(4));
    CHECK(clock.now() - start >= std::chrono::seconds(4) - std::chrono::milliseconds(1));
}

TEST_CASE("a reply from another MAC for the PC's IP does not count", "[wake]") {
    FakeClock clock;
    FakePacketIo io(gateway_mac, clock);
    FakeUdp udp;
    io.answer(*Ipv4Address::parse("192.168.1.21"), other_mac);  // address reused by another device
    const auto results = app::wake_hosts(io, udp, own, {{"pc", pc_mac, Ipv4Address::parse("192.168.1.21")}},
                                         quick(std::chrono::seconds(2)), [&] { return clock.now(); });
    CHECK_FALSE(results[0].woke);
}

TEST_CASE("the PC's MAC answering from another IP does not confirm a PC whose IP is known", "[wake]") {
    FakeClock clock;
    FakePacketIo io(gateway_mac, clock);
    FakeUdp udp;
    io.inject(build_arp_reply(pc_mac, *Ipv4Address::parse("192.168.1.99"), gateway_mac, own.address()),
              clock.now() + std::chrono::milliseconds(10));
    const auto results = app::wake_hosts(io, udp, own, {{"pc", pc_mac, Ipv4Address::parse("192.168.1.21")}},
                                         quick(std::chrono::seconds(2)), [&] { return clock.now(); });
    CHECK_FALSE(results[0].woke);
}

TEST_CASE("a PC whose IP is unknown is found by polling the whole subnet", "[wake]") {
    FakeClock clock;
    FakePacketIo io(gateway_mac, clock);
    FakeUdp udp;
    io.answer(*Ipv4Address::parse("192.168.1.77"), pc_mac);
    const auto results = app::wake_hosts(io, udp, own, {{"pc", pc_mac, std::nullopt}}, quick(std::chrono::seconds(2)),
                                         [&] { return clock.now(); });
    REQUIRE(results[0].woke);
    CHECK(results[0].ip->to_string() == "192.168.1.77");
    const auto asked = io.requested_ips();
    CHECK(std::find(asked.begin(), asked.end(), own.address()) == asked.end());  // never ourselves
}

TEST_CASE("wake targets come from netconf, the inventory, or a MAC", "[wake]") {
    NetconfSources sources;
    sources.site = SourceFile{"site.toml", "[site]\nname = \"lab\"\n"};
    sources.clients.push_back({"clients/acme.toml",
                               "[link]\nkind = \"port\"\ninterface = \"p0\"\n"
                               "[lan]\nsubnet = \"192.168.1.0/24\"\naddress = \"192.168.1.250/24\"\n"
                               "[[host]]\nname = \"reception\"\nmac = \"00:11:22:33:44:55\"\nos = \"windows\"\n"});
    const auto loaded = load_netconf(sources);
    REQUIRE(loaded.ok());
    const Client& client = loaded.netconf.clients.at(0);
    Inventory inventory;
    inventory.hosts.push_back({pc_mac, Ipv4Address::parse("192.168.1.21"), "", "reception", "t", "t"});
    inventory.hosts.push_back({other_mac, Ipv4Address::parse("192.168.1.22"), "", "printer", "t", "t"});

    auto targets = app::wake_targets(client, inventory, {"reception", "printer", "00:aa:bb:cc:dd:ee"}, false);
    REQUIRE(targets.size() == 3);
    CHECK(targets[0].ip->to_string() == "192.168.1.21");  // learned by a scan
    CHECK(targets[1].mac == other_mac);
    CHECK(targets[2].mac.to_string() == "00:aa:bb:cc:dd:ee");
    CHECK(app::wake_targets(client, inventory, {}, true).size() == 1);
    CHECK_THROWS_AS(app::wake_targets(client, inventory, {"nobody"}, false), UsageError);
}

TEST_CASE("a PC that went quiet is off after three missed polls — one still answering is not", "[wake][power]") {
    FakeClock clock;
    FakePacketIo io(gateway_mac, clock);
    const auto quiet_ip = *Ipv4Address::parse("192.168.1.21");
    const auto busy_ip = *Ipv4Address::parse("192.168.1.22");
    io.answer(busy_ip, other_mac);
    const auto started = clock.now();
    const auto off = app::wait_hosts_off(io, own, {{quiet_ip, pc_mac}, {busy_ip, other_mac}}, std::chrono::seconds(10),
                                         std::chrono::milliseconds(1000), 3, [&] { return clock.now(); });
    REQUIRE(off == std::vector<bool>{true, false});
    CHECK(clock.now() - started >= std::chrono::seconds(10));  // waited the whole time for the busy one
    const auto asked = io.requested_ips();
    CHECK(std::count(asked.begin(), asked.end(), quiet_ip) == 3);  // not asked again once off
}

TEST_CASE("a reply from another MAC at the address does not keep a PC on", "[wake][power]") {
    FakeClock clock;
    FakePacketIo io(gateway_mac, clock);
    const auto ip = *Ipv4Address::parse("192.168.1.21");
    io.answer(ip, other_mac);  // the address was handed to someone else
    const auto off = app::wait_hosts_off(io, own, {{ip, pc_mac}}, std::chrono::seconds(10),
                                         std::chrono::milliseconds(1000), 3, [&] { return clock.now(); });
    CHECK(off == std::vector<bool>{true});
}
