#include <catch2/catch.hpp>

#include <algorithm>
#include <fmt/format.h>

#include "custode/core/arp_scan.h"
#include "custode/core/error.h"
#include "fake_packet_io.h"

using namespace custode;
using namespace custode::testing;

namespace {

const MacAddress own_mac = *MacAddress::parse("02:00:00:00:00:fa");
const Ipv4Prefix own_address = *Ipv4Prefix::parse("192.168.1.250/24");

Ipv4Address host(std::uint32_t last_octets, const char* network = "192.168.0.0") {
    return Ipv4Address(Ipv4Address::parse(network)->value() + last_octets);
}

Ipv4Address lan(std::uint32_t last_octet) { return host(last_octet, "192.168.1.0"); }

MacAddress numbered_pc_mac(std::uint32_t n) {
    return MacAddress({0x52, 0x54, 0x00, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
                       static_cast<std::uint8_t>(n)});
}

struct Lan {
    FakeClock clock;
    FakePacketIo io{own_mac, clock};
    ArpScan scan;

    explicit Lan(ScanPlan plan) : scan(std::move(plan), clock.now()) {}

    ScanResult run() { return run_scan(scan, io, clock); }
};

ScanPlan plan_24(std::vector<Ipv4Address> known = {}, ScanSettings settings = {}) {
    return plan_subnet_scan(own_mac, own_address, known, settings);
}

/// 250 kernel hosts, .1 to .250 except ours, answering within 1..30 ms.
void add_kernel_hosts(FakePacketIo& io, std::uint32_t count, const char* network = "192.168.1.0") {
    for (std::uint32_t n = 1; n <= count; ++n) {
        if (host(n, network) == own_address.address()) continue;
        io.answer(host(n, network), numbered_pc_mac(n), std::chrono::microseconds(1000 + (n * 7919) % 29000));
    }
}

ArpPacket reply_from(Ipv4Address ip, MacAddress mac) {
    return *parse_arp(build_arp_reply(mac, ip, own_mac, own_address.address()));
}

double ms(ScanDuration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

TEST_CASE("plan: every host address of the subnet but our own", "[arp_scan]") {
    const std::vector<Ipv4Address> known = {lan(21), lan(250)};
    const auto plan = plan_24(known);
    REQUIRE(plan.targets.size() == 253);
    CHECK(plan.source_ip == lan(250));
    CHECK(plan.source_mac == own_mac);
    CHECK(plan.targets.front().ip == lan(1));
    CHECK(plan.targets.back().ip == lan(254));
    CHECK(std::none_of(plan.targets.begin(), plan.targets.end(), [](auto& t) { return t.ip == lan(250); }));
    const auto known_count =
        std::count_if(plan.targets.begin(), plan.targets.end(), [](auto& t) { return t.known == Known::yes; });
    CHECK(known_count == 1);
    CHECK(plan_subnet_scan(own_mac, *Ipv4Prefix::parse("10.0.0.1/16"), {}).targets.size() == 65533);
    CHECK(plan_subnet_scan(own_mac, *Ipv4Prefix::parse("10.0.0.1/31"), {}).targets.size() == 1);
    CHECK(plan_subnet_scan(own_mac, *Ipv4Prefix::parse("10.0.0.1/32"), {}).targets.empty());
    CHECK_THROWS_AS(plan_subnet_scan(own_mac, *Ipv4Prefix::parse("10.0.0.1/15"), {}), UsageError);
}

TEST_CASE("scan: 250 hosts in a /24 are all found in a few hundred ms", "[arp_scan]") {
    Lan lan_24(plan_24());
    add_kernel_hosts(lan_24.io, 250);
    const auto result = lan_24.run();
    CHECK(result.hosts.size() == 249);
    CHECK(result.silent.size() == 4);  // .251 .. .254
    CHECK(result.complete);
    CHECK(result.conflicts.empty());
    CHECK(result.late_replies == 0);
    CHECK(result.requests_sent == 253 + 4);
    CHECK(result.elapsed < 300ms);
    WARN(fmt::format("/24, 249 live: {:.1f} ms, {} requests, window {:.0f}, timeout {:.1f} ms", ms(result.elapsed),
                     result.requests_sent, lan_24.scan.window(), ms(lan_24.scan.timeout())));
    const auto ips = lan_24.io.requested_ips();
    CHECK(std::find(ips.begin(), ips.end(), lan(250)) == ips.end());
    for (const auto& found : result.hosts) CHECK(found.mac == numbered_pc_mac(found.ip.value() & 0xff));
}

TEST_CASE("scan: a /22 with 250 live hosts finishes quickly", "[arp_scan]") {
    const auto own = *Ipv4Prefix::parse("10.0.3.250/22");
    Lan lan_22(plan_subnet_scan(own_mac, own, {}));
    add_kernel_hosts(lan_22.io, 250, "10.0.0.0");
    const auto result = lan_22.run();
    CHECK(result.hosts.size() == 250);
    CHECK(result.silent.size() == 1021 - 250);
    CHECK(result.elapsed < 400ms);
    WARN(fmt::format("/22, 250 live: {:.1f} ms, {} requests, window {:.0f}", ms(result.elapsed),
                     result.requests_sent, lan_22.scan.window()));
}

TEST_CASE("scan: the window starts small and grows while replies come back promptly", "[arp_scan]") {
    Lan lan_24(plan_24());
    add_kernel_hosts(lan_24.io, 250);
    const double initial = lan_24.scan.window();
    const auto first = lan_24.scan.next_requests(lan_24.clock.now());
    CHECK(static_cast<double>(first.size()) <= initial);
    lan_24.run();
    CHECK(lan_24.scan.window() > initial * 4);
}

TEST_CASE("scan: never more requests than the rate cap allows", "[arp_scan]") {
    ScanSettings settings;
    settings.max_rate = 5000;
    settings.burst = 8;
    Lan lan_24(plan_24({}, settings));
    add_kernel_hosts(lan_24.io, 250);
    const auto result = lan_24.run();
    CHECK(result.hosts.size() == 249);
    const auto& sent = lan_24.io.sent();
    for (std::size_t i = 0; i < sent.size(); ++i) {
        const auto window_end = sent[i].at + 10ms;
        const auto count = std::count_if(sent.begin() + static_cast<std::ptrdiff_t>(i), sent.end(),
                                         [&](auto& s) { return s.at < window_end; });
        REQUIRE(static_cast<double>(count) <= settings.burst + settings.max_rate * 0.010 + 1);
    }
}

TEST_CASE("scan: a lost first request is retried and the host found", "[arp_scan]") {
    Lan lan_24(plan_24());
    lan_24.io.answer(lan(7), numbered_pc_mac(7), 2ms, /*ignored_requests=*/1);
    const auto result = lan_24.run();
    REQUIRE(result.hosts.size() == 1);
    CHECK(result.hosts[0].requests == 2);
    CHECK(result.late_replies == 1);  // after a retry: ambiguous, counted as late
    const auto ips = lan_24.io.requested_ips();
    CHECK(std::count(ips.begin(), ips.end(), lan(7)) == 2);
}

TEST_CASE("scan: a reply after the timeout is late but still finds the host", "[arp_scan]") {
    Lan lan_24(plan_24());
    lan_24.io.answer(lan(1), numbered_pc_mac(1), 2ms);
    lan_24.io.answer(lan(9), numbered_pc_mac(9), 150ms, 0);  // beyond the first timeout, within the retry's
    const auto result = lan_24.run();
    REQUIRE(result.hosts.size() == 2);
    CHECK(result.late_replies >= 1);
    CHECK(result.hosts[1].ip == lan(9));
    CHECK(result.hosts[1].latency >= 150ms);
}

TEST_CASE("scan: an IP answered by two MACs is a conflict", "[arp_scan]") {
    Lan lan_24(plan_24());
    lan_24.io.answer(lan(30), numbered_pc_mac(30), 1ms);
    lan_24.io.answer(lan(30), numbered_pc_mac(99), 3ms);
    lan_24.io.answer(lan(31), numbered_pc_mac(31), 1ms);
    const auto result = lan_24.run();
    REQUIRE(result.hosts.size() == 2);
    CHECK(result.hosts[0].mac == numbered_pc_mac(30));
    REQUIRE(result.conflicts.size() == 1);
    CHECK(result.conflicts[0] == ScanConflict{lan(30), {numbered_pc_mac(30), numbered_pc_mac(99)}});
}

TEST_CASE("scan: an IP answered by 500 MACs keeps the first 16 and counts the rest", "[arp_scan]") {
    Lan lan_24(plan_24());
    lan_24.io.answer(lan(30), numbered_pc_mac(30), 1ms);
    for (std::uint32_t n = 0; n < 500; ++n)
        lan_24.io.answer(lan(30), numbered_pc_mac(1000 + n), 2ms + std::chrono::microseconds(n));
    const auto result = lan_24.run();
    REQUIRE(result.hosts.size() == 1);
    CHECK(result.hosts[0].mac == numbered_pc_mac(30));
    REQUIRE(result.conflicts.size() == 1);
    CHECK(result.conflicts[0].macs.size() == max_macs_per_target);
    CHECK(result.conflicts[0].macs.front() == numbered_pc_mac(30));
    CHECK(result.macs_not_kept == 501 - max_macs_per_target);
}

TEST_CASE("scan: the same reply twice is a duplicate, not a conflict", "[arp_scan]") {
    Lan lan_24(plan_24());
    lan_24.io.answer(lan(30), numbered_pc_mac(30), 1ms);
    lan_24.io.answer(lan(30), numbered_pc_mac(30), 2ms);
    const auto result = lan_24.run();
    CHECK(result.hosts.size() == 1);
    CHECK(result.conflicts.empty());
    CHECK(result.duplicate_replies == 1);
}

TEST_CASE("scan: known silent hosts get extra tries and more patience", "[arp_scan]") {
    Lan lan_24(plan_24({lan(21)}));
    lan_24.io.answer(lan(1), numbered_pc_mac(1), 1ms);
    const auto result = lan_24.run();
    const auto ips = lan_24.io.requested_ips();
    const ScanSettings defaults;
    CHECK(std::count(ips.begin(), ips.end(), lan(21)) == defaults.known_tries);
    CHECK(std::count(ips.begin(), ips.end(), lan(22)) == defaults.tries);
    CHECK(ips.front() == lan(21));  // known targets go first
    CHECK(result.complete);
    CHECK(result.elapsed >= 3 * defaults.known_min_timeout);
    CHECK(result.elapsed < 2500ms);
}

TEST_CASE("scan: a slow known PC is found, the same PC unknown is not", "[arp_scan]") {
    for (const bool known : {true, false}) {
        INFO(known);
        Lan lan_24(plan_24(known ? std::vector{lan(40)} : std::vector<Ipv4Address>{}));
        add_kernel_hosts(lan_24.io, 20);
        lan_24.io.answer(lan(40), numbered_pc_mac(40), 700ms);
        const auto result = lan_24.run();
        const bool found = std::any_of(result.hosts.begin(), result.hosts.end(), [](auto& h) { return h.ip == lan(40); });
        CHECK(found == known);
    }
}

TEST_CASE("scan: a fully silent /24 finishes in bounded time", "[arp_scan]") {
    Lan lan_24(plan_24());
    const auto result = lan_24.run();
    CHECK(result.hosts.empty());
    CHECK(result.silent.size() == 253);
    CHECK(result.requests_sent == 2 * 253);
    CHECK(result.complete);
    CHECK(result.elapsed < 1s);
    WARN(fmt::format("silent /24: {:.1f} ms", ms(result.elapsed)));
}

TEST_CASE("scan: ignores our own frames, gratuitous ARP, requests and replies we did not ask for", "[arp_scan]") {
    Lan lan_24(plan_24());
    lan_24.io.echo_sent_frames(true);
    const auto start = lan_24.clock.now();
    lan_24.io.inject(build_arp_reply(numbered_pc_mac(5), lan(5), MacAddress::broadcast(), lan(5)), start + 1ms);  // gratuitous
    lan_24.io.inject(build_arp_request(numbered_pc_mac(6), lan(6), lan(250)), start + 1ms);                      // a request
    lan_24.io.inject(build_arp_reply(numbered_pc_mac(7), lan(7), numbered_pc_mac(8), lan(8)), start + 1ms);  // to someone else
    lan_24.io.inject(build_arp_reply(numbered_pc_mac(9), host(9, "10.0.0.0"), own_mac, lan(250)), start + 1ms);  // not a target
    lan_24.io.inject(build_arp_reply(own_mac, lan(11), own_mac, lan(250)), start + 1ms);  // our own MAC
    const auto result = lan_24.run();
    CHECK(result.hosts.empty());
    CHECK(result.ignored_frames >= 5 + result.requests_sent);  // plus our own echoed requests
}

TEST_CASE("scan: a reply for an IP not asked yet is ignored", "[arp_scan]") {
    ArpScan scan(plan_24(), FakeClock{}.now());
    const auto now = FakeClock{}.now();
    scan.on_frame(reply_from(lan(200), numbered_pc_mac(200)), now);  // nothing sent yet
    CHECK(scan.result().ignored_frames == 1);
    CHECK(scan.result().hosts.empty());
}

TEST_CASE("scan: replies with a zero or broadcast target MAC are accepted", "[arp_scan]") {
    FakeClock clock;
    ArpScan scan(plan_24(), clock.now());
    const auto sent = scan.next_requests(clock.now());
    REQUIRE(sent.size() >= 2);
    clock.advance(1ms);
    scan.on_frame(*parse_arp(build_arp_reply(numbered_pc_mac(1), sent[0], MacAddress{}, lan(250))), clock.now());
    auto broadcast = reply_from(sent[1], numbered_pc_mac(2));
    broadcast.target_mac = MacAddress::broadcast();
    scan.on_frame(broadcast, clock.now());
    CHECK(scan.progress().answered == 2);
}

TEST_CASE("scan: one shared kernel that queues replies still yields every host", "[arp_scan]") {
    Lan lan_24(plan_24());
    add_kernel_hosts(lan_24.io, 250);
    lan_24.io.set_service_time(std::chrono::microseconds(400));  // 2500 replies per second at most
    const auto result = lan_24.run();
    CHECK(result.hosts.size() == 249);
    WARN(fmt::format("slow kernel: {:.1f} ms, {} requests, {} late, window {:.0f}", ms(result.elapsed),
                     result.requests_sent, result.late_replies, lan_24.scan.window()));
}

TEST_CASE("scan: max_duration stops the scan, and the result says incomplete", "[arp_scan]") {
    ScanSettings settings;
    settings.max_duration = 50ms;
    Lan lan_24(plan_24({}, settings));
    const auto result = lan_24.run();
    CHECK_FALSE(result.complete);
    CHECK(result.elapsed <= 51ms);
}

TEST_CASE("scan: frames the capture dropped make the result incomplete, and say how many", "[arp_scan]") {
    Lan whole(plan_24());
    add_kernel_hosts(whole.io, 250);
    const auto complete = whole.run();
    CHECK(complete.complete);
    CHECK(complete.dropped_frames == 0);

    Lan lossy(plan_24());
    add_kernel_hosts(lossy.io, 250);
    lossy.io.set_dropped(1);  // one frame is enough: it may have been the only reply of a host
    const auto result = lossy.run();
    CHECK_FALSE(result.complete);
    CHECK(result.dropped_frames == 1);
    CHECK(result.hosts.size() == 249);
}

TEST_CASE("scan: next_wakeup is nullopt once finished", "[arp_scan]") {
    Lan lan_24(plan_24());
    lan_24.run();
    CHECK_FALSE(lan_24.scan.next_wakeup());
    CHECK(lan_24.scan.next_requests(lan_24.clock.now()).empty());
}

TEST_CASE("scan: when the LAN turns slow, late replies stretch the timeout and the scan lingers for them",
          "[arp_scan]") {
    // The first hosts answer at once and set a short timeout; then the LAN
    // slows down (one shared kernel, a busy switch): the next hosts answer
    // only after 150 ms, later than the two tries of that short timeout.
    Lan slow(plan_subnet_scan(own_mac, *Ipv4Prefix::parse("192.168.1.250/22"), {}));
    for (std::uint32_t n = 1; n <= 20; ++n) slow.io.answer(host(n), numbered_pc_mac(n), 1ms);
    for (std::uint32_t n = 100; n < 900; n += 10) slow.io.answer(host(n), numbered_pc_mac(n), 150ms);
    const auto result = slow.run();
    CHECK(result.hosts.size() == 100);
    CHECK(result.late_replies > 0);
    CHECK(result.complete);
    CHECK(slow.scan.timeout() >= 100ms);  // learned from the late replies, not the 1 ms ones
    WARN(fmt::format("slow LAN: {:.1f} ms, {} requests, {} late", ms(result.elapsed), result.requests_sent,
                     result.late_replies));
}
