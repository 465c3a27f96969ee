/// The harness itself: what later netns tests rely on.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <toml++/toml.h>
#include <unistd.h>

#include "custode/core/address.h"
#include "support/literals.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/testbed.h"

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

long long ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

/// ip -> MAC, from `ip neigh` in `ns`: which host answered ARP for an address.
std::map<Ipv4Address, MacAddress> neighbours(const std::string& ns) {
    std::map<Ipv4Address, MacAddress> table;
    std::istringstream lines(run_checked({"ip", "-n", ns, "neigh", "show"}));
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::string address, word;
        words >> address;
        while (words >> word) {
            if (word != "lladdr" || !(words >> word)) continue;
            const auto a = Ipv4Address::parse(address);
            const auto m = MacAddress::parse(word);
            if (a && m) table[*a] = *m;
        }
    }
    return table;
}

pid_t dead_pid() {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    ::waitpid(pid, nullptr, 0);
    return pid;
}

/// Gone or a zombie: the machine's init may reap orphans late.
bool process_gone(pid_t pid) {
    for (int i = 0; i < 100; ++i) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        std::string id, name, state;
        if (!(stat >> id >> name >> state) || state == "Z") return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

}  // namespace

TEST_CASE("250 light hosts answer ping and ARP with their own MAC", "[testbed]") {
    require_root();
    Testbed tb("many-hosts");
    Site& lan = tb.site("lan", prefix("192.168.1.0/24"));
    const auto start = Clock::now();
    const auto hosts = tb.add_light_hosts(lan, 250, ip("192.168.1.2"));
    const auto build_ms = ms_since(start);
    std::cout << "testbed: 250 light hosts built in " << build_ms << " ms\n";
    CHECK(build_ms < 10'000);  // about 150 ms on a quiet machine: a guard against a hang, not a benchmark
    REQUIRE(hosts.size() == 250);
    CHECK(hosts.front().mac.to_string() == "02:c7:01:00:00:01");
    CHECK(hosts.back().ip == ip("192.168.1.251"));

    const FullHost& pc = tb.add_full_host(lan, "pc", ip("192.168.1.253"));
    std::vector<Ipv4Address> targets;
    for (const auto& host : hosts) targets.push_back(host.ip);
    const auto ping_start = Clock::now();
    const auto answered = ping_sweep(pc.ns, targets, std::chrono::seconds(5));
    std::cout << "testbed: 250 hosts answered ping in " << ms_since(ping_start) << " ms\n";
    CHECK(answered.size() == 250);

    const auto table = neighbours(pc.ns);
    int right_mac = 0;
    for (const auto& host : hosts) right_mac += table.count(host.ip) && table.at(host.ip) == host.mac;
    CHECK(right_mac == 250);
}

TEST_CASE("Two sites with the same subnet stay separate", "[testbed]") {
    require_root();
    Testbed tb("same-subnet");
    Site& one = tb.site("one", prefix("192.168.1.0/24"));
    Site& two = tb.site("two", prefix("192.168.1.0/24"));
    const auto one_host = tb.add_light_hosts(one, 1, ip("192.168.1.10")).front();
    const auto two_host = tb.add_light_hosts(two, 1, ip("192.168.1.10")).front();
    tb.add_light_hosts(two, 1, ip("192.168.1.20"));  // exists only in site two
    const FullHost& pc = tb.add_full_host(one, "pc", ip("192.168.1.200"));
    CHECK(tb.connect_port(one).interface == "p-one");
    CHECK(tb.connect_port(two).interface == "p-two");

    CHECK(one_host.mac != two_host.mac);
    CHECK(ping(pc.ns, ip("192.168.1.10")));
    CHECK(neighbours(pc.ns).at(ip("192.168.1.10")) == one_host.mac);
    CHECK_FALSE(ping(pc.ns, ip("192.168.1.20"), std::chrono::milliseconds(600)));

    /// The gateway ends are there for custode: down and without addresses.
    const std::string gw_links = run_checked({"ip", "-n", tb.gateway(), "-br", "addr", "show"});
    CHECK(gw_links.find("p-one") != std::string::npos);
    CHECK(gw_links.find("p-two") != std::string::npos);
    CHECK(gw_links.find("192.168.") == std::string::npos);
}

TEST_CASE("The port link carries the site LAN to the gateway", "[testbed]") {
    require_root();
    Testbed tb("port-link");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    const auto hosts = tb.add_light_hosts(acme, 3, ip("192.168.1.10"));
    const PortLink link = tb.connect_port(acme);
    /// What custode will do, done by hand in the gateway namespace.
    IpBatch(tb.gateway()).add("addr add 192.168.1.250/24 dev " + link.interface).add("link set " + link.interface + " up").run();
    CHECK(ping_sweep(tb.gateway(), {hosts[0].ip, hosts[1].ip, hosts[2].ip}).size() == 3);
}

namespace testbed_test {

/// The gateway's side of connect_vxlan's tunnel, as custode will build it
/// from netconf, reaches the site's hosts over either underlay family.
void check_vxlan_link(std::string_view tag, Underlay family, const std::string& local, const std::string& remote) {
    require_root();
    Testbed tb(tag);
    Site& site = tb.site("bianchi", prefix("192.168.1.0/24"));
    const auto host = tb.add_light_hosts(site, 1, ip("192.168.1.10")).front();
    const VxlanLink link = tb.connect_vxlan(site, 5001, 4789, family);
    CHECK(link.underlay == "u-bianchi");
    CHECK(link.local.to_string() == local);
    CHECK(link.remote.to_string() == remote);
    CHECK(link.port == 4789);
    IpBatch(tb.gateway())
        .add("link add vx type vxlan id 5001 local " + link.local.to_string() + " remote " + link.remote.to_string() +
             " dstport 4789 dev " + link.underlay)
        .add("addr add 192.168.1.250/24 dev vx")
        .add("link set vx up")
        .run();
    CHECK(ping(tb.gateway(), host.ip));
    CHECK(neighbours(tb.gateway()).at(host.ip) == host.mac);
}

}  // namespace testbed_test

TEST_CASE("The VXLAN link's parameters bring up a working tunnel", "[testbed]") {
    testbed_test::check_vxlan_link("vxlan-link", Underlay::ipv4, "10.255.1.1", "10.255.1.2");
}

TEST_CASE("The VXLAN link's parameters bring up a working tunnel over an IPv6 underlay", "[testbed]") {
    testbed_test::check_vxlan_link("vxlan-link6", Underlay::ipv6, "fd00:c7:1::1", "fd00:c7:1::2");
}

TEST_CASE("A full host sleeps when its bridge port goes down", "[testbed]") {
    require_root();
    Testbed tb("sleep");
    Site& lan = tb.site("lan", prefix("10.1.2.0/24"));
    const FullHost& a = tb.add_full_host(lan, "a", ip("10.1.2.3"), MacAddress::parse("00:11:22:33:44:55"));
    const FullHost& b = tb.add_full_host(lan, "b", ip("10.1.2.4"));
    CHECK(run_checked({"ip", "-n", a.ns, "-br", "link", "show", "eth0"}).find("00:11:22:33:44:55") != std::string::npos);
    CHECK(ping(a.ns, b.ip));
    tb.set_link(lan.ns, b.bridge_port, LinkState::down);
    CHECK_FALSE(ping(a.ns, b.ip, std::chrono::milliseconds(500)));
    tb.set_link(lan.ns, b.bridge_port, LinkState::up);
    CHECK(ping(a.ns, b.ip));

    const CommandResult result = run(b.ns, "ip -br addr show eth0; exit 3");  // exec/run helpers
    CHECK(result.exit_code == 3);
    CHECK(result.output.find("10.1.2.4/24") != std::string::npos);
}

TEST_CASE("Everything is removed when the test body throws", "[testbed]") {
    require_root();
    std::string prefix_seen;
    std::string host_ns;
    pid_t sleeper = 0;
    auto body = [&] {
        Testbed tb("cleanup");
        prefix_seen = tb.prefix();
        Site& lan = tb.site("lan", prefix("192.168.1.0/24"));
        tb.connect_port(lan);
        tb.add_light_hosts(lan, 5, ip("192.168.1.10"));
        host_ns = tb.add_full_host(lan, "pc", ip("192.168.1.20")).ns;
        std::ofstream(tb.etc_dir(host_ns) / "hostname") << "pc\n";
        run_checked({"ip", "netns", "add", tb.custode_prefix() + "lan"});  // as custode would
        sleeper = std::stoi(run(host_ns, "sleep 60 </dev/null >/dev/null 2>&1 & echo $!").output);
        REQUIRE(tb.namespaces().size() == 4);
        throw std::runtime_error("test body failed");
    };
    REQUIRE_THROWS_WITH(body(), "test body failed");
    CHECK(list_namespaces(prefix_seen).empty());
    CHECK_FALSE(fs::exists(fs::path("/etc/netns") / host_ns));
    CHECK(process_gone(sleeper));
}

TEST_CASE("Stale namespaces of a dead run of the same tag are swept", "[testbed]") {
    require_root();
    const std::string dead_prefix = "ctb-sweep-" + std::to_string(dead_pid()) + "-";
    const std::string stale = dead_prefix + "gw";
    const std::string alive = "ctb-sweep-1-gw";  // pid 1 lives: not stale
    const std::string other = "ctb-sweep-x-" + std::to_string(dead_pid()) + "-gw";  // another tag
    const std::string custode_made = "tsweep0-acme";  // custode's namespace in the dead run
    for (const auto& ns : {stale, alive, other, custode_made}) run_checked({"ip", "netns", "add", ns});
    fs::create_directories(fs::path("/etc/netns") / stale);
    fs::create_directories("/run/custode-testbed");
    std::ofstream("/run/custode-testbed/tsweep0-") << dead_prefix << '\n';
    {
        Testbed tb("sweep");
        CHECK_FALSE(namespace_exists(stale));
        CHECK_FALSE(namespace_exists(custode_made));
        CHECK_FALSE(fs::exists("/run/custode-testbed/tsweep0-"));
        CHECK_FALSE(fs::exists(fs::path("/etc/netns") / stale));
        CHECK(namespace_exists(alive));
        CHECK(namespace_exists(other));
    }
    remove_namespaces({alive, other});
    CHECK_FALSE(namespace_exists(alive));
}

TEST_CASE("Tags are checked and one tag is live once per process", "[testbed]") {
    require_root();
    CHECK_THROWS(Testbed("Bad"));
    CHECK_THROWS(Testbed("a-1"));
    CHECK_THROWS(Testbed("two-words", Naming::fixed));
    Testbed tb("once");
    CHECK_THROWS(Testbed("once"));
    CHECK(tb.prefix() == "ctb-once-" + std::to_string(::getpid()) + "-");
    CHECK(tb.custode_prefix().size() == 8);
    CHECK(fs::exists("/run/custode-testbed/" + tb.custode_prefix()));
    Testbed fixed("demox", Naming::fixed);
    CHECK(fixed.prefix() == "cudemox-");
    CHECK(fixed.custode_prefix() == "demoxcu-");
    CHECK_THROWS(Testbed("demoxy", Naming::fixed));
}

TEST_CASE("The netconf written describes the built sites", "[testbed]") {
    require_root();
    Testbed tb("netconf");
    Site& acme = tb.site("acme", prefix("192.168.1.0/24"));
    Site& bianchi = tb.site("bianchi", prefix("192.168.1.0/24"));
    tb.connect_port(acme);
    tb.connect_vxlan(bianchi, 5002);
    tb.add_light_hosts(acme, 2, ip("192.168.1.1"));
    acme.control = ip("192.168.1.1");
    tb.add_full_host(bianchi, "server", ip("192.168.1.5"));
    TempDir dir;
    tb.write_netconf(dir.path(), {.lab_hosts = {{"nas", ip("10.10.0.5"), *MacAddress::parse("52:54:00:aa:bb:01")}}});

    const auto site = toml::parse_file((dir.path() / "site.toml").string());
    CHECK(site["site"]["namespace_prefix"].value_or(std::string{}) == tb.custode_prefix());
    CHECK(site["lab"]["host"][0]["ip"].value_or(std::string{}) == "10.10.0.5");
    const auto a = toml::parse_file((dir.path() / "clients/acme.toml").string());
    CHECK(a["link"]["kind"].value_or(std::string{}) == "port");
    CHECK(a["link"]["interface"].value_or(std::string{}) == "p-acme");
    CHECK(a["lan"]["address"].value_or(std::string{}) == "192.168.1.250/24");
    CHECK(a["lan"]["control"].value_or(std::string{}) == "192.168.1.1");
    CHECK(a["host"].as_array()->size() == 2);
    const auto b = toml::parse_file((dir.path() / "clients/bianchi.toml").string());
    CHECK(b["link"]["kind"].value_or(std::string{}) == "vxlan");
    CHECK(b["link"]["vni"].value_or(0) == 5002);
    CHECK(b["link"]["underlay"].value_or(std::string{}) == "u-bianchi");
    CHECK(b["link"]["local"].value_or(std::string{}) == "10.255.2.1");
    CHECK(b["host"][0]["name"].value_or(std::string{}) == "server");

    /// custode must accept what the harness writes, once its validator exists.
    const CommandResult validate = run_program({CUSTODE_BINARY, "--netconf", dir.path().string(), "validate"});
    if (validate.output.find("not built yet") != std::string::npos) {
        WARN("custode validate is not built yet: netconf not cross-checked");
    } else {
        INFO(validate.output);
        CHECK(validate.exit_code == 0);
    }
}
