/// `custode check`'s pure part: the MTU bisection, the verdict, and the
/// frames it sends and reads.

#include <catch2/catch.hpp>

#include "custode/core/circuit_check.h"
#include "custode/core/ip_frames.h"
#include "support/literals.h"

using namespace custode;
using custode::testing::ip;
using custode::testing::mac;

namespace circuit_check_test {

/// Runs the search against a path that carries packets up to `path` bytes;
/// returns what it found and how many probes it took.
std::pair<std::optional<int>, int> search_path(int smallest, int largest, int path) {
    MtuSearch search(smallest, largest);
    int probes = 0;
    while (const auto size = search.next()) {
        ++probes;
        REQUIRE(probes < 40);
        search.record(*size, *size <= path);
    }
    return {search.largest_passed(), probes};
}

CircuitMeasurements healthy() {
    CircuitMeasurements measured;
    measured.circuit_mtu = 1500;
    measured.carrier = true;
    measured.control_mac = mac("02:00:00:00:00:01");
    measured.echoes_sent = 20;
    measured.echo_rtt_ms = std::vector<double>(20, 0.5);
    measured.path_mtu = 1500;
    return measured;
}

}  // namespace circuit_check_test

using namespace circuit_check_test;

TEST_CASE("the MTU search finds the path to the byte, the full size in one probe", "[check]") {
    CHECK(search_path(576, 1500, 1500) == std::pair<std::optional<int>, int>{1500, 1});
    CHECK(search_path(576, 1500, 9000).first == 1500);
    for (int path : {576, 577, 1000, 1400, 1450, 1499}) {
        INFO(path);
        const auto [found, probes] = search_path(576, 1500, path);
        CHECK(found == path);
        CHECK(probes <= 12);  // 1 + log2(925)
    }
    CHECK(search_path(576, 1500, 500).first == std::nullopt);
    CHECK(search_path(1500, 1500, 1400).first == std::nullopt);
}

TEST_CASE("a circuit is fit when everything answers at full size", "[check]") {
    const auto verdict = assess_circuit(healthy(), ip("192.168.1.1"), ip("192.168.1.250"));
    CHECK(verdict.fit);
    CHECK(verdict.findings.empty());
    CHECK(verdict.notes.at(0) == "ping 192.168.1.1: 20 of 20 answered (0% loss), rtt min/avg/max 0.50/0.50/0.50 ms");
    CHECK(verdict.notes.at(1) == "the path carries the circuit's full 1500-byte packets");
    CHECK(verdict.notes.at(2) == "no DHCP server seen during the check (informational)");
}

TEST_CASE("each fault makes the circuit unfit, named", "[check]") {
    const auto control = ip("192.168.1.1");
    const auto own = ip("192.168.1.250");
    auto one_finding = [&](const CircuitMeasurements& measured) {
        const auto verdict = assess_circuit(measured, control, own);
        CHECK_FALSE(verdict.fit);
        REQUIRE(verdict.findings.size() == 1);
        return verdict.findings.front();
    };
    auto measured = healthy();
    measured.carrier = false;
    CHECK(one_finding(measured) == "the circuit has no carrier");

    measured = healthy();
    measured.path_mtu = 1400;
    CHECK(one_finding(measured) ==
          "the carrier's path carries 1400-byte packets, the circuit is set for 1500: larger frames are lost; "
          "ask the carrier for 1500, or set link.mtu = 1400");

    measured = healthy();
    measured.address_claimants = {mac("02:00:00:00:00:99")};
    CHECK(one_finding(measured) ==
          "02:00:00:00:00:99 also answers for the gateway's address 192.168.1.250: an address conflict");

    measured = healthy();
    measured.echo_rtt_ms.resize(18);  // 2 of 20 lost
    CHECK(one_finding(measured) == "10% of the pings to the control were lost");
    measured.echo_rtt_ms.resize(19);  // 5 % is tolerated
    CHECK(assess_circuit(measured, control, own).fit);

    measured = healthy();
    measured.echo_rtt_ms.clear();
    measured.path_mtu.reset();
    CHECK(one_finding(measured) == "the control 192.168.1.1 answers no ping (20 sent)");

    measured = healthy();
    measured.path_mtu.reset();
    CHECK(one_finding(measured) == "no packet with DF set came back from the control: the path MTU is unknown");

    measured = CircuitMeasurements{};
    measured.carrier = true;
    measured.circuit_mtu = 1500;
    CHECK(one_finding(measured) == "the control 192.168.1.1 does not answer ARP");

    measured = healthy();
    measured.dhcp_servers = {ip("192.168.1.1")};
    const auto verdict = assess_circuit(measured, control, own);
    CHECK(verdict.fit);  // informational
    CHECK(verdict.notes.back() == "DHCP server seen: 192.168.1.1");
}

TEST_CASE("a sized echo is as large as asked, with DF, and its reply's size and fragmentation are read", "[check]") {
    const IpEndpoints to{mac("02:00:00:00:00:0a"), mac("02:00:00:00:00:0b"), ip("10.0.0.1"), ip("10.0.0.2")};
    const auto echo = build_icmp_echo_of_size(to, 7, 0x8001, 1400);
    REQUIRE(echo.size() == 14 + 1400);
    CHECK((echo[14 + 6] & 0x40) != 0);  // DF
    const IpEndpoints back{to.destination_mac, to.source_mac, to.destination_ip, to.source_ip};
    auto reply = build_icmp_echo_reply(back, 7, 0x8001);
    auto parsed = parse_ip_reply(reply);
    REQUIRE(parsed);
    CHECK(parsed->packet_size == 46);
    CHECK_FALSE(parsed->fragmented);
    reply[14 + 6] = 0x20;  // MF: the first of several fragments
    parsed = parse_ip_reply(reply);
    REQUIRE(parsed);
    CHECK(parsed->fragmented);
}

TEST_CASE("a DHCP server is read from a UDP datagram from port 67, nothing else", "[check]") {
    const IpEndpoints from{mac("02:00:00:00:00:01"), MacAddress::broadcast(), ip("192.168.1.1"), ip("255.255.255.255")};
    auto frame = build_tcp_reply(from, 67, 68, tcp_flag_syn);
    CHECK_FALSE(parse_udp_source(frame, 67));  // TCP, not UDP
    frame[14 + 9] = 17;                         // the same datagram as UDP
    CHECK(parse_udp_source(frame, 67) == ip("192.168.1.1"));
    CHECK_FALSE(parse_udp_source(frame, 68));
    frame[14 + 7] = 0x10;  // a later fragment carries no UDP header
    CHECK_FALSE(parse_udp_source(frame, 67));
}
