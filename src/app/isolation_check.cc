#include "custode/app/isolation_check.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>

#include "custode/app/signing.h"
#include "custode/core/canonical_json.h"
#include "custode/core/error.h"
#include "custode/core/isolation_report.h"
#include "custode/core/pcap_file.h"
#include "custode/core/version.h"
#include "custode/os/digest.h"
#include "custode/os/files.h"
#include "custode/os/machine.h"
#include "custode/os/user.h"

namespace custode::app {
namespace {

namespace chr = std::chrono;
using Time = os::Clock::time_point;

/// One frame to send: entity -1 is the default gateway's ARP resolution.
struct Send {
    Time at;
    int entity = -1;
    std::size_t probe = 0;
};

struct Entity {
    TargetResult result;
    std::optional<MacAddress> learned;  ///< the first MAC that answered ARP for it
};

class ProbeLoop {
public:
    ProbeLoop(const ProbePlan& plan, os::PacketIo& io, const std::function<Time()>& now)
        : plan_(plan), io_(io), now_(now) {
        for (const auto& target : plan.targets) add_entity(target);
        if (plan.control) add_entity(*plan.control);
        for (const auto& target : plan.targets)
            if (target.mac) lab_macs_.insert(*target.mac);
    }

    ProbeRun run() {
        ProbeRun out;
        start_ = now_();
        out.start = start_;
        schedule();
        const Time last_send = sends_.empty() ? start_ : sends_.back().at;
        const Time deadline = std::max(last_send + plan_.settings.reply_timeout, start_ + plan_.settings.min_duration);
        std::size_t next = 0;
        for (;;) {
            const Time now = now_();
            while (next < sends_.size() && sends_[next].at <= now) send(sends_[next++]);
            if (next == sends_.size() && now >= deadline) break;
            const Time wake = next < sends_.size() ? std::min(sends_[next].at, deadline) : deadline;
            if (auto frame = io_.receive(wake)) handle(std::move(*frame), out.frames);
        }
        out.end = now_();
        for (std::size_t i = 0; i < plan_.targets.size(); ++i) out.evidence.targets.push_back(entities_[i].result);
        if (plan_.control) out.evidence.control = entities_.back().result;
        out.evidence.control_source = plan_.control ? plan_.control_source : ControlSource::none;
        out.evidence.lab_frames = std::move(lab_frames_);
        out.evidence.frames_captured = captured_;
        out.evidence.frames_not_kept = captured_ - out.frames.size();
        out.evidence.dropped = io_.dropped();
        out.evidence.gateway = plan_.gateway;
        out.evidence.gateway_mac = gateway_mac_;
        return out;
    }

private:
    void add_entity(const IsolationTarget& target) {
        Entity entity;
        entity.result.target = target;
        if (plan_.own.contains(target.ip)) entity.result.route = Route::direct;
        else if (plan_.gateway) entity.result.route = Route::gateway;
        else entity.result.route = Route::no_route;
        entities_.push_back(std::move(entity));
    }

    bool needs_gateway() const {
        return plan_.gateway && std::any_of(entities_.begin(), entities_.end(), [](const Entity& e) {
                   return e.result.route == Route::gateway;
               });
    }

    /// Rounds: the gateway's ARP, every entity's ARP, then every entity's IP
    /// probes, so a round's IP probes can use the MACs its ARP just learned.
    void schedule() {
        const auto& s = plan_.settings;
        const auto gap = chr::duration_cast<os::Clock::duration>(s.send_gap);
        for (int round = 0; round < s.rounds; ++round) {
            Time at = start_ + chr::duration_cast<os::Clock::duration>(s.round_interval * round);
            const auto add = [&](int entity, ProbeRecord probe) {
                std::size_t index = 0;
                if (entity >= 0) {
                    auto& probes = entities_[static_cast<std::size_t>(entity)].result.probes;
                    index = probes.size();
                    probes.push_back(std::move(probe));
                }
                sends_.push_back({at, entity, index});
                at += gap;
            };
            if (needs_gateway()) add(-1, {});
            for (std::size_t e = 0; e < entities_.size(); ++e) {
                const auto& target = entities_[e].result.target;
                add(static_cast<int>(e), {.kind = ProbeKind::arp_broadcast, .round = round});
                if (target.mac && round < s.arp_unicast_rounds)
                    add(static_cast<int>(e), {.kind = ProbeKind::arp_unicast, .round = round});
            }
            for (std::size_t e = 0; e < entities_.size(); ++e) {
                if (entities_[e].result.route == Route::no_route) continue;
                if (round < s.icmp_rounds) add(static_cast<int>(e), {.kind = ProbeKind::icmp_echo, .round = round});
                if (round < s.tcp_rounds)
                    for (const auto port : s.tcp_ports)
                        add(static_cast<int>(e), {.kind = ProbeKind::tcp_syn, .round = round, .port = port});
            }
        }
    }

    chr::microseconds since_start(Time at) const {
        return std::max(chr::microseconds::zero(), chr::duration_cast<chr::microseconds>(at - start_));
    }

    void send(const Send& item) {
        const auto own_ip = plan_.own.address();
        if (item.entity < 0) {
            io_.send(build_arp_request(io_.mac(), own_ip, *plan_.gateway));
            return;
        }
        auto& entity = entities_[static_cast<std::size_t>(item.entity)];
        auto& probe = entity.result.probes[item.probe];
        const auto& target = entity.result.target;
        Frame frame;
        switch (probe.kind) {
            case ProbeKind::arp_broadcast:
                probe.destination = MacAddress::broadcast();
                frame = build_arp_request(io_.mac(), own_ip, target.ip);
                break;
            case ProbeKind::arp_unicast:
                probe.destination = *target.mac;
                frame = build_arp_request(io_.mac(), own_ip, target.ip, *target.mac);
                break;
            case ProbeKind::icmp_echo:
            case ProbeKind::tcp_syn: {
                const auto destination = ip_destination(entity, probe);
                if (!destination) return;
                probe.destination = *destination;
                const IpEndpoints to{io_.mac(), *destination, own_ip, target.ip};
                const auto key = static_cast<std::uint16_t>(ip_probes_.size());
                ip_probes_.push_back({item.entity, item.probe});
                frame = probe.kind == ProbeKind::icmp_echo
                            ? build_icmp_echo(to, plan_.icmp_id, key)
                            : build_tcp_syn(to, static_cast<std::uint16_t>(plan_.port_base + key), probe.port,
                                            0x63750000u + key);
                break;
            }
        }
        probe.sent_at = since_start(now_());
        io_.send(frame);
        probe.sent = true;
    }

    /// Direct: the lab MAC, else the MAC ARP learned, else broadcast (an
    /// ICMP echo in a broadcast frame still reaches an IP's owner). Through
    /// the gateway: its MAC, once ARP resolved it.
    std::optional<MacAddress> ip_destination(const Entity& entity, ProbeRecord& probe) const {
        if (entity.result.route == Route::gateway) {
            if (!gateway_mac_) probe.note = "the default gateway did not answer ARP";
            return gateway_mac_;
        }
        if (entity.result.target.mac) return entity.result.target.mac;
        if (entity.learned) return entity.learned;
        probe.note = "no MAC known yet: sent to broadcast";
        return MacAddress::broadcast();
    }

    void handle(os::ReceivedFrame frame, std::vector<os::ReceivedFrame>& kept) {
        const auto at = since_start(frame.at);
        if (const auto ethernet = parse_ethernet(frame.bytes); ethernet && lab_macs_.count(ethernet->source))
            lab_frames_.push_back({ethernet->source, ethernet->ethertype, chr::duration_cast<chr::milliseconds>(at)});
        if (const auto arp = parse_arp(frame.bytes); arp && arp->op == ArpPacket::Op::reply) {
            if (plan_.gateway && arp->sender_ip == *plan_.gateway && !gateway_mac_) gateway_mac_ = arp->ethernet_source;
            for (auto& entity : entities_) {
                if (entity.result.target.ip != arp->sender_ip) continue;
                if (!entity.learned) entity.learned = arp->ethernet_source;
                /// ARP replies carry no id. Hosts answer requests in order: the
                /// oldest ARP probe of this round not yet answered by this MAC,
                /// else the latest one sent before the reply.
                ProbeRecord* chosen = nullptr;
                for (auto& probe : entity.result.probes) {
                    if ((probe.kind != ProbeKind::arp_broadcast && probe.kind != ProbeKind::arp_unicast) ||
                        !probe.sent || probe.sent_at > at)
                        continue;
                    const bool unanswered = std::none_of(probe.answers.begin(), probe.answers.end(),
                                                         [&](const ProbeAnswer& a) { return a.mac == arp->ethernet_source; });
                    if (unanswered && at - probe.sent_at < plan_.settings.round_interval) {
                        chosen = &probe;
                        break;
                    }
                    chosen = &probe;
                }
                if (chosen) add_probe_answer(*chosen, arp->ethernet_source, at - chosen->sent_at, lab_macs_);
            }
        } else if (const auto reply = parse_ip_reply(frame.bytes); reply && reply->destination_ip == plan_.own.address()) {
            std::optional<std::size_t> key;
            if (reply->kind == IpReply::Kind::icmp_echo_reply && reply->icmp_id == plan_.icmp_id)
                key = reply->icmp_sequence;
            const bool tcp_answer = (reply->tcp_flags & tcp_flag_rst) != 0 ||
                                    (reply->tcp_flags & (tcp_flag_syn | tcp_flag_ack)) == (tcp_flag_syn | tcp_flag_ack);
            if (reply->kind == IpReply::Kind::tcp && tcp_answer && reply->destination_port >= plan_.port_base)
                key = reply->destination_port - plan_.port_base;
            if (key && *key < ip_probes_.size()) {
                const auto [e, p] = ip_probes_[*key];
                auto& entity = entities_[static_cast<std::size_t>(e)];
                auto& probe = entity.result.probes[p];
                const bool kind_ok = reply->kind == IpReply::Kind::tcp ? probe.kind == ProbeKind::tcp_syn &&
                                                                             probe.port == reply->source_port
                                                                       : probe.kind == ProbeKind::icmp_echo;
                if (kind_ok && reply->source_ip == entity.result.target.ip)
                    add_probe_answer(probe, reply->ethernet_source, at - probe.sent_at, lab_macs_);
            }
        }
        ++captured_;
        if (kept.size() < plan_.max_kept_frames) kept.push_back(std::move(frame));
    }

    const ProbePlan& plan_;
    os::PacketIo& io_;
    std::function<Time()> now_;
    Time start_{};
    std::vector<Entity> entities_;
    std::set<MacAddress> lab_macs_;
    std::vector<Send> sends_;
    std::vector<std::pair<int, std::size_t>> ip_probes_;  ///< ICMP sequence / TCP port offset -> probe
    std::optional<MacAddress> gateway_mac_;
    std::vector<LabFrame> lab_frames_;
    std::uint64_t captured_ = 0;
};

std::string default_client(const CheckRequest& request) { return request.client.empty() ? "manual" : request.client; }

}  // namespace

ProbeRun run_probes(const ProbePlan& plan, os::PacketIo& io, const std::function<os::Clock::time_point()>& now) {
    return ProbeLoop(plan, io, now).run();
}

CheckOutcome run_isolation_check(const CheckRequest& request) {
    if (request.targets.empty()) throw UsageError("no lab targets: give --targets FILE or --target IP[@MAC]");
    std::optional<os::SecretKey> key;
    if (request.key) key.emplace(os::load_secret_key(*request.key));

    const auto where = request.namespace_name ? fmt::format(" in namespace {}", *request.namespace_name) : "";
    const auto info = os::interface_info(request.interface, request.namespace_name);
    if (!info.exists) throw UsageError(fmt::format("no interface {}{}", request.interface, where));
    if (!info.ipv4)
        throw UsageError(fmt::format("interface {}{} has no IPv4 address: the probes need one to answer to",
                                     request.interface, where));

    ProbePlan plan;
    plan.targets = request.targets;
    plan.own = *info.ipv4;
    plan.gateway = info.default_gateway;
    plan.settings = request.settings;
    std::set<Ipv4Address> lab_ips;
    for (const auto& target : request.targets) lab_ips.insert(target.ip);
    if (request.control) {
        if (lab_ips.count(*request.control))
            throw UsageError(fmt::format("control {} is also a lab target", request.control->to_string()));
        plan.control = IsolationTarget{"control", *request.control, std::nullopt};
        plan.control_source = request.control_source;
    } else if (info.default_gateway && !lab_ips.count(*info.default_gateway)) {
        plan.control = IsolationTarget{"control", *info.default_gateway, std::nullopt};
        plan.control_source = ControlSource::default_gateway;
    }
    plan.icmp_id = static_cast<std::uint16_t>(os::random_u32());
    plan.port_base = static_cast<std::uint16_t>(33000 + os::random_u32() % 20000);

    os::PcapOptions options;
    options.promiscuous = os::Promiscuous::on;  ///< frames from a lab MAC to anyone
    options.snaplen = 256;
    options.buffer_bytes = 8 << 20;
    options.max_wire_length = std::nullopt;  ///< the passive capture keeps every frame, jumbo ones too
    auto io = os::open_pcap(request.interface, "", request.namespace_name, options);

    ReportContext context;
    context.report_id = os::random_hex(16);
    context.user = os::invoking_user();
    context.hostname = os::hostname();
    context.interface = request.interface;
    context.namespace_name = request.namespace_name;
    context.interface_mac = io->mac();
    context.interface_ipv4 = info.ipv4;
    context.client = default_client(request);
    context.version = std::string(version());
    context.targets_source = request.targets_source;
    const auto clock = os::clock_status();
    context.ntp_synchronized = clock.ntp_synchronized;
    context.clock_max_error_us = clock.max_error_us;

    context.start = chr::system_clock::now();
    auto run = run_probes(plan, *io);
    context.end = context.start + chr::duration_cast<chr::system_clock::duration>(run.end - run.start);

    std::vector<CapturedFrame> captured;
    captured.reserve(run.frames.size());
    for (auto& frame : run.frames)
        captured.push_back({std::move(frame.bytes),
                            context.start + chr::duration_cast<chr::system_clock::duration>(frame.at - run.start)});
    const auto pcap = pcap_file(captured, static_cast<std::uint32_t>(options.snaplen));

    CheckOutcome outcome;
    outcome.report_path = request.out;
    outcome.capture_path = request.out.string() + ".pcap";
    outcome.report_id = context.report_id;
    context.capture_file = outcome.capture_path.filename().string();
    context.capture_sha256 = os::sha256_hex(pcap);
    os::write_file_atomically(outcome.capture_path, std::string(pcap.begin(), pcap.end()));

    outcome.assessment = assess(run.evidence);
    outcome.report = report_json(context, plan.settings, run.evidence, outcome.assessment);
    const auto comment = trusted_comment(context, outcome.assessment, outcome.report_path.filename().string());
    const auto written = write_signed_record(outcome.report_path, canonical_json(outcome.report), comment,
                                             key ? &*key : nullptr);
    outcome.signature_path = written.signature_file;
    return outcome;
}

TargetsFile read_targets_file(const std::filesystem::path& path) {
    if (!std::filesystem::is_regular_file(path))
        throw UsageError(fmt::format("targets file {}: no such file", path.string()));
    return parse_targets_file(os::read_text_file(path), path.string());
}

}  // namespace custode::app
