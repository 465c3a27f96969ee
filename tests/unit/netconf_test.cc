/// The netconf loader on in-memory files: the model it builds, its defaults,
/// and checks that need more than one fixture to show.

#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "custode/core/netconf.h"

using namespace custode;

namespace {

const char* const minimal_site = "[site]\nname = \"test\"\n";

const char* const vlan_client = R"([link]
kind = "vlan"
trunk = "eth1"
vlan = 101

[lan]
subnet = "192.168.1.0/24"
address = "192.168.1.250/24"
)";

NetconfLoad load(const std::string& site, const std::vector<std::pair<std::string, std::string>>& clients) {
    NetconfSources sources;
    sources.site = SourceFile{"site.toml", site};
    for (const auto& [name, text] : clients) sources.clients.push_back({"clients/" + name + ".toml", text});
    return load_netconf(sources);
}

std::vector<std::string> rendered(const NetconfLoad& result) {
    std::vector<std::string> lines;
    for (const auto& diagnostic : result.diagnostics) lines.push_back(diagnostic.to_string());
    return lines;
}

/// acme on a port circuit, with `maintenance` (TOML) after its [lan].
NetconfLoad load_port_client(const std::string& maintenance) {
    return load(minimal_site, {{"acme", "[link]\nkind = \"port\"\ninterface = \"eth1\"\n[lan]\n"
                                        "subnet = \"192.168.1.0/24\"\naddress = \"192.168.1.250/24\"\n" + maintenance}});
}

}  // namespace

TEST_CASE("a full netconf loads into the model", "[netconf]") {
    const auto result = load(R"([site]
name = "lab"
namespace_prefix = "lab-"
state = "/srv/custode.db"

[ssh]
user = "tech"

[[lab.host]]
name = "nas"
ip = "10.10.0.5"
mac = "52:54:00:AA:BB:01"
)",
                             {{"rossi", R"(description = "Studio Rossi"
[link]
kind = "vxlan"
vni = 5001
local = "198.51.100.1"
remote = "203.0.113.7"
underlay = "eth0"
port = 8472
lab_ports = ["eth2", "eth3"]
mtu = 1450

[lan]
subnet = "10.20.0.0/24"
address = "10.20.0.250/24"
control = "10.20.0.1"

[maintenance]
window = "20:30-06:30"
tasks = ["backup", "antivirus"]
shutdown = "never"
shutdown_force = true

[[host]]
name = "pc-01"
mac = "00:1A:2B:3C:4D:5E"
ip = "10.20.0.31"
os = "linux"
)"},
                              {"acme", vlan_client}});
    INFO(Catch::Detail::stringify(rendered(result)));
    REQUIRE(result.ok());
    const Netconf& netconf = result.netconf;
    CHECK(netconf.site.name == "lab");
    CHECK(netconf.site.namespace_prefix == "lab-");
    CHECK(netconf.site.state == "/srv/custode.db");
    CHECK(netconf.site.ssh.user == "tech");
    CHECK(netconf.site.ssh.identity == "/etc/custode/id_ed25519");
    REQUIRE(netconf.site.lab_hosts.size() == 1);
    CHECK(netconf.site.lab_hosts[0].mac->to_string() == "52:54:00:aa:bb:01");

    REQUIRE(netconf.clients.size() == 2);
    CHECK(netconf.clients[0].name.str() == "acme");  // sorted by name
    const Client* rossi = netconf.find("rossi");
    REQUIRE(rossi);
    CHECK(netconf.namespace_of(*rossi) == "lab-rossi");
    CHECK(rossi->description == "Studio Rossi");
    CHECK(rossi->file == "clients/rossi.toml");
    const auto& vxlan = std::get<VxlanLink>(rossi->link);
    CHECK(link_kind(rossi->link) == "vxlan");
    CHECK(vxlan.vni == 5001);
    CHECK(vxlan.local.to_string() == "198.51.100.1");
    CHECK(vxlan.remote.to_string() == "203.0.113.7");
    CHECK(vxlan.underlay == "eth0");
    CHECK(vxlan.port == 8472);
    CHECK(rossi->lab_ports == std::vector<std::string>{"eth2", "eth3"});
    CHECK(rossi->mtu == 1450);
    CHECK(rossi->lan.subnet.to_string() == "10.20.0.0/24");
    CHECK(rossi->lan.address.to_string() == "10.20.0.250/24");
    CHECK(rossi->lan.control->to_string() == "10.20.0.1");
    CHECK(rossi->maintenance.window->to_string() == "20:30-06:30");
    CHECK(rossi->maintenance.tasks == std::vector{MaintenanceTask::backup, MaintenanceTask::antivirus});
    CHECK(rossi->maintenance.shutdown == ShutdownPolicy::never);
    CHECK(rossi->maintenance.shutdown_force);
    REQUIRE(rossi->hosts.size() == 1);
    CHECK(rossi->hosts[0].name == "pc-01");
    CHECK(rossi->hosts[0].mac.to_string() == "00:1a:2b:3c:4d:5e");
    CHECK(rossi->hosts[0].ip->to_string() == "10.20.0.31");
    CHECK(rossi->hosts[0].os == HostOs::linux_);
}

TEST_CASE("a VXLAN's ends may be IPv6", "[netconf]") {
    const auto result = load(minimal_site, {{"rossi", R"([link]
kind = "vxlan"
vni = 5001
local = "2001:DB8:0:0::1"
remote = "2001:db8::7"
underlay = "eth0"

[lan]
subnet = "192.168.1.0/24"
address = "192.168.1.250/24"
)"}});
    INFO(Catch::Detail::stringify(rendered(result)));
    REQUIRE(result.diagnostics.empty());
    const Client* rossi = result.netconf.find("rossi");
    REQUIRE(rossi);
    const auto& vxlan = std::get<VxlanLink>(rossi->link);
    CHECK(vxlan.local.is_ipv6());
    CHECK(vxlan.local.to_string() == "2001:db8::1");
    CHECK(vxlan.remote.to_string() == "2001:db8::7");
}

TEST_CASE("omitted keys take their documented defaults", "[netconf]") {
    const auto result = load(minimal_site, {{"acme", vlan_client}, {"port", R"([link]
kind = "port"
interface = "enp3s0"
[lan]
subnet = "192.168.1.0/24"
address = "192.168.1.250/24"
)"}});
    REQUIRE(result.ok());
    const Site& site = result.netconf.site;
    CHECK(site.namespace_prefix == "cu-");
    CHECK(site.state == "/var/lib/custode/state.db");
    CHECK(site.ssh.user == "custode");
    CHECK(site.ssh.known_hosts == "/etc/custode/known_hosts");
    CHECK(site.lab_hosts.empty());
    const Client& acme = *result.netconf.find("acme");
    CHECK(std::get<VlanLink>(acme.link).vlan.value() == 101);
    CHECK_FALSE(acme.mtu);  // the link planner makes it what the circuit carries, up to 1500
    CHECK(acme.lab_ports.empty());
    CHECK_FALSE(acme.lan.control);
    CHECK_FALSE(acme.maintenance.window);
    CHECK(acme.maintenance.tasks.empty());
    CHECK(acme.maintenance.shutdown == ShutdownPolicy::woken);
    CHECK_FALSE(acme.maintenance.shutdown_force);
    CHECK(std::get<PortLink>(result.netconf.find("port")->link).adopt == false);
}

TEST_CASE("inline tables are read like sections", "[netconf]") {
    const auto result = load(minimal_site, {{"acme", R"(link = { kind = "port", interface = "eth2", adopt = true }
lan = { subnet = "192.168.1.0/24", address = "192.168.1.250/24" }
)"}});
    REQUIRE(result.ok());
    CHECK(std::get<PortLink>(result.netconf.clients[0].link).adopt);
}

TEST_CASE("every error of a run is reported, sorted by file, line, column", "[netconf]") {
    const auto result = load("[site]\nname = 5\ncolour = \"red\"\n",
                             {{"zeta", "[link]\nkind = \"vlan\"\ntrunk = \"eth1\"\nvlan = 1\n[lan]\nsubnet = 3\n"},
                              {"acme", "bogus = 1\n[link]\nkind = \"port\"\n[lan]\nsubnet = \"10.0.0.0/24\"\n"
                                       "address = \"10.0.0.1/24\"\n"}});
    CHECK(rendered(result) == std::vector<std::string>{
                                  "clients/acme.toml:1:1: unknown key 'bogus' at the top level",
                                  "clients/acme.toml:2:1: missing required key 'interface' in [link]",
                                  "clients/zeta.toml:4:8: link.vlan: 1 is out of range 2..4094",
                                  "clients/zeta.toml:5:1: missing required key 'address' in [lan]",
                                  "clients/zeta.toml:6:10: lan.subnet: expected a string, found an integer",
                                  "site.toml:2:8: site.name: expected a string, found an integer",
                                  "site.toml:3:1: unknown key 'colour' in [site]",
                              });
}

TEST_CASE("a missing or wrong kind does not cascade into unknown-key errors", "[netconf]") {
    const auto result = load(minimal_site, {{"acme", "[link]\ntrunk = \"eth1\"\nvlan = 101\n[lan]\n"
                                                     "subnet = \"192.168.1.0/24\"\naddress = \"192.168.1.250/24\"\n"}});
    CHECK(rendered(result) == std::vector<std::string>{"clients/acme.toml:1:1: missing required key 'kind' in [link]"});
}

TEST_CASE("cross-file errors name the other file and position", "[netconf]") {
    const auto result = load(minimal_site, {{"acme", vlan_client}, {"bianchi", vlan_client}});
    CHECK(rendered(result) ==
          std::vector<std::string>{"clients/bianchi.toml:4:8: link.vlan: VLAN 101 on trunk \"eth1\" is already used "
                                   "by client \"acme\" (clients/acme.toml:4:8)"});
}

TEST_CASE("trunks and underlays may be shared, subnets may overlap", "[netconf]") {
    std::string other_vlan = vlan_client;
    other_vlan.replace(other_vlan.find("101"), 3, "102");
    const std::string vxlan = R"([link]
kind = "vxlan"
vni = VNI
local = "198.51.100.1"
remote = "203.0.113.7"
underlay = "eth1"
[lan]
subnet = "192.168.1.0/24"
address = "192.168.1.250/24"
)";
    auto with_vni = [&](const char* vni) {
        std::string text = vxlan;
        return text.replace(text.find("VNI"), 3, vni);
    };
    const auto result = load(minimal_site, {{"acme", vlan_client}, {"bianchi", other_vlan},
                                            {"rossi", with_vni("1")}, {"verdi", with_vni("2")}});
    INFO(Catch::Detail::stringify(rendered(result)));
    CHECK(result.ok());
}

TEST_CASE("a port is claimed once, even within one client", "[netconf]") {
    const auto result = load(minimal_site, {{"acme", R"([link]
kind = "port"
interface = "eth2"
lab_ports = ["eth3", "eth2", "eth3"]
[lan]
subnet = "192.168.1.0/24"
address = "192.168.1.250/24"
)"}});
    CHECK(rendered(result) ==
          std::vector<std::string>{"clients/acme.toml:4:22: link.lab_ports: interface \"eth2\" is already the port of "
                                   "client \"acme\" (clients/acme.toml:3:13)",
                                   "clients/acme.toml:4:30: link.lab_ports: interface \"eth3\" is already the lab "
                                   "port of client \"acme\" (clients/acme.toml:4:14)"});
}

TEST_CASE("a client with a bad file name is still checked, but left out of the model", "[netconf]") {
    const auto result = load(minimal_site, {{"Bad", "[link]\nkind = \"vlan\"\n"}});
    CHECK(rendered(result) == std::vector<std::string>{
                                  "clients/Bad.toml:1:1: client name \"Bad\" (from the file name) does not match "
                                  "[a-z][a-z0-9-]{0,11}",
                                  "clients/Bad.toml:1:1: missing required key 'trunk' in [link]",
                                  "clients/Bad.toml:1:1: missing required key 'vlan' in [link]",
                                  "clients/Bad.toml:1:1: missing required table [lan]",
                              });
    CHECK(result.netconf.clients.empty());
}

TEST_CASE("without site.toml the clients are still checked", "[netconf]") {
    NetconfSources sources;
    sources.clients.push_back({"clients/acme.toml", "[link]\nkind = \"tunnel\"\n"});
    const auto result = load_netconf(sources);
    REQUIRE(result.diagnostics.size() == 2);
    CHECK(result.diagnostics[0].to_string() == "clients/acme.toml:1:1: missing required table [lan]");
    CHECK(result.diagnostics[1].to_string() ==
          "clients/acme.toml:2:8: link.kind: \"tunnel\" is not one of vlan, port, vxlan");
}

TEST_CASE("LAN addresses must be usable host addresses", "[netconf]") {
    auto lan_errors = [](const std::string& lan_and_hosts) {
        return rendered(load(minimal_site, {{"acme", "[link]\nkind = \"port\"\ninterface = \"eth2\"\n[lan]\n"
                                                     "subnet = \"192.168.1.0/24\"\n" + lan_and_hosts}}));
    };
    CHECK(lan_errors("address = \"192.168.1.0/24\"\n") ==
          std::vector<std::string>{"clients/acme.toml:6:11: lan.address: 192.168.1.0 is the network address of "
                                   "192.168.1.0/24"});
    CHECK(lan_errors("address = \"192.168.1.250\"\n") ==
          std::vector<std::string>{"clients/acme.toml:6:11: lan.address: \"192.168.1.250\" is not an IPv4 prefix "
                                   "(a.b.c.d/length)"});
    CHECK(lan_errors("address = \"192.168.1.250/24\"\ncontrol = \"192.168.1.250\"\n") ==
          std::vector<std::string>{"clients/acme.toml:7:11: lan.control: is the gateway's own lan.address; the "
                                   "control must be a client host"});
    const std::string host = "\n[[host]]\nname = \"pc\"\nmac = \"00:11:22:33:44:55\"\nos = \"windows\"\n";
    CHECK(lan_errors("address = \"192.168.1.250/24\"\n" + host + "ip = \"192.168.1.250\"\n") ==
          std::vector<std::string>{"clients/acme.toml:12:6: host.ip: 192.168.1.250 is the gateway's own "
                                   "lan.address"});
    CHECK(lan_errors("address = \"192.168.1.250/24\"\n" + host + "ip = \"192.168.1.255\"\n") ==
          std::vector<std::string>{"clients/acme.toml:12:6: host.ip: 192.168.1.255 is the network or broadcast "
                                   "address of 192.168.1.0/24"});
}

TEST_CASE("arrays report elements of the wrong type where they are", "[netconf]") {
    const auto result = load(minimal_site, {{"acme", R"([link]
kind = "vlan"
trunk = "eth1"
vlan = 101
lab_ports = ["eth2", 7]
[lan]
subnet = "192.168.1.0/24"
address = "192.168.1.250/24"
[maintenance]
tasks = "backup"
)"}});
    CHECK(rendered(result) == std::vector<std::string>{
                                  "clients/acme.toml:5:22: link.lab_ports: expected an array of strings, found an "
                                  "integer in it",
                                  "clients/acme.toml:10:9: maintenance.tasks: expected an array, found a string",
                              });
}

TEST_CASE("host must be an array of tables", "[netconf]") {
    std::string text = vlan_client;
    const auto result = load(minimal_site, {{"acme", "host = \"reception\"\n" + text}});
    CHECK(rendered(result) == std::vector<std::string>{"clients/acme.toml:1:8: host: expected an array of tables "
                                                       "([[host]]), found a string"});
}

TEST_CASE("MaintenanceWindow parses HH:MM-HH:MM and may cross midnight", "[netconf]") {
    const auto night = MaintenanceWindow::parse("20:30-06:30");
    REQUIRE(night);
    CHECK(night->start_minute() == 20 * 60 + 30);
    CHECK(night->contains(23 * 60));
    CHECK(night->contains(0));
    CHECK_FALSE(night->contains(6 * 60 + 30));
    CHECK_FALSE(night->contains(12 * 60));
    const auto day = MaintenanceWindow::parse("09:00-17:00");
    REQUIRE(day);
    CHECK(day->contains(9 * 60));
    CHECK_FALSE(day->contains(17 * 60));
    CHECK(day->to_string() == "09:00-17:00");
    for (const char* bad : {"", "9:00-17:00", "09:00-24:00", "09:60-10:00", "09:00-09:00", "09:00 17:00",
                            "09:00-17:00 ", "0a:00-17:00"}) {
        INFO(bad);
        CHECK_FALSE(MaintenanceWindow::parse(bad));
    }
}

TEST_CASE("names: host names, namespace prefixes, enum spellings", "[netconf]") {
    CHECK(is_valid_host_name("pc-01"));
    CHECK(is_valid_host_name("1st-floor"));
    CHECK(is_valid_host_name(std::string(63, 'a')));
    CHECK_FALSE(is_valid_host_name(std::string(64, 'a')));
    CHECK_FALSE(is_valid_host_name("-pc"));
    CHECK_FALSE(is_valid_host_name("PC"));
    CHECK_FALSE(is_valid_host_name(""));
    CHECK(is_valid_namespace_prefix("cu-"));
    CHECK(is_valid_namespace_prefix("custode-"));
    CHECK_FALSE(is_valid_namespace_prefix("custode--"));
    CHECK_FALSE(is_valid_namespace_prefix("-cu"));
    CHECK_FALSE(is_valid_namespace_prefix(""));
    CHECK(to_string(MaintenanceTask::disk_optimize) == "disk-optimize");
    CHECK(parse_maintenance_task("empty-trash") == MaintenanceTask::empty_trash);
    CHECK_FALSE(parse_maintenance_task("empty_trash"));
    CHECK(to_string(ShutdownPolicy::all) == "all");
    CHECK(parse_host_os("linux") == HostOs::linux_);
    CHECK(to_string(HostOs::linux_) == "linux");
}

TEST_CASE("Diagnostic renders file:line:column: message, or file: message", "[netconf]") {
    CHECK(Diagnostic{"a.toml", 3, 7, "bad"}.to_string() == "a.toml:3:7: bad");
    CHECK(Diagnostic{"/etc/custode/site.toml", 0, 0, "missing"}.to_string() == "/etc/custode/site.toml: missing");
}

TEST_CASE("task settings parse per client and per host", "[netconf][settings]") {
    const auto result = load(minimal_site, {{"acme", std::string(vlan_client) + R"(
[maintenance]
tasks = ["antivirus", "backup"]
scan_paths = ["/home", "D:\\Dati", "\\\\nas\\share"]
backup_sources = ["/home", "/etc"]
backup_repository = "sftp:backup@192.168.1.250:/srv/restic/acme"
backup_password_file = "/root/.restic-password"
task_timeout = 3600

[maintenance.commands]
antivirus = "clamscan -r /srv"

[[host]]
name = "pc-01"
mac = "00:11:22:33:44:55"
os = "linux"

[host.maintenance]
scan_paths = ["/srv/test"]
task_timeout = 60

[host.maintenance.commands]
shutdown = "/usr/local/bin/sim-off"

[[host]]
name = "pc-02"
mac = "00:11:22:33:44:66"
os = "windows"
)"}});
    INFO(Catch::Detail::stringify(rendered(result)));
    REQUIRE(result.ok());
    const Client& acme = result.netconf.clients.front();
    const TaskSettings& client = acme.maintenance.settings;
    CHECK(client.scan_paths == std::vector<std::string>{"/home", "D:\\Dati", "\\\\nas\\share"});
    CHECK(client.backup_sources == std::vector<std::string>{"/home", "/etc"});
    CHECK(client.backup_repository == "sftp:backup@192.168.1.250:/srv/restic/acme");
    CHECK(client.backup_password_file == "/root/.restic-password");
    CHECK(client.task_timeout == 3600);
    CHECK(client.commands == std::map<std::string, std::string>{{"antivirus", "clamscan -r /srv"}});

    REQUIRE(acme.hosts.size() == 2);
    const TaskSettings& host = acme.hosts[0].settings;
    CHECK(host.scan_paths == std::vector<std::string>{"/srv/test"});
    CHECK(host.task_timeout == 60);
    CHECK_FALSE(host.backup_repository);
    CHECK(host.commands == std::map<std::string, std::string>{{"shutdown", "/usr/local/bin/sim-off"}});
    CHECK_FALSE(acme.hosts[1].settings.scan_paths);
    CHECK(acme.hosts[1].settings.commands.empty());

    const auto merged = TaskSettings::merge(client, host);
    CHECK(merged.scan_paths == std::vector<std::string>{"/srv/test"});
    CHECK(merged.backup_repository == client.backup_repository);
    CHECK(merged.task_timeout == 60);
    CHECK(merged.commands.size() == 2);
}

TEST_CASE("a host's backup_lab or backup_repository replaces both of its client's", "[netconf][settings]") {
    TaskSettings client;
    client.backup_repository = "sftp:backup@192.168.1.1:/srv/acme";
    TaskSettings host;
    host.backup_lab = "custode-backup@192.168.1.250";
    auto merged = TaskSettings::merge(client, host);
    CHECK(merged.backup_lab == host.backup_lab);
    CHECK_FALSE(merged.backup_repository);
    merged = TaskSettings::merge(host, client);  // the other way round
    CHECK(merged.backup_repository == client.backup_repository);
    CHECK_FALSE(merged.backup_lab);
    merged = TaskSettings::merge(host, {});
    CHECK(merged.backup_lab == host.backup_lab);
}

TEST_CASE("no task settings leave every field unset", "[netconf][settings]") {
    const auto result = load(minimal_site, {{"acme", std::string(vlan_client) + "[maintenance]\ntasks = []\n"}});
    REQUIRE(result.ok());
    const TaskSettings& settings = result.netconf.clients.front().maintenance.settings;
    CHECK_FALSE(settings.scan_paths);
    CHECK_FALSE(settings.backup_sources);
    CHECK_FALSE(settings.backup_repository);
    CHECK_FALSE(settings.backup_password_file);
    CHECK_FALSE(settings.task_timeout);
    CHECK(settings.commands.empty());
}

TEST_CASE("[notify] loads into the site, and is off without it", "[netconf][notify]") {
    const auto with = load(std::string(minimal_site) + R"(
[notify]
mail_to = ["tech@example.org", "root"]
webhook = "https://ntfy.example.org/custode-lab"
always = true
)",
                           {{"acme", vlan_client}});
    INFO(rendered(with).size());
    REQUIRE(with.ok());
    const auto& notify = with.netconf.site.notify;
    CHECK(notify.mail_to == std::vector<std::string>{"tech@example.org", "root"});
    CHECK(notify.webhook == "https://ntfy.example.org/custode-lab");
    CHECK(notify.always);
    CHECK(notify.any());

    const auto without = load(minimal_site, {{"acme", vlan_client}});
    REQUIRE(without.ok());
    CHECK_FALSE(without.netconf.site.notify.any());
    CHECK_FALSE(without.netconf.site.notify.always);

    const auto webhook_only = load(std::string(minimal_site) + "[notify]\nwebhook = \"http://127.0.0.1:8080/hook\"\n", {});
    REQUIRE(webhook_only.ok());
    CHECK(webhook_only.netconf.site.notify.mail_to.empty());
    CHECK_FALSE(webhook_only.netconf.site.notify.always);
}

TEST_CASE("[notify] addresses and URLs: what is taken and what is refused", "[netconf][notify]") {
    for (const char* good : {"root", "tech@example.org", "a.b+night@mail.example.co.uk"}) {
        INFO(good);
        CHECK(is_valid_mail_address(good));
    }
    for (const char* bad : {"", "-oQ/tmp", "a b@example.org", "a,b@example.org", "<tech@example.org>", "@example.org",
                            "tech@", "tech@@example.org", "tech@.example.org", "tech@example.org\nBcc: x", "\"x\"@y"}) {
        INFO(bad);
        CHECK_FALSE(is_valid_mail_address(bad));
    }
    for (const char* good : {"https://hooks.slack.com/services/T/B/X", "http://127.0.0.1:8080", "https://u:p@ntfy.sh/t"}) {
        INFO(good);
        CHECK(is_valid_webhook_url(good));
    }
    for (const char* bad : {"", "ftp://x/y", "file:///etc/passwd", "https://", "https:///path", "https://:80/x",
                            "hooks.slack.com/x", "https://a b/", "HTTPS://x/"}) {
        INFO(bad);
        CHECK_FALSE(is_valid_webhook_url(bad));
    }
}

TEST_CASE("netconf: the updates settings load, merge per host, and bad values are refused at their place", "[updates]") {
    const auto good = load_port_client("[maintenance]\ntasks = [\"antivirus\", \"updates\", \"backup\"]\n"
                                  "update_categories = [\"security\", \"drivers\"]\napt_upgrade = \"dist-upgrade\"\n"
                                  "reboot = \"never\"\n[maintenance.timeouts]\nupdates = 14400\n"
                                  "[maintenance.commands]\nreboot = \"sim-reboot\"\n"
                                  "[[host]]\nname = \"pc\"\nmac = \"00:11:22:33:44:55\"\nos = \"linux\"\n"
                                  "[host.maintenance]\nreboot = \"if_needed\"\n");
    INFO(Catch::Detail::stringify(rendered(good)));
    REQUIRE(good.ok());
    const auto& client = good.netconf.clients.at(0);
    CHECK(client.maintenance.tasks[1] == MaintenanceTask::updates);
    const auto& settings = client.maintenance.settings;
    CHECK(settings.update_categories == std::vector<std::string>{"security", "drivers"});
    CHECK(settings.apt_upgrade == AptUpgrade::dist_upgrade);
    CHECK(settings.reboot == RebootPolicy::never);
    CHECK(settings.task_timeouts.at("updates") == 14400);
    CHECK(settings.commands.at("reboot") == "sim-reboot");
    const auto merged = TaskSettings::merge(settings, client.hosts.at(0).settings);
    CHECK(merged.reboot == RebootPolicy::if_needed);
    CHECK(merged.apt_upgrade == AptUpgrade::dist_upgrade);

    const auto bad = load_port_client("[maintenance]\nupdate_categories = [\"security\", \"games\", \"security\"]\n"
                                 "apt_upgrade = \"full-upgrade\"\nreboot = \"always\"\n[maintenance.timeouts]\n"
                                 "updates = 0\nshutdown = 5\n");
    CHECK(rendered(bad) == std::vector<std::string>{
                                "clients/acme.toml:8:34: maintenance.update_categories: \"games\" is not one of security, "
                                "critical, definitions, updates, update-rollups, feature-packs, drivers, upgrades",
                                "clients/acme.toml:8:43: maintenance.update_categories: \"security\" is listed twice",
                                "clients/acme.toml:9:15: maintenance.apt_upgrade: \"full-upgrade\" is not one of upgrade, "
                                "dist-upgrade",
                                "clients/acme.toml:10:10: maintenance.reboot: \"always\" is not one of if_needed, never",
                                "clients/acme.toml:12:11: maintenance.timeouts.updates: 0 is out of range 1..86400",
                                "clients/acme.toml:13:1: unknown key 'shutdown' in [maintenance.timeouts]",
                            });
    CHECK(rendered(load_port_client("[maintenance]\nupdate_categories = []\n")) ==
          std::vector<std::string>{"clients/acme.toml:8:21: maintenance.update_categories: must list at least one category"});
}

TEST_CASE("netconf: [backup] loads with its defaults, and a bad or shared repository is refused at its place",
          "[netconf][backups]") {
    const auto plain = load_port_client("");
    REQUIRE(plain.ok());
    CHECK_FALSE(plain.netconf.clients.at(0).backup);

    const auto defaults = load_port_client("[backup]\nrepository = \"/srv/custode-backups/acme\"\n"
                                           "password_file = \"/etc/custode/acme.restic\"\n");
    INFO(Catch::Detail::stringify(rendered(defaults)));
    REQUIRE(defaults.ok());
    CHECK(defaults.netconf.clients.at(0).backup ==
          BackupSpec{"/srv/custode-backups/acme", "/etc/custode/acme.restic", RetentionPolicy{7, 4, 6}, 5, 36, 7});

    const auto chosen = load_port_client("[backup]\nrepository = \"/srv/b/acme\"\npassword_file = \"/etc/p\"\n"
                                         "keep_daily = 14\nkeep_weekly = 0\nkeep_monthly = 12\ncheck_read_percent = 0\n"
                                         "max_age = 72\nrestore_test_days = 0\n");
    REQUIRE(chosen.ok());
    CHECK(chosen.netconf.clients.at(0).backup == BackupSpec{"/srv/b/acme", "/etc/p", RetentionPolicy{14, 0, 12}, 0, 72, 0});

    const auto bad = load_port_client("[backup]\nrepository = \"backups/acme\"\nkeep_daily = -1\n"
                                      "check_read_percent = 101\nkeep_yearly = 2\nmax_age = 0\n");
    CHECK(rendered(bad) == std::vector<std::string>{
                               "clients/acme.toml:7:1: missing required key 'password_file' in [backup]",
                               "clients/acme.toml:8:14: backup.repository: \"backups/acme\" is not an absolute path",
                               "clients/acme.toml:9:14: backup.keep_daily: -1 is out of range 0..3650",
                               "clients/acme.toml:10:22: backup.check_read_percent: 101 is out of range 0..100",
                               "clients/acme.toml:11:1: unknown key 'keep_yearly' in [backup]",
                               "clients/acme.toml:12:11: backup.max_age: 0 is out of range 1..8784",
                           });

    const std::string circuit = "[lan]\nsubnet = \"192.168.1.0/24\"\naddress = \"192.168.1.250/24\"\n";
    const std::string backup = "[backup]\nrepository = \"/srv/b/shared\"\npassword_file = \"/etc/p\"\n";
    const auto shared = load(minimal_site, {{"acme", "[link]\nkind = \"port\"\ninterface = \"eth1\"\n" + circuit + backup},
                                            {"bravo", "[link]\nkind = \"port\"\ninterface = \"eth2\"\n" + circuit + backup}});
    CHECK(rendered(shared) == std::vector<std::string>{
                                  "clients/bravo.toml:8:14: backup.repository: \"/srv/b/shared\" is already the "
                                  "repository of client \"acme\" (clients/acme.toml:8:14)",
                              });
}
