#include "custode/core/arp_poll.h"

#include <algorithm>

namespace custode {

std::optional<ArpPoller::Round> ArpPoller::start_round(ScanTime now) {
    if (rule_.done() || rounds_ >= timing_.rounds || now >= timing_.deadline) return std::nullopt;
    const auto until = timing_.deadline - now < timing_.interval ? timing_.deadline : now + timing_.interval;
    return Round{rule_.to_ask(), until};
}

bool ArpPoller::on_frame(std::span<const std::uint8_t> frame, ScanTime at) {
    if (const auto arp = parse_arp(frame); arp && arp->op == ArpPacket::Op::reply) rule_.heard(*arp, at);
    return rule_.done();
}

void ArpPoller::end_round() {
    ++rounds_;
    rule_.round_ended();
}

}  // namespace custode
