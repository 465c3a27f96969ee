#include "custode/app/disconnect.h"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <thread>

#include "custode/app/arp_poll.h"
#include "custode/app/links_json.h"
#include "custode/core/error.h"
#include "custode/core/frames.h"

namespace custode::app {
namespace {

using nlohmann::json;

constexpr std::string_view probe_link = "cdprobe";
constexpr std::string_view probe_peer = "cdprobe-br";
/// The probe's bridge port MAC: above any real port's, so adding it never
/// changes the MAC of a bridge that took its address from its lowest port.
constexpr MacAddress probe_peer_mac(MacAddress::Bytes{0xfe, 0xff, 0xff, 0xff, 0xff, 0xfe});
constexpr auto poll_interval = std::chrono::milliseconds(100);

/// Asks every probed target that has not answered yet.
class BaselineRule final : public ArpPollRule {
public:
    BaselineRule(std::vector<BaselineResult>& results, os::Clock::time_point started)
        : results_(results), started_(started) {}

    std::vector<Ipv4Address> to_ask() const override {
        std::vector<Ipv4Address> ask;
        for (const auto& result : results_)
            if (result.probed && !result.answered) ask.push_back(result.target.ip);
        return ask;
    }
    void heard(const ArpPacket& arp, os::Clock::time_point at) override {
        for (auto& result : results_) {
            if (!result.probed || result.target.ip != arp.sender_ip) continue;
            if (result.answered) {
                // The first reply counts, unless a later one comes from the expected MAC.
                const bool first_expected = result.target.mac && result.answered_mac == result.target.mac;
                const bool this_expected = result.target.mac && *result.target.mac == arp.sender_mac;
                if (first_expected || !this_expected) continue;
            }
            result.answered = true;
            result.answered_mac = arp.sender_mac;
            result.answer_ms = std::chrono::duration_cast<std::chrono::milliseconds>(at - started_).count();
        }
    }
    bool done() const override {
        return std::all_of(results_.begin(), results_.end(),
                           [](const BaselineResult& r) { return !r.probed || r.answered; });
    }

private:
    std::vector<BaselineResult>& results_;
    os::Clock::time_point started_;
};

/// "cu-acme/br0", "gateway/eth1".
std::string where(const NamespaceObservation& ns, const LiveLink& link) {
    return fmt::format("{}/{}", ns.name.empty() ? "gateway" : ns.name, link.name);
}

std::string link_name(const NamespaceObservation& ns, int index) {
    if (const LiveLink* link = ns.live.find(index)) return link->name;
    return fmt::format("#{}", index);
}

std::string joined(const std::vector<std::string>& parts) { return fmt::format("{}", fmt::join(parts, "; ")); }

Check check_of(std::string name, const std::vector<std::string>& problems, std::string fine) {
    return {std::move(name), problems.empty(), problems.empty() ? std::move(fine) : joined(problems)};
}

/// Links anywhere matching `match`, as "ns/link" texts.
template <class Match>
std::vector<std::string> find_links(const LabObservation& observation, Match match) {
    std::vector<std::string> found;
    for (const auto& ns : observation.namespaces)
        for (const auto& link : ns.live.links)
            if (match(ns, link)) found.push_back(where(ns, link));
    return found;
}

std::vector<std::string> ports_of(const DisconnectSubject& subject) {
    std::vector<std::string> ports;
    if (const auto* port = std::get_if<PortCircuit>(&subject.circuit)) ports.push_back(port->interface);
    for (const auto& lab_port : subject.lab_ports) ports.push_back(lab_port);
    return ports;
}

Check ports_returned(const DisconnectSubject& subject, const LabObservation& observation) {
    const auto ports = ports_of(subject);
    if (ports.empty()) return {"ports_returned", true, "no ports to give back"};
    std::vector<std::string> problems;
    const NamespaceObservation* gateway = observation.namespaces.empty() ? nullptr : &observation.namespaces.front();
    for (const auto& port : ports) {
        const LiveLink* link = gateway ? gateway->live.find(port) : nullptr;
        if (!link) {
            problems.push_back(fmt::format("{} is not in the gateway", port));
            continue;
        }
        if (!marked_client(link->alias).empty())
            problems.push_back(fmt::format("{} still carries the marker '{}'", port, link->alias));
        if (link->master_index != 0)
            problems.push_back(fmt::format("{} is still enslaved to {}", port, link_name(*gateway, link->master_index)));
    }
    return check_of("ports_returned", problems,
                    fmt::format("{} back in the gateway, unmarked, on no bridge", fmt::join(ports, ", ")));
}

Check vlan_gone(const VlanCircuit& vlan, const LabObservation& observation) {
    if (observation.namespaces.empty()) return {"vlan_gone", false, "the gateway was not read"};
    const auto& gateway = observation.namespaces.front();
    const LiveLink* trunk = gateway.live.find(vlan.trunk);
    std::vector<std::string> problems;
    for (const auto& link : gateway.live.links) {
        if (link.kind != "vlan" || link.vlan_id != vlan.vlan) continue;
        if (trunk && link.parent_index != trunk->index) continue;
        problems.push_back(fmt::format("{} is VLAN {} on {}", where(gateway, link), vlan.vlan, vlan.trunk));
    }
    return check_of("vlan_gone", problems,
                    trunk ? fmt::format("no VLAN {} on {}", vlan.vlan, vlan.trunk)
                          : fmt::format("no VLAN {} (trunk {} not present)", vlan.vlan, vlan.trunk));
}

Check vni_gone(const VxlanCircuit& vxlan, const LabObservation& observation) {
    const auto found = find_links(observation, [&](const NamespaceObservation&, const LiveLink& link) {
        return link.vxlan_vni && *link.vxlan_vni == vxlan.vni;
    });
    std::vector<std::string> problems;
    for (const auto& link : found) problems.push_back(fmt::format("{} has VNI {}", link, vxlan.vni));
    return check_of("vni_gone", problems, fmt::format("no VXLAN with VNI {}", vxlan.vni));
}

Check fdb_clean(const DisconnectSubject& subject, const LabObservation& observation) {
    std::vector<std::string> problems;
    std::size_t entries = 0;
    for (const auto& ns : observation.namespaces) {
        entries += ns.fdb.size();
        for (const auto& entry : ns.fdb) {
            if (std::find(subject.client_macs.begin(), subject.client_macs.end(), entry.mac) ==
                subject.client_macs.end())
                continue;
            problems.push_back(fmt::format("{} on {}/{}{}", entry.mac.to_string(),
                                           ns.name.empty() ? "gateway" : ns.name, link_name(ns, entry.port_index),
                                           entry.master_index ? " (bridge " + link_name(ns, entry.master_index) + ")"
                                                              : std::string()));
        }
    }
    return check_of("fdb_clean", problems,
                    fmt::format("none of the client's {} MAC(s) among {} forwarding entries", subject.client_macs.size(),
                                entries));
}

/// Deletes the probe pair (one end takes the other with it) when the baseline is done.
struct ProbeGuard {
    os::LinkSystem& system;
    os::StepTarget target;
    ~ProbeGuard() {
        try {
            system.carry_out(target, DeleteLink{std::string(probe_link)});
        } catch (...) {
            // The namespace goes next, and the pair with it.
        }
    }
};

}  // namespace

std::vector<LabTarget> lab_targets(const Netconf& netconf, const Client& client,
                                   std::optional<MacAddress> bridge_mac) {
    std::vector<LabTarget> targets;
    targets.push_back({"gateway", client.lan.address.address(), bridge_mac, true});
    for (const auto& host : netconf.site.lab_hosts)
        targets.push_back({host.name, host.ip, host.mac, client.lan.subnet.contains(host.ip)});
    return targets;
}

std::vector<BaselineResult> probe_baseline(os::PacketIo& io, const std::vector<LabTarget>& targets,
                                           const BaselineSettings& settings, const Now& now) {
    std::vector<BaselineResult> results;
    for (const auto& target : targets) results.push_back({target, target.on_client_lan, false, std::nullopt, 0});
    BaselineRule rule(results, now());
    run_arp_poll(io, Ipv4Address(), rule, {.interval = settings.interval, .rounds = settings.tries}, now);
    return results;
}

void delete_leftover_probe(os::LinkSystem& system, const std::string& client, const LiveNamespace& live) {
    if (live.find(probe_link)) system.carry_out({client, live.name}, DeleteLink{std::string(probe_link)});
}

std::vector<BaselineResult> run_baseline(os::LinkSystem& system, const std::string& namespace_name,
                                         const std::string& client, const std::vector<LabTarget>& targets,
                                         const BaselineSettings& settings) {
    const bool any = std::any_of(targets.begin(), targets.end(), [](const LabTarget& t) { return t.on_client_lan; });
    if (!any) {
        std::vector<BaselineResult> results;
        for (const auto& target : targets) results.push_back({target, false, false, std::nullopt, 0});
        return results;
    }
    const os::StepTarget target{client, namespace_name};
    system.add_probe_port(target, {std::string(probe_link), std::string(probe_peer), probe_peer_mac});
    ProbeGuard guard{system, target};
    auto io = os::open_pcap(std::string(probe_link), "arp", namespace_name);
    return probe_baseline(*io, targets, settings);
}

TargetsFile lab_targets_file(const std::string& client, const std::string& created,
                             const std::vector<BaselineResult>& baseline, std::optional<Ipv4Address> control) {
    TargetsFile file{client, created, {}, control};
    for (const auto& result : baseline) file.targets.push_back({result.target.name, result.target.ip, result.mac()});
    return file;
}

json targets_file_json(const std::string& client, const std::string& created,
                       const std::vector<BaselineResult>& baseline, std::optional<Ipv4Address> control) {
    const auto data = lab_targets_file(client, created, baseline, control);
    json targets = json::array();
    for (const auto& target : data.targets) {
        json entry = {{"name", target.name}, {"ip", target.ip.to_string()}};
        if (target.mac) entry["mac"] = target.mac->to_string();
        targets.push_back(std::move(entry));
    }
    json file = {{"client", data.client}, {"created", data.created}, {"targets", std::move(targets)}};
    if (data.control) file["control"] = data.control->to_string();
    return file;
}

DisconnectSubject subject_of(const Netconf& netconf, const Client& client, std::vector<MacAddress> client_macs) {
    const auto links = links_of(netconf, client);
    for (const auto& host : client.hosts) client_macs.push_back(host.mac);
    std::sort(client_macs.begin(), client_macs.end(),
              [](const MacAddress& a, const MacAddress& b) { return a.bytes() < b.bytes(); });
    client_macs.erase(std::unique(client_macs.begin(), client_macs.end()), client_macs.end());
    return {links.client, links.namespace_name, netconf.site.namespace_prefix, links.circuit, links.lab_ports,
            std::move(client_macs)};
}

std::vector<Check> evaluate_checks(const DisconnectSubject& subject, const LabObservation& observation) {
    std::vector<Check> checks;
    const bool still_read = std::any_of(observation.namespaces.begin(), observation.namespaces.end(),
                                        [&](const NamespaceObservation& ns) { return ns.name == subject.namespace_name; });
    checks.push_back({"namespace_gone", !observation.namespace_listed && !still_read,
                      observation.namespace_listed || still_read
                          ? fmt::format("/run/netns/{} still exists", subject.namespace_name)
                          : fmt::format("/run/netns/{} is gone", subject.namespace_name)});
    checks.push_back(check_of("namespace_released", observation.holders,
                              "no process, open namespace file or mount holds it"));
    const auto temporary = unfinished_link_name(subject.client);
    checks.push_back(check_of("circuit_gone",
                              find_links(observation,
                                         [&](const NamespaceObservation&, const LiveLink& link) {
                                             return (link.name == circuit_link || link.name == temporary) &&
                                                    is_marked_for(link.alias, subject.client);
                                         }),
                              fmt::format("no {} circuit of {} anywhere", circuit_kind(subject.circuit), subject.client)));
    checks.push_back(check_of("bridge_gone",
                              find_links(observation,
                                         [&](const NamespaceObservation&, const LiveLink& link) {
                                             return link.kind == "bridge" && is_marked_for(link.alias, subject.client);
                                         }),
                              fmt::format("no bridge of {} anywhere", subject.client)));
    checks.push_back(ports_returned(subject, observation));
    checks.push_back(check_of("no_marked_links",
                              find_links(observation,
                                         [&](const NamespaceObservation&, const LiveLink& link) {
                                             return is_marked_for(link.alias, subject.client);
                                         }),
                              fmt::format("no link marked custode:{} in {} namespace(s)", subject.client,
                                          observation.namespaces.size())));
    if (const auto* vlan = std::get_if<VlanCircuit>(&subject.circuit)) checks.push_back(vlan_gone(*vlan, observation));
    if (const auto* vxlan = std::get_if<VxlanCircuit>(&subject.circuit)) checks.push_back(vni_gone(*vxlan, observation));
    checks.push_back(fdb_clean(subject, observation));
    return checks;
}

bool all_ok(const std::vector<Check>& checks) {
    return std::all_of(checks.begin(), checks.end(), [](const Check& check) { return check.ok; });
}

LabObservation observe_lab(os::LinkSystem& system, const DisconnectSubject& subject,
                           const std::optional<os::NamespaceId>& old_namespace) {
    LabObservation observation;
    observation.namespace_listed = system.namespace_identity(subject.namespace_name).has_value();
    if (old_namespace) observation.holders = system.namespace_holders(*old_namespace);
    observation.namespaces.push_back({"", system.read_gateway(), system.read_forwarding("")});
    for (const auto& name : system.list_namespaces()) {
        if (!name.starts_with(subject.namespace_prefix)) continue;
        try {
            auto live = system.read_namespace(name);
            if (!live.exists) continue;
            observation.namespaces.push_back({name, std::move(live), system.read_forwarding(name)});
        } catch (const SystemError&) {
            // Removed while we looked (another client's teardown): nothing of ours in it.
        }
    }
    return observation;
}

std::vector<Check> run_checks(os::LinkSystem& system, const DisconnectSubject& subject,
                              const std::optional<os::NamespaceId>& old_namespace, std::chrono::milliseconds settle) {
    const auto deadline = os::Clock::now() + settle;
    while (true) {
        auto checks = evaluate_checks(subject, observe_lab(system, subject, old_namespace));
        if (all_ok(checks) || os::Clock::now() >= deadline) return checks;
        std::this_thread::sleep_for(poll_interval);
    }
}

std::string verdict_of(const Disconnection& disconnection) {
    if (disconnection.removal.result == ClientOutcome::Result::failed) return "teardown_failed";
    return all_ok(disconnection.checks) ? "disconnected" : "leftovers";
}

json baseline_json(const std::vector<BaselineResult>& baseline) {
    json out = json::array();
    for (const auto& result : baseline) {
        json entry = {{"name", result.target.name},
                      {"ip", result.target.ip.to_string()},
                      {"mac", result.mac() ? json(result.mac()->to_string()) : json(nullptr)},
                      {"on_client_lan", result.target.on_client_lan},
                      {"probe", result.probed ? "arp" : "not_probed"},
                      {"answered", result.probed ? json(result.answered) : json(nullptr)}};
        if (result.answered) {
            entry["answered_mac"] = result.answered_mac->to_string();
            entry["answer_ms"] = result.answer_ms;
        }
        if (!result.probed) entry["detail"] = "not on the client LAN, not probed";
        out.push_back(std::move(entry));
    }
    return out;
}

json checks_json(const std::vector<Check>& checks) {
    json out = json::array();
    for (const auto& check : checks) out.push_back({{"name", check.name}, {"ok", check.ok}, {"detail", check.detail}});
    return out;
}

json removal_json(const ClientOutcome& removal) {
    // The plan's action rows, as the record's format 1 has them (no "interrupts").
    auto actions = outcome_json(removal)["actions"];
    for (auto& action : actions) action.erase("interrupts");
    json out = {{"namespace", removal.namespace_name},
                {"result", to_string(removal.result)},
                {"actions", std::move(actions)}};
    if (!removal.error.empty()) out["error"] = removal.error;
    if (!removal.undo_errors.empty()) out["undo_errors"] = removal.undo_errors;
    return out;
}

json record_json(const Disconnection& d) {
    json link = {{"kind", circuit_kind(d.subject.circuit)}, {"lab_ports", d.subject.lab_ports}};
    if (const auto* port = std::get_if<PortCircuit>(&d.subject.circuit)) link["interface"] = port->interface;
    if (const auto* vlan = std::get_if<VlanCircuit>(&d.subject.circuit)) {
        link["trunk"] = vlan->trunk;
        link["vlan"] = vlan->vlan;
    }
    if (const auto* vxlan = std::get_if<VxlanCircuit>(&d.subject.circuit)) {
        link["vni"] = vxlan->vni;
        link["local"] = vxlan->local.to_string();
        link["remote"] = vxlan->remote.to_string();
        link["underlay"] = vxlan->underlay;
        link["port"] = vxlan->port;
    }
    json macs = json::array();
    for (const auto& mac : d.subject.client_macs) macs.push_back(mac.to_string());
    json record = {{"type", "custode-disconnect"},
            {"format", 1},
            {"id", d.id},
            {"site", d.site},
            {"client", d.subject.client},
            {"namespace", d.subject.namespace_name},
            {"user", d.user},
            {"started", d.started},
            {"finished", d.finished},
            {"link", std::move(link)},
            {"client_macs", std::move(macs)},
            {"baseline", baseline_json(d.baseline)},
            {"removed", removal_json(d.removal)},
            {"checks", checks_json(d.checks)},
            {"verdict", verdict_of(d)}};
    if (!d.files.empty()) record["files"] = d.files;
    if (d.resumed) record["resumed"] = true;
    return record;
}

namespace {

/// The circuit's id as a person reads it.
std::string circuit_text(const CircuitSpec& circuit) {
    if (const auto* port = std::get_if<PortCircuit>(&circuit)) return fmt::format("interface {}", port->interface);
    if (const auto* vlan = std::get_if<VlanCircuit>(&circuit)) return fmt::format("VLAN {} on {}", vlan->vlan, vlan->trunk);
    const auto& vxlan = std::get<VxlanCircuit>(circuit);
    return fmt::format("VNI {} from {} to {} over {} (UDP {})", vxlan.vni, vxlan.local.to_string(),
                       vxlan.remote.to_string(), vxlan.underlay, vxlan.port);
}

std::string baseline_text(const BaselineResult& result) {
    if (!result.probed) return "not on the client's LAN: not probed from it";
    if (!result.answered) return "did not answer before the teardown";
    return fmt::format("answered before the teardown ({} ms, MAC {})", result.answer_ms,
                       result.answered_mac->to_string());
}

}  // namespace

DisconnectionCertificate certificate_of(const Disconnection& d, const std::string& client_description,
                                        const std::string& finished_local, const HandedOver& files) {
    DisconnectionCertificate c;
    c.id = d.id;
    c.site = d.site;
    c.client = d.subject.client;
    c.client_description = client_description;
    c.technician = d.user;
    c.started_utc = d.started;
    c.finished_utc = d.finished;
    c.finished_local = finished_local;
    c.circuit_kind = std::string(circuit_kind(d.subject.circuit));
    c.circuit = circuit_text(d.subject.circuit);
    c.namespace_name = d.subject.namespace_name;
    c.bridge = std::string(bridge_link);
    c.ports_returned = ports_of(d.subject);
    c.verdict = verdict_of(d);
    for (const auto& check : d.checks) c.checks.push_back({check.name, check.ok, check.detail});
    for (const auto& result : d.baseline) {
        const auto mac = result.mac();
        c.lab_machines.push_back({result.target.name, result.target.ip.to_string(), mac ? mac->to_string() : "",
                                  result.target.on_client_lan, baseline_text(result)});
    }
    c.targets_file = files.targets_file;
    c.script_file = files.script_file;
    c.record_file = files.record_file;
    c.signature = files.signature;
    c.key_id = files.key_id;
    c.public_key = files.public_key;
    return c;
}

}  // namespace custode::app
