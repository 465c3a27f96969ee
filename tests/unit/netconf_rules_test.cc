/// One broken netconf fixture per validation rule (tests/fixtures/netconf/<case>),
/// each checked twice: through the loader, and through the real binary
/// (`custode validate` must exit 2 and name file:line:column).

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <string>

#include "custode/app/netconf_source.h"
#include "netconf_cli_support.h"

using namespace custode;
using custode::testing::fixture_dir;
using custode::testing::run_custode;

namespace {

struct BrokenNetconf {
    const char* name;     ///< the fixture directory under tests/fixtures/netconf
    const char* file;     ///< the file at fault, relative to the fixture
    int line;
    int column;
    const char* message;  ///< the start of the expected message
};


void check_loader(const BrokenNetconf& broken) {
    const auto load = app::load_netconf_directory(fixture_dir(broken.name));
    REQUIRE(load.diagnostics.size() == 1);  // each fixture breaks exactly one rule
    const Diagnostic& diagnostic = load.diagnostics.front();
    CHECK(diagnostic.file == fixture_dir(broken.name) + "/" + broken.file);
    CHECK(diagnostic.line == broken.line);
    CHECK(diagnostic.column == broken.column);
    CHECK_THAT(diagnostic.message, Catch::StartsWith(broken.message));
}

void check_binary(const BrokenNetconf& broken) {
    const auto dir = fixture_dir(broken.name);
    const auto result = run_custode("--netconf '" + dir + "' validate", true);
    INFO(result.output);
    CHECK(result.exit_code == 2);
    const auto expected = fmt::format("{}/{}:{}:{}: {}", dir, broken.file, broken.line, broken.column, broken.message);
    CHECK_THAT(result.output, Catch::Contains(expected));
}

void check_rule(const BrokenNetconf& broken) {
    INFO("fixture " << broken.name);
    check_loader(broken);
    check_binary(broken);
}

}  // namespace

#define NETCONF_RULE(name, file, line, column, message)                      \
    TEST_CASE("netconf rule " name, "[netconf][rules]") {                    \
        check_rule({name, file, line, column, message});                     \
    }

// unknown keys are reported, naming the key
NETCONF_RULE("unknown-key", "clients/acme.toml", 5, 1, R"(unknown key 'vlna' in [link])")
// unknown top-level tables are reported
NETCONF_RULE("unknown-table", "clients/acme.toml", 10, 2, R"(unknown key 'lann' at the top level)")
// values must have the documented type
NETCONF_RULE("wrong-type", "clients/acme.toml", 4, 8, R"(link.vlan: expected an integer, found a string)")
// a missing required key is reported at its table header
NETCONF_RULE("missing-key", "clients/acme.toml", 3, 1, R"(missing required key 'vlan' in [link])")
// a missing required table is reported at 1:1
NETCONF_RULE("missing-table", "clients/acme.toml", 1, 1, R"(missing required table [lan])")
// the client file name must be a valid client name
NETCONF_RULE("client-file-name", "clients/Acme_1.toml", 1, 1,
             R"(client name "Acme_1" (from the file name) does not match)")
// kind is vlan, port or vxlan
NETCONF_RULE("bad-kind", "clients/acme.toml", 2, 8, R"(link.kind: "gre" is not one of vlan, port, vxlan)")
// keys of another kind are errors
NETCONF_RULE("other-kind-key", "clients/acme.toml", 5, 1, R"(link.interface: only for kind = "port", not "vlan")")
// vlan is 2..4094
NETCONF_RULE("vlan-range", "clients/acme.toml", 4, 8, R"(link.vlan: 4095 is out of range 2..4094)")
// interface names must be valid for the kernel
NETCONF_RULE("interface-name", "clients/acme.toml", 3, 9,
             R"(link.trunk: "eth1-uplink-carrier" is not a valid interface name)")
// port: adopt is a boolean
NETCONF_RULE("port-adopt-type", "clients/acme.toml", 4, 9, R"(link.adopt: expected a boolean, found a string)")
// vxlan: vni is 1..16777215
NETCONF_RULE("vxlan-vni-range", "clients/acme.toml", 3, 7, R"(link.vni: 16777216 is out of range 1..16777215)")
// vxlan: local and remote are IPv4 or IPv6 addresses
NETCONF_RULE("vxlan-remote", "clients/acme.toml", 5, 10,
             R"(link.remote: "203.0.113" is not an IPv4 address (a.b.c.d) or an IPv6 address (2001:db8::1))")
// vxlan: local and remote are of one family
NETCONF_RULE("vxlan-family", "clients/acme.toml", 5, 10,
             R"(link.remote: "2001:db8::7" is IPv6 but link.local "198.51.100.1" is IPv4: both ends of the tunnel )"
             R"(must be of one family)")
// vxlan: a link-local IPv6 end is refused, with the reason
NETCONF_RULE("vxlan-link-local", "clients/acme.toml", 4, 9,
             R"(link.local: "fe80::1" is link-local (fe80::/10), valid on one link only and not routed)")
// vxlan: an IPv4-mapped IPv6 end is written as IPv4
NETCONF_RULE("vxlan-ipv4-mapped", "clients/acme.toml", 5, 10,
             R"(link.remote: "::ffff:cb00:7107" is an IPv4-mapped IPv6 address: write the IPv4 address itself)")
// vxlan: port is 1..65535
NETCONF_RULE("vxlan-port-range", "clients/acme.toml", 7, 8, R"(link.port: 0 is out of range 1..65535)")
// vxlan: underlay is required
NETCONF_RULE("vxlan-missing-underlay", "clients/acme.toml", 3, 1, R"(missing required key 'underlay' in [link])")
// vxlan: remote differs from local
NETCONF_RULE("vxlan-same-ends", "clients/acme.toml", 5, 10, R"(link.remote: must differ from link.local)")
// lab_ports is a list of interface names
NETCONF_RULE("lab-ports", "clients/acme.toml", 5, 22, R"(link.lab_ports: "eth 3" is not a valid interface name)")
// mtu is 68..65535
NETCONF_RULE("mtu-range", "clients/acme.toml", 5, 7, R"(link.mtu: 67 is out of range 68..65535)")
// lan.subnet is a network address
NETCONF_RULE("subnet-host-bits", "clients/acme.toml", 7, 10,
             R"(lan.subnet: 192.168.1.5/24 has host bits set; the network is 192.168.1.0/24)")
// lan.subnet is /16 to /30
NETCONF_RULE("subnet-length", "clients/acme.toml", 7, 10, R"(lan.subnet: prefix length /8 is outside /16../30)")
// lan.address has the prefix length of lan.subnet
NETCONF_RULE("address-length", "clients/acme.toml", 8, 11,
             R"(lan.address: prefix length /25 differs from lan.subnet's /24)")
// lan.address is inside lan.subnet
NETCONF_RULE("address-outside", "clients/acme.toml", 8, 11,
             R"(lan.address: 192.168.2.250 is outside lan.subnet 192.168.1.0/24)")
// lan.address is not the broadcast address
NETCONF_RULE("address-broadcast", "clients/acme.toml", 8, 11,
             R"(lan.address: 192.168.1.255 is the broadcast address of 192.168.1.0/24)")
// lan.control is inside lan.subnet
NETCONF_RULE("control-outside", "clients/acme.toml", 9, 11,
             R"(lan.control: 192.168.10.1 is outside lan.subnet 192.168.1.0/24)")
// maintenance.window is HH:MM-HH:MM
NETCONF_RULE("window", "clients/acme.toml", 11, 10, R"(maintenance.window: "24:00-06:30" is not HH:MM-HH:MM)")
// maintenance.tasks come from the known set
NETCONF_RULE("task-unknown", "clients/acme.toml", 11, 23, R"(maintenance.tasks: "defrag" is not one of antivirus)")
// maintenance.tasks has no duplicates
NETCONF_RULE("task-duplicate", "clients/acme.toml", 11, 33, R"(maintenance.tasks: "backup" is listed twice)")
// maintenance.shutdown is woken, all or never
NETCONF_RULE("shutdown", "clients/acme.toml", 11, 12,
             R"(maintenance.shutdown: "sometimes" is not one of woken, all, never)")
// maintenance.shutdown_force is a boolean
NETCONF_RULE("shutdown-force-type", "clients/acme.toml", 11, 18,
             R"(maintenance.shutdown_force: expected a boolean, found a string)")
// maintenance.scan_paths are absolute paths on the PC
NETCONF_RULE("scan-paths-relative", "clients/acme.toml", 11, 24,
             R"(maintenance.scan_paths: "Documents" is not an absolute path)")
// maintenance.scan_paths lists at least one path
NETCONF_RULE("scan-paths-empty", "clients/acme.toml", 11, 14, R"(maintenance.scan_paths: must list at least one path)")
// maintenance.backup_sources holds no empty string
NETCONF_RULE("backup-source-empty", "clients/acme.toml", 11, 28, R"(maintenance.backup_sources: "" is empty)")
// maintenance.backup_repository is not empty
NETCONF_RULE("backup-repository-empty", "clients/acme.toml", 11, 21,
             R"(maintenance.backup_repository: must not be empty)")
// maintenance.backup_lab is an ssh destination of plain characters (it becomes a word of restic's rclone.program)
NETCONF_RULE("backup-lab-destination", "clients/acme.toml", 11, 14,
             R"(maintenance.backup_lab: "-Jattacker@lab" is not an ssh destination)")
NETCONF_RULE("backup-lab-characters", "clients/acme.toml", 11, 14,
             R"(maintenance.backup_lab: "backup@lab -oProxyCommand=x" is not an ssh destination)")
// backup_lab and backup_repository name the same repository: one of them
NETCONF_RULE("backup-lab-twice", "clients/acme.toml", 12, 14,
             R"(maintenance.backup_lab: names the repository a second time: give backup_lab or backup_repository, not both)")
// maintenance.task_timeout is 1..86400 seconds
NETCONF_RULE("task-timeout-range", "clients/acme.toml", 11, 16,
             R"(maintenance.task_timeout: 0 is out of range 1..86400)")
// [maintenance.commands] keys are the tasks and shutdown
NETCONF_RULE("command-unknown", "clients/acme.toml", 15, 1, R"(unknown key 'defrag' in [maintenance.commands])")
// a command override is not empty
NETCONF_RULE("command-empty", "clients/acme.toml", 11, 12, R"(maintenance.commands.shutdown: must not be empty)")
// [host.maintenance] holds only task settings
NETCONF_RULE("host-maintenance-key", "clients/acme.toml", 16, 1, R"(unknown key 'window' in [host.maintenance])")
// [host.maintenance.commands] values are strings
NETCONF_RULE("host-command-type", "clients/acme.toml", 16, 12,
             R"(host.maintenance.commands.shutdown: expected a string, found an integer)")
// host.name is [a-z0-9][a-z0-9-]*, up to 63
NETCONF_RULE("host-name", "clients/acme.toml", 11, 8, R"(host.name: "Reception" does not match)")
// host.mac is a unicast MAC
NETCONF_RULE("host-mac-multicast", "clients/acme.toml", 12, 7,
             R"(host.mac: "01:00:5e:00:00:01" is not a unicast MAC address)")
// host.mac is a MAC address
NETCONF_RULE("host-mac-malformed", "clients/acme.toml", 12, 7, R"(host.mac: "00:11:22:33:44" is not a MAC address)")
// host.ip is inside lan.subnet
NETCONF_RULE("host-ip-outside", "clients/acme.toml", 14, 6,
             R"(host.ip: 10.0.0.7 is outside lan.subnet 192.168.1.0/24)")
// host.os is windows or linux
NETCONF_RULE("host-os", "clients/acme.toml", 13, 6, R"(host.os: "macos" is not one of windows, linux)")
// host names are unique in a client
NETCONF_RULE("host-duplicate-name", "clients/acme.toml", 16, 8,
             R"(host.name: "reception" is already used at line 11)")
// host MACs are unique in a client
NETCONF_RULE("host-duplicate-mac", "clients/acme.toml", 17, 7,
             R"(host.mac: 00:11:22:33:44:55 is already used at line 12)")
// host IPs are unique in a client
NETCONF_RULE("host-duplicate-ip", "clients/acme.toml", 20, 6, R"(host.ip: 192.168.1.21 is already used at line 14)")
// site.name is required
NETCONF_RULE("site-name-missing", "site.toml", 1, 1, R"(missing required key 'name' in [site])")
// [site] is required
NETCONF_RULE("site-table-missing", "site.toml", 1, 1, R"(missing required table [site])")
// site.namespace_prefix is [a-z][a-z0-9-]{0,7}
NETCONF_RULE("namespace-prefix", "site.toml", 3, 20, R"(site.namespace_prefix: "Cu_" does not match)")
// [ssh] keys are strings
NETCONF_RULE("ssh-type", "site.toml", 5, 8, R"(ssh.user: expected a string, found an integer)")
// paths in site.toml are absolute
NETCONF_RULE("ssh-relative-path", "site.toml", 5, 12, R"(ssh.identity: "id_ed25519" is not an absolute path)")
// lab host names are unique
NETCONF_RULE("lab-host-duplicate-name", "site.toml", 9, 8, R"(lab.host.name: "nas" is already used at line 5)")
// lab hosts need an ip
NETCONF_RULE("lab-host-missing-ip", "site.toml", 4, 1, R"(missing required key 'ip' in [[lab.host]])")
// notify.mail_to holds mail addresses, not display names
NETCONF_RULE("notify-address", "site.toml", 5, 32,
             R"(notify.mail_to: "Boss <boss@example.org>" is not a mail address)")
// an address is listed once
NETCONF_RULE("notify-address-twice", "site.toml", 7, 3, R"(notify.mail_to: "tech@example.org" is listed twice)")
// notify.webhook is an http:// or https:// URL
NETCONF_RULE("notify-webhook", "site.toml", 5, 11,
             R"(notify.webhook: "ftp://hooks.example.org/custode" is not an http:// or https:// URL)")
// [notify] has a channel
NETCONF_RULE("notify-no-channel", "site.toml", 4, 1, R"([notify] needs mail_to, webhook or both)")
// notify.always is a boolean
NETCONF_RULE("notify-always-type", "site.toml", 6, 10, R"(notify.always: expected a boolean, found a string)")
// a VLAN id is used once per trunk (reported on the later file)
NETCONF_RULE("duplicate-vlan", "clients/bianchi.toml", 4, 8,
             R"(link.vlan: VLAN 101 on trunk "eth1" is already used by client "acme" ()")
// a VNI is used once in the site
NETCONF_RULE("duplicate-vni", "clients/bianchi.toml", 3, 7,
             R"(link.vni: VNI 5001 is already used by client "acme" ()")
// a port or lab port is claimed by one client only
NETCONF_RULE("interface-twice", "clients/bianchi.toml", 3, 13,
             R"(link.interface: interface "eth2" is already the lab port of client "acme" ()")
// a trunk is not another client's port
NETCONF_RULE("trunk-is-port", "clients/bianchi.toml", 3, 9,
             R"(link.trunk: interface "eth1" is already the port of client "acme" ()")
// TOML syntax errors are reported with their position
NETCONF_RULE("toml-syntax", "clients/acme.toml", 2, 13, R"(TOML syntax: Error while parsing string)")
