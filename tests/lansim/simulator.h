#pragma once
/// The simulated PCs' behaviour on one PacketIo: ARP replies after each
/// host's delay (from a timer queue, so one slow host never holds up the
/// others), a loss rate, and sleeping hosts that a magic packet wakes.
/// Single-threaded: the caller's loop feeds frames in and asks when the next
/// reply is due.

#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "custode/core/frames.h"
#include "custode/os/packet_io.h"
#include "hosts.h"

namespace custode::lansim {

using os::Clock;

class Simulator {
public:
    /// Wake lines go to `log`.
    Simulator(os::PacketIo& io, std::vector<SimHost> hosts, std::uint32_t seed, std::ostream& log);

    /// One frame from the wire (untrusted): an ARP request for one of ours
    /// queues a reply; a magic packet for a sleeping one wakes it.
    void handle(const os::ReceivedFrame& frame);
    /// Sends every reply due by `now`.
    void send_due(Clock::time_point now);
    /// When the next queued reply is due, if any.
    std::optional<Clock::time_point> next_due() const;

    /// Counters: totals and per host (keyed by IP), as written by --stats.
    nlohmann::json stats() const;

private:
    struct State {
        SimHost host;
        std::optional<Clock::time_point> awake_from;  ///< unset while asleep
        std::string woke_via;
        std::uint64_t requests = 0, replies = 0, lost = 0, unanswered_asleep = 0;
    };
    struct Reply {
        Clock::time_point due;
        std::size_t host;
        Frame frame;
        bool operator>(const Reply& other) const { return due > other.due; }
    };

    void on_arp(const ArpPacket& arp, Clock::time_point at);
    void on_magic(MacAddress target, bool raw, Clock::time_point at);

    os::PacketIo& io_;
    std::vector<State> hosts_;
    std::map<Ipv4Address, std::size_t> by_ip_;
    std::map<MacAddress, std::size_t> by_mac_;
    std::priority_queue<Reply, std::vector<Reply>, std::greater<>> queue_;
    std::mt19937 random_;
    std::ostream& log_;
    std::uint64_t unknown_requests_ = 0, magic_packets_ = 0, ignored_frames_ = 0, wakes_ = 0;
};

}  // namespace custode::lansim
