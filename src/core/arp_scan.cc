#include "custode/core/arp_scan.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "custode/core/error.h"

namespace custode {
namespace {

/// Larger subnets are not office LANs; a /16 is already 65534 requests.
constexpr int kShortestPrefix = 16;
/// Tolerates the rounding of the token arithmetic.
constexpr double kOneToken = 1.0 - 1e-9;

/// Rounded up, so a wake-up computed from it is never early (an early one
/// would find nothing to do and ask to be woken at the same instant again).
ScanDuration seconds(double value) {
    return std::chrono::ceil<ScanDuration>(std::chrono::duration<double>(value));
}

double to_seconds(ScanDuration value) { return std::chrono::duration<double>(value).count(); }

ScanDuration scaled(ScanDuration value, double factor) { return seconds(to_seconds(value) * factor); }

}  // namespace

ScanPlan plan_subnet_scan(MacAddress source_mac, Ipv4Prefix own, std::span<const Ipv4Address> known,
                          ScanSettings settings) {
    if (own.length() < kShortestPrefix)
        throw UsageError(fmt::format("{}: subnets larger than a /{} are not scanned", own.to_string(), kShortestPrefix));
    if (own.host_count() == 0) throw UsageError(fmt::format("{}: no host addresses to scan", own.to_string()));
    ScanPlan plan{source_mac, own.address(), {}, settings};
    const std::uint32_t network = own.network().value();
    const bool has_edges = own.length() <= 30;  ///< /31 and /32 have no network or broadcast address
    const std::uint32_t first = has_edges ? network + 1 : network;
    const std::uint32_t last = has_edges ? own.broadcast().value() - 1 : own.broadcast().value();
    for (std::uint32_t value = first; value <= last && value >= first; ++value) {
        const Ipv4Address ip(value);
        if (ip == own.address()) continue;
        const bool is_known = std::find(known.begin(), known.end(), ip) != known.end();
        plan.targets.push_back({ip, is_known ? Known::yes : Known::no});
    }
    return plan;
}

ArpScan::ArpScan(ScanPlan plan, ScanTime start)
    : plan_(std::move(plan)),
      start_(start),
      now_(start),
      tokens_(plan_.settings.burst),
      refilled_at_(start),
      window_(plan_.settings.initial_window),
      threshold_(plan_.settings.max_window) {
    for (const auto& target : plan_.targets) {
        if (target.ip == plan_.source_ip) continue;  ///< never ask for ourselves
        by_ip_.emplace_back(target.ip.value(), targets_.size());
        Target entry;
        entry.plan = target;
        targets_.push_back(entry);
    }
    std::sort(by_ip_.begin(), by_ip_.end());
    drop_duplicate_targets();
    /// Known targets go first: they answer early and measure the LAN for the rest.
    for (std::size_t i = 0; i < targets_.size(); ++i)
        if (targets_[i].plan.known == Known::yes) fresh_.push_back(i);
    for (std::size_t i = 0; i < targets_.size(); ++i)
        if (targets_[i].plan.known == Known::no) fresh_.push_back(i);
}

/// A target listed twice is asked once; a known entry wins.
void ArpScan::drop_duplicate_targets() {
    std::vector<std::pair<std::uint32_t, std::size_t>> unique;
    std::vector<Target> kept;
    for (std::size_t i = 0; i < by_ip_.size(); ++i) {
        auto target = targets_[by_ip_[i].second];
        if (!unique.empty() && unique.back().first == by_ip_[i].first) {
            if (target.plan.known == Known::yes) kept.back().plan.known = Known::yes;
            continue;
        }
        unique.emplace_back(by_ip_[i].first, kept.size());
        kept.push_back(target);
    }
    by_ip_ = std::move(unique);
    targets_ = std::move(kept);
}

std::optional<std::size_t> ArpScan::find(Ipv4Address ip) const {
    const auto it = std::lower_bound(by_ip_.begin(), by_ip_.end(), std::pair{ip.value(), std::size_t{0}});
    if (it == by_ip_.end() || it->first != ip.value()) return std::nullopt;
    return it->second;
}

ScanDuration ArpScan::timeout() const {
    const auto& s = plan_.settings;
    if (!srtt_) return std::max(s.initial_timeout, late_latency_);
    const auto rto = *srtt_ + 4 * rttvar_;
    // A reply that came after its timeout shows the LAN can be that slow now:
    // the estimator, fed by the prompt replies, would not know.
    return std::clamp<ScanDuration>(std::max(rto, late_latency_), s.min_timeout, s.max_timeout);
}

ScanDuration ArpScan::linger() const { return std::min(late_latency_, plan_.settings.max_timeout); }

ScanDuration ArpScan::try_timeout(const Target& target) const {
    const auto& s = plan_.settings;
    auto base = timeout();
    if (target.plan.known == Known::yes) base = std::max<ScanDuration>(base, s.known_min_timeout);
    const double factor = std::pow(s.backoff, target.tries_sent - 1);
    return std::min<ScanDuration>(scaled(base, factor), std::max(s.max_timeout, s.known_min_timeout));
}

void ArpScan::advance(ScanTime now) {
    now_ = std::max(now_, now);
    while (!deadlines_.empty() && deadlines_.top().at <= now_) {
        const auto deadline = deadlines_.top();
        deadlines_.pop();
        auto& target = targets_[deadline.target];
        if (target.state != State::waiting || target.tries_sent != deadline.try_number) continue;
        if (deadline.kind == Deadline::Kind::release_slot) {
            release_slot(target);
            continue;
        }
        /// The estimate grew since this try was sent (the first samples come
        /// from the fastest hosts): wait as long as it now says.
        const auto current = target.last_sent + try_timeout(target);
        if (current > now_) {
            deadlines_.push({current, deadline.target, deadline.try_number, Deadline::Kind::give_up_try});
            continue;
        }
        release_slot(target);
        const int tries = target.plan.known == Known::yes ? plan_.settings.known_tries : plan_.settings.tries;
        if (target.tries_sent < tries) {
            target.state = State::retry_due;
            retries_.push_back(deadline.target);
        } else {
            target.state = State::gave_up;
            ++gave_up_;
        }
    }
}

void ArpScan::release_slot(Target& target) {
    if (!target.holds_slot) return;
    target.holds_slot = false;
    --outstanding_;
}

/// How long a request holds its window slot: about when a live host's reply
/// would be in. A silent address frees its slot then, long before its
/// timeout, so a sparse subnet is not paced by its empty addresses.
ScanDuration ArpScan::slot_hold() const {
    if (!srtt_) return plan_.settings.initial_timeout / 2;
    return std::max<ScanDuration>(*srtt_ + 2 * rttvar_, plan_.settings.min_timeout / 2);
}

void ArpScan::refill(ScanTime now) {
    const double earned = to_seconds(now - refilled_at_) * plan_.settings.max_rate;
    tokens_ = std::min(plan_.settings.burst, tokens_ + std::max(0.0, earned));
    refilled_at_ = now;
}

/// The next target with a request due, dropping entries answered meanwhile.
std::optional<std::size_t> ArpScan::next_candidate() {
    while (!retries_.empty() && targets_[retries_.front()].state != State::retry_due) retries_.pop_front();
    if (!retries_.empty()) return retries_.front();
    if (!fresh_.empty()) return fresh_.front();
    return std::nullopt;
}

/// Within the window, or at the minimum rate when the window is full.
bool ArpScan::may_send(ScanTime now) const {
    if (tokens_ < kOneToken) return false;
    if (static_cast<double>(outstanding_) < window_) return true;
    return !last_send_ || now - *last_send_ >= seconds(1.0 / plan_.settings.min_rate);
}

void ArpScan::send(std::size_t index, ScanTime now) {
    auto& target = targets_[index];
    if (target.state == State::retry_due) retries_.pop_front();
    else fresh_.pop_front();
    if (target.tries_sent == 0) target.first_sent = now;
    target.last_sent = now;
    ++target.tries_sent;
    target.state = State::waiting;
    deadlines_.push({now + slot_hold(), index, target.tries_sent, Deadline::Kind::release_slot});
    deadlines_.push({now + try_timeout(target), index, target.tries_sent, Deadline::Kind::give_up_try});
    target.holds_slot = true;
    ++outstanding_;
    ++requests_sent_;
    tokens_ -= 1.0;
    last_send_ = now;
}

std::vector<Ipv4Address> ArpScan::next_requests(ScanTime now) {
    advance(now);
    refill(now_);
    std::vector<Ipv4Address> out;
    if (finished_at_) return out;
    while (may_send(now_)) {
        const auto index = next_candidate();
        if (!index) break;
        send(*index, now_);
        out.push_back(targets_[*index].plan.ip);
    }
    return out;
}

std::optional<ScanTime> ArpScan::next_wakeup() const {
    if (finished_at_) return std::nullopt;
    if (all_done()) return linger_until();
    std::optional<ScanTime> wake = start_ + plan_.settings.max_duration;
    const auto earlier = [&](ScanTime t) { wake = std::min(*wake, t); };
    if (!deadlines_.empty()) earlier(deadlines_.top().at);
    const bool has_work = !fresh_.empty() || !retries_.empty();
    if (has_work) {
        auto at = refilled_at_ + seconds(std::max(0.0, 1.0 - tokens_) / plan_.settings.max_rate);
        if (static_cast<double>(outstanding_) >= window_ && last_send_)
            at = std::max(at, *last_send_ + seconds(1.0 / plan_.settings.min_rate));
        earlier(std::max(at, now_));
    }
    return wake;
}

bool ArpScan::is_reply_to_us(const ArpPacket& packet) const {
    if (packet.op != ArpPacket::Op::reply) return false;
    if (packet.sender_mac == plan_.source_mac) return false;  ///< our own frame, looped back by the capture
    if (packet.sender_ip == packet.target_ip) return false;   ///< gratuitous ARP
    if (packet.target_ip != plan_.source_ip) return false;
    /// Some embedded stacks leave the target MAC zero or broadcast it.
    return packet.target_mac == plan_.source_mac || packet.target_mac.is_zero() ||
           packet.target_mac == MacAddress::broadcast();
}

void ArpScan::on_frame(const ArpPacket& packet, ScanTime now) {
    advance(now);
    const auto index = is_reply_to_us(packet) ? find(packet.sender_ip) : std::nullopt;
    if (!index || targets_[*index].state == State::pending) {  ///< not a target, or not asked yet
        ++ignored_frames_;
        return;
    }
    accept_reply(*index, packet.sender_mac, now_);
}

void ArpScan::accept_reply(std::size_t index, MacAddress mac, ScanTime now) {
    auto& target = targets_[index];
    if (target.state == State::answered) {
        if (std::find(target.macs.begin(), target.macs.end(), mac) != target.macs.end()) ++duplicate_replies_;
        else if (target.macs.size() < max_macs_per_target) target.macs.push_back(mac);  ///< a conflict: reported in result()
        else ++macs_not_kept_;
        return;
    }
    const bool timed_out = target.state != State::waiting;
    if (timed_out || target.tries_sent > 1) ++late_replies_;
    release_slot(target);
    if (target.state == State::gave_up) --gave_up_;
    if (timed_out) on_late_reply(target, now);
    else on_prompt_reply(target, now);
    target.state = State::answered;
    target.macs.push_back(mac);
    target.latency = now - target.first_sent;
    target.requests_at_reply = target.tries_sent;
    ++answered_;
}

/// Slow start, then additive increase: the LAN keeps up with this pace.
void ArpScan::on_prompt_reply(const Target& target, ScanTime now) {
    if (target.tries_sent == 1) sample_rtt(now - target.last_sent);  ///< Karn: retried targets are ambiguous
    const double step = window_ < threshold_ ? 1.0 : 1.0 / window_;
    window_ = std::min(plan_.settings.max_window, window_ + step);
}

/// A reply after its timeout: the hosts (or a switch) are queueing, so halve
/// the window, at most once per timeout period so one burst of late replies
/// counts as one signal.
void ArpScan::on_late_reply(const Target& target, ScanTime now) {
    late_latency_ = std::max(late_latency_, now - target.last_sent);
    if (target.tries_sent == 1) sample_rtt(now - target.last_sent);  ///< one request: the sample is exact
    if (decreased_at_ && now - *decreased_at_ < timeout()) return;
    threshold_ = std::max(plan_.settings.min_window, window_ / 2);
    window_ = threshold_;
    decreased_at_ = now;
}

/// RFC 6298's smoothed round trip and its variation.
void ArpScan::sample_rtt(ScanDuration rtt) {
    if (!srtt_) {
        srtt_ = rtt;
        rttvar_ = rtt / 2;
        return;
    }
    const auto error = *srtt_ > rtt ? *srtt_ - rtt : rtt - *srtt_;
    rttvar_ = (3 * rttvar_ + error) / 4;
    srtt_ = (7 * *srtt_ + rtt) / 8;
}

bool ArpScan::all_done() const { return answered_ + gave_up_ == targets_.size(); }

/// After the last try, replies may still be on their way: as long as the
/// slowest late reply took, they are still counted.
std::optional<ScanTime> ArpScan::linger_until() const {
    if (!all_done()) return std::nullopt;
    return last_send_ ? std::max(now_, *last_send_ + linger()) : now_;
}

bool ArpScan::finished(ScanTime now) {
    advance(now);
    if (finished_at_) return true;
    const auto linger_end = linger_until();
    if ((linger_end && now_ >= *linger_end) || now_ - start_ >= plan_.settings.max_duration) finished_at_ = now_;
    return finished_at_.has_value();
}

ScanResult ArpScan::result() const {
    ScanResult result;
    for (const auto& [ip, index] : by_ip_) {
        const auto& target = targets_[index];
        if (target.macs.empty()) {
            result.silent.push_back(target.plan.ip);
            continue;
        }
        result.hosts.push_back({target.plan.ip, target.macs.front(), target.latency, target.requests_at_reply});
        if (target.macs.size() > 1) result.conflicts.push_back({target.plan.ip, target.macs});
    }
    result.requests_sent = requests_sent_;
    result.late_replies = late_replies_;
    result.duplicate_replies = duplicate_replies_;
    result.macs_not_kept = macs_not_kept_;
    result.ignored_frames = ignored_frames_;
    result.complete = all_done();
    result.elapsed = finished_at_.value_or(now_) - start_;
    return result;
}

Frame ArpScan::request_frame(Ipv4Address target) const {
    return build_arp_request(plan_.source_mac, plan_.source_ip, target);
}

ScanProgress ArpScan::progress() const { return {targets_.size(), answered_ + gave_up_, answered_, requests_sent_}; }

}  // namespace custode
