#include <catch2/catch.hpp>

#include <chrono>

#include "custode/core/arp_poll.h"

using namespace custode;
using namespace std::chrono_literals;

namespace {

const auto kOwnMac = *MacAddress::parse("02:00:00:00:00:01");
const auto kPcMac = *MacAddress::parse("02:00:00:00:00:21");
const auto kPcIp = *Ipv4Address::parse("192.168.1.21");
const auto kOtherIp = *Ipv4Address::parse("192.168.1.22");
const auto kOwnIp = *Ipv4Address::parse("192.168.1.250");

/// Asks one address until it is heard; counts what the poller told it.
struct OneAddress final : ArpPollRule {
    bool answered = false;
    int rounds_ended = 0;
    std::vector<Ipv4Address> to_ask() const override { return {kPcIp}; }
    void heard(const ArpPacket& reply, ScanTime) override { answered = answered || reply.sender_ip == kPcIp; }
    void round_ended() override { ++rounds_ended; }
    bool done() const override { return answered; }
};

Frame reply_from(Ipv4Address ip) { return build_arp_reply(kPcMac, ip, kOwnMac, kOwnIp); }

}  // namespace

TEST_CASE("ArpPoller stops after its rounds when nothing answers") {
    OneAddress rule;
    ArpPoller poller(rule, {.interval = 250ms, .rounds = 3});
    const ScanTime t0{};
    int rounds = 0;
    auto now = t0;
    while (const auto round = poller.start_round(now)) {
        REQUIRE(round->ask == std::vector{kPcIp});
        CHECK(round->until == now + 250ms);
        now = round->until;
        poller.end_round();
        ++rounds;
    }
    CHECK(rounds == 3);
    CHECK(rule.rounds_ended == 3);
}

TEST_CASE("ArpPoller ends its last round at the deadline and starts none after it") {
    OneAddress rule;
    const ScanTime t0{};
    ArpPoller poller(rule, {.interval = 500ms, .deadline = t0 + 1200ms});
    const auto first = poller.start_round(t0);
    REQUIRE(first);
    CHECK(first->until == t0 + 500ms);
    poller.end_round();
    const auto last = poller.start_round(t0 + 1000ms);
    REQUIRE(last);
    CHECK(last->until == t0 + 1200ms);  // not 1500 ms: the deadline cuts the round
    poller.end_round();
    CHECK_FALSE(poller.start_round(t0 + 1200ms));
}

TEST_CASE("ArpPoller hands only replies to the rule and says when it is done") {
    OneAddress rule;
    ArpPoller poller(rule, {.interval = 250ms});
    REQUIRE(poller.start_round(ScanTime{}));
    // A request for the PC's address is not an answer from it.
    CHECK_FALSE(poller.on_frame(build_arp_request(kPcMac, kPcIp, kOwnIp), ScanTime{} + 1ms));
    CHECK_FALSE(poller.on_frame(reply_from(kOtherIp), ScanTime{} + 2ms));
    CHECK_FALSE(poller.on_frame(Frame(20, 0), ScanTime{} + 3ms));  // not ARP at all
    CHECK_FALSE(rule.answered);
    CHECK(poller.on_frame(reply_from(kPcIp), ScanTime{} + 4ms));
    poller.end_round();
    CHECK_FALSE(poller.start_round(ScanTime{} + 250ms));  // done: no further round
}
