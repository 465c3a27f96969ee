#include "custode/core/doctor.h"

#include <algorithm>
#include <fmt/format.h>
#include <sstream>

#include "custode/core/link_plan.h"
#include "custode/core/secret_file.h"

namespace custode {
namespace doctor_rules {

/// Module names as the kernel compares them: '-' and '_' are one.
std::string module_key(std::string_view name) {
    std::string key(name);
    std::replace(key.begin(), key.end(), '-', '_');
    return key;
}

/// The module name of a modules.builtin / modules.dep path ("kernel/net/8021q/8021q.ko.xz: ...").
std::string module_of_path(std::string_view line) {
    const auto colon = line.find(':');
    auto path = line.substr(0, colon);
    const auto slash = path.rfind('/');
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
    return module_key(path.substr(0, path.find(".ko")));
}

bool lists(const std::string& text, std::string_view module, bool paths) {
    std::istringstream lines(text);
    std::string line;
    const auto key = module_key(module);
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        const auto name = paths ? module_of_path(line) : module_key(line.substr(0, line.find(' ')));
        if (name == key) return true;
    }
    return false;
}

std::optional<int> sysctl(const std::map<std::string, int>& values, const std::string& name) {
    const auto found = values.find(name);
    return found == values.end() ? std::nullopt : std::optional<int>(found->second);
}

/// arp_ignore as the kernel applies it to `link`: the larger of `all` and the link's own.
std::optional<int> arp_ignore_on(const std::map<std::string, int>& values, const std::string& link) {
    const auto all = sysctl(values, "net.ipv4.conf.all.arp_ignore");
    const auto own = sysctl(values, fmt::format("net.ipv4.conf.{}.arp_ignore", link));
    if (!all && !own) return std::nullopt;
    return std::max(all.value_or(0), own.value_or(0));
}

template <class Kind>
bool uses(const Netconf& netconf) {
    return std::any_of(netconf.clients.begin(), netconf.clients.end(),
                       [](const Client& client) { return std::holds_alternative<Kind>(client.link); });
}

/// arp_ignore 8: "do not reply for all local addresses".
constexpr int arp_ignore_never = 8;

struct Diagnosis {
    const Netconf& netconf;
    const GatewayFacts& facts;
    DoctorReport report;

    void finding(std::string check, std::string what, std::string where, std::string fix) {
        report.findings.push_back({std::move(check), std::move(what), std::move(where), std::move(fix)});
    }
    void passed(std::string line) { report.passed.push_back(std::move(line)); }

    bool any_hosts() const {
        return std::any_of(netconf.clients.begin(), netconf.clients.end(),
                           [](const Client& client) { return !client.hosts.empty(); });
    }
    const ClientGatewayFacts* client_facts(const Client& client) const {
        const auto found = facts.clients.find(client.name.str());
        return found == facts.clients.end() ? nullptr : &found->second;
    }

    void kernel() {
        for (const auto& module : modules_needed(netconf)) {
            const auto found = facts.modules.find(module);
            const auto state = found == facts.modules.end() ? ModuleState::unknown : found->second;
            if (state == ModuleState::missing)
                finding("kernel", fmt::format("the kernel has no {} support (neither built in nor a module)", module),
                        module,
                        fmt::format("boot a kernel with {} (Debian's stock linux-image-amd64 has it as a module)",
                                    module == "8021q" ? "802.1Q VLANs (CONFIG_VLAN_8021Q)" : module));
            else if (state == ModuleState::unknown)
                report.notes.push_back(fmt::format(
                    "kernel: {}: this kernel lists neither its modules nor its built-ins; custode apply will tell",
                    module));
            else
                passed(fmt::format("kernel: {} {}", module, to_string(state)));
        }
    }

    /// A gateway interface custode builds on but does not manage: a trunk or an underlay.
    void lower_link(const Client& client, std::string_view role, const std::string& name) {
        const LiveLink* link = facts.gateway.find(name);
        const auto where = fmt::format("{} ([link] {} = \"{}\")", client.file, role, name);
        if (!link) {
            finding("link", fmt::format("{}: the {} {} is not on the gateway", client.name.str(), role, name), where,
                    fmt::format("connect it, or correct [link] {} in {}", role, client.file));
            return;
        }
        if (!link->admin_up) {
            finding("link", fmt::format("{}: the {} {} is down", client.name.str(), role, name), where,
                    fmt::format("ip link set {} up, and bring it up at boot (/etc/network/interfaces or systemd-networkd)",
                                name));
            return;
        }
        if (!link->carrier) {
            finding("link", fmt::format("{}: the {} {} has no carrier", client.name.str(), role, name), where,
                    fmt::format("check the cable or the carrier's port on {}", name));
            return;
        }
        passed(fmt::format("link: {}: {} {} up", client.name.str(), role, name));
    }

    /// A port custode moves into the client's namespace: on the gateway until
    /// apply, then in the namespace (under `name_there`), marked for the client.
    void moved_port(const Client& client, std::string_view role, const std::string& name,
                    std::string_view name_there) {
        const ClientGatewayFacts* mine = client_facts(client);
        const LiveLink* moved = mine ? mine->links.find(name_there) : nullptr;
        // Adopted ports keep their gateway name in the marker ("custode:acme port=enp3s0").
        if (moved && is_marked_for(moved->alias, client.name.str()) && marked_port_name(moved->alias) == name) {
            passed(fmt::format("link: {}: {} {} in {}", client.name.str(), role, name, mine->links.name));
            return;
        }
        if (facts.gateway.find(name)) {
            passed(fmt::format("link: {}: {} {} on the gateway", client.name.str(), role, name));
            return;
        }
        finding("link",
                fmt::format("{}: the {} {} is neither on the gateway nor in {}", client.name.str(), role, name,
                            netconf.namespace_of(client)),
                fmt::format("{} ({} \"{}\")", client.file, role == "lab port" ? "lab_ports" : "[link] interface", name),
                fmt::format("connect it, or correct {} in {}", role == "lab port" ? "lab_ports" : "[link] interface",
                            client.file));
    }

    void links() {
        for (const auto& client : netconf.clients) {
            if (const auto* vlan = std::get_if<VlanLink>(&client.link)) lower_link(client, "trunk", vlan->trunk);
            if (const auto* port = std::get_if<PortLink>(&client.link))
                moved_port(client, "port", port->interface, circuit_link);
            if (const auto* vxlan = std::get_if<VxlanLink>(&client.link)) {
                lower_link(client, "underlay", vxlan->underlay);
                underlay_address(client, *vxlan);
            }
            for (const auto& lab_port : client.lab_ports) moved_port(client, "lab port", lab_port, lab_port);
        }
    }

    /// The tunnel's packets leave from `local`: the underlay must hold it.
    void underlay_address(const Client& client, const VxlanLink& vxlan) {
        const LiveLink* underlay = facts.gateway.find(vxlan.underlay);
        if (!underlay) return;  // already a finding
        const bool holds = std::any_of(underlay->addresses.begin(), underlay->addresses.end(),
                                       [&](const Ipv4Prefix& prefix) { return prefix.address() == vxlan.local; });
        if (!holds)
            finding("link",
                    fmt::format("{}: the underlay {} does not hold the tunnel's local address {}", client.name.str(),
                                vxlan.underlay, vxlan.local.to_string()),
                    fmt::format("{} ([link] local = \"{}\")", client.file, vxlan.local.to_string()),
                    fmt::format("give {} the address {} (in the gateway's network configuration), or correct [link] "
                                "local in {}",
                                vxlan.underlay, vxlan.local.to_string(), client.file));
    }

    void ssh_identity() {
        if (!any_hosts()) return;  // no PC to log in to
        const auto& path = netconf.site.ssh.identity;
        const auto& identity = facts.identity;
        if (!identity.exists || !identity.regular) {
            finding("ssh-identity", identity.exists ? "the SSH identity is not a regular file" : "the SSH identity is missing",
                    path, fmt::format("ssh-keygen -t ed25519 -N '' -f {} and install {}.pub on the PCs", path, path));
            return;
        }
        if (const auto refusal =
                secret_file_refusal("the SSH identity", path, {identity.mode, identity.owner}, facts.user)) {
            finding("ssh-identity", refusal->problem + " (it opens every PC)", path, refusal->fix);
            return;
        }
        passed(fmt::format("ssh-identity: {} mode {:04o}", path, identity.mode));
    }

    void known_hosts() {
        for (const auto& client : netconf.clients) {
            if (client.hosts.empty()) continue;
            const ClientGatewayFacts* mine = client_facts(client);
            const auto file = netconf.known_hosts_of(client);
            if (!mine || !mine->known_hosts_exists) {
                finding("known-hosts", fmt::format("{}: no SSH host key recorded", client.name.str()), file,
                        fmt::format("custode enroll {}", client.name.str()));
                continue;
            }
            std::vector<std::string> missing;
            for (const auto& host : client.hosts)
                if (host.ip && !mine->hosts_with_key.contains(host.name)) missing.push_back(host.name);
            if (missing.empty()) {
                passed(fmt::format("known-hosts: {}: {}", client.name.str(), file));
                continue;
            }
            finding("known-hosts",
                    fmt::format("{}: no SSH host key recorded for {}", client.name.str(), fmt::join(missing, ", ")),
                    file, fmt::format("custode enroll {} {}", client.name.str(), fmt::join(missing, " ")));
        }
    }

    void state() {
        const auto& state = facts.state;
        const auto& path = state.path;
        if (!state.writable) {
            finding("state",
                    state.exists ? "the state file is not writable" : "the state file cannot be created",
                    path, "check the path ([site] state or --state), the mount (read-only?) and the permissions");
            return;
        }
        if (!state.exists) {
            report.notes.push_back(fmt::format("state: {} is not there yet; the first command that needs it creates it", path));
            return;
        }
        if (!state.schema_version) {
            finding("state", fmt::format("the state file cannot be read: {}", state.error), path,
                    "restore it from a backup, or move it away to start a new one");
            return;
        }
        if (*state.schema_version > facts.latest_schema) {
            finding("state",
                    fmt::format("the state file has schema {}, newer than this custode's {}", *state.schema_version,
                                facts.latest_schema),
                    path, "upgrade custode (this one refuses to open it)");
            return;
        }
        if (*state.schema_version < facts.latest_schema) {
            finding("state",
                    fmt::format("the state file has schema {}, this custode writes {}", *state.schema_version,
                                facts.latest_schema),
                    path, fmt::format("back it up, then run custode runs: opening it migrates it"));
            return;
        }
        passed(fmt::format("state: {} writable, schema {}", path, *state.schema_version));
    }

    void timer() {
        if (!any_hosts()) return;  // no PC, no night to start (a client without a window is still due daily)
        constexpr std::string_view unit = "custode-maintain.timer";
        if (!facts.systemd_running)
            finding("systemd", "systemd is not running: no timer starts the nightly run", "/run/systemd/system",
                    "boot with systemd, or run custode maintain --scheduled --wait from cron every 10 minutes");
        if (!facts.timer_installed)
            finding("timer", fmt::format("{} is not installed", unit), "/lib/systemd/system",
                    "install custode's Debian package (docs/install.md): it brings the timer");
        else if (!facts.timer_enabled)
            finding("timer", fmt::format("{} is not enabled: no night will run", unit),
                    "/etc/systemd/system/timers.target.wants", fmt::format("systemctl enable --now {}", unit));
        else
            passed(fmt::format("timer: {} enabled", unit));
    }

    void clock() {
        if (!facts.clock_synchronised) {
            report.notes.push_back("clock: the kernel did not say whether the clock is synchronised");
            return;
        }
        if (!*facts.clock_synchronised) {
            finding("clock", "the system clock is not synchronised (adjtimex: TIME_ERROR)", "adjtimex",
                    "install and enable a time client (apt-get install systemd-timesyncd, or chrony): maintenance "
                    "windows, run records and signed disconnection proofs carry its times");
            return;
        }
        passed("clock: synchronised");
    }

    void arp_ignore(const std::map<std::string, int>& values, const std::string& link, const std::string& where,
                    const std::string& why, const std::string& fix_prefix) {
        const auto value = arp_ignore_on(values, link);
        if (!value) return;
        if (*value >= arp_ignore_never) {
            finding("sysctl", fmt::format("arp_ignore {} on {}: {}", *value, where, why),
                    fmt::format("net.ipv4.conf.{{all,{}}}.arp_ignore in {}", link, where),
                    fmt::format("{}sysctl -w net.ipv4.conf.all.arp_ignore=0 net.ipv4.conf.{}.arp_ignore=0, and remove "
                                "the setting from /etc/sysctl.conf and /etc/sysctl.d",
                                fix_prefix, link));
            return;
        }
        passed(fmt::format("sysctl: {} answers ARP (arp_ignore {})", where, *value));
    }

    void sysctls() {
        // Namespaces custode makes from now on take the gateway's IPv4 defaults.
        if (const auto value = sysctl(facts.sysctls, "net.ipv4.conf.default.arp_ignore");
            value && *value >= arp_ignore_never)
            finding("sysctl",
                    fmt::format("net.ipv4.conf.default.arp_ignore is {}: client namespaces made from now on inherit "
                                "it, and their bridge never answers ARP",
                                *value),
                    "net.ipv4.conf.default.arp_ignore",
                    "sysctl -w net.ipv4.conf.default.arp_ignore=0, and remove the setting from /etc/sysctl.conf and "
                    "/etc/sysctl.d");
        for (const auto& client : netconf.clients) {
            if (const auto* vxlan = std::get_if<VxlanLink>(&client.link))
                arp_ignore(facts.sysctls, vxlan->underlay, "the gateway's " + vxlan->underlay,
                           fmt::format("the far end of {}'s tunnel cannot resolve {}", client.name.str(),
                                       vxlan->local.to_string()),
                           "");
            const ClientGatewayFacts* mine = client_facts(client);
            if (!mine || !mine->links.exists) continue;
            const auto ns = netconf.namespace_of(client);
            arp_ignore(mine->sysctls, std::string(bridge_link), fmt::format("{} in {}", bridge_link, ns),
                       "the client's PCs cannot resolve the gateway's LAN address (SSH and checks fail)",
                       fmt::format("ip netns exec {} ", ns));
            for (const auto* knob : {"net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-arptables"})
                if (sysctl(mine->sysctls, knob).value_or(0) == 1)
                    report.notes.push_back(fmt::format(
                        "sysctl: {} is 1 in {} (br_netfilter is loaded): frames bridged between the circuit and lab "
                        "ports pass that namespace's own firewall, empty unless someone fills it",
                        knob, ns));
        }
    }
};

}  // namespace doctor_rules

std::string_view to_string(ModuleState state) {
    switch (state) {
        case ModuleState::builtin: return "built in";
        case ModuleState::loaded: return "loaded";
        case ModuleState::loadable: return "loadable";
        case ModuleState::missing: return "missing";
        case ModuleState::unknown: return "unknown";
    }
    return "unknown";
}

ModuleState module_state(std::string_view module, const ModuleSources& sources) {
    using doctor_rules::lists;
    if (sources.proc_modules && lists(*sources.proc_modules, module, false)) return ModuleState::loaded;
    if (sources.builtin && lists(*sources.builtin, module, true)) return ModuleState::builtin;
    // In /sys/module but not in /proc/modules: built in (a loaded module is in both).
    if (sources.present.contains(doctor_rules::module_key(module))) return ModuleState::builtin;
    // No /proc/modules: a kernel that cannot load modules has only what is built in.
    if (!sources.proc_modules)
        return sources.builtin || sources.traceable.contains(doctor_rules::module_key(module)) ? ModuleState::missing
                                                                                              : ModuleState::unknown;
    if (sources.dep && lists(*sources.dep, module, true)) return ModuleState::loadable;
    return sources.dep && sources.builtin ? ModuleState::missing : ModuleState::unknown;
}

std::vector<std::string> modules_needed(const Netconf& netconf) {
    // br0 in every client namespace; veth for disconnect's probe port.
    std::vector<std::string> modules{"bridge", "veth"};
    if (doctor_rules::uses<VlanLink>(netconf)) modules.push_back("8021q");
    if (doctor_rules::uses<VxlanLink>(netconf)) modules.push_back("vxlan");
    return modules;
}

std::vector<std::string> gateway_sysctls_read(const Netconf& netconf) {
    std::vector<std::string> names{"net.ipv4.conf.all.arp_ignore", "net.ipv4.conf.default.arp_ignore"};
    for (const auto& client : netconf.clients)
        if (const auto* vxlan = std::get_if<VxlanLink>(&client.link))
            names.push_back(fmt::format("net.ipv4.conf.{}.arp_ignore", vxlan->underlay));
    return names;
}

std::vector<std::string> client_sysctls_read() {
    return {"net.ipv4.conf.all.arp_ignore", fmt::format("net.ipv4.conf.{}.arp_ignore", bridge_link),
            "net.bridge.bridge-nf-call-iptables", "net.bridge.bridge-nf-call-arptables"};
}

DoctorReport diagnose(const Netconf& netconf, const GatewayFacts& facts) {
    doctor_rules::Diagnosis diagnosis{netconf, facts, {}};
    diagnosis.kernel();
    diagnosis.links();
    diagnosis.ssh_identity();
    diagnosis.known_hosts();
    diagnosis.state();
    diagnosis.timer();
    diagnosis.clock();
    diagnosis.sysctls();
    return std::move(diagnosis.report);
}

}  // namespace custode
