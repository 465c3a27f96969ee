#pragma once
/// Rounds of "ask, then listen" over ARP: the one loop of the disconnect
/// baseline, the wake confirmation and the wait for PCs to power off. Each
/// round asks what the rule says, then listens until the round ends (or the
/// rule is done). Pure, like ArpScan beside it: app::run_arp_poll drives it
/// on a PacketIo, the unit tests on a fake clock.

#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/arp_scan.h"
#include "custode/core/frames.h"

namespace custode {

/// What a poll asks and what the answers mean.
class ArpPollRule {
public:
    virtual ~ArpPollRule() = default;
    /// The addresses to ask this round.
    virtual std::vector<Ipv4Address> to_ask() const = 0;
    /// An ARP reply heard during a round.
    virtual void heard(const ArpPacket& reply, ScanTime at) = 0;
    /// A round is over (for rules that count silent rounds).
    virtual void round_ended() {}
    virtual bool done() const = 0;
};

struct ArpPollTiming {
    ScanDuration interval;                               ///< one round: ask, then listen this long
    ScanTime deadline = ScanTime::max();                 ///< no round starts after it; the last ends at it
    int rounds = std::numeric_limits<int>::max();        ///< at most this many rounds
};

class ArpPoller {
public:
    ArpPoller(ArpPollRule& rule, ArpPollTiming timing) : rule_(rule), timing_(timing) {}

    struct Round {
        std::vector<Ipv4Address> ask;
        ScanTime until;  ///< listen until then
    };
    /// The next round at `now`, or nullopt when the poll is over: the rule
    /// is done, the rounds are used up, or the deadline has passed.
    std::optional<Round> start_round(ScanTime now);
    /// A frame heard in the round; replies go to the rule. True when the
    /// rule is done, so listening may stop.
    bool on_frame(std::span<const std::uint8_t> frame, ScanTime at);
    void end_round();

private:
    ArpPollRule& rule_;
    ArpPollTiming timing_;
    int rounds_ = 0;
};

}  // namespace custode
