/// custode's links (issue 3) end to end: the real binary, run in a testbed
/// gateway namespace against the netconf the harness writes, checked with
/// iproute2 and ICMP from the namespaces custode makes.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <sys/file.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "custode/core/address.h"
#include "custode/os/netns.h"
#include "custode/os/state_store.h"
#include "netns/support.h"
#include "netns/units.h"
#include "support/literals.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/testbed.h"

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string client_ns(const Testbed& tb, const Site& site) { return tb.custode_prefix() + site.name; }

/// `ip -n NS -d -s -j link show`: every link of a namespace, parsed.


std::string alias_of(const json& l) { return l.value("ifalias", ""); }
std::string master_of(const json& l) { return l.value("master", ""); }
std::string kind_of(const json& l) {
    if (!l.contains("linkinfo")) return "";
    return l["linkinfo"].value("info_kind", "");
}
bool admin_up(const json& l) {
    for (const auto& flag : l["flags"])
        if (flag == "UP") return true;
    return false;
}
std::uint64_t rx_packets(const json& l) { return l["stats64"]["rx"]["packets"].get<std::uint64_t>(); }

/// name -> alias of every link in `ns`.
std::map<std::string, std::string> names_and_aliases(const std::string& ns) {
    std::map<std::string, std::string> out;
    for (const auto& l : ip_links(ns)) out[l["ifname"].get<std::string>()] = alias_of(l);
    return out;
}

/// name -> ifindex of every link in `ns`.
std::map<std::string, int> indexes(const std::string& ns) {
    std::map<std::string, int> out;
    for (const auto& l : ip_links(ns)) out[l["ifname"].get<std::string>()] = l["ifindex"].get<int>();
    return out;
}

/// "a.b.c.d/len" of each IPv4 address on `dev` in `ns`.
std::vector<std::string> ipv4_addresses(const std::string& ns, const std::string& dev) {
    std::vector<std::string> out;
    const auto parsed = json::parse(run_checked({"ip", "-n", ns, "-4", "-j", "addr", "show", "dev", dev}));
    for (const auto& l : parsed)
        for (const auto& a : l["addr_info"])
            out.push_back(a["local"].get<std::string>() + "/" + std::to_string(a["prefixlen"].get<int>()));
    return out;
}

std::string read_sysctl_in(const std::string& ns, const std::string& path) {
    std::string value;
    in_namespace(ns, [&] {
        std::ifstream file(path);
        std::getline(file, value);
    });
    return value;
}

/// Every action of every client in a `--json plan|apply` output.
std::vector<json> actions_of(const json& document) {
    std::vector<json> out;
    for (const auto& client : document.at("clients"))
        for (const auto& action : client.at("actions")) out.push_back(action);
    return out;
}

/// What a provisioned client must look like: circuit on br0 with the
/// ownership marker, br0 up with the gateway's LAN address, IPv6 off in the
/// namespace, and the client's hosts answering ping from there.
void check_provisioned(const Testbed& tb, const Site& site, const std::string& circuit_alias,
                       const std::string& circuit_kind) {
    const auto ns = client_ns(tb, site);
    INFO("client " << site.name << " in " << ns);
    REQUIRE(namespace_exists(ns));
    const json circuit = ip_link(ns, "circuit");
    REQUIRE_FALSE(circuit.is_null());
    CHECK(master_of(circuit) == "br0");
    CHECK(alias_of(circuit) == circuit_alias);
    CHECK(kind_of(circuit) == circuit_kind);
    CHECK(admin_up(circuit));
    const json bridge = ip_link(ns, "br0");
    REQUIRE_FALSE(bridge.is_null());
    CHECK(kind_of(bridge) == "bridge");
    CHECK(alias_of(bridge) == "custode:" + site.name);
    CHECK(admin_up(bridge));
    CHECK(ipv4_addresses(ns, "br0") == std::vector<std::string>{site.lan_address.to_string()});
    CHECK(read_sysctl_in(ns, "/proc/sys/net/ipv6/conf/all/disable_ipv6") == "1");
    CHECK(read_sysctl_in(ns, "/proc/sys/net/ipv6/conf/default/disable_ipv6") == "1");
    std::vector<Ipv4Address> targets;
    for (const auto& host : site.light_hosts) targets.push_back(host.ip);
    tb.settle();
    CHECK(ping_sweep(ns, targets, 3s).size() == targets.size());
}

std::string port_alias(const Site& site) { return "custode:" + site.name + " port=p-" + site.name; }

}  // namespace

TEST_CASE("links: a port client is provisioned end to end", "[links]") {
    require_root();
    Testbed tb("links-port");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.add_light_hosts(acme, 3, ip("192.168.1.10"));
    tb.connect_port(acme);
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};

    const auto applied = custode({"apply"});
    INFO("custode output:\n" << applied.output);
    REQUIRE(applied.exit_code == 0);
    check_provisioned(tb, acme, port_alias(acme), "veth");
    /// The port went into the client's namespace: the gateway no longer has it.
    CHECK(ip_link(tb.gateway(), "p-acme").is_null());
}

TEST_CASE("links: a vxlan client is provisioned end to end", "[links]") {
    require_root();
    Testbed tb("links-vxlan");
    Site& bianchi = tb.site("bianchi", prefix("192.168.1.0/24"));
    tb.add_light_hosts(bianchi, 3, ip("192.168.1.10"));
    const VxlanLink vx = tb.connect_vxlan(bianchi, 5001);
    TempDir dir;
    const auto custode = provision(tb, dir.path());
    check_provisioned(tb, bianchi, "custode:bianchi", "vxlan");
    const json circuit = ip_link(client_ns(tb, bianchi), "circuit");
    REQUIRE_FALSE(circuit.is_null());
    const auto& data = circuit["linkinfo"]["info_data"];
    CHECK(data.value("id", 0u) == vx.vni);
    CHECK(data.value("port", 0) == vx.port);
    CHECK(data.value("remote", "") == vx.remote.to_string());
    /// The underlay stays in the gateway, and no temporary link is left there.
    CHECK_FALSE(ip_link(tb.gateway(), vx.underlay).is_null());
    CHECK(ip_link(tb.gateway(), "c-bianchi").is_null());
}

TEST_CASE("links: a removed vxlan client can be applied again at once, its VNI free when remove returns", "[links]") {
    require_root();
    Testbed tb("links-vxlan-again");
    Site& bianchi = tb.site("bianchi", prefix("192.168.1.0/24"));
    tb.add_light_hosts(bianchi, 1, ip("192.168.1.10"));
    tb.connect_vxlan(bianchi, 5001);
    TempDir dir;
    const auto custode = provision(tb, dir.path());
    // The kernel frees a deleted namespace's links later, from a queue: a
    // remove that only deleted the namespace lost this race now and then.
    for (int round = 1; round <= 5; ++round) {
        INFO("round " << round);
        REQUIRE(custode({"remove", "bianchi"}).exit_code == 0);
        const auto again = custode({"apply"});
        INFO("custode output:\n" << again.output);
        REQUIRE(again.exit_code == 0);
    }
    check_provisioned(tb, bianchi, "custode:bianchi", "vxlan");
}

namespace links_test {

/// Issue 16's acceptance of a VXLAN client over an ordinary 1500-byte
/// underlay of either family: the MTU netconf leaves unset is what the
/// underlay carries (1450 over IPv4, 1430 over IPv6), applied and in sync,
/// carrying full frames with DF; a carrier's later change is drift; `check`
/// measures the path at the circuit's MTU; a forced 1500 is refused.
void check_vxlan_mtu_by_construction(std::string_view tag, Underlay family) {
    require_root();
    const int headroom = family == Underlay::ipv6 ? 70 : 50;
    const int carries = 1500 - headroom;
    INFO("underlay " << (family == Underlay::ipv6 ? "IPv6" : "IPv4") << ", carries " << carries);
    Testbed tb(tag);
    Site& bianchi = tb.site("bianchi", prefix("192.168.1.0/24"));
    tb.add_light_hosts(bianchi, 3, ip("192.168.1.10"));
    bianchi.control = ip("192.168.1.10");
    const VxlanLink vx = tb.connect_vxlan(bianchi, 5001, 4789, family);
    CHECK(vx.local.is_ipv6() == (family == Underlay::ipv6));
    // An ordinary underlay, as a new user has it (the testbed's own carries 1500 inside).
    run_checked({"ip", "-n", tb.gateway(), "link", "set", vx.underlay, "mtu", "1500"});
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};

    const auto applied = custode({"apply"});
    INFO("custode output:\n" << applied.output);
    REQUIRE(applied.exit_code == 0);
    const auto ns = client_ns(tb, bianchi);
    CHECK(ip_link(ns, "circuit").value("mtu", 0) == carries);
    CHECK(ip_link(ns, "br0").value("mtu", 0) == carries);
    // The kernel reports the ends it was given, so plan is in sync: no perpetual drift.
    CHECK(custode({"plan"}).exit_code == 0);
    CHECK(custode({"status"}).exit_code == 0);
    check_provisioned(tb, bianchi, "custode:bianchi", "vxlan");
    // It carries the client's LAN at the full MTU: its IPv4 packet less 28
    // bytes of IPv4 and ICMP headers crosses the circuit with DF (1500 on the
    // underlay); one byte more is refused at the gateway, never lost on the way.
    const auto df_ping = [&](int payload) {
        return run_program({"ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "2", "-M", "do", "-s",
                            std::to_string(payload), "192.168.1.10"});
    };
    CHECK(df_ping(carries - 28).exit_code == 0);
    const auto too_big = df_ping(carries - 27);
    CHECK(too_big.exit_code != 0);
    CHECK(contains(too_big.output, "mtu=" + std::to_string(carries)));
    // The acceptance test measures the same path across the circuit.
    const auto checked = custode({"--json", "check", "bianchi"});
    CHECK(checked.exit_code == 0);
    const auto measured = json_of(checked.output).at("measured");
    CHECK(measured.at("circuit_mtu") == carries);
    CHECK(measured.at("path_mtu") == carries);

    // The underlay shrinks later (a carrier's change): plan shows the drift.
    run_checked({"ip", "-n", tb.gateway(), "link", "set", vx.underlay, "mtu", "1400"});
    const auto drift = custode({"plan"});
    CHECK(drift.exit_code == 1);
    CHECK(contains(drift.output, "circuit mtu " + std::to_string(carries) + " -> " + std::to_string(1400 - headroom)));
    run_checked({"ip", "-n", tb.gateway(), "link", "set", vx.underlay, "mtu", "1500"});
    CHECK(custode({"plan"}).exit_code == 0);

    edit_file(dir.path() / "clients" / "bianchi.toml", "[link]\n", "[link]\nmtu = 1500\n");
    for (const char* command : {"plan", "apply"}) {
        const auto refused = custode({command});
        INFO("custode " << command << ":\n" << refused.output);
        CHECK(refused.exit_code == 2);
        CHECK(contains(refused.output,
                       fmt::format("bianchi: underlay '{}' has MTU 1500: a VXLAN over it carries at most {} (over {} "
                                   "its headers take {} bytes); raise {}'s MTU to {}",
                                   vx.underlay, carries, family == Underlay::ipv6 ? "IPv6" : "IPv4", headroom,
                                   vx.underlay, 1500 + headroom)));
        CHECK(contains(refused.output, fmt::format("or set link.mtu = {} in ", carries)));
    }
    CHECK(ip_link(ns, "circuit").value("mtu", 0) == carries);  // nothing changed
}

}  // namespace links_test

TEST_CASE("links: a VXLAN over a 1500-byte IPv4 underlay takes 1450, and a netconf MTU it cannot carry is refused",
          "[links][mtu]") {
    links_test::check_vxlan_mtu_by_construction("links-mtu", Underlay::ipv4);
}

TEST_CASE("links: a VXLAN over a 1500-byte IPv6 underlay takes 1430, and a netconf MTU it cannot carry is refused",
          "[links][mtu]") {
    links_test::check_vxlan_mtu_by_construction("links-mtu6", Underlay::ipv6);
}

TEST_CASE("links: two clients with the same subnet both work and stay apart", "[links]") {
    require_root();
    Testbed tb("links-overlap");
    Site& a = tb.site("alfa", prefix("192.168.1.0/24"));
    Site& b = tb.site("beta", prefix("192.168.1.0/24"));
    const auto a_host = tb.add_light_hosts(a, 1, ip("192.168.1.10")).front();
    const auto b_host = tb.add_light_hosts(b, 1, ip("192.168.1.10")).front();
    const auto b_only = tb.add_light_hosts(b, 1, ip("192.168.1.20")).front();  // exists only in site beta
    tb.connect_port(a);
    tb.connect_vxlan(b, 5002);
    TempDir dir;
    const auto custode = provision(tb, dir.path());
    check_provisioned(tb, a, port_alias(a), "veth");
    check_provisioned(tb, b, "custode:beta", "vxlan");
    const auto a_ns = client_ns(tb, a);
    const auto b_ns = client_ns(tb, b);

    /// .10 answers in each namespace with that site's own MAC.
    CHECK(ping(a_ns, a_host.ip));
    CHECK(ping(b_ns, b_host.ip));
    const auto neigh = [](const std::string& ns) { return run_checked({"ip", "-n", ns, "neigh", "show", "192.168.1.10"}); };
    CHECK(contains(neigh(a_ns), a_host.mac.to_string()));
    CHECK(contains(neigh(b_ns), b_host.mac.to_string()));

    /// While alfa pings (and ARPs for an address only beta has), beta's bridge sees nothing.
    const auto b_rx_before = rx_packets(ip_link(b_ns, "br0"));
    const auto b_circuit_rx_before = rx_packets(ip_link(b_ns, "circuit"));
    CHECK_FALSE(ping(a_ns, b_only.ip, 800ms));
    CHECK(ping_sweep(a_ns, {a_host.ip}, 1s).size() == 1);
    CHECK(rx_packets(ip_link(b_ns, "br0")) == b_rx_before);
    CHECK(rx_packets(ip_link(b_ns, "circuit")) == b_circuit_rx_before);
    CHECK(ping(b_ns, b_only.ip));
}

TEST_CASE("links: a second apply changes nothing", "[links]") {
    require_root();
    Testbed tb("links-idempotent");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    Site& bianchi = tb.site("bianchi", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    tb.connect_vxlan(bianchi, 5001);
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};

    REQUIRE(custode({"plan"}).exit_code == 1);  // everything pending
    const auto gateway_empty = names_and_aliases(tb.gateway());
    const auto dry = custode({"apply", "--dry-run"});
    INFO("custode output:\n" << dry.output);
    CHECK(dry.exit_code != 3);
    CHECK(contains(dry.output, "+ namespace " + client_ns(tb, acme)));
    CHECK(list_namespaces(tb.custode_prefix()).empty());  // a dry run changes nothing
    CHECK(names_and_aliases(tb.gateway()) == gateway_empty);
    REQUIRE(custode({"apply"}).exit_code == 0);
    const auto acme_indexes = indexes(client_ns(tb, acme));
    const auto bianchi_indexes = indexes(client_ns(tb, bianchi));
    const auto gateway_links = names_and_aliases(tb.gateway());

    const auto again = custode({"apply"});
    INFO("custode output:\n" << again.output);
    CHECK(again.exit_code == 0);
    CHECK(contains(again.output, "acme (" + client_ns(tb, acme) + "): in sync"));
    CHECK(contains(again.output, "bianchi (" + client_ns(tb, bianchi) + "): in sync"));
    CHECK_FALSE(contains(again.output, "applied"));
    CHECK(custode({"plan"}).exit_code == 0);
    const auto plan = custode({"--json", "plan"});
    INFO("custode output:\n" << plan.output);
    CHECK(plan.exit_code == 0);
    const auto document = json_of(plan.output);
    CHECK(document.value("ok", false));
    CHECK(document.at("clients").size() == 2);
    CHECK(actions_of(document).empty());
    CHECK(indexes(client_ns(tb, acme)) == acme_indexes);
    CHECK(indexes(client_ns(tb, bianchi)) == bianchi_indexes);
    CHECK(names_and_aliases(tb.gateway()) == gateway_links);
}

TEST_CASE("links: drift is shown by plan and status and repaired by apply", "[links]") {
    require_root();
    Testbed tb("links-drift");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.add_light_hosts(acme, 2, ip("192.168.1.10"));
    tb.connect_port(acme);
    TempDir dir;
    const auto custode = provision(tb, dir.path());
    CHECK(custode({"status"}).exit_code == 0);
    const auto ns = client_ns(tb, acme);

    SECTION("the bridge deleted by hand") {
        run_checked({"ip", "-n", ns, "link", "del", "br0"});
        const auto plan = custode({"plan"});
        INFO("custode output:\n" << plan.output);
        CHECK(plan.exit_code == 1);
        CHECK(contains(plan.output, "+ br0 kind bridge"));
        const auto plan_json = json_of(custode({"--json", "plan"}).output);
        bool creates_bridge = false;
        for (const auto& action : actions_of(plan_json))
            creates_bridge |= action["op"] == "create" && action["object"] == "br0";
        CHECK(creates_bridge);
        CHECK(custode({"status"}).exit_code == 1);
        CHECK(custode({"apply"}).exit_code == 0);
    }
    SECTION("the bridge set down by hand") {
        run_checked({"ip", "-n", ns, "link", "set", "br0", "down"});
        const auto plan = custode({"--json", "plan"});
        INFO("custode output:\n" << plan.output);
        CHECK(plan.exit_code == 1);
        const auto actions = actions_of(json_of(plan.output));
        REQUIRE(actions.size() == 1);
        CHECK(actions[0]["op"] == "change");
        CHECK(actions[0]["object"] == "br0");
        CHECK(actions[0]["attribute"] == "state");
        CHECK(actions[0]["from"] == "down");
        CHECK(actions[0]["to"] == "up");
        CHECK(custode({"status"}).exit_code == 1);
        CHECK(custode({"apply"}).exit_code == 0);
    }
    check_provisioned(tb, acme, port_alias(acme), "veth");
    CHECK(custode({"plan"}).exit_code == 0);
    CHECK(custode({"status"}).exit_code == 0);
}

TEST_CASE("links: a step the kernel refuses mid-apply is fully undone", "[links]") {
    require_root();
    Testbed tb("links-undo");
    Site& bad = tb.site("bad", prefix("192.168.1.0/24"));
    Site& good = tb.site("good", prefix("192.168.1.0/24"));
    const VxlanLink vx = tb.connect_vxlan(bad, 5001);
    tb.connect_port(good);
    tb.add_light_hosts(good, 1, ip("192.168.1.10"));
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};
    /// An unmanaged VXLAN with the same VNI and port: the kernel refuses
    /// custode's circuit (EEXIST) after the namespace and bridge are made.
    run_checked({"ip", "-n", tb.gateway(), "link", "add", "stray", "type", "vxlan", "id", std::to_string(vx.vni),
                 "dstport", std::to_string(vx.port), "dev", vx.underlay});
    const auto gateway_before = names_and_aliases(tb.gateway());
    const auto stray_before = ip_link(tb.gateway(), "stray");

    const auto applied = custode({"apply"});
    INFO("custode output:\n" << applied.output);
    CHECK(applied.exit_code == 3);
    CHECK(contains(applied.output, "bad"));
    /// The kernel's reason (NETLINK_EXT_ACK: "A VXLAN device with the
    /// specified VNI already exists") belongs in the message (issue 3).
    CHECK(contains(applied.output, "VNI"));
    CHECK_FALSE(namespace_exists(client_ns(tb, bad)));
    /// The gateway is as before, except for the port the good client took.
    auto expected = gateway_before;
    expected.erase("p-good");
    CHECK(names_and_aliases(tb.gateway()) == expected);
    const auto stray_after = ip_link(tb.gateway(), "stray");
    REQUIRE_FALSE(stray_after.is_null());
    CHECK(stray_after["ifindex"] == stray_before["ifindex"]);
    CHECK(alias_of(stray_after).empty());
    CHECK(admin_up(stray_after) == admin_up(stray_before));
    /// The other client of the same run is in place.
    check_provisioned(tb, good, port_alias(good), "veth");
    /// The audit trail tells both stories.
    auto store = os::StateStore::open(dir.path() / "state.db");
    std::map<std::string, std::string> results;
    for (const auto& record : store.audit_records(10)) results[record.client] = record.result;
    CHECK(results["good"] == "ok");
    CHECK(results["bad"] == "undone");
}

TEST_CASE("links: an unmarked link with a clashing name is left untouched", "[links]") {
    require_root();
    Testbed tb("links-unmarked");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};
    const auto ns = client_ns(tb, acme);
    run_checked({"ip", "netns", "add", ns});
    run_checked({"ip", "-n", ns, "link", "add", "br0", "type", "bridge"});
    const auto before = ip_link(ns, "br0");
    const auto gateway_before = names_and_aliases(tb.gateway());

    const auto applied = custode({"apply"});
    INFO("custode output:\n" << applied.output);
    CHECK(applied.exit_code == 2);
    CHECK(contains(applied.output, "br0"));
    const auto after = ip_link(ns, "br0");
    REQUIRE_FALSE(after.is_null());
    CHECK(after["ifindex"] == before["ifindex"]);
    CHECK(alias_of(after).empty());
    CHECK(after["flags"] == before["flags"]);
    CHECK(after["mtu"] == before["mtu"]);
    CHECK(ipv4_addresses(ns, "br0").empty());
    CHECK(names_and_aliases(ns) == std::map<std::string, std::string>{{"lo", ""}, {"br0", ""}});
    CHECK(names_and_aliases(tb.gateway()) == gateway_before);
    CHECK(custode({"plan"}).exit_code == 2);
}

TEST_CASE("links: a missing port is refused and nothing is created", "[links]") {
    require_root();
    Testbed tb("links-missing");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};
    edit_file(dir.path() / "clients" / "acme.toml", "interface = \"p-acme\"", "interface = \"p-nothere\"");
    const auto gateway_before = names_and_aliases(tb.gateway());

    const auto applied = custode({"apply"});
    INFO("custode output:\n" << applied.output);
    CHECK(applied.exit_code == 2);
    CHECK(contains(applied.output, "p-nothere"));
    CHECK(list_namespaces(tb.custode_prefix()).empty());
    CHECK(names_and_aliases(tb.gateway()) == gateway_before);
}

TEST_CASE("links: a port in use is refused unless adopt = true", "[links]") {
    require_root();
    Testbed tb("links-adopt");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.add_light_hosts(acme, 1, ip("192.168.1.10"));
    tb.connect_port(acme);
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};
    run_checked({"ip", "-n", tb.gateway(), "addr", "add", "10.99.0.1/24", "dev", "p-acme"});
    const auto gateway_before = names_and_aliases(tb.gateway());

    const auto refused = custode({"apply"});
    INFO("custode output:\n" << refused.output);
    CHECK(refused.exit_code == 2);
    CHECK(contains(refused.output, "p-acme"));
    CHECK(contains(refused.output, "adopt"));
    CHECK(list_namespaces(tb.custode_prefix()).empty());
    CHECK(names_and_aliases(tb.gateway()) == gateway_before);
    CHECK(ipv4_addresses(tb.gateway(), "p-acme") == std::vector<std::string>{"10.99.0.1/24"});

    edit_file(dir.path() / "clients" / "acme.toml", "[link]\n", "[link]\nadopt = true\n");
    REQUIRE(custode({"apply"}).exit_code == 0);
    check_provisioned(tb, acme, port_alias(acme), "veth");
    CHECK(custode({"plan"}).exit_code == 0);
}

TEST_CASE("links: concurrent applies serialise on the run lock", "[links]") {
    require_root();
    Testbed tb("links-lock");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    Site& bianchi = tb.site("bianchi", prefix("192.168.1.0/24"));
    tb.add_light_hosts(acme, 1, ip("192.168.1.10"));
    tb.add_light_hosts(bianchi, 1, ip("192.168.1.10"));
    tb.connect_port(acme);
    tb.connect_vxlan(bianchi, 5001);
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};

    SECTION("two applies with --wait at once: one applies, the other finds everything in sync") {
        auto first = std::async(std::launch::async, [&] { return custode({"apply", "--wait"}); });
        auto second = std::async(std::launch::async, [&] { return custode({"apply", "--wait"}); });
        const auto one = first.get();
        const auto two = second.get();
        INFO("first:\n" << one.output << "\nsecond:\n" << two.output);
        CHECK(one.exit_code == 0);
        CHECK(two.exit_code == 0);
        const int applied = contains(one.output, "applied") + contains(two.output, "applied");
        const int in_sync = (contains(one.output, "acme (") && contains(one.output, "in sync")) +
                            (contains(two.output, "acme (") && contains(two.output, "in sync"));
        CHECK(applied == 1);
        CHECK(in_sync == 1);
    }
    SECTION("a run holding the lock: without --wait exit 3, with --wait it queues") {
        const auto lock_path = dir.path() / "state.db.lock";
        const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        REQUIRE(::flock(fd, LOCK_EX) == 0);
        const auto refused = custode({"apply"});
        INFO("custode output:\n" << refused.output);
        CHECK(refused.exit_code == 3);
        CHECK(contains(refused.output, "another custode run"));
        CHECK(list_namespaces(tb.custode_prefix()).empty());

        auto queued = std::async(std::launch::async, [&] { return custode({"apply", "--wait"}); });
        const bool finished_early = queued.wait_for(500ms) == std::future_status::ready;
        CHECK_FALSE(finished_early);
        CHECK(list_namespaces(tb.custode_prefix()).empty());
        ::close(fd);  // releases the lock
        CHECK(queued.get().exit_code == 0);
    }
    check_provisioned(tb, acme, port_alias(acme), "veth");
    check_provisioned(tb, bianchi, "custode:bianchi", "vxlan");
}

TEST_CASE("links: remove gives the port back, and apply --prune removes a dropped client only", "[links]") {
    require_root();
    Testbed tb("links-remove");
    Site& a = tb.site("alfa", prefix("192.168.1.0/24"));
    Site& b = tb.site("beta", prefix("192.168.1.0/24"));
    Site& c = tb.site("gamma", prefix("192.168.1.0/24"));
    for (Site* site : {&a, &b, &c}) {
        tb.add_light_hosts(*site, 1, ip("192.168.1.10"));
        tb.connect_port(*site);
    }
    TempDir dir;
    const auto custode = provision(tb, dir.path());
    const auto gamma_indexes = indexes(client_ns(tb, c));

    /// remove: the port is back in the gateway under its own name, unmarked.
    CHECK(custode({"remove", "alfa"}).exit_code == 0);
    CHECK_FALSE(namespace_exists(client_ns(tb, a)));
    const auto alfa_port = ip_link(tb.gateway(), "p-alfa");
    REQUIRE_FALSE(alfa_port.is_null());
    CHECK(alias_of(alfa_port).empty());
    CHECK(master_of(alfa_port).empty());
    CHECK(namespace_exists(client_ns(tb, b)));
    CHECK(ip_link(tb.gateway(), "p-beta").is_null());

    /// prune: beta's file is gone; alfa (still in netconf) comes back, gamma is untouched.
    fs::remove(dir.path() / "clients" / "beta.toml");
    const auto plan = custode({"--json", "plan", "--prune"});
    INFO("custode output:\n" << plan.output);
    CHECK(plan.exit_code == 1);
    const auto pruned = custode({"apply", "--prune"});
    INFO("custode output:\n" << pruned.output);
    CHECK(pruned.exit_code == 0);
    CHECK_FALSE(namespace_exists(client_ns(tb, b)));
    const auto beta_port = ip_link(tb.gateway(), "p-beta");
    REQUIRE_FALSE(beta_port.is_null());
    CHECK(alias_of(beta_port).empty());
    CHECK(indexes(client_ns(tb, c)) == gamma_indexes);
    check_provisioned(tb, a, port_alias(a), "veth");
    check_provisioned(tb, c, port_alias(c), "veth");
    CHECK(custode({"plan", "--prune"}).exit_code == 0);
}

TEST_CASE("links: apply writes an audit record per client", "[links]") {
    require_root();
    Testbed tb("links-audit");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    TempDir dir;
    const auto custode = provision(tb, dir.path());
    REQUIRE(custode({"apply"}).exit_code == 0);  // in sync: nothing to record

    auto store = os::StateStore::open(dir.path() / "state.db");
    const auto records = store.audit_records(10);
    REQUIRE(records.size() == 1);
    const auto& record = records.front();
    CHECK(record.client == "acme");
    CHECK(record.command == "apply");
    CHECK(record.result == "ok");
    CHECK(record.detail.empty());
    CHECK_FALSE(record.user.empty());
    CHECK_FALSE(record.at.empty());
    const auto plan = json::parse(record.plan_json);
    CHECK(plan.value("client", "") == "acme");
    CHECK_FALSE(plan.at("actions").empty());
}

TEST_CASE("links: a lab port joins the client's bridge with BPDU guard and root block", "[links]") {
    require_root();
    Testbed tb("links-lab");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    tb.add_light_hosts(acme, 1, ip("192.168.1.10"));
    tb.connect_port(acme);
    /// A lab machine (a NAS at .5) behind the gateway's interface lab0.
    Site& lab = tb.site("lab", prefix("192.168.1.0/24"));
    tb.add_light_hosts(lab, 1, ip("192.168.1.5"));
    tb.connect_port(lab, "lab0");
    TempDir dir;
    const Custode custode{tb, tb.write_netconf(dir.path())};
    fs::remove(dir.path() / "clients" / "lab.toml");
    edit_file(dir.path() / "clients" / "acme.toml", "kind = \"port\"", "kind = \"port\"\nlab_ports = [\"lab0\"]");

    const auto applied = custode({"apply"});
    INFO("custode output:\n" << applied.output);
    REQUIRE(applied.exit_code == 0);
    const auto ns = client_ns(tb, acme);
    const json port = ip_link(ns, "lab0");
    REQUIRE_FALSE(port.is_null());
    CHECK(master_of(port) == "br0");
    CHECK(alias_of(port) == "custode:acme port=lab0");
    const auto& slave = port["linkinfo"]["info_slave_data"];
    CHECK(slave.value("guard", false));
    CHECK(slave.value("root_block", false));
    /// The lab machine is on the client's LAN now, and so is the client's PC.
    tb.settle();
    CHECK(ping_sweep(ns, {ip("192.168.1.5"), ip("192.168.1.10")}, 3s).size() == 2);
    CHECK(custode({"plan"}).exit_code == 0);

    /// Dropped from netconf: the lab port goes back to the gateway, unmarked.
    edit_file(dir.path() / "clients" / "acme.toml", "lab_ports = [\"lab0\"]", "lab_ports = []");
    CHECK(custode({"apply"}).exit_code == 0);
    CHECK(ip_link(ns, "lab0").is_null());
    const json back = ip_link(tb.gateway(), "lab0");
    REQUIRE_FALSE(back.is_null());
    CHECK(alias_of(back).empty());
}

namespace {

/// The inode of a namespace file: equal inodes, same namespace.
ino_t namespace_inode(const std::string& path) {
    struct stat status {};
    REQUIRE(::stat(path.c_str(), &status) == 0);
    return status.st_ino;
}

/// Deletes the named namespaces at the end of a test, even a failed one.
struct NamespaceSweep {
    std::vector<std::string> names;
    ~NamespaceSweep() {
        for (const auto& name : names) os::delete_named_namespace(name);
    }
};

}  // namespace

TEST_CASE("links: a namespace made with work inside runs it there, by the caller, who comes back", "[links]") {
    require_root();
    const auto tag = std::to_string(::getpid());
    NamespaceSweep sweep{{"cu-inside-" + tag, "cu-fails-" + tag}};
    const auto home = namespace_inode("/proc/thread-self/ns/net");
    const auto caller = std::this_thread::get_id();

    ino_t inside = 0;
    std::thread::id worker;
    REQUIRE(os::create_named_namespace(sweep.names[0], [&] {
        inside = namespace_inode("/proc/thread-self/ns/net");
        worker = std::this_thread::get_id();
        os::write_sysctls("/proc/sys/net", {{"ipv6/conf/all/disable_ipv6", "1"},
                                            {"ipv4/igmp_link_local_mcast_reports", "0"}});
    }) == os::Creation::created);
    CHECK(worker == caller);
    CHECK(inside != home);
    CHECK(namespace_inode("/proc/thread-self/ns/net") == home);
    CHECK(namespace_inode("/run/netns/" + sweep.names[0]) == inside);
    CHECK(read_sysctl_in(sweep.names[0], "/proc/sys/net/ipv6/conf/all/disable_ipv6") == "1");
    CHECK(read_sysctl_in(sweep.names[0], "/proc/sys/net/ipv4/igmp_link_local_mcast_reports") == "0");
    CHECK(os::create_named_namespace(sweep.names[0], [] { FAIL("runs only in a new namespace"); }) ==
          os::Creation::already_exists);

    /// A failure inside: rethrown, the namespace is gone, the caller is home.
    CHECK_THROWS_WITH(os::create_named_namespace(sweep.names[1],
                                                 [] { os::write_sysctls("/proc/sys/net", {{"no/such/key", "1"}}); }),
                      Catch::Contains("no/such/key"));
    CHECK_FALSE(os::named_namespace_exists(sweep.names[1]));
    CHECK(namespace_inode("/proc/thread-self/ns/net") == home);
}

namespace {

/// What a gateway's reboot does to a client: its namespace (under /run) is
/// gone with the bridge and any VXLAN in it; a port is back in the gateway
/// under its own name, without custode's marker, down.
void reboot_away(Testbed& tb, const Site& site, const std::string& port) {
    const auto ns = client_ns(tb, site);
    if (!port.empty()) {
        run_checked({"ip", "-n", ns, "link", "set", "circuit", "down"});
        run_checked({"ip", "-n", ns, "link", "set", "circuit", "netns", tb.gateway(), "name", port});
        run_checked({"ip", "-n", tb.gateway(), "link", "set", port, "alias", ""});
    } else {
        // Deleted now, as a reboot leaves nothing: a deleted namespace's links
        // are freed later by the kernel's cleanup queue, VNI taken till then.
        run_checked({"ip", "-n", ns, "link", "delete", "circuit"});
    }
    run_checked({"ip", "netns", "delete", ns});
}

}  // namespace

TEST_CASE("links: after a reboot the boot unit's command brings every client back, inventory intact", "[links][reboot]") {
    require_root();
    Testbed tb("links-reboot");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    Site& bianchi = tb.site("bianchi", prefix("192.168.1.0/24"));
    tb.add_light_hosts(acme, 3, ip("192.168.1.10"));
    tb.add_light_hosts(bianchi, 2, ip("192.168.1.20"));
    tb.connect_port(acme);
    tb.connect_vxlan(bianchi, 5001);
    TempDir dir;
    const auto custode = provision(tb, dir.path());
    REQUIRE(custode({"scan", "--all"}).exit_code == 0);
    const auto inventory_before = json_of(custode({"--json", "hosts", "acme"}).output);

    reboot_away(tb, acme, "p-acme");
    reboot_away(tb, bianchi, "");
    REQUIRE_FALSE(namespace_exists(client_ns(tb, acme)));
    REQUIRE_FALSE(ip_link(tb.gateway(), "p-acme").is_null());
    CHECK(custode({"plan"}).exit_code == 1);

    // The boot unit's command, confined as the unit confines it (its
    // capability bounding set is enough, and CAP_NET_ADMIN is needed).
    const auto boot = unit_arguments("custode-apply.service");
    const Custode lacking{tb, custode.netconf, unit_confinement("custode-apply.service", "CAP_NET_ADMIN")};
    CHECK(lacking(boot).exit_code == 3);
    CHECK_FALSE(namespace_exists(client_ns(tb, acme)));
    const Custode confined{tb, custode.netconf, unit_confinement("custode-apply.service")};
    const auto restored = confined(boot);
    REQUIRE(restored.exit_code == 0);
    tb.settle();
    check_provisioned(tb, acme, port_alias(acme), "veth");
    check_provisioned(tb, bianchi, "custode:bianchi", "vxlan");
    CHECK(custode({"plan"}).exit_code == 0);
    CHECK(json_of(custode({"--json", "hosts", "acme"}).output) == inventory_before);
}
