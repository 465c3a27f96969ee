/// The isolation check's pure half and its probe loop on the scripted fake
/// packet I/O: every verdict rule, frames both ways, the targets file, the
/// capture file and the report's canonical bytes.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "custode/app/isolation_check.h"
#include "custode/core/canonical_json.h"
#include "custode/core/error.h"
#include "custode/core/isolation.h"
#include "custode/core/isolation_report.h"
#include "custode/core/pcap_file.h"
#include "custode/core/utc_time.h"
#include "fake_packet_io.h"
#include "support/literals.h"

using namespace custode;
using namespace custode::testing;
using namespace std::chrono_literals;

namespace {

const MacAddress kOwn = mac("02:00:00:00:00:01");
const MacAddress kLab = mac("52:54:00:aa:bb:01");
const MacAddress kLabGw = mac("02:1a:b0:00:00:fa");
const MacAddress kControl = mac("02:00:00:00:00:c0");
const MacAddress kOther = mac("02:00:00:00:00:99");

/// The fake packet I/O, also answering ICMP echo and TCP SYN for scripted
/// (IP, MAC) pairs, the way a host's kernel would (SYN-ACK or RST).
class IpFake : public FakePacketIo {
public:
    using FakePacketIo::FakePacketIo;
    FakeClock* clock = nullptr;
    std::map<Ipv4Address, MacAddress> icmp, tcp;  ///< who answers what (by IP; frames must reach that MAC)

    void send(std::span<const std::uint8_t> frame) override {
        FakePacketIo::send(frame);
        if (frame.size() < 34 || frame[12] != 0x08 || frame[13] != 0x00) return;
        const MacAddress destination(MacAddress::Bytes{frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]});
        const Ipv4Address to((std::uint32_t{frame[30]} << 24) | (std::uint32_t{frame[31]} << 16) |
                             (std::uint32_t{frame[32]} << 8) | frame[33]);
        const Ipv4Address from((std::uint32_t{frame[26]} << 24) | (std::uint32_t{frame[27]} << 16) |
                               (std::uint32_t{frame[28]} << 8) | frame[29]);
        const auto reach = [&](const std::map<Ipv4Address, MacAddress>& table) -> std::optional<MacAddress> {
            const auto found = table.find(to);
            if (found == table.end()) return std::nullopt;
            if (destination != found->second && destination != MacAddress::broadcast()) return std::nullopt;
            return found->second;
        };
        const IpEndpoints back{MacAddress{}, mac(), to, from};
        if (frame[23] == ip_protocol_icmp) {
            if (auto responder = reach(icmp)) {
                auto endpoints = back;
                endpoints.source_mac = *responder;
                const auto id = static_cast<std::uint16_t>((frame[38] << 8) | frame[39]);
                const auto seq = static_cast<std::uint16_t>((frame[40] << 8) | frame[41]);
                inject(build_icmp_echo_reply(endpoints, id, seq), clock->now() + 2ms);
            }
        } else if (frame[23] == ip_protocol_tcp) {
            if (auto responder = reach(tcp)) {
                auto endpoints = back;
                endpoints.source_mac = *responder;
                const auto sport = static_cast<std::uint16_t>((frame[34] << 8) | frame[35]);
                const auto dport = static_cast<std::uint16_t>((frame[36] << 8) | frame[37]);
                const std::uint8_t flags = dport == 22 ? tcp_flag_syn | tcp_flag_ack : tcp_flag_rst | tcp_flag_ack;
                inject(build_tcp_reply(endpoints, dport, sport, flags), clock->now() + 3ms);
            }
        }
    }
};

struct Bench {
    FakeClock clock;
    IpFake io{kOwn, clock};
    app::ProbePlan plan;

    Bench() {
        io.clock = &clock;
        plan.own = *Ipv4Prefix::parse("192.168.1.20/24");
        plan.targets = {{"gateway", ip("192.168.1.250"), kLabGw}, {"nas", ip("192.168.1.5"), kLab}};
        plan.control = IsolationTarget{"control", ip("192.168.1.1"), std::nullopt};
        plan.control_source = ControlSource::option;
        io.answer(ip("192.168.1.1"), kControl);
        io.icmp[ip("192.168.1.1")] = kControl;
        io.tcp[ip("192.168.1.1")] = kControl;
    }

    app::ProbeRun run() { return app::run_probes(plan, io, [this] { return clock.now(); }); }
    Assessment verdict() { return assess(run().evidence); }
};

bool has_warning(const Assessment& a, const std::string& kind) {
    for (const auto& w : a.warnings)
        if (w.kind == kind) return true;
    return false;
}

TargetResult silent_target(const char* address, MacAddress lab) {
    TargetResult result;
    result.target = {"t", ip(address), lab};
    result.probes.push_back({.kind = ProbeKind::arp_broadcast, .sent = true});
    result.probes.push_back({.kind = ProbeKind::icmp_echo, .sent = true});
    return result;
}

TargetResult answering_control() {
    TargetResult control;
    control.target = {"control", ip("192.168.1.1"), std::nullopt};
    control.probes.push_back({.kind = ProbeKind::arp_broadcast, .sent = true, .answers = {{kControl, 300us}}});
    return control;
}

Evidence quiet_evidence() {
    Evidence evidence;
    evidence.targets = {silent_target("192.168.1.250", kLabGw), silent_target("192.168.1.5", kLab)};
    evidence.control = answering_control();
    evidence.control_source = ControlSource::option;
    return evidence;
}

}  // namespace

TEST_CASE("verdict rules on probe results", "[isolation]") {
    SECTION("no answers and the control answers: isolated") {
        const auto a = assess(quiet_evidence());
        CHECK(a.verdict == IsolationVerdict::isolated);
        CHECK(a.reasons.empty());
        CHECK(a.warnings.empty());
        CHECK(to_int(exit_code_for(a.verdict)) == 0);
    }
    SECTION("a lab MAC answering ARP only: not isolated") {
        auto e = quiet_evidence();
        e.targets[1].probes[0].answers.push_back({kLab, 1ms});
        const auto a = assess(e);
        CHECK(a.verdict == IsolationVerdict::not_isolated);
        CHECK(to_int(exit_code_for(a.verdict)) == 1);
        REQUIRE(a.reasons.size() == 1);
        CHECK_THAT(a.reasons[0], Catch::Contains("52:54:00:aa:bb:01") && Catch::Contains("arp_broadcast"));
    }
    SECTION("a lab MAC answering for ANOTHER lab target's IP is still the lab") {
        auto e = quiet_evidence();
        e.targets[0].probes[0].answers.push_back({kLab, 1ms});
        CHECK(assess(e).verdict == IsolationVerdict::not_isolated);
    }
    SECTION("the control silent: inconclusive") {
        auto e = quiet_evidence();
        e.control->probes[0].answers.clear();
        const auto a = assess(e);
        CHECK(a.verdict == IsolationVerdict::inconclusive);
        CHECK(to_int(exit_code_for(a.verdict)) == 4);
        CHECK_THAT(a.reasons.at(0), Catch::Contains("did not answer"));
    }
    SECTION("no control at all: inconclusive") {
        auto e = quiet_evidence();
        e.control.reset();
        e.control_source = ControlSource::none;
        CHECK(assess(e).verdict == IsolationVerdict::inconclusive);
    }
    SECTION("capture drops: inconclusive") {
        auto e = quiet_evidence();
        e.dropped = 3;
        const auto a = assess(e);
        CHECK(a.verdict == IsolationVerdict::inconclusive);
        CHECK_THAT(a.reasons.at(0), Catch::Contains("dropped 3"));
    }
    SECTION("a capture that lost a single frame and heard no lab: inconclusive, never isolated") {
        auto e = quiet_evidence();
        e.dropped = 1;
        const auto a = assess(e);
        CHECK(a.verdict == IsolationVerdict::inconclusive);
        REQUIRE(a.reasons.size() == 1);
        CHECK_THAT(a.reasons[0], Catch::Contains("dropped 1"));
    }
    SECTION("a non-lab MAC answering for a lab IP: isolated, with an address-reuse warning") {
        auto e = quiet_evidence();
        e.targets[1].probes[0].answers.push_back({kOther, 1ms});
        e.targets[1].probes[1].answers.push_back({kOther, 1ms});
        const auto a = assess(e);
        CHECK(a.verdict == IsolationVerdict::isolated);
        REQUIRE(a.warnings.size() == 1);  // one per (IP, MAC), not per probe
        CHECK(a.warnings[0].kind == "address_reuse");
        CHECK(a.warnings[0].mac == kOther);
    }
    SECTION("a lab MAC seen by the passive capture only: not isolated") {
        auto e = quiet_evidence();
        e.lab_frames.push_back({kLab, 0x86dd, 1200ms});
        const auto a = assess(e);
        CHECK(a.verdict == IsolationVerdict::not_isolated);
        CHECK_THAT(a.reasons.at(0), Catch::Contains("passive capture"));
    }
    SECTION("a lab answer beats a silent control and drops") {
        auto e = quiet_evidence();
        e.control->probes[0].answers.clear();
        e.dropped = 1;
        e.targets[0].probes[1].answers.push_back({kLabGw, 1ms});
        CHECK(assess(e).verdict == IsolationVerdict::not_isolated);
    }
    SECTION("a target without a lab MAC: any answer counts") {
        auto e = quiet_evidence();
        e.targets[1].target.mac.reset();
        e.targets[1].probes[0].answers.push_back({kOther, 1ms});
        const auto a = assess(e);
        CHECK(a.verdict == IsolationVerdict::not_isolated);
        CHECK(has_warning(a, "no_lab_mac"));
    }
    SECTION("an answer routed through the default gateway: inconclusive with a warning") {
        auto e = quiet_evidence();
        e.targets[1].target.ip = ip("10.10.0.5");
        e.targets[1].route = Route::gateway;
        e.targets[1].probes[1].answers.push_back({kOther, 1ms});
        const auto a = assess(e);
        CHECK(a.verdict == IsolationVerdict::inconclusive);
        CHECK(has_warning(a, "routed_answer"));
    }
    SECTION("no route to an off-subnet target: a warning, not a doubt") {
        auto e = quiet_evidence();
        e.targets[1].route = Route::no_route;
        const auto a = assess(e);
        CHECK(a.verdict == IsolationVerdict::isolated);
        CHECK(has_warning(a, "no_route"));
    }
}

TEST_CASE("the probe loop on the fake packet I/O", "[isolation]") {
    Bench bench;
    SECTION("nobody from the lab answers: isolated; the control answers every probe kind") {
        const auto run = bench.run();
        CHECK(assess(run.evidence).verdict == IsolationVerdict::isolated);
        const auto& control = *run.evidence.control;
        CHECK(control.answered());
        bool arp = false, icmp = false, tcp = false;
        for (const auto& probe : control.probes) {
            if (probe.answers.empty()) continue;
            CHECK(probe.answers.front().mac == kControl);
            arp = arp || probe.kind == ProbeKind::arp_broadcast;
            icmp = icmp || probe.kind == ProbeKind::icmp_echo;
            tcp = tcp || probe.kind == ProbeKind::tcp_syn;
            if (probe.kind == ProbeKind::icmp_echo) CHECK(probe.answers.front().rtt == 2ms);
        }
        CHECK((arp && icmp && tcp));
        /// Probes per target: 3 ARP broadcast + 2 unicast + 3 ICMP + 2 x 8 SYN.
        CHECK(run.evidence.targets[1].probes.size() == 24);
        CHECK(bench.plan.settings.probes_per_target(true) == 24);
        for (const auto& probe : run.evidence.targets[1].probes) CHECK(probe.sent);
        /// Default pacing: well under the 10 s budget, and the passive capture lasts its minimum.
        CHECK(run.end - run.start >= 2500ms);
        CHECK(run.end - run.start < 3s);
    }
    SECTION("unicast ARP probes are addressed to each target's own MAC") {
        bench.run();
        int unicast = 0;
        for (const auto& sent : bench.io.sent()) {
            const auto arp = parse_arp(sent.bytes);
            if (!arp || arp->op != ArpPacket::Op::request) continue;
            const auto& b = sent.bytes;
            const MacAddress destination(MacAddress::Bytes{b[0], b[1], b[2], b[3], b[4], b[5]});
            if (destination == MacAddress::broadcast()) continue;
            ++unicast;
            CHECK(destination == (arp->target_ip == ip("192.168.1.5") ? kLab : kLabGw));
        }
        CHECK(unicast == 2 * bench.plan.settings.arp_unicast_rounds);  // both targets have a known MAC
    }
    SECTION("the lab answers ARP only (ICMP and TCP dropped): not isolated, the responder's MAC recorded") {
        bench.io.answer(ip("192.168.1.5"), kLab, 4ms);
        const auto run = bench.run();
        const auto a = assess(run.evidence);
        CHECK(a.verdict == IsolationVerdict::not_isolated);
        const auto& nas = run.evidence.targets[1];
        CHECK(nas.answered());
        for (const auto& probe : nas.probes) {
            if (probe.kind == ProbeKind::icmp_echo || probe.kind == ProbeKind::tcp_syn) CHECK(probe.answers.empty());
            if (probe.kind == ProbeKind::arp_broadcast) {
                REQUIRE(probe.answers.size() == 1);
                CHECK(probe.answers[0].mac == kLab);
            }
        }
        CHECK_FALSE(run.evidence.lab_frames.empty());  // the passive capture saw it too
    }
    SECTION("the lab answers ICMP and TCP (but not ARP): not isolated") {
        bench.io.icmp[ip("192.168.1.5")] = kLab;
        bench.io.tcp[ip("192.168.1.5")] = kLab;
        const auto run = bench.run();
        CHECK(assess(run.evidence).verdict == IsolationVerdict::not_isolated);
        int tcp_answers = 0;
        for (const auto& probe : run.evidence.targets[1].probes)
            if (probe.kind == ProbeKind::tcp_syn && !probe.answers.empty()) ++tcp_answers;
        CHECK(tcp_answers == 16);
    }
    SECTION("the control silent: inconclusive") {
        Bench silent;
        silent.plan.control = IsolationTarget{"control", ip("192.168.1.2"), std::nullopt};
        CHECK(silent.verdict().verdict == IsolationVerdict::inconclusive);
    }
    SECTION("capture drops: inconclusive") {
        bench.io.set_dropped(2);
        CHECK(bench.verdict().verdict == IsolationVerdict::inconclusive);
    }
    SECTION("a client PC took the lab IP: isolated with an address-reuse warning") {
        bench.io.answer(ip("192.168.1.5"), kOther);
        const auto a = bench.verdict();
        CHECK(a.verdict == IsolationVerdict::isolated);
        CHECK(has_warning(a, "address_reuse"));
    }
    SECTION("a lab frame seen only by the passive capture: not isolated") {
        bench.io.inject(build_arp_request(kLab, ip("10.10.0.5"), ip("10.10.0.1")), bench.clock.now() + 1500ms);
        const auto run = bench.run();
        CHECK(assess(run.evidence).verdict == IsolationVerdict::not_isolated);
        REQUIRE(run.evidence.lab_frames.size() == 1);
        CHECK(run.evidence.lab_frames[0].at == 1500ms);
        CHECK(run.evidence.lab_frames[0].ethertype == ethertype_arp);
        CHECK_FALSE(run.evidence.targets[1].answered());
    }
    SECTION("an off-subnet target goes through the default gateway; without one: no route") {
        bench.plan.targets.push_back({"far", ip("10.10.0.5"), mac("52:54:00:aa:bb:02")});
        SECTION("no default route") {
            const auto run = bench.run();
            CHECK(run.evidence.targets[2].route == Route::no_route);
            // ARP only: 3 broadcast + 2 unicast, and nothing routed.
            CHECK(run.evidence.targets[2].probes.size() == 5);
            for (const auto& probe : run.evidence.targets[2].probes)
                CHECK((probe.kind == ProbeKind::arp_broadcast || probe.kind == ProbeKind::arp_unicast));
        }
        SECTION("a default route: IP probes to the gateway's MAC") {
            bench.plan.gateway = ip("192.168.1.1");
            const auto run = bench.run();
            CHECK(run.evidence.targets[2].route == Route::gateway);
            CHECK(run.evidence.gateway_mac == kControl);
            bool sent_to_gateway = false;
            for (const auto& probe : run.evidence.targets[2].probes)
                if (probe.kind == ProbeKind::icmp_echo && probe.sent && probe.destination == kControl)
                    sent_to_gateway = true;
            CHECK(sent_to_gateway);
        }
    }
}

TEST_CASE("a flood of spoofed replies for a lab IP from ever new MACs: 8 kept per probe, the lab's own always",
          "[isolation]") {
    Bench bench;
    /// 300 spoofers answer for the nas's IP, each once, in round 0 (after its first probes).
    for (std::uint32_t i = 0; i < 300; ++i) {
        const MacAddress spoofer({0x02, 0x66, 0x00, 0x00, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)});
        bench.io.inject(build_arp_reply(spoofer, ip("192.168.1.5"), kOwn, ip("192.168.1.20")),
                        bench.clock.now() + 50ms + i * 100us);
    }
    SECTION("no lab answer: isolated, at most 8 answers per probe, the rest counted, warnings bounded") {
        const auto run = bench.run();
        std::size_t not_kept = 0;
        for (const auto& probe : run.evidence.targets[1].probes) {
            CHECK(probe.answers.size() <= max_other_answers);
            not_kept += probe.answers_not_kept;
        }
        CHECK(not_kept == 300 - max_other_answers);
        const auto a = assess(run.evidence);
        CHECK(a.verdict == IsolationVerdict::isolated);
        CHECK(has_warning(a, "address_reuse"));
        CHECK(a.warnings.size() <= max_other_answers);
    }
    SECTION("the lab answers after the flood: its answer is kept, not isolated") {
        bench.io.inject(build_arp_reply(kLab, ip("192.168.1.5"), kOwn, ip("192.168.1.20")), bench.clock.now() + 300ms);
        const auto run = bench.run();
        bool lab_kept = false;
        for (const auto& probe : run.evidence.targets[1].probes)
            for (const auto& answer : probe.answers) lab_kept = lab_kept || answer.mac == kLab;
        CHECK(lab_kept);
        CHECK(assess(run.evidence).verdict == IsolationVerdict::not_isolated);
    }
}

TEST_CASE("a flooded LAN: every frame is judged, the capture keeps the first max_kept_frames", "[isolation]") {
    Bench bench;
    bench.plan.max_kept_frames = 10;
    for (int i = 0; i < 50; ++i)
        bench.io.inject(build_arp_request(kOther, ip("192.168.1.99"), ip("192.168.1.98")), bench.clock.now() + 10ms);
    // The lab's frame comes after the capture file is full: still judged.
    bench.io.inject(build_arp_request(kLab, ip("192.168.1.5"), ip("192.168.1.1")), bench.clock.now() + 1500ms);
    const auto run = bench.run();
    CHECK(run.frames.size() == 10);
    CHECK(run.evidence.frames_captured > 50);
    CHECK(run.evidence.frames_not_kept == run.evidence.frames_captured - 10);
    CHECK(assess(run.evidence).verdict == IsolationVerdict::not_isolated);
}

TEST_CASE("probe frames both ways", "[isolation]") {
    const IpEndpoints to{kOwn, kLab, ip("192.168.1.20"), ip("192.168.1.5")};
    const auto echo = build_icmp_echo(to, 0x1234, 7);
    CHECK(echo.size() == 60);
    CHECK(echo[23] == ip_protocol_icmp);
    /// The IPv4 header sums to 0xffff with its checksum (RFC 1071).
    std::uint32_t sum = 0;
    for (std::size_t i = 14; i < 34; i += 2) sum += static_cast<std::uint32_t>((echo[i] << 8) | echo[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    CHECK(sum == 0xffff);

    const IpEndpoints back{kLab, kOwn, ip("192.168.1.5"), ip("192.168.1.20")};
    const auto reply = parse_ip_reply(build_icmp_echo_reply(back, 0x1234, 7));
    REQUIRE(reply);
    CHECK(reply->kind == IpReply::Kind::icmp_echo_reply);
    CHECK(reply->ethernet_source == kLab);
    CHECK(reply->source_ip == ip("192.168.1.5"));
    CHECK(reply->icmp_id == 0x1234);
    CHECK(reply->icmp_sequence == 7);
    CHECK_FALSE(parse_ip_reply(echo));  // a request is not an answer
    auto not_ipv4 = build_icmp_echo_reply(back, 0x1234, 7);
    not_ipv4[14] = 0x65;  // version 6 in the version/IHL byte
    CHECK_FALSE(parse_ip_reply(not_ipv4));
    auto later_fragment = build_icmp_echo_reply(back, 0x1234, 7);
    later_fragment[20] = 0x00;  // flags clear, fragment offset 8 bytes: not the first fragment
    later_fragment[21] = 0x01;
    CHECK_FALSE(parse_ip_reply(later_fragment));

    const auto syn = build_tcp_syn(to, 40001, 445, 99);
    CHECK(syn.size() == 60);
    const auto segment = parse_ip_reply(syn);
    REQUIRE(segment);
    CHECK(segment->tcp_flags == tcp_flag_syn);
    CHECK(segment->destination_port == 445);
    const auto rst = parse_ip_reply(build_tcp_reply(back, 445, 40001, tcp_flag_rst));
    REQUIRE(rst);
    CHECK(rst->source_port == 445);
    CHECK(rst->destination_port == 40001);
    CHECK(rst->tcp_flags == tcp_flag_rst);

    CHECK_FALSE(parse_ip_reply(std::vector<std::uint8_t>(20, 0)));
    auto truncated = echo;
    truncated.resize(30);
    CHECK_FALSE(parse_ip_reply(truncated));
}

TEST_CASE("the targets file and --target", "[isolation]") {
    const auto file = parse_targets_file(
        R"({"client":"acme","created":"2025-01-01T00:00:00Z","targets":[{"name":"gateway","ip":"192.168.1.250","mac":"02:1a:b0:00:00:fa"},{"name":"nas","ip":"10.10.0.5"}],"control":"192.168.1.1"})",
        "acme-targets.json");
    CHECK(file.client == "acme");
    REQUIRE(file.targets.size() == 2);
    CHECK(file.targets[0].mac == kLabGw);
    CHECK_FALSE(file.targets[1].mac);
    CHECK(file.control == ip("192.168.1.1"));

    CHECK_THROWS_WITH(parse_targets_file(R"({"targets":[{"ip":"300.1.1.1"}]})", "f.json"),
                      Catch::Contains("f.json: /targets/0/ip"));
    CHECK_THROWS_WITH(parse_targets_file(R"({"targets":[{"ip":"1.1.1.1","mac":"ff:ff:ff:ff:ff:ff"}]})", "f.json"),
                      Catch::Contains("/targets/0/mac"));
    CHECK_THROWS_WITH(parse_targets_file(R"({"targets":[]})", "f.json"), Catch::Contains("no targets"));
    CHECK_THROWS_WITH(parse_targets_file(R"({"targets":[{"ip":"1.1.1.1"}],"control":"1.1.1.1"})", "f.json"),
                      Catch::Contains("also a lab target"));
    CHECK_THROWS_AS(parse_targets_file("{", "f.json"), UsageError);

    CHECK(parse_target_argument("10.10.0.5@52:54:00:AA:BB:01").mac == kLab);
    CHECK_FALSE(parse_target_argument("10.10.0.5").mac);
    CHECK_THROWS_AS(parse_target_argument("10.10.0@52:54:00:aa:bb:01"), UsageError);
    CHECK_THROWS_AS(parse_target_argument("10.10.0.5@nope"), UsageError);
}

// Found by fuzzing (tests/fixtures/fuzz/targets_file/defect-number-overflow):
// a number past a double's range made nlohmann throw out_of_range, not a
// parse error, and it escaped as an undocumented error instead of exit 2.
TEST_CASE("the targets file: a number past a double's range is a UsageError naming the file", "[isolation]") {
    CHECK_THROWS_AS(parse_targets_file("1600e000000184109029266750614", "f.json"), UsageError);
    CHECK_THROWS_WITH(parse_targets_file(R"({"targets":[{"ip":"1.1.1.1"}],"x":1e999})", "f.json"),
                      Catch::StartsWith("f.json: not JSON"));
}

TEST_CASE("the capture file is a classic pcap", "[isolation]") {
    const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000) + 250us);
    const auto bytes = pcap_file({{{1, 2, 3}, at}}, 256);
    REQUIRE(bytes.size() == 24 + 16 + 3);
    CHECK(bytes[0] == 0xd4);
    CHECK(bytes[3] == 0xa1);
    CHECK(bytes[20] == 1);  // LINKTYPE_ETHERNET
    CHECK(bytes[24 + 4] == 250);  // microseconds
    CHECK(bytes[24 + 8] == 3);
    CHECK(bytes.back() == 3);
}

TEST_CASE("the report's canonical bytes are stable", "[isolation]") {
    ReportContext context;
    context.report_id = "00112233445566778899aabbccddeeff";
    context.user = "tecnico";
    context.hostname = "reception";
    context.interface = "eth0";
    context.interface_mac = kOwn;
    context.interface_ipv4 = *Ipv4Prefix::parse("192.168.1.20/24");
    context.client = "acme";
    context.start = std::chrono::system_clock::time_point(std::chrono::seconds(1735689600));
    context.end = context.start + 2612ms;
    context.ntp_synchronized = true;
    context.clock_max_error_us = 12000;
    context.capture_file = "report.json.pcap";
    context.capture_sha256 = std::string(64, 'a');
    context.version = "0.1.0";
    context.targets_source = "acme-targets.json";

    auto evidence = quiet_evidence();
    evidence.targets[1].probes[0].answers.push_back({kOther, 1500us});
    evidence.frames_captured = 9;
    const IsolationSettings settings;
    const auto assessment = assess(evidence);
    const auto text = canonical_json(report_json(context, settings, evidence, assessment));
    CHECK(text == canonical_json(report_json(context, settings, evidence, assessment)));
    CHECK(text == canonical_json(nlohmann::json::parse(text)));
    CHECK(utc_iso(context.start) == "2025-01-01T00:00:00.000Z");
    CHECK(utc_stamp(context.end) == "20250101T000002Z");
    CHECK(trusted_comment(context, assessment, "r.json") ==
          "custode isolation report id=00112233445566778899aabbccddeeff start=2025-01-01T00:00:00.000Z "
          "verdict=isolated file=r.json");

    const std::filesystem::path golden = std::filesystem::path(CUSTODE_FIXTURES) / "isolation" / "report.json";
    // Rewriting the golden file is a step a person takes and reviews: the run
    // that rewrites it fails, so it can never pass a check by itself.
    if (std::getenv("CUSTODE_UPDATE_GOLDEN")) {
        std::ofstream(golden, std::ios::binary) << text;
        FAIL("rewrote " << golden << ": review the diff, commit it, and run without CUSTODE_UPDATE_GOLDEN");
    }
    std::ifstream in(golden, std::ios::binary);
    REQUIRE(in);
    std::stringstream expected;
    expected << in.rdbuf();
    CHECK(text == expected.str());
}
