#include "simulator.h"

#include <chrono>
#include <fmt/format.h>

namespace custode::lansim {
namespace {

bool is_raw_wol(std::span<const std::uint8_t> frame) {
    return frame.size() >= 14 && frame[12] == (ethertype_wol >> 8) && frame[13] == (ethertype_wol & 0xff);
}

long long millis(Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

Simulator::Simulator(os::PacketIo& io, std::vector<SimHost> hosts, std::uint32_t seed, std::ostream& log)
    : io_(io), random_(seed), log_(log) {
    check_unique(hosts);
    for (auto& host : hosts) {
        State state{host};
        if (!host.sleeping) state.awake_from = Clock::time_point::min();
        by_ip_[host.ip] = hosts_.size();
        by_mac_[host.mac] = hosts_.size();
        hosts_.push_back(std::move(state));
    }
}

void Simulator::handle(const os::ReceivedFrame& frame) {
    if (const auto arp = parse_arp(frame.bytes)) {
        if (arp->op == ArpPacket::Op::request) on_arp(*arp, frame.at);
        return;
    }
    if (const auto target = parse_magic_packet(frame.bytes)) {
        on_magic(*target, is_raw_wol(frame.bytes), frame.at);
        return;
    }
    ++ignored_frames_;
}

void Simulator::on_arp(const ArpPacket& arp, Clock::time_point at) {
    /// A gratuitous ARP announces the sender; nobody answers it.
    if (arp.sender_ip == arp.target_ip) return;
    const auto found = by_ip_.find(arp.target_ip);
    if (found == by_ip_.end()) {
        ++unknown_requests_;
        return;
    }
    State& state = hosts_[found->second];
    ++state.requests;
    /// Asleep, or still booting: a real PC would not answer either.
    if (!state.awake_from || at < *state.awake_from) {
        ++state.unanswered_asleep;
        return;
    }
    if (state.host.loss > 0 && std::uniform_real_distribution<double>(0.0, 1.0)(random_) < state.host.loss) {
        ++state.lost;
        return;
    }
    /// To the asker's ARP sender MAC, as a kernel does (not the Ethernet source).
    queue_.push(Reply{at + state.host.delay, found->second,
                      build_arp_reply(state.host.mac, state.host.ip, arp.sender_mac, arp.sender_ip)});
}

void Simulator::on_magic(MacAddress target, bool raw, Clock::time_point at) {
    ++magic_packets_;
    const auto found = by_mac_.find(target);
    if (found == by_mac_.end()) return;
    State& state = hosts_[found->second];
    if (state.awake_from) return;
    state.awake_from = at + state.host.boot;
    state.woke_via = raw ? "raw" : "udp";
    ++wakes_;
    log_ << fmt::format("custode-lansim: wake {} {} by a {} magic packet, answering ARP in {} ms\n",
                        state.host.ip.to_string(), state.host.mac.to_string(), state.woke_via,
                        millis(state.host.boot))
         << std::flush;
}

void Simulator::send_due(Clock::time_point now) {
    while (!queue_.empty() && queue_.top().due <= now) {
        /// priority_queue::top is const: copy out the small frame, then pop.
        const Reply reply = queue_.top();
        queue_.pop();
        io_.send(reply.frame);
        ++hosts_[reply.host].replies;
    }
}

std::optional<Clock::time_point> Simulator::next_due() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.top().due;
}

nlohmann::json Simulator::stats() const {
    nlohmann::json per_host = nlohmann::json::object();
    std::uint64_t requests = 0, replies = 0, lost = 0;
    for (const auto& state : hosts_) {
        requests += state.requests;
        replies += state.replies;
        lost += state.lost;
        per_host[state.host.ip.to_string()] = {
            {"mac", state.host.mac.to_string()},     {"requests", state.requests},
            {"replies", state.replies},              {"lost", state.lost},
            {"unanswered_asleep", state.unanswered_asleep}, {"sleeping", state.host.sleeping},
            {"woke", !state.woke_via.empty()},       {"woke_via", state.woke_via},
        };
    }
    return {{"hosts", per_host},         {"requests", requests},
            {"replies", replies},        {"lost", lost},
            {"wakes", wakes_},           {"magic_packets", magic_packets_},
            {"unknown_requests", unknown_requests_}, {"ignored_frames", ignored_frames_},
            {"pending_replies", queue_.size()}};
}

}  // namespace custode::lansim
