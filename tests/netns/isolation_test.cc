/// `custode isolation-check` end to end (issue 6): a client LAN (site bridge)
/// with a client PC (the checking side, a full host) and a control host; a
/// lab namespace joined to the LAN by a veth holds a lab host's IP and MAC.
/// The real binary probes from the PC's namespace (--namespace); its report
/// is checked with `custode verify` and Debian's `minisign -V`.

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "custode/core/address.h"
#include "netns/support.h"
#include "support/literals.h"
#include "support/temp_dir.h"
#include "testbed/testbed.h"

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

json read_json(const fs::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

constexpr const char* kLabMac = "02:1a:b0:00:00:fa";
constexpr const char* kLabIp = "192.168.1.250";

/// The lab: its own namespace, "eth0" with the lab IP and MAC, joined to the
/// client's bridge by the veth "lab0" (the circuit): deleting lab0 is the split.
struct Lab {
    std::string ns;
    std::string site_ns;

    void link() {
        run_checked({"ip", "link", "add", "lab0", "netns", site_ns, "type", "veth", "peer", "name", "eth0", "netns", ns});
        run_checked({"ip", "-n", ns, "link", "set", "eth0", "address", kLabMac});
        run_checked({"ip", "-n", ns, "addr", "add", std::string(kLabIp) + "/24", "dev", "eth0"});
        run_checked({"ip", "-n", ns, "link", "set", "eth0", "up"});
        run_checked({"ip", "-n", site_ns, "link", "set", "lab0", "master", "br0", "up"});
    }
    void unlink() { run_checked({"ip", "-n", site_ns, "link", "del", "lab0"}); }
};

struct Check {
    fs::path dir;
    std::string pc_ns;
    fs::path key;

    /// Runs the check into `name`.json; returns the exit code and the --json output.
    std::pair<int, json> operator()(const std::string& name, const fs::path& targets) const {
        const std::vector<std::string> argv{CUSTODE_BINARY, "--json", "isolation-check", "--interface", "eth0",
                                            "--namespace", pc_ns, "--targets", targets.string(), "--key",
                                            key.string(), "--out", (dir / (name + ".json")).string()};
        const auto started = std::chrono::steady_clock::now();
        const auto result = run_program(argv);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        UNSCOPED_INFO("$ " << join_argv(argv) << "\n-> exit " << result.exit_code << " in " << ms.count() << " ms\n"
                           << result.output);
        return {result.exit_code, json_of(result.output)};
    }
};

fs::path write_targets(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& targets) {
    json list = json::array();
    int n = 0;
    for (const auto& [address, mac] : targets) list.push_back({{"name", "lab" + std::to_string(n++)}, {"ip", address}, {"mac", mac}});
    std::ofstream(path) << json{{"client", "acme"}, {"created", "2025-01-01T00:00:00Z"}, {"targets", list},
                                {"control", "192.168.1.1"}}
                               .dump();
    return path;
}

bool target_probe_answered_by(const json& target, const std::string& kind, const std::string& mac) {
    for (const auto& probe : target["probes"])
        if (probe["kind"] == kind && probe["answered"].get<bool>() && probe["responder_mac"] == mac) return true;
    return false;
}

}  // namespace

TEST_CASE("isolation-check: linked, split, control down, address reused — the signed report", "[netns][isolation]") {
    Testbed tb("isolation");
    TempDir tmp;
    Site& lan = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
    const auto control = tb.add_light_hosts(lan, 1, ip("192.168.1.1")).at(0);
    const auto pc = tb.add_full_host(lan, "pc", ip("192.168.1.20"));
    Lab lab{tb.prefix() + "lab", lan.ns};
    run_checked({"ip", "netns", "add", lab.ns});
    set_sysctls(lab.ns, {{"net.ipv6.conf.all.disable_ipv6", "1"}, {"net.ipv6.conf.default.disable_ipv6", "1"}});

    const auto key = tmp.path() / "proof.key";
    REQUIRE(run_program({CUSTODE_BINARY, "keygen", "--out", key.string()}).ok());
    const Check check{tmp.path(), pc.ns, key};
    const auto one = write_targets(tmp.path() / "one.json", {{kLabIp, kLabMac}});

    lab.link();
    SECTION("linked: not isolated (exit 1); the report verifies, a changed byte does not") {
        const auto [code, out] = check("linked", one);
        CHECK(code == 1);
        CHECK(out["verdict"] == "not_isolated");
        const auto report = read_json(tmp.path() / "linked.json");
        CHECK(report["verdict"] == "not_isolated");
        CHECK(report["where"]["interface"] == "eth0");
        CHECK(report["where"]["mac"] == pc.mac.to_string());
        CHECK(report["where"]["ipv4"] == "192.168.1.20/24");
        CHECK(report["control"]["answered"] == true);
        const auto& target = report["targets"][0];
        CHECK(target["answered"] == true);
        CHECK(target_probe_answered_by(target, "arp_broadcast", kLabMac));
        CHECK(target_probe_answered_by(target, "arp_unicast", kLabMac));
        CHECK(target_probe_answered_by(target, "icmp_echo", kLabMac));
        CHECK(target_probe_answered_by(target, "tcp_syn", kLabMac));  // RST from closed ports
        CHECK(report["passive"]["lab_frames"].get<int>() > 0);
        CHECK(report["passive"]["dropped"] == 0);
        CHECK(fs::file_size(tmp.path() / "linked.json.pcap") > 24);
        CHECK(report["capture"]["file"] == "linked.json.pcap");

        const auto pub = key.string() + ".pub";
        const auto file = (tmp.path() / "linked.json").string();
        const auto verified = run_program({CUSTODE_BINARY, "verify", file, "--pubkey", pub});
        INFO(verified.output);
        CHECK(verified.exit_code == 0);
        CHECK_THAT(verified.output, Catch::Contains(report["report_id"].get<std::string>()));
        CHECK(run_program({"minisign", "-V", "-p", pub, "-m", file}).exit_code == 0);
        const auto sha = run_checked({"sha256sum", (tmp.path() / "linked.json.pcap").string()});
        CHECK(sha.substr(0, 64) == report["capture"]["sha256"]);

        std::string text;
        {
            std::ifstream in(file, std::ios::binary);
            text.assign(std::istreambuf_iterator<char>(in), {});
        }
        text[text.find("not_isolated")] = 'N';
        std::ofstream(file, std::ios::binary) << text;
        CHECK(run_program({CUSTODE_BINARY, "verify", file, "--pubkey", pub}).exit_code == 1);
        CHECK(run_program({"minisign", "-V", "-p", pub, "-m", file}).exit_code != 0);
    }
    SECTION("linked, the lab host drops ICMP (and cannot answer TCP) but answers ARP: still not isolated") {
        set_sysctls(lab.ns, {{"net.ipv4.icmp_echo_ignore_all", "1"}});
        /// No nft here: a blackhole route to the PC keeps RSTs from leaving; ARP replies need no route.
        run_checked({"ip", "-n", lab.ns, "route", "add", "blackhole", pc.ip.to_string() + "/32"});
        const auto [code, out] = check("arp-only", one);
        CHECK(code == 1);
        const auto report = read_json(tmp.path() / "arp-only.json");
        CHECK(report["verdict"] == "not_isolated");
        const auto& target = report["targets"][0];
        CHECK(target_probe_answered_by(target, "arp_broadcast", kLabMac));
        CHECK(target["probes"].size() == 24);  // 5 ARP, 3 ICMP, 2 x 8 SYN
        for (const auto& probe : target["probes"])
            if (probe["kind"] == "icmp_echo" || probe["kind"] == "tcp_syn") CHECK(probe["answered"] == false);
    }
    SECTION("after the split") {
        lab.unlink();
        SECTION("10 targets: isolated (exit 0), within 10 s") {
            std::vector<std::pair<std::string, std::string>> ten{{kLabIp, kLabMac}};
            for (int i = 1; i < 10; ++i) ten.emplace_back(fmt::format("192.168.1.{}", 239 + i), fmt::format("02:1a:b0:00:01:{:02x}", i));
            ten[9] = {"10.10.0.5", "52:54:00:aa:bb:01"};  // a lab host on another subnet: no default route
            const auto targets = write_targets(tmp.path() / "ten.json", ten);
            const auto started = std::chrono::steady_clock::now();
            const auto [code, out] = check("split", targets);
            const auto elapsed =
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
            CHECK(code == 0);
            CHECK(out["verdict"] == "isolated");
            const auto report = read_json(tmp.path() / "split.json");
            CHECK(report["targets"].size() == 10);
            CHECK(report["targets"][9]["route"] == "no_route");
            CHECK(report["control"]["answered"] == true);
            CHECK(report["passive"]["lab_frames"] == 0);
            std::size_t probes = 0;
            for (const auto& target : report["targets"]) probes += target["probes"].size();
            std::cout << "isolation-check: 10 targets (9 on the LAN, 1 off-subnet) in " << elapsed.count()
                      << " ms wall (check " << report["when"]["duration_ms"] << " ms); probes per LAN target "
                      << report["targets"][0]["probes"].size() << ", total " << probes << "\n";
            CHECK(elapsed < std::chrono::seconds(60));  // printed above; a guard against a hang
            CHECK(run_program({CUSTODE_BINARY, "verify", (tmp.path() / "split.json").string(), "--pubkey",
                               key.string() + ".pub"})
                      .exit_code == 0);
        }
        SECTION("the control host down: inconclusive (exit 4)") {
            tb.set_link(lan.ns, control.name, LinkState::down);
            const auto [code, out] = check("no-control", one);
            CHECK(code == 4);
            CHECK(out["verdict"] == "inconclusive");
            CHECK(out["control"]["answered"] == false);
        }
        SECTION("a client PC takes the lab IP: isolated, with an address-reuse warning") {
            const auto usurper = tb.add_full_host(lan, "usurper", ip(kLabIp));
            const auto [code, out] = check("reused", one);
            CHECK(code == 0);
            CHECK(out["verdict"] == "isolated");
            bool warned = false;
            for (const auto& warning : out["warnings"])
                if (warning["kind"] == "address_reuse" && warning["mac"] == usurper.mac.to_string()) warned = true;
            CHECK(warned);
            CHECK(out["targets"][0]["answered"] == true);
        }
    }
}
