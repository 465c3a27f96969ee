#include "custode/core/isolation.h"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "custode/core/error.h"

namespace custode {
namespace {


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

}  // namespace

// ---------------------------------------------------------------- targets

TargetsFile parse_targets_file(std::string_view text, std::string_view origin) {
    nlohmann::json document;
    try {
        document = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& error) {  // a syntax error, or a number past a double (out_of_range)
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

void add_probe_answer(ProbeRecord& probe, MacAddress mac, std::chrono::microseconds rtt,
                      const std::set<MacAddress>& lab_macs) {
    std::size_t others = 0;
    for (const auto& answer : probe.answers) {
        if (answer.mac == mac) return;
        if (lab_macs.count(answer.mac) == 0) ++others;
    }
    if (lab_macs.count(mac) == 0 && others >= max_other_answers) {
        ++probe.answers_not_kept;
        return;
    }
    probe.answers.push_back({mac, rtt});
}

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

}  // namespace custode
