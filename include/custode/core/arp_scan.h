#pragma once
/// The ARP scan scheduler: which addresses to ask, when, and what the answers
/// mean. A pure state machine driven by a loop in the app layer (no threads,
/// no sleeping, no sockets), so it runs the same on the wire and on a fake
/// clock. The algorithm and its defaults: docs/discovery.md.
///
/// The driving loop:
///     ArpScan scan(plan, clock.now());
///     while (!scan.finished(clock.now())) {
///         for (auto ip : scan.next_requests(clock.now())) io.send(scan.request_frame(ip));
///         if (auto frame = io.receive(*scan.next_wakeup()))
///             if (auto arp = parse_arp(frame->bytes)) scan.on_frame(*arp, frame->at);
///     }
///     auto result = scan.result();

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <queue>
#include <span>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/frames.h"

namespace custode {

using ScanClock = std::chrono::steady_clock;  ///< the same clock as os::Clock
using ScanTime = ScanClock::time_point;
using ScanDuration = ScanClock::duration;

/// Every tunable of the scan, with the defaults the benchmark was run with.
struct ScanSettings {
    /// Requests per target that no inventory or netconf entry names.
    int tries = 2;
    /// Requests per known target (inventory, or netconf with an IP): a PC we
    /// expect may be slow or lossy, and losing it costs a false `missing`.
    int known_tries = 3;
    /// Wait for the first tries, before any reply has measured the LAN.
    ScanDuration initial_timeout = std::chrono::milliseconds(100);
    /// Bounds of the adaptive timeout (srtt + 4 rttvar, as TCP's RTO).
    ScanDuration min_timeout = std::chrono::milliseconds(15);
    ScanDuration max_timeout = std::chrono::milliseconds(1000);
    /// A known target waits at least this long per try, whatever the LAN's pace.
    ScanDuration known_min_timeout = std::chrono::milliseconds(250);
    /// Each further try of one target waits `backoff` times longer.
    double backoff = 2.0;
    /// Window of outstanding requests: sent, not answered, and younger than
    /// the time a live host's reply takes (srtt + 2 rttvar).
    double initial_window = 16;
    double min_window = 4;
    double max_window = 1024;
    /// Hard cap on the send rate (requests per second), as a token bucket.
    double max_rate = 20000;
    double burst = 16;
    /// Even with a full window (a sparse subnet: silent addresses hold their
    /// slots until they time out), one request per 1/min_rate seconds goes out.
    double min_rate = 2000;
    /// The scan stops here whatever is left; the result is then incomplete.
    ScanDuration max_duration = std::chrono::seconds(30);
};

/// Whether a target is expected to answer: named in the inventory, or
/// declared in netconf with an IP.
enum class Known : bool { no = false, yes = true };

struct ScanTarget {
    Ipv4Address ip;
    Known known = Known::no;
};

struct ScanPlan {
    MacAddress source_mac;  ///< the bridge's own MAC
    Ipv4Address source_ip;  ///< the gateway's own address on the client LAN, never forged
    std::vector<ScanTarget> targets;
    ScanSettings settings;
};

/// Every host address of the subnet of `own` (such as 192.168.1.250/24) except
/// `own` itself, ascending, each marked known when listed in `known`.
/// Throws UsageError for a subnet larger than a /16.
ScanPlan plan_subnet_scan(MacAddress source_mac, Ipv4Prefix own, std::span<const Ipv4Address> known,
                          ScanSettings settings = {});

struct FoundHost {
    Ipv4Address ip;
    MacAddress mac;  ///< the first MAC that answered
    /// From the first request to the first reply: an upper bound of the
    /// round trip when the reply came after a retry.
    ScanDuration latency{};
    int requests = 0;  ///< requests sent to this IP before it answered
    bool operator==(const FoundHost&) const = default;
};

/// MACs one target keeps: a LAN that answers our request for an address
/// from ever new MACs (a spoofing flood) must not grow the result, the
/// inventory and the output without end (docs/reliability.md, "Hostile LAN").
inline constexpr std::size_t max_macs_per_target = 16;

/// One IP answered by more than one MAC in the same scan.
struct ScanConflict {
    Ipv4Address ip;
    std::vector<MacAddress> macs;  ///< in the order they answered
    bool operator==(const ScanConflict&) const = default;
};

struct ScanResult {
    std::vector<FoundHost> hosts;          ///< by IP
    std::vector<ScanConflict> conflicts;   ///< by IP
    std::vector<Ipv4Address> silent;       ///< targets that never answered, by IP
    std::size_t requests_sent = 0;
    /// Replies after their target's try had timed out, or after a retry was
    /// sent (a reply to a retried target cannot be told from a late one).
    std::size_t late_replies = 0;
    std::size_t duplicate_replies = 0;  ///< the same IP and MAC again
    /// Replies from further MACs for a target that already has max_macs_per_target.
    std::size_t macs_not_kept = 0;
    std::size_t ignored_frames = 0;     ///< not a reply to one of our requests
    /// Frames the capture lost (the kernel's count): any of them may have been a reply.
    std::size_t dropped_frames = 0;
    /// Every target had all its tries and the capture lost nothing: a silent
    /// target really was silent. False when the scan hit max_duration or
    /// frames were dropped.
    bool complete = false;
    ScanDuration elapsed{};
};

/// Counters for a progress line.
struct ScanProgress {
    std::size_t targets = 0;
    std::size_t done = 0;  ///< answered or given up
    std::size_t answered = 0;
    std::size_t requests_sent = 0;
};

class ArpScan {
public:
    ArpScan(ScanPlan plan, ScanTime start);

    /// The targets to send a request to now (retries first), within the window
    /// and the rate cap. Call again at next_wakeup().
    std::vector<Ipv4Address> next_requests(ScanTime now);
    /// When something next happens (a token, a timeout); nullopt once finished.
    std::optional<ScanTime> next_wakeup() const;
    /// Feeds one parsed ARP frame received at `now`; anything that is not a
    /// reply to one of our requests is counted and otherwise ignored.
    void on_frame(const ArpPacket& packet, ScanTime now);
    /// True when every target answered or used up its tries, or at max_duration.
    bool finished(ScanTime now);
    ScanResult result() const;

    /// The broadcast request for `target` from the plan's own addresses.
    Frame request_frame(Ipv4Address target) const;
    ScanProgress progress() const;
    /// The current window and timeout (for tests and -v output).
    double window() const { return window_; }
    ScanDuration timeout() const;

private:
    enum class State : std::uint8_t { pending, waiting, retry_due, answered, gave_up };
    struct Target {
        ScanTarget plan;
        State state = State::pending;
        int tries_sent = 0;
        ScanTime first_sent{};
        ScanTime last_sent{};
        std::vector<MacAddress> macs;
        ScanDuration latency{};
        int requests_at_reply = 0;
        bool holds_slot = false;
    };
    struct Deadline {
        enum class Kind : std::uint8_t { release_slot, give_up_try };
        ScanTime at;
        std::size_t target;
        int try_number;
        Kind kind;
        bool operator>(const Deadline& other) const { return at > other.at; }
    };

    void drop_duplicate_targets();
    void advance(ScanTime now);
    void refill(ScanTime now);
    void release_slot(Target& target);
    ScanDuration slot_hold() const;
    std::optional<std::size_t> next_candidate();
    bool may_send(ScanTime now) const;
    void send(std::size_t index, ScanTime now);
    ScanDuration try_timeout(const Target& target) const;
    std::optional<std::size_t> find(Ipv4Address ip) const;
    bool is_reply_to_us(const ArpPacket& packet) const;
    void accept_reply(std::size_t index, MacAddress mac, ScanTime now);
    void on_prompt_reply(const Target& target, ScanTime now);
    void on_late_reply(const Target& target, ScanTime now);
    void sample_rtt(ScanDuration rtt);
    bool all_done() const;
    ScanDuration linger() const;
    std::optional<ScanTime> linger_until() const;

    ScanPlan plan_;
    std::vector<Target> targets_;
    std::vector<std::pair<std::uint32_t, std::size_t>> by_ip_;  ///< sorted, for lookups
    std::deque<std::size_t> fresh_;                              ///< known targets first
    std::deque<std::size_t> retries_;
    std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;

    ScanTime start_;
    ScanTime now_;
    std::optional<ScanTime> finished_at_;
    double tokens_;
    ScanTime refilled_at_;
    std::optional<ScanTime> last_send_;
    std::size_t outstanding_ = 0;  ///< requests holding a window slot
    double window_;
    double threshold_;  ///< slow start below, additive increase above
    std::optional<ScanTime> decreased_at_;
    std::optional<ScanDuration> srtt_;
    ScanDuration late_latency_{};  ///< the slowest reply that came after its timeout
    ScanDuration rttvar_{};

    std::size_t requests_sent_ = 0;
    std::size_t late_replies_ = 0;
    std::size_t duplicate_replies_ = 0;
    std::size_t macs_not_kept_ = 0;
    std::size_t ignored_frames_ = 0;
    std::size_t answered_ = 0;
    std::size_t gave_up_ = 0;
};

}  // namespace custode
