/// isolation-check.ps1 for real, on a client PC of a testbed LAN, beside the
/// Linux `custode isolation-check` on the same PC, case by case: linked,
/// linked with the lab dropping ICMP (TCP answered with RST), linked with the
/// lab answering ARP alone, after `custode disconnect`, the control down, and
/// a client PC reusing the lab's address.
/// Both must give the same verdict and exit code every time.
///
/// The lab is custode's own: a provisioned port client, whose bridge address
/// in the client's namespace (192.168.1.250) is the gateway target. Linux
/// pwsh has no Get-NetNeighbor and no Windows `arp`: tests/pwsh/isolation/
/// models both from `ip neigh` (docs/isolation.md, "What the tests cannot
/// show"); most cases read `arp -a`, two Get-NetNeighbor.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "custode/core/isolation.h"
#include "custode/core/isolation_script.h"
#include "mock_pc.h"
#include "netns/support.h"
#include "support/literals.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/netns.h"
#include "testbed/ping.h"
#include "testbed/testbed.h"

namespace isolation_lan_test {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kGatewayIp = "192.168.1.250";
const LabHost kNas{"nas", ip("10.10.0.5"), mac("52:54:00:aa:bb:01")};

json read_json(const fs::path& path) {
    std::ifstream in(path);
    return json::parse(in);
}

/// The only report the script wrote into `dir`.
fs::path script_report(const fs::path& dir) {
    fs::path found;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().filename().string().starts_with("isolation-") && entry.path().extension() == ".json") {
            REQUIRE(found.empty());
            found = entry.path();
        }
    REQUIRE(!found.empty());
    return found;
}

/// How the script reads the PC's neighbour cache: Windows' `arp -a` (its
/// fallback) or Get-NetNeighbor (its way on Windows 8 and later), each
/// modelled from `ip neigh`.
enum class NeighbourCache { arp, get_net_neighbor };

/// What one checker said.
struct Verdict {
    int exit_code = -1;
    json report;
    std::string output;

    std::string verdict() const { return report.value("verdict", "?"); }
    bool warns(const std::string& kind, const std::string& mac) const {
        for (const auto& warning : report["warnings"])
            if (warning["kind"] == kind && (mac.empty() || warning["mac"] == mac)) return true;
        return false;
    }
};

/// A provisioned client "acme": a control host (.1), the checking PC (.20,
/// a full host), and the off-subnet lab host "nas" in site.toml.
struct Office {
    Testbed tb{"ps1-isolation"};
    TempDir dir;
    Site* acme = nullptr;
    FullHost pc;
    LightHost control;
    fs::path netconf;

    Office() {
        require_root();
        acme = &tb.site("acme", prefix("192.168.1.0/24"));
        control = tb.add_light_hosts(*acme, 1, ip("192.168.1.1")).at(0);
        acme->control = control.ip;
        pc = tb.add_full_host(*acme, "pc", ip("192.168.1.20"));
        tb.connect_port(*acme);
        NetconfOptions options;
        options.lab_hosts = {kNas};
        netconf = tb.write_netconf(dir.path() / "netconf", options);
        REQUIRE(custode()({"keygen", "--out", (netconf / "proof.key").string()}).exit_code == 0);
        REQUIRE(custode()({"apply"}).exit_code == 0);
        tb.settle();
    }
    Custode custode() { return {tb, netconf}; }
    std::string client_ns() const { return tb.custode_prefix() + "acme"; }

    /// The targets `custode disconnect` would write now: the gateway's LAN
    /// address with br0's MAC, the nas, the control.
    TargetsFile targets_now() const {
        const auto bridge = ip_link(client_ns(), "br0").at("address").get<std::string>();
        return {"acme", "2026-12-06T21:00:00Z",
                {{"gateway", ip(kGatewayIp), MacAddress::parse(bridge)}, {kNas.name, kNas.ip, kNas.mac}},
                control.ip};
    }

    /// Writes the targets file and the script for `targets` into `case_dir`.
    std::pair<fs::path, fs::path> write_case(const fs::path& case_dir, const TargetsFile& targets) const {
        fs::create_directories(case_dir);
        json list = json::array();
        for (const auto& target : targets.targets)
            list.push_back({{"name", target.name}, {"ip", target.ip.to_string()}, {"mac", target.mac->to_string()}});
        const auto targets_file = case_dir / "acme-targets.json";
        std::ofstream(targets_file) << json{{"client", targets.client}, {"created", targets.created},
                                            {"targets", list}, {"control", targets.control->to_string()}}
                                               .dump();
        const auto script = case_dir / isolation_script_name("acme");
        std::ofstream(script, std::ios::binary)
            << isolation_check_script(targets, IsolationSettings{}.tcp_ports, "custode test");
        return {targets_file, script};
    }

    Verdict linux_check(const fs::path& targets_file) const {
        const auto out = targets_file.parent_path() / "linux.json";
        const auto result = run_program({CUSTODE_BINARY, "isolation-check", "--interface", "eth0", "--namespace", pc.ns,
                                         "--targets", targets_file.string(), "--key",
                                         (netconf / "proof.key").string(), "--out", out.string()});
        UNSCOPED_INFO("linux check -> exit " << result.exit_code << "\n" << result.output);
        return {result.exit_code, read_json(out), result.output};
    }

    /// The script on the PC, as a Windows user would run it: from its folder,
    /// where it writes its report. The PC's neighbour cache is left as the
    /// Linux check and the earlier traffic left it; the script reads it
    /// through the model of `cache` (tests/pwsh/isolation/).
    Verdict script_check(const fs::path& script, NeighbourCache cache) const {
        const std::string models = std::string(CUSTODE_PWSH_TESTS) + "/isolation";
        std::vector<std::string> argv{"ip", "netns", "exec", pc.ns, "env"};
        if (cache == NeighbourCache::arp) {
            argv.push_back("PATH=" + models + ":/usr/sbin:/usr/bin:/sbin:/bin");
        } else {
            argv.push_back("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
            argv.push_back("PSModulePath=" + models + "/Modules");
        }
        for (const std::string& word : {pwsh_testing::pwsh_or_skip(), std::string("-NoProfile"),
                                       std::string("-NonInteractive"), std::string("-File"), script.string()})
            argv.push_back(word);
        const auto result = run_program(argv);
        UNSCOPED_INFO("isolation-check.ps1 -> exit " << result.exit_code << "\n" << result.output);
        return {result.exit_code, read_json(script_report(script.parent_path())), result.output};
    }
};

/// Both checks on the same site; their verdicts must agree.
std::pair<Verdict, Verdict> both(const Office& office, const std::string& name, const fs::path& targets_file,
                                 const fs::path& script, NeighbourCache cache = NeighbourCache::arp) {
    auto linux_side = office.linux_check(targets_file);
    auto windows_side = office.script_check(script, cache);
    std::cout << "isolation-check.ps1 vs custode isolation-check, " << name << ": " << windows_side.verdict() << " (exit "
              << windows_side.exit_code << ") / " << linux_side.verdict() << " (exit " << linux_side.exit_code << ")\n";
    INFO("isolation-check.ps1:\n" << windows_side.output << "\ncustode isolation-check:\n" << linux_side.output);
    CHECK(windows_side.verdict() == linux_side.verdict());
    CHECK(windows_side.exit_code == linux_side.exit_code);
    CHECK(windows_side.report["checker"] == "isolation-check.ps1");
    CHECK(windows_side.report["method"]["neighbour_source"] ==
          (cache == NeighbourCache::arp ? "arp -a" : "Get-NetNeighbor"));
    return {std::move(linux_side), std::move(windows_side)};
}

const json& probe_of(const json& target, const std::string& kind, int port = 0) {
    for (const auto& probe : target["probes"])
        if (probe["kind"] == kind && (port == 0 || probe["port"] == port)) return probe;
    FAIL("no probe " << kind << " " << port);
    throw;
}

/// The certificate disconnect wrote: named in its output, beside the other
/// files, and its `minisign -Vm ... -P KEY` line verifies the record.
void CheckCertificate(const json& output, const fs::path& out) {
    const fs::path certificate = output.at("certificate").get<std::string>();
    CHECK(certificate.parent_path() == out);
    CHECK(certificate.filename() == "certificate-" + output.at("id").get<std::string>() + ".html");
    std::ifstream in(certificate);
    const std::string html{std::istreambuf_iterator<char>(in), {}};
    CHECK_THAT(html, Catch::Contains("acme-isolation-check.ps1"));
    CHECK_THAT(html, Catch::Contains("ping -n 3 192.168.1.250"));
    CHECK_THAT(html, Catch::Contains(output.at("record").at("key_id").get<std::string>()));
    const std::string line_start = "<pre>minisign -Vm acme-disconnect.json -P ";
    const auto at = html.find(line_start);
    REQUIRE(at != std::string::npos);
    const auto key_at = at + line_start.size();
    const auto public_key = html.substr(key_at, html.find("</pre>", key_at) - key_at);
    const auto verified = run_program({"minisign", "-Vm", (out / "acme-disconnect.json").string(), "-P", public_key});
    INFO(verified.output);
    CHECK(verified.exit_code == 0);
}

TEST_CASE("isolation-check.ps1 on a LAN agrees with the Linux check, case by case", "[pwsh][netns][isolation]") {
    pwsh_testing::pwsh_or_skip();
    Office office;
    const auto gateway_mac = office.targets_now().targets[0].mac->to_string();

    SECTION("linked: NOT ISOLATED (exit 1), the lab's MAC in the neighbour cache") {
        const auto [targets, script] = office.write_case(office.dir.path() / "linked", office.targets_now());
        const auto [linux_side, windows_side] = both(office, "linked", targets, script);
        CHECK(windows_side.exit_code == 1);
        const auto& gateway = windows_side.report["targets"][0];
        CHECK(gateway["route"] == "direct");
        CHECK(probe_of(gateway, "icmp_echo")["answered"] == true);
        CHECK(probe_of(gateway, "neighbour_cache")["mac"] == gateway_mac);
        CHECK(gateway["responders"] == json::array({gateway_mac}));
        CHECK(windows_side.report["targets"][1]["route"] == "no_route");
        CHECK(windows_side.warns("no_route", ""));
        CHECK(linux_side.warns("no_route", ""));
    }
    SECTION("linked, the cache read through Get-NetNeighbor: NOT ISOLATED, the lab's MAC in it") {
        const auto [targets, script] = office.write_case(office.dir.path() / "linked-netneighbor", office.targets_now());
        const auto [linux_side, windows_side] =
            both(office, "linked, Get-NetNeighbor", targets, script, NeighbourCache::get_net_neighbor);
        CHECK(windows_side.exit_code == 1);
        const auto& neighbour = probe_of(windows_side.report["targets"][0], "neighbour_cache");
        CHECK(neighbour["mac"] == gateway_mac);
        // Reachable, or Delay or Probe when the Linux check's traffic left a
        // stale entry that the answers alone do not confirm: the answers are
        // the lab's whatever the state.
        const auto state = neighbour["state"].get<std::string>();
        CHECK((state == "Reachable" || state == "Delay" || state == "Probe"));
    }
    SECTION("linked, the lab drops ICMP but a closed port answers with RST: still NOT ISOLATED") {
        set_sysctls(office.client_ns(), {{"net.ipv4.icmp_echo_ignore_all", "1"}});
        const auto [targets, script] = office.write_case(office.dir.path() / "no-icmp", office.targets_now());
        const auto [linux_side, windows_side] = both(office, "linked, ICMP dropped", targets, script);
        CHECK(windows_side.exit_code == 1);
        const auto& gateway = windows_side.report["targets"][0];
        for (const auto& probe : gateway["probes"])
            if (probe["kind"] == "icmp_echo") CHECK(probe["answered"] == false);
        CHECK(probe_of(gateway, "tcp_connect", 445)["result"] == "refused");
        CHECK(probe_of(gateway, "tcp_connect", 445)["answered"] == true);
    }
    SECTION("linked, the lab answers ARP and nothing else: NOT ISOLATED once its entry outlives the wait") {
        set_sysctls(office.client_ns(), {{"net.ipv4.icmp_echo_ignore_all", "1"}});
        // No nft here: a blackhole route to the PC keeps RSTs from leaving; ARP replies need no route.
        run_checked({"ip", "-n", office.client_ns(), "route", "add", "blackhole", office.pc.ip.to_string() + "/32"});
        const auto [targets, script] = office.write_case(office.dir.path() / "arp-only", office.targets_now());
        const auto [linux_side, windows_side] = both(office, "linked, ARP only", targets, script);
        CHECK(windows_side.exit_code == 1);
        const auto& gateway = windows_side.report["targets"][0];
        for (const auto& probe : gateway["probes"])
            if (probe["kind"] != "neighbour_cache") CHECK(probe["answered"] == false);
        CHECK(probe_of(gateway, "neighbour_cache")["answered"] == true);
        CHECK(windows_side.report["method"]["settle_rounds"].get<int>() > 0);
        CHECK_THAT(windows_side.report["reasons"][0].get<std::string>(), Catch::Contains("outlived"));
    }
    SECTION("after custode disconnect, with the files it wrote") {
        // The PC has talked to the lab: its neighbour cache keeps the lab's
        // MAC for the address after the split, until it re-checks it. Made
        // stale at once, as it becomes within a minute (a fresh entry stays
        // "reachable" for 15 to 45 s, on Windows as on Linux).
        REQUIRE(ping(office.pc.ns, ip(kGatewayIp), std::chrono::seconds(2)));
        run_checked({"ip", "-n", office.pc.ns, "neigh", "change", kGatewayIp, "lladdr", gateway_mac, "dev", "eth0",
                     "nud", "stale"});
        const auto out = office.dir.path() / "handed-over";
        fs::create_directories(out);
        const auto result = office.custode()({"--json", "disconnect", "acme", "--targets", (out / "acme-targets.json").string()});
        REQUIRE(result.exit_code == 0);
        const auto script = out / "acme-isolation-check.ps1";
        CHECK(json_of(result.output)["script"] == script.string());
        REQUIRE(fs::exists(script));
        const auto targets = out / "acme-targets.json";
        CheckCertificate(json_of(result.output), out);
        // The state file's record names every file handed over.
        const auto listed = json_of(office.custode()({"--json", "disconnections", "acme"}).output);
        REQUIRE(listed["disconnections"].size() == 1);
        CHECK(listed["disconnections"][0]["files"]["script"] == script.string());
        CHECK(listed["disconnections"][0]["files"]["certificate"] == json_of(result.output)["certificate"]);

        SECTION("ISOLATED (exit 0)") {
            const auto [linux_side, windows_side] = both(office, "disconnected", targets, script);
            CHECK(windows_side.exit_code == 0);
            CHECK(windows_side.report["control"]["answered"] == true);
            CHECK(windows_side.report["targets"][0]["answered"] == false);
            // The entry left from before the split was waited out and probed once more.
            CHECK(probe_of(windows_side.report["targets"][0], "icmp_echo", 0).contains("round"));
            bool fourth_round = false;
            for (const auto& probe : windows_side.report["targets"][0]["probes"])
                fourth_round |= probe["kind"] == "icmp_echo" && probe["round"] == 4;
            CHECK(fourth_round);
        }
        SECTION("ISOLATED through Get-NetNeighbor too: the stale entry waited out") {
            const auto [linux_side, windows_side] =
                both(office, "disconnected, Get-NetNeighbor", targets, script, NeighbourCache::get_net_neighbor);
            CHECK(windows_side.exit_code == 0);
            CHECK(windows_side.report["method"]["settle_rounds"].get<int>() > 0);
        }
        SECTION("the control down: INCONCLUSIVE (exit 4)") {
            office.tb.set_link(office.acme->ns, office.control.name, LinkState::down);
            const auto [linux_side, windows_side] = both(office, "control down", targets, script);
            CHECK(windows_side.exit_code == 4);
            CHECK(windows_side.report["control"]["answered"] == false);
        }
        SECTION("a client PC reusing the lab's address: ISOLATED with address_reuse") {
            const auto usurper = office.tb.add_full_host(*office.acme, "usurper", ip(kGatewayIp));
            const auto [linux_side, windows_side] = both(office, "address reused", targets, script);
            CHECK(windows_side.exit_code == 0);
            CHECK(windows_side.warns("address_reuse", usurper.mac.to_string()));
            CHECK(linux_side.warns("address_reuse", usurper.mac.to_string()));
            CHECK(windows_side.report["targets"][0]["responders"] == json::array({usurper.mac.to_string()}));
        }
    }
}

}  // namespace isolation_lan_test
