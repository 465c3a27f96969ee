#include "custode/core/isolation.h"

#include <algorithm>
#include <fmt/format.h>
#include <set>
#include <stdexcept>

#include "custode/core/error.h"
#include "custode/core/wire.h"

/// Frame layouts (offsets from the Ethernet header): Ethernet 0..13, IPv4
/// 14..33 (no options when we build; IHL honoured when we parse), then ICMP
/// (type, code, checksum, id, sequence) or TCP (ports, seq, ack, offset,
/// flags, window, checksum, urgent).
namespace custode {
namespace {

using namespace wire;
namespace chr = std::chrono;

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kIpHeader = 20;
constexpr std::size_t kMinimumFrame = 60;
constexpr std::uint8_t kDefaultTtl = 64;
constexpr std::string_view kIcmpPayload = "custode-isolation!";  ///< 18 bytes: 60-byte frame

/// RFC 1071 one's complement sum, folded; `initial` carries a pseudo header.
std::uint16_t checksum(Bytes data, std::uint32_t initial = 0) {
    std::uint32_t sum = initial;
    for (std::size_t i = 0; i + 1 < data.size(); i += 2) sum += get_u16(data, i);
    if (data.size() % 2 == 1) sum += std::uint32_t{data.back()} << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum & 0xffff);
}

/// Ethernet + IPv4 header for a payload of `payload` bytes; checksum filled.
Frame ip_header(const IpEndpoints& to, std::uint8_t protocol, std::size_t payload) {
    Frame out;
    out.reserve(kMinimumFrame);
    put_mac(out, to.destination_mac);
    put_mac(out, to.source_mac);
    put_u16(out, ethertype_ipv4);
    out.push_back(0x45);
    out.push_back(0);
    put_u16(out, static_cast<std::uint16_t>(kIpHeader + payload));
    put_u16(out, 0);       // identification: DF set, never fragmented
    put_u16(out, 0x4000);  // DF
    out.push_back(kDefaultTtl);
    out.push_back(protocol);
    put_u16(out, 0);
    put_u32(out, to.source_ip.value());
    put_u32(out, to.destination_ip.value());
    set_u16(out, kEthernetHeader + 10, checksum(Bytes(out).subspan(kEthernetHeader, kIpHeader)));
    return out;
}

void pad(Frame& frame) {
    if (frame.size() < kMinimumFrame) frame.resize(kMinimumFrame, 0);
}

Frame icmp_echo(const IpEndpoints& to, std::uint8_t type, std::uint16_t id, std::uint16_t sequence) {
    Frame out = ip_header(to, ip_protocol_icmp, 8 + kIcmpPayload.size());
    const std::size_t start = out.size();
    out.push_back(type);
    out.push_back(0);
    put_u16(out, 0);
    put_u16(out, id);
    put_u16(out, sequence);
    out.insert(out.end(), kIcmpPayload.begin(), kIcmpPayload.end());
    set_u16(out, start + 2, checksum(Bytes(out).subspan(start)));
    pad(out);
    return out;
}

Frame tcp_segment(const IpEndpoints& to, std::uint16_t source_port, std::uint16_t destination_port,
                  std::uint32_t sequence, std::uint8_t flags) {
    constexpr std::size_t kTcpHeader = 20;
    Frame out = ip_header(to, ip_protocol_tcp, kTcpHeader);
    const std::size_t start = out.size();
    put_u16(out, source_port);
    put_u16(out, destination_port);
    put_u32(out, sequence);
    put_u32(out, (flags & tcp_flag_ack) ? 1u : 0u);
    out.push_back(0x50);  // data offset 5 words
    out.push_back(flags);
    put_u16(out, 64240);
    put_u16(out, 0);
    put_u16(out, 0);
    /// Pseudo header: source, destination, protocol, TCP length.
    std::uint32_t pseudo = (to.source_ip.value() >> 16) + (to.source_ip.value() & 0xffff) +
                           (to.destination_ip.value() >> 16) + (to.destination_ip.value() & 0xffff) +
                           ip_protocol_tcp + kTcpHeader;
    set_u16(out, start + 16, checksum(Bytes(out).subspan(start), pseudo));
    pad(out);
    return out;
}

const nlohmann::json& member(const nlohmann::json& object, const char* key, std::string_view origin,
                             const std::string& pointer) {
    if (!object.contains(key))
        throw UsageError(fmt::format("{}: {}: missing \"{}\"", origin, pointer.empty() ? "/" : pointer, key));
    return object.at(key);
}

std::string string_at(const nlohmann::json& value, std::string_view origin, const std::string& pointer) {
    if (!value.is_string()) throw UsageError(fmt::format("{}: {}: expected a string", origin, pointer));
    return value.get<std::string>();
}

Ipv4Address ip_at(const nlohmann::json& value, std::string_view origin, const std::string& pointer) {
    const auto text = string_at(value, origin, pointer);
    const auto ip = Ipv4Address::parse(text);
    if (!ip) throw UsageError(fmt::format("{}: {}: \"{}\" is not an IPv4 address", origin, pointer, text));
    return *ip;
}

MacAddress mac_at(const nlohmann::json& value, std::string_view origin, const std::string& pointer) {
    const auto text = string_at(value, origin, pointer);
    const auto mac = MacAddress::parse(text);
    if (!mac || mac->is_multicast() || mac->is_zero())
        throw UsageError(fmt::format("{}: {}: \"{}\" is not a unicast MAC address", origin, pointer, text));
    return *mac;
}

std::int64_t ms(chr::microseconds value) { return chr::duration_cast<chr::milliseconds>(value).count(); }

}  // namespace

// ---------------------------------------------------------------- targets

TargetsFile parse_targets_file(std::string_view text, std::string_view origin) {
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& error) {
        throw UsageError(fmt::format("{}: not JSON: {}", origin, error.what()));
    }
    if (!document.is_object()) throw UsageError(fmt::format("{}: /: expected an object", origin));
    TargetsFile file;
    if (document.contains("client")) file.client = string_at(document["client"], origin, "/client");
    if (document.contains("created")) file.created = string_at(document["created"], origin, "/created");
    if (document.contains("control") && !document["control"].is_null())
        file.control = ip_at(document["control"], origin, "/control");
    const auto& targets = member(document, "targets", origin, "");
    if (!targets.is_array()) throw UsageError(fmt::format("{}: /targets: expected an array", origin));
    std::set<Ipv4Address> seen;
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const std::string pointer = fmt::format("/targets/{}", i);
        const auto& entry = targets[i];
        if (!entry.is_object()) throw UsageError(fmt::format("{}: {}: expected an object", origin, pointer));
        IsolationTarget target;
        target.ip = ip_at(member(entry, "ip", origin, pointer), origin, pointer + "/ip");
        if (entry.contains("name")) target.name = string_at(entry["name"], origin, pointer + "/name");
        if (entry.contains("mac") && !entry["mac"].is_null()) target.mac = mac_at(entry["mac"], origin, pointer + "/mac");
        if (!seen.insert(target.ip).second)
            throw UsageError(fmt::format("{}: {}/ip: {} is listed twice", origin, pointer, target.ip.to_string()));
        file.targets.push_back(std::move(target));
    }
    if (file.targets.empty()) throw UsageError(fmt::format("{}: /targets: no targets", origin));
    if (file.control && seen.count(*file.control))
        throw UsageError(fmt::format("{}: /control: {} is also a lab target", origin, file.control->to_string()));
    return file;
}

IsolationTarget parse_target_argument(std::string_view text) {
    IsolationTarget target;
    const auto at = text.find('@');
    const auto ip_text = text.substr(0, at);
    const auto ip = Ipv4Address::parse(ip_text);
    if (!ip) throw UsageError(fmt::format("\"{}\" is not an IPv4 address", ip_text));
    target.ip = *ip;
    if (at != std::string_view::npos) {
        const auto mac = MacAddress::parse(text.substr(at + 1));
        if (!mac || mac->is_multicast() || mac->is_zero())
            throw UsageError(fmt::format("\"{}\" is not a unicast MAC address", text.substr(at + 1)));
        target.mac = *mac;
    }
    return target;
}

// ---------------------------------------------------------------- frames

Frame build_icmp_echo(const IpEndpoints& to, std::uint16_t id, std::uint16_t sequence) {
    return icmp_echo(to, 8, id, sequence);
}
Frame build_icmp_echo_reply(const IpEndpoints& from, std::uint16_t id, std::uint16_t sequence) {
    return icmp_echo(from, 0, id, sequence);
}
Frame build_tcp_syn(const IpEndpoints& to, std::uint16_t source_port, std::uint16_t destination_port,
                    std::uint32_t sequence) {
    return tcp_segment(to, source_port, destination_port, sequence, tcp_flag_syn);
}
Frame build_tcp_reply(const IpEndpoints& from, std::uint16_t source_port, std::uint16_t destination_port,
                      std::uint8_t flags) {
    return tcp_segment(from, source_port, destination_port, 0x1000, flags);
}

std::optional<EthernetHeader> parse_ethernet(std::span<const std::uint8_t> frame) {
    if (frame.size() < kEthernetHeader) return std::nullopt;
    return EthernetHeader{get_mac(frame, 6), get_u16(frame, 12)};
}

std::optional<IpReply> parse_ip_reply(std::span<const std::uint8_t> frame) {
    if (frame.size() < kEthernetHeader + kIpHeader || get_u16(frame, 12) != ethertype_ipv4) return std::nullopt;
    const Bytes ip = frame.subspan(kEthernetHeader);
    if ((ip[0] >> 4) != 4) return std::nullopt;
    const std::size_t header = std::size_t{ip[0] & 0x0fu} * 4;
    if (header < kIpHeader || ip.size() < header) return std::nullopt;
    if ((get_u16(ip, 6) & 0x1fff) != 0) return std::nullopt;  // not the first fragment
    IpReply reply;
    reply.ethernet_source = get_mac(frame, 6);
    reply.source_ip = Ipv4Address(get_u32(ip, 12));
    reply.destination_ip = Ipv4Address(get_u32(ip, 16));
    const Bytes payload = ip.subspan(header);
    if (ip[9] == ip_protocol_icmp) {
        if (payload.size() < 8 || payload[0] != 0 || payload[1] != 0) return std::nullopt;
        reply.kind = IpReply::Kind::icmp_echo_reply;
        reply.icmp_id = get_u16(payload, 4);
        reply.icmp_sequence = get_u16(payload, 6);
        return reply;
    }
    if (ip[9] == ip_protocol_tcp) {
        if (payload.size() < 14) return std::nullopt;
        reply.kind = IpReply::Kind::tcp;
        reply.source_port = get_u16(payload, 0);
        reply.destination_port = get_u16(payload, 2);
        reply.tcp_flags = payload[13];
        return reply;
    }
    return std::nullopt;
}

// ---------------------------------------------------------------- method and names

int IsolationSettings::probes_per_target(bool mac_known) const {
    return rounds + (mac_known ? std::min(arp_unicast_rounds, rounds) : 0) + std::min(icmp_rounds, rounds) +
           std::min(tcp_rounds, rounds) * static_cast<int>(tcp_ports.size());
}

std::string_view to_string(ProbeKind kind) {
    switch (kind) {
        case ProbeKind::arp_broadcast: return "arp_broadcast";
        case ProbeKind::arp_unicast: return "arp_unicast";
        case ProbeKind::icmp_echo: return "icmp_echo";
        case ProbeKind::tcp_syn: return "tcp_syn";
    }
    return "?";
}

std::string_view to_string(Route route) {
    switch (route) {
        case Route::direct: return "direct";
        case Route::gateway: return "gateway";
        case Route::no_route: return "no_route";
    }
    return "?";
}

std::string_view to_string(ControlSource source) {
    switch (source) {
        case ControlSource::option: return "option";
        case ControlSource::targets_file: return "targets_file";
        case ControlSource::default_gateway: return "default_gateway";
        case ControlSource::none: return "none";
    }
    return "?";
}

std::string_view to_string(IsolationVerdict verdict) {
    switch (verdict) {
        case IsolationVerdict::isolated: return "isolated";
        case IsolationVerdict::not_isolated: return "not_isolated";
        case IsolationVerdict::inconclusive: return "inconclusive";
    }
    return "?";
}

ExitCode exit_code_for(IsolationVerdict verdict) {
    switch (verdict) {
        case IsolationVerdict::isolated: return ExitCode::ok;
        case IsolationVerdict::not_isolated: return ExitCode::problem;
        case IsolationVerdict::inconclusive: return ExitCode::inconclusive;
    }
    return ExitCode::inconclusive;
}

bool TargetResult::answered() const {
    return std::any_of(probes.begin(), probes.end(), [](const ProbeRecord& p) { return !p.answers.empty(); });
}

// ---------------------------------------------------------------- verdict

Assessment assess(const Evidence& evidence) {
    Assessment result;
    std::set<MacAddress> lab_macs;
    for (const auto& target : evidence.targets)
        if (target.target.mac) lab_macs.insert(*target.target.mac);

    bool lab_answered = false, routed = false;
    std::set<std::pair<Ipv4Address, MacAddress>> warned;
    for (const auto& target : evidence.targets) {
        const std::string who = fmt::format("{}{}", target.target.ip.to_string(),
                                            target.target.name.empty() ? "" : " (" + target.target.name + ")");
        for (const auto& probe : target.probes) {
            for (const auto& answer : probe.answers) {
                const bool lab = lab_macs.count(answer.mac) > 0;
                const bool ip_probe = probe.kind == ProbeKind::icmp_echo || probe.kind == ProbeKind::tcp_syn;
                if (lab) {
                    lab_answered = true;
                    result.reasons.push_back(fmt::format("{}: lab MAC {} answered {}{}", who, answer.mac.to_string(),
                                                         to_string(probe.kind),
                                                         probe.port ? fmt::format(" port {}", probe.port) : ""));
                } else if (target.route == Route::gateway && ip_probe) {
                    routed = true;
                    if (warned.insert({target.target.ip, answer.mac}).second)
                        result.warnings.push_back({"routed_answer", target.target.ip, answer.mac,
                                                   fmt::format("{} answered {} through the default gateway {}", who,
                                                               to_string(probe.kind), answer.mac.to_string())});
                } else if (!target.target.mac) {
                    lab_answered = true;
                    result.reasons.push_back(fmt::format("{}: answered {} from {} (no lab MAC known: any answer counts)",
                                                         who, to_string(probe.kind), answer.mac.to_string()));
                } else if (warned.insert({target.target.ip, answer.mac}).second) {
                    result.warnings.push_back(
                        {"address_reuse", target.target.ip, answer.mac,
                         fmt::format("{} is answered by {}, not the lab MAC {}: the address is used by another host "
                                     "(reused after the split, or proxy ARP)",
                                     who, answer.mac.to_string(), target.target.mac->to_string())});
                }
            }
        }
        if (target.route == Route::no_route)
            result.warnings.push_back({"no_route", target.target.ip, std::nullopt,
                                       fmt::format("{}: off the interface's subnet and no default route: only ARP "
                                                   "was tried",
                                                   who)});
        if (!target.target.mac)
            result.warnings.push_back({"no_lab_mac", target.target.ip, std::nullopt,
                                       fmt::format("{}: no lab MAC given: any answer counts as the lab's", who)});
    }
    std::set<MacAddress> seen;
    for (const auto& frame : evidence.lab_frames) {
        lab_answered = true;
        if (seen.insert(frame.mac).second)
            result.reasons.push_back(fmt::format("the passive capture saw a frame from lab MAC {} (EtherType 0x{:04x})",
                                                 frame.mac.to_string(), frame.ethertype));
    }
    if (lab_answered) {
        result.verdict = IsolationVerdict::not_isolated;
        return result;
    }

    std::vector<std::string> doubts;
    if (!evidence.control) {
        doubts.push_back("no control host (give --control, or a default route to use its gateway)");
    } else if (!evidence.control->answered()) {
        doubts.push_back(fmt::format("the control host {} did not answer: the probes may not reach the LAN",
                                     evidence.control->target.ip.to_string()));
    }
    if (evidence.dropped > 0)
        doubts.push_back(fmt::format("the capture dropped {} frame(s): an answer may have been missed", evidence.dropped));
    if (routed) doubts.push_back("a lab address answered through the default gateway (see warnings)");
    if (!doubts.empty()) {
        result.verdict = IsolationVerdict::inconclusive;
        result.reasons = std::move(doubts);
        return result;
    }
    result.verdict = IsolationVerdict::isolated;
    return result;
}

// ---------------------------------------------------------------- report

std::string utc_iso(chr::system_clock::time_point at) {
    const auto millis = chr::floor<chr::milliseconds>(at);
    const auto days = chr::floor<chr::days>(millis);
    const chr::year_month_day date(days);
    const chr::hh_mm_ss time(millis - days);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                       time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

std::string utc_stamp(chr::system_clock::time_point at) {
    const auto seconds = chr::floor<chr::seconds>(at);
    const auto days = chr::floor<chr::days>(seconds);
    const chr::year_month_day date(days);
    const chr::hh_mm_ss time(seconds - days);
    return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                       time.minutes().count(), time.seconds().count());
}

nlohmann::json target_json(const TargetResult& result, const Evidence& evidence) {
    std::set<MacAddress> lab_macs;
    for (const auto& target : evidence.targets)
        if (target.target.mac) lab_macs.insert(*target.target.mac);
    nlohmann::json probes = nlohmann::json::array();
    for (const auto& probe : result.probes) {
        nlohmann::json entry = {{"kind", to_string(probe.kind)},
                                {"round", probe.round},
                                {"sent", probe.sent},
                                {"answered", !probe.answers.empty()}};
        if (probe.kind == ProbeKind::tcp_syn) entry["port"] = probe.port;
        if (probe.sent) entry["sent_at_us"] = probe.sent_at.count();
        if (probe.destination) entry["destination_mac"] = probe.destination->to_string();
        if (!probe.note.empty()) entry["note"] = probe.note;
        if (!probe.answers.empty()) {
            entry["responder_mac"] = probe.answers.front().mac.to_string();
            entry["rtt_ms"] = ms(probe.answers.front().rtt);
            entry["rtt_us"] = probe.answers.front().rtt.count();
            nlohmann::json answers = nlohmann::json::array();
            for (const auto& answer : probe.answers)
                answers.push_back({{"mac", answer.mac.to_string()},
                                   {"lab", lab_macs.count(answer.mac) > 0},
                                   {"rtt_ms", ms(answer.rtt)},
                                   {"rtt_us", answer.rtt.count()}});
            entry["answers"] = answers;
        }
        probes.push_back(std::move(entry));
    }
    std::set<std::string> responders;
    for (const auto& probe : result.probes)
        for (const auto& answer : probe.answers) responders.insert(answer.mac.to_string());
    nlohmann::json json = {{"name", result.target.name},
                           {"ip", result.target.ip.to_string()},
                           {"mac", result.target.mac ? nlohmann::json(result.target.mac->to_string()) : nlohmann::json()},
                           {"route", to_string(result.route)},
                           {"answered", result.answered()},
                           {"responders", responders},
                           {"probes", probes}};
    return json;
}

nlohmann::json report_json(const ReportContext& context, const IsolationSettings& settings, const Evidence& evidence,
                           const Assessment& assessment) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& target : evidence.targets) targets.push_back(target_json(target, evidence));
    nlohmann::json control = {{"source", to_string(evidence.control_source)}};
    if (evidence.control) control.update(target_json(*evidence.control, evidence));
    else control["answered"] = false;

    nlohmann::json warnings = nlohmann::json::array();
    for (const auto& warning : assessment.warnings) {
        nlohmann::json entry = {{"kind", warning.kind}, {"ip", warning.ip.to_string()}, {"detail", warning.detail}};
        if (warning.mac) entry["mac"] = warning.mac->to_string();
        warnings.push_back(std::move(entry));
    }
    nlohmann::json lab_frames = nlohmann::json::array();
    constexpr std::size_t kListedFrames = 100;  ///< the pcap holds them all
    for (std::size_t i = 0; i < evidence.lab_frames.size() && i < kListedFrames; ++i) {
        const auto& frame = evidence.lab_frames[i];
        lab_frames.push_back(
            {{"mac", frame.mac.to_string()}, {"ethertype", frame.ethertype}, {"at_ms", frame.at.count()}});
    }
    const auto duration = chr::duration_cast<chr::milliseconds>(context.end - context.start).count();
    nlohmann::json ports = nlohmann::json::array();
    for (const auto port : settings.tcp_ports) ports.push_back(port);

    nlohmann::json where = {{"hostname", context.hostname},
                            {"interface", context.interface},
                            {"mac", context.interface_mac.to_string()},
                            {"ipv4", context.interface_ipv4 ? nlohmann::json(context.interface_ipv4->to_string())
                                                            : nlohmann::json()},
                            {"default_gateway", evidence.gateway ? nlohmann::json(evidence.gateway->to_string())
                                                                 : nlohmann::json()},
                            {"default_gateway_mac", evidence.gateway_mac
                                                        ? nlohmann::json(evidence.gateway_mac->to_string())
                                                        : nlohmann::json()}};
    if (context.namespace_name) where["namespace"] = *context.namespace_name;

    return {
        {"format", "custode-isolation-report/1"},
        {"report_id", context.report_id},
        {"tool", {{"name", "custode"}, {"version", context.version}}},
        {"who", {{"user", context.user}}},
        {"client", context.client},
        {"targets_source", context.targets_source},
        {"where", where},
        {"when",
         {{"start_utc", utc_iso(context.start)},
          {"end_utc", utc_iso(context.end)},
          {"duration_ms", duration},
          {"ntp_synchronized", context.ntp_synchronized},
          {"clock_max_error_us", context.clock_max_error_us}}},
        {"method",
         {{"rounds", settings.rounds},
          {"arp_broadcast_per_target", settings.rounds},
          {"arp_unicast_per_target", std::min(settings.arp_unicast_rounds, settings.rounds)},
          {"icmp_echo_per_target", std::min(settings.icmp_rounds, settings.rounds)},
          {"tcp_syn_rounds", std::min(settings.tcp_rounds, settings.rounds)},
          {"tcp_ports", ports},
          {"round_interval_ms", settings.round_interval.count()},
          {"send_gap_us", settings.send_gap.count()},
          {"reply_timeout_ms", settings.reply_timeout.count()},
          {"min_duration_ms", settings.min_duration.count()},
          {"probes_per_target_with_mac", settings.probes_per_target(true)},
          {"probes_per_target_without_mac", settings.probes_per_target(false)},
          {"answers_counted", "ARP reply, ICMP echo reply, TCP SYN-ACK or RST; responder = Ethernet source"}}},
        {"targets", targets},
        {"control", control},
        {"passive",
         {{"frames_captured", evidence.frames_captured},
          {"dropped", evidence.dropped},
          {"lab_frames", evidence.lab_frames.size()},
          {"lab_frames_listed", lab_frames}}},
        {"capture", {{"file", context.capture_file}, {"sha256", context.capture_sha256}, {"format", "pcap"}}},
        {"warnings", warnings},
        {"verdict", to_string(assessment.verdict)},
        {"reasons", assessment.reasons},
    };
}

std::string trusted_comment(const ReportContext& context, const Assessment& assessment, std::string_view file_name) {
    std::string name(file_name);
    std::replace_if(name.begin(), name.end(), [](char c) { return c == '\n' || c == '\r'; }, '_');
    return fmt::format("custode isolation report id={} start={} verdict={} file={}", context.report_id,
                       utc_iso(context.start), to_string(assessment.verdict), name);
}

// ---------------------------------------------------------------- capture file

std::vector<std::uint8_t> pcap_file(const std::vector<CapturedFrame>& frames, std::uint32_t snaplen) {
    std::vector<std::uint8_t> out;
    const auto le32 = [&out](std::uint32_t value) {
        for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<std::uint8_t>((value >> shift) & 0xff));
    };
    const auto le16 = [&out](std::uint16_t value) {
        out.push_back(static_cast<std::uint8_t>(value & 0xff));
        out.push_back(static_cast<std::uint8_t>(value >> 8));
    };
    le32(0xa1b2c3d4);
    le16(2);
    le16(4);
    le32(0);
    le32(0);
    le32(snaplen);
    le32(1);  // LINKTYPE_ETHERNET
    for (const auto& frame : frames) {
        const auto micros = chr::duration_cast<chr::microseconds>(frame.at.time_since_epoch()).count();
        le32(static_cast<std::uint32_t>(micros / 1000000));
        le32(static_cast<std::uint32_t>(micros % 1000000));
        le32(static_cast<std::uint32_t>(frame.bytes.size()));
        le32(static_cast<std::uint32_t>(frame.bytes.size()));
        out.insert(out.end(), frame.bytes.begin(), frame.bytes.end());
    }
    return out;
}

}  // namespace custode
