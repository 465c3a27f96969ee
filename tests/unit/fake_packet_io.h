#pragma once
/// A scripted fake of os::PacketIo and a fake clock, for the ARP scan
/// scheduler, Wake-on-LAN confirmation and the isolation check.
///
/// The script says, per IP, which MACs answer an ARP request for it and after
/// what delay (or never, or only from the n-th request on, or twice from two
/// MACs). send() records every frame and schedules the scripted replies;
/// receive() hands out queued frames in time order and moves the clock to
/// each frame's time, or to the deadline when nothing is due before it. So a
/// loop on receive() runs in simulated time, instantly and deterministically.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "custode/app/discovery.h"
#include "custode/core/arp_scan.h"
#include "custode/core/frames.h"
#include "custode/os/packet_io.h"

namespace custode::testing {

using namespace std::chrono_literals;
using Time = os::Clock::time_point;
using Duration = os::Clock::duration;

class FakeClock {
public:
    Time now() const { return now_; }
    void advance(Duration by) { now_ += by; }
    /// Time never runs backwards.
    void advance_to(Time at) { now_ = std::max(now_, at); }

private:
    Time now_ = Time{} + 1h;  ///< far from zero, so "before the start" stays representable
};

/// How one MAC answers ARP requests for one IP.
struct Responder {
    MacAddress mac;
    Duration delay = 1ms;
    int ignored_requests = 0;  ///< the first n requests go unanswered (loss, a slow boot)
    int max_replies = 1000000;
};

class FakePacketIo : public os::PacketIo {
public:
    struct Sent {
        Frame bytes;
        Time at;
    };

    FakePacketIo(MacAddress own, FakeClock& clock) : own_(own), clock_(clock) {}

    /// Script: `mac` answers requests for `ip` after `delay`. Call twice with
    /// two MACs for a conflict; a delay longer than the scan's patience makes
    /// a late reply.
    void answer(Ipv4Address ip, MacAddress mac, Duration delay = 1ms, int ignored_requests = 0) {
        responders_[ip].push_back({mac, delay, ignored_requests});
    }
    void answer(Ipv4Address ip, Responder responder) { responders_[ip].push_back(responder); }
    /// One shared kernel plays every host: it sends at most one reply per
    /// `service_time`, so replies queue (grow late) when requests come faster.
    void set_service_time(Duration service_time) { service_time_ = service_time; }
    /// Delivers `frame` at `at` whatever is sent (gratuitous ARP, noise).
    void inject(Frame frame, Time at) { queue(std::move(frame), at); }
    /// Like libpcap without a direction filter: our own frames come back.
    void echo_sent_frames(bool on) { echo_ = on; }
    void set_dropped(std::uint64_t dropped) { dropped_ = dropped; }

    const std::vector<Sent>& sent() const { return sent_; }
    /// The target IPs of the ARP requests sent, in order.
    std::vector<Ipv4Address> requested_ips() const {
        std::vector<Ipv4Address> ips;
        for (const auto& frame : sent_)
            if (auto arp = parse_arp(frame.bytes); arp && arp->op == ArpPacket::Op::request)
                ips.push_back(arp->target_ip);
        return ips;
    }

    MacAddress mac() const override { return own_; }

    void send(std::span<const std::uint8_t> frame) override {
        sent_.push_back({Frame(frame.begin(), frame.end()), clock_.now()});
        if (echo_) queue(sent_.back().bytes, clock_.now());
        const auto arp = parse_arp(frame);
        if (!arp || arp->op != ArpPacket::Op::request) return;
        const int number = ++requests_for_[arp->target_ip];
        // As on the wire: a host sees a request sent to the broadcast address
        // or to its own MAC, never one sent to another MAC.
        const MacAddress destination(MacAddress::Bytes{frame[0], frame[1], frame[2], frame[3], frame[4], frame[5]});
        for (auto& responder : responders_[arp->target_ip])
            if (destination == MacAddress::broadcast() || destination == responder.mac)
                schedule_reply(*arp, responder, number);
    }

    std::optional<os::ReceivedFrame> receive(os::Clock::time_point deadline) override {
        if (inbox_.empty() || inbox_.begin()->first > deadline) {
            clock_.advance_to(deadline);
            return std::nullopt;
        }
        auto node = inbox_.extract(inbox_.begin());
        clock_.advance_to(node.key());
        return os::ReceivedFrame{std::move(node.mapped()), node.key()};
    }

    std::uint64_t dropped() const override { return dropped_; }

private:
    void schedule_reply(const ArpPacket& request, Responder& responder, int number) {
        if (number <= responder.ignored_requests || responder.max_replies <= 0) return;
        --responder.max_replies;
        Time at = clock_.now() + responder.delay;
        if (service_time_ > Duration::zero()) {
            at = std::max(at, kernel_free_at_ + service_time_);
            kernel_free_at_ = at;
        }
        queue(build_arp_reply(responder.mac, request.target_ip, request.sender_mac, request.sender_ip), at);
    }

    void queue(Frame frame, Time at) { inbox_.emplace(at, std::move(frame)); }

    MacAddress own_;
    FakeClock& clock_;
    std::map<Ipv4Address, std::vector<Responder>> responders_;
    std::map<Ipv4Address, int> requests_for_;
    std::multimap<Time, Frame> inbox_;  ///< equal times keep their insertion order
    std::vector<Sent> sent_;
    Duration service_time_{};
    Time kernel_free_at_{};
    bool echo_ = false;
    std::uint64_t dropped_ = 0;
};

/// The app layer's scan loop, on the fake clock.
inline ScanResult run_scan(ArpScan& scan, os::PacketIo& io, FakeClock& clock) {
    return app::run_scan(scan, io, {}, [&clock] { return clock.now(); });
}

}  // namespace custode::testing
