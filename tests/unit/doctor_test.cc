/// `custode doctor`'s rules on facts: each passes when the gateway is fine,
/// and gives a finding naming the place and the fix when it is not.

#include <catch2/catch.hpp>

#include <algorithm>

#include "custode/core/doctor.h"
#include "custode/core/link_plan.h"

using namespace custode;

namespace doctor_test {

/// acme by VLAN on eth1, bianchi by a port (p-bianchi) with a lab port, rossi
/// by VXLAN over eth0; acme has two PCs and a maintenance window.
Netconf site() {
    NetconfSources sources;
    sources.site = SourceFile{"site.toml",
                              "[site]\nname = \"lab\"\nstate = \"/var/lib/custode/state.db\"\n"
                              "[ssh]\nidentity = \"/etc/custode/id_ed25519\"\nknown_hosts = \"/etc/custode/known_hosts\"\n"};
    const std::string lan = "[lan]\nsubnet = \"192.168.1.0/24\"\naddress = \"192.168.1.250/24\"\n";
    sources.clients = {
        {"clients/acme.toml", "[link]\nkind = \"vlan\"\ntrunk = \"eth1\"\nvlan = 101\n" + lan +
                                  "[maintenance]\nwindow = \"20:30-06:30\"\ntasks = [\"antivirus\"]\n"
                                  "[[host]]\nname = \"reception\"\nmac = \"00:11:22:33:44:55\"\nip = \"192.168.1.21\"\nos = \"windows\"\n"
                                  "[[host]]\nname = \"office\"\nmac = \"00:11:22:33:44:56\"\nip = \"192.168.1.22\"\nos = \"linux\"\n"},
        {"clients/bianchi.toml", "[link]\nkind = \"port\"\ninterface = \"p-bianchi\"\nlab_ports = [\"lab1\"]\n" + lan},
        {"clients/rossi.toml", "[link]\nkind = \"vxlan\"\nvni = 5001\nlocal = \"198.51.100.1\"\n"
                               "remote = \"203.0.113.7\"\nunderlay = \"eth0\"\n" + lan},
    };
    auto loaded = load_netconf(sources);
    for (const auto& diagnostic : loaded.diagnostics) FAIL(diagnostic.to_string());
    return loaded.netconf;
}

LiveLink up_link(std::string name, int index) {
    LiveLink link;
    link.index = index;
    link.name = std::move(name);
    link.admin_up = true;
    link.carrier = true;
    return link;
}

/// A gateway where everything custode needs is right: bianchi provisioned
/// (its port and lab port moved into cu-bianchi), acme and rossi not yet.
GatewayFacts fine() {
    GatewayFacts facts;
    facts.modules = {{"bridge", ModuleState::builtin}, {"veth", ModuleState::loaded},
                     {"8021q", ModuleState::loadable}, {"vxlan", ModuleState::loaded}};
    facts.gateway.exists = true;
    facts.gateway.links = {up_link("eth1", 2), up_link("eth0", 3)};
    facts.gateway.links.back().addresses = {*Ipv4Prefix::parse("198.51.100.1/24")};
    facts.sysctls = {{"net.ipv4.conf.all.arp_ignore", 0}, {"net.ipv4.conf.default.arp_ignore", 0},
                     {"net.ipv4.conf.eth0.arp_ignore", 0}};
    ClientGatewayFacts bianchi;
    bianchi.links.name = "cu-bianchi";
    bianchi.links.exists = true;
    for (const auto& [name, marker] : {std::pair{"circuit", port_marker("bianchi", "p-bianchi")},
                                       std::pair{"lab1", port_marker("bianchi", "lab1")},
                                       std::pair{"br0", ownership_marker("bianchi")}}) {
        auto link = up_link(name, static_cast<int>(bianchi.links.links.size()) + 2);
        link.alias = marker;
        bianchi.links.links.push_back(link);
    }
    bianchi.sysctls = {{"net.ipv4.conf.all.arp_ignore", 0}, {"net.ipv4.conf.br0.arp_ignore", 1}};
    facts.clients["bianchi"] = bianchi;
    ClientGatewayFacts acme;
    acme.known_hosts_exists = true;
    acme.hosts_with_key = {"reception", "office"};
    facts.clients["acme"] = acme;
    facts.clients["rossi"] = {};
    facts.identity = {true, true, 0600};
    facts.state = {"/var/lib/custode/state.db", true, true, 6, ""};
    facts.latest_schema = 6;
    facts.systemd_running = true;
    facts.timer_installed = true;
    facts.timer_enabled = true;
    facts.clock_synchronised = true;
    return facts;
}

/// The one finding of `report`; fails when there are none or several.
DoctorFinding only_finding(const DoctorReport& report) {
    INFO("findings: " << report.findings.size());
    for (const auto& finding : report.findings) INFO(finding.check << ": " << finding.what);
    REQUIRE(report.findings.size() == 1);
    return report.findings.front();
}

bool has_entry(const std::vector<std::string>& lines, const std::string& part) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& line) { return line.find(part) != std::string::npos; });
}

LiveLink& link_in(LiveNamespace& ns, const std::string& name) {
    for (auto& link : ns.links)
        if (link.name == name) return link;
    FAIL("no link " << name);
    throw std::logic_error("unreachable");
}

}  // namespace doctor_test

using namespace doctor_test;

TEST_CASE("doctor: a gateway with everything right has no finding", "[doctor]") {
    const auto report = diagnose(site(), fine());
    CHECK(report.findings.empty());
    CHECK(report.notes.empty());
    CHECK(has_entry(report.passed, "kernel: 8021q loadable"));
    CHECK(has_entry(report.passed, "link: acme: trunk eth1 up"));
    CHECK(has_entry(report.passed, "link: bianchi: port p-bianchi in cu-bianchi"));
    CHECK(has_entry(report.passed, "link: bianchi: lab port lab1 in cu-bianchi"));
    CHECK(has_entry(report.passed, "link: rossi: underlay eth0 up"));
    CHECK(has_entry(report.passed, "ssh-identity: /etc/custode/id_ed25519 mode 0600"));
    CHECK(has_entry(report.passed, "known-hosts: acme"));
    CHECK(has_entry(report.passed, "state: /var/lib/custode/state.db writable, schema 6"));
    CHECK(has_entry(report.passed, "timer: custode-maintain.timer enabled"));
    CHECK(has_entry(report.passed, "clock: synchronised"));
    CHECK(has_entry(report.passed, "sysctl: br0 in cu-bianchi answers ARP (arp_ignore 1)"));
}

TEST_CASE("doctor: a kernel module the netconf needs and the kernel lacks is a finding", "[doctor]") {
    auto facts = fine();
    facts.modules["8021q"] = ModuleState::missing;
    const auto finding = only_finding(diagnose(site(), facts));
    CHECK(finding.check == "kernel");
    CHECK(finding.where == "8021q");
    CHECK(finding.fix.find("CONFIG_VLAN_8021Q") != std::string::npos);
    // Unknown (a kernel that lists neither modules nor built-ins) is a note, not a finding.
    facts.modules["8021q"] = ModuleState::unknown;
    const auto unknown = diagnose(site(), facts);
    CHECK(unknown.findings.empty());
    CHECK(has_entry(unknown.notes, "kernel: 8021q"));
}

TEST_CASE("doctor: only the modules the netconf's circuits use are needed", "[doctor]") {
    NetconfSources sources;
    sources.site = SourceFile{"site.toml", "[site]\nname = \"lab\"\n"};
    sources.clients = {{"clients/acme.toml", "[link]\nkind = \"port\"\ninterface = \"p1\"\n"
                                             "[lan]\nsubnet = \"192.168.1.0/24\"\naddress = \"192.168.1.250/24\"\n"}};
    const auto ports_only = load_netconf(sources).netconf;
    CHECK(modules_needed(ports_only) == std::vector<std::string>{"bridge", "veth"});
    CHECK(modules_needed(site()) == std::vector<std::string>{"bridge", "veth", "8021q", "vxlan"});
}

TEST_CASE("doctor: a module's state comes from /proc/modules, modules.builtin, modules.dep and /sys/module",
          "[doctor]") {
    ModuleSources sources;
    sources.proc_modules = "veth 36864 0 - Live 0x0\nbr_netfilter 32768 0 - Live 0x0\n";
    sources.builtin = "kernel/net/bridge/bridge.ko\nkernel/net/unix/unix.ko\n";
    sources.dep = "kernel/net/8021q/8021q.ko.xz: kernel/net/802/garp.ko.xz kernel/net/802/mrp.ko.xz\n"
                  "kernel/drivers/net/vxlan/vxlan.ko.zst: kernel/net/ipv4/udp_tunnel.ko.zst\n"
                  "kernel/drivers/net/veth.ko.xz:\n";
    CHECK(module_state("veth", sources) == ModuleState::loaded);
    CHECK(module_state("br-netfilter", sources) == ModuleState::loaded);  // '-' and '_' are one
    CHECK(module_state("bridge", sources) == ModuleState::builtin);
    CHECK(module_state("8021q", sources) == ModuleState::loadable);
    CHECK(module_state("vxlan", sources) == ModuleState::loadable);
    CHECK(module_state("geneve", sources) == ModuleState::missing);
    CHECK(module_state("garp", sources) == ModuleState::missing);  // a dependency is not a module of its own line
    sources.present = {"8021q"};  // /proc/net/vlan: started, though /proc/modules does not list it
    CHECK(module_state("8021q", sources) == ModuleState::builtin);

    // A kernel without loadable modules (no /proc/modules): what is not built in is missing...
    ModuleSources monolithic;
    monolithic.builtin = "kernel/net/bridge/bridge.ko\n";
    CHECK(module_state("bridge", monolithic) == ModuleState::builtin);
    CHECK(module_state("8021q", monolithic) == ModuleState::missing);
    // ...and without modules.builtin either, only /sys/module tells.
    monolithic.builtin.reset();
    monolithic.present = {"vxlan"};
    monolithic.traceable = {"8021q"};
    CHECK(module_state("vxlan", monolithic) == ModuleState::builtin);
    CHECK(module_state("veth", monolithic) == ModuleState::unknown);
    CHECK(module_state("8021q", monolithic) == ModuleState::missing);  // no /proc/net/vlan
    monolithic.present.insert("8021q");
    CHECK(module_state("8021q", monolithic) == ModuleState::builtin);
    // Modules but no modules.dep (no /lib/modules for this kernel): cannot say loadable.
    ModuleSources no_dep;
    no_dep.proc_modules = "";
    no_dep.builtin = "";
    CHECK(module_state("8021q", no_dep) == ModuleState::unknown);
}

TEST_CASE("doctor: a missing trunk, a trunk down, an underlay without carrier are findings", "[doctor]") {
    auto missing = fine();
    missing.gateway.links.erase(missing.gateway.links.begin());  // eth1
    auto finding = only_finding(diagnose(site(), missing));
    CHECK(finding.check == "link");
    CHECK(finding.what == "acme: the trunk eth1 is not on the gateway");
    CHECK(finding.where == "clients/acme.toml ([link] trunk = \"eth1\")");
    CHECK(finding.fix == "connect it, or correct [link] trunk in clients/acme.toml");

    auto down = fine();
    link_in(down.gateway, "eth1").admin_up = false;
    finding = only_finding(diagnose(site(), down));
    CHECK(finding.what == "acme: the trunk eth1 is down");
    CHECK(finding.fix.starts_with("ip link set eth1 up"));

    auto no_carrier = fine();
    link_in(no_carrier.gateway, "eth0").carrier = false;
    finding = only_finding(diagnose(site(), no_carrier));
    CHECK(finding.what == "rossi: the underlay eth0 has no carrier");
    CHECK(finding.where == "clients/rossi.toml ([link] underlay = \"eth0\")");
}

TEST_CASE("doctor: an underlay without the tunnel's local address is a finding", "[doctor]") {
    auto facts = fine();
    link_in(facts.gateway, "eth0").addresses = {*Ipv4Prefix::parse("198.51.100.2/24")};
    const auto finding = only_finding(diagnose(site(), facts));
    CHECK(finding.what == "rossi: the underlay eth0 does not hold the tunnel's local address 198.51.100.1");
    CHECK(finding.where == "clients/rossi.toml ([link] local = \"198.51.100.1\")");
}

TEST_CASE("doctor: a port is fine on the gateway before apply, or marked in the client's namespace after",
          "[doctor]") {
    auto before = fine();
    before.clients["bianchi"] = {};  // not provisioned
    before.gateway.links.push_back(up_link("p-bianchi", 10));
    before.gateway.links.push_back(up_link("lab1", 11));
    CHECK(diagnose(site(), before).findings.empty());

    auto gone = fine();
    gone.clients["bianchi"] = {};  // not provisioned, and the port is nowhere
    gone.gateway.links.push_back(up_link("lab1", 11));
    auto finding = only_finding(diagnose(site(), gone));
    CHECK(finding.what == "bianchi: the port p-bianchi is neither on the gateway nor in cu-bianchi");
    CHECK(finding.where == "clients/bianchi.toml ([link] interface \"p-bianchi\")");

    // A link called circuit in the namespace that custode did not mark as
    // adopted from this port (another client's, another port's) is not it.
    for (const auto& alias : {std::string(), ownership_marker("bianchi"), port_marker("acme", "p-bianchi"),
                              port_marker("bianchi", "p-other")}) {
        auto unmarked = fine();
        link_in(unmarked.clients["bianchi"].links, "circuit").alias = alias;
        finding = only_finding(diagnose(site(), unmarked));
        CHECK(finding.what == "bianchi: the port p-bianchi is neither on the gateway nor in cu-bianchi");
    }

    auto no_lab_port = fine();
    auto& links = no_lab_port.clients["bianchi"].links.links;
    links.erase(std::remove_if(links.begin(), links.end(), [](const LiveLink& l) { return l.name == "lab1"; }),
                links.end());
    finding = only_finding(diagnose(site(), no_lab_port));
    CHECK(finding.what == "bianchi: the lab port lab1 is neither on the gateway nor in cu-bianchi");
    CHECK(finding.fix == "connect it, or correct lab_ports in clients/bianchi.toml");
}

TEST_CASE("doctor: an SSH identity missing, readable by others or owned by another user is a finding", "[doctor]") {
    auto open = fine();
    open.identity.mode = 0644;
    auto finding = only_finding(diagnose(site(), open));
    CHECK(finding.check == "ssh-identity");
    CHECK(finding.what.find("mode 0644") != std::string::npos);
    CHECK(finding.where == "/etc/custode/id_ed25519");
    CHECK(finding.fix == "chmod 600 /etc/custode/id_ed25519");
    auto group = fine();
    group.identity.mode = 0640;
    CHECK(only_finding(diagnose(site(), group)).check == "ssh-identity");
    auto read_only = fine();
    read_only.identity.mode = 0400;  // stricter than 0600 is fine
    CHECK(diagnose(site(), read_only).findings.empty());
    auto foreign = fine();
    foreign.identity.owner = 1000;
    finding = only_finding(diagnose(site(), foreign));
    CHECK(finding.what ==
          "the SSH identity /etc/custode/id_ed25519 belongs to uid 1000, not to uid 0 that runs custode (it opens every PC)");
    CHECK(finding.fix == "chown 0 /etc/custode/id_ed25519");

    auto missing = fine();
    missing.identity = {};
    finding = only_finding(diagnose(site(), missing));
    CHECK(finding.what == "the SSH identity is missing");
    CHECK(finding.fix.starts_with("ssh-keygen -t ed25519 -N '' -f /etc/custode/id_ed25519"));
    auto directory = fine();
    directory.identity.regular = false;
    CHECK(only_finding(diagnose(site(), directory)).what == "the SSH identity is not a regular file");
}

TEST_CASE("doctor: a client with PCs and no recorded host keys is a finding", "[doctor]") {
    auto none = fine();
    none.clients["acme"].known_hosts_exists = false;
    auto finding = only_finding(diagnose(site(), none));
    CHECK(finding.check == "known-hosts");
    CHECK(finding.what == "acme: no SSH host key recorded");
    CHECK(finding.where == "/etc/custode/known_hosts.d/acme");
    CHECK(finding.fix == "custode enroll acme");

    auto one = fine();
    one.clients["acme"].hosts_with_key = {"reception"};
    finding = only_finding(diagnose(site(), one));
    CHECK(finding.what == "acme: no SSH host key recorded for office");
    CHECK(finding.fix == "custode enroll acme office");
}

TEST_CASE("doctor: a state file that cannot be written, read, or is of another schema is a finding", "[doctor]") {
    auto read_only = fine();
    read_only.state.writable = false;
    auto finding = only_finding(diagnose(site(), read_only));
    CHECK(finding.check == "state");
    CHECK(finding.what == "the state file is not writable");
    CHECK(finding.where == "/var/lib/custode/state.db");

    auto not_yet = fine();
    not_yet.state = {"/var/lib/custode/state.db", false, true, std::nullopt, ""};
    const auto fresh = diagnose(site(), not_yet);
    CHECK(fresh.findings.empty());  // created by the first command that needs it
    CHECK(has_entry(fresh.notes, "is not there yet"));
    not_yet.state.writable = false;
    CHECK(only_finding(diagnose(site(), not_yet)).what == "the state file cannot be created");

    auto garbage = fine();
    garbage.state.schema_version.reset();
    garbage.state.error = "file is not a database";
    CHECK(only_finding(diagnose(site(), garbage)).what == "the state file cannot be read: file is not a database");

    auto old = fine();
    old.state.schema_version = 5;
    finding = only_finding(diagnose(site(), old));
    CHECK(finding.what == "the state file has schema 5, this custode writes 6");
    CHECK(finding.fix == "back it up, then run custode runs: opening it migrates it");
    auto newer = fine();
    newer.state.schema_version = 7;
    CHECK(only_finding(diagnose(site(), newer)).what == "the state file has schema 7, newer than this custode's 6");
}

TEST_CASE("doctor: the maintenance timer not installed or not enabled, and systemd not running, are findings",
          "[doctor]") {
    auto disabled = fine();
    disabled.timer_enabled = false;
    auto finding = only_finding(diagnose(site(), disabled));
    CHECK(finding.check == "timer");
    CHECK(finding.fix == "systemctl enable --now custode-maintain.timer");

    auto absent = fine();
    absent.timer_installed = false;
    absent.timer_enabled = false;
    CHECK(only_finding(diagnose(site(), absent)).what == "custode-maintain.timer is not installed");

    auto no_systemd = fine();
    no_systemd.systemd_running = false;
    finding = only_finding(diagnose(site(), no_systemd));
    CHECK(finding.check == "systemd");
    CHECK(finding.what == "systemd is not running: no timer starts the nightly run");
}

TEST_CASE("doctor: without a maintenance window or PCs, no timer, identity or host keys are needed", "[doctor]") {
    auto netconf = site();
    for (auto& client : netconf.clients) {
        client.maintenance.window.reset();
        client.hosts.clear();
    }
    auto facts = fine();
    facts.systemd_running = facts.timer_installed = facts.timer_enabled = false;
    facts.identity = {};
    facts.clients["acme"].known_hosts_exists = false;
    CHECK(diagnose(netconf, facts).findings.empty());
}

TEST_CASE("doctor: an unsynchronised clock is a finding", "[doctor]") {
    auto facts = fine();
    facts.clock_synchronised = false;
    const auto finding = only_finding(diagnose(site(), facts));
    CHECK(finding.check == "clock");
    CHECK(finding.fix.find("systemd-timesyncd") != std::string::npos);
    facts.clock_synchronised.reset();
    CHECK(diagnose(site(), facts).findings.empty());
}

TEST_CASE("doctor: arp_ignore 8 in a client namespace, on an underlay, or in the gateway's defaults is a finding",
          "[doctor]") {
    auto on_bridge = fine();
    on_bridge.clients["bianchi"].sysctls["net.ipv4.conf.br0.arp_ignore"] = 8;
    auto finding = only_finding(diagnose(site(), on_bridge));
    CHECK(finding.check == "sysctl");
    CHECK(finding.what.starts_with("arp_ignore 8 on br0 in cu-bianchi"));
    CHECK(finding.fix.starts_with("ip netns exec cu-bianchi sysctl -w net.ipv4.conf.all.arp_ignore=0 "
                                  "net.ipv4.conf.br0.arp_ignore=0"));
    // `all` counts as much as the link's own (the kernel takes the larger).
    auto on_all = fine();
    on_all.clients["bianchi"].sysctls["net.ipv4.conf.all.arp_ignore"] = 8;
    CHECK(only_finding(diagnose(site(), on_all)).what.starts_with("arp_ignore 8 on br0 in cu-bianchi"));
    auto two = fine();
    two.clients["bianchi"].sysctls["net.ipv4.conf.br0.arp_ignore"] = 2;  // answers, for senders on its subnet
    CHECK(diagnose(site(), two).findings.empty());

    auto underlay = fine();
    underlay.sysctls["net.ipv4.conf.eth0.arp_ignore"] = 8;
    finding = only_finding(diagnose(site(), underlay));
    CHECK(finding.what.starts_with("arp_ignore 8 on the gateway's eth0"));

    auto defaults = fine();
    defaults.sysctls["net.ipv4.conf.default.arp_ignore"] = 8;
    finding = only_finding(diagnose(site(), defaults));
    CHECK(finding.where == "net.ipv4.conf.default.arp_ignore");
}

TEST_CASE("doctor: bridged frames through a client namespace's iptables are a note, not a finding", "[doctor]") {
    auto facts = fine();
    facts.clients["bianchi"].sysctls["net.bridge.bridge-nf-call-iptables"] = 1;
    const auto report = diagnose(site(), facts);
    CHECK(report.findings.empty());
    CHECK(has_entry(report.notes, "net.bridge.bridge-nf-call-iptables is 1 in cu-bianchi"));
}
