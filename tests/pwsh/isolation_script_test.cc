/// isolation-check.ps1 under pwsh, off any network: Windows PowerShell 5.1's
/// syntax rules (check_scripts.ps1, as for the task scripts), and a run in a
/// fresh network namespace with nothing in it, where no address can be
/// reached: INCONCLUSIVE, exit 4, and a report that carries the embedded
/// values back unchanged. The runs on a LAN are in
/// tests/netns/isolation_script_test.cc.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>

#include "custode/core/isolation.h"
#include "custode/core/isolation_script.h"
#include "mock_pc.h"
#include "support/literals.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace isolation_script_test {

using namespace custode;
using namespace custode::testing;
using namespace custode::pwsh_testing;
namespace fs = std::filesystem;

/// A client whose names need every kind of quoting, one target without a MAC.
TargetsFile awkward_targets() {
    return {"acme", "2026-12-06T21:00:00Z",
            {{"gateway", ip("192.168.1.250"), mac("02:1a:b0:00:00:fa")},
             {"O'Brien\xE2\x80\x99s \"nas\" $(Get-Date) `n", ip("10.10.0.5"), {}}},
            ip("192.168.1.1")};
}

fs::path write_script(const fs::path& dir, const TargetsFile& targets) {
    const auto path = dir / isolation_script_name(targets.client);
    std::ofstream(path, std::ios::binary) << isolation_check_script(targets, IsolationSettings{}.tcp_ports, "custode test");
    return path;
}

TEST_CASE("isolation-check.ps1 holds nothing Windows PowerShell 5.1 lacks", "[pwsh][isolation]") {
    const auto pwsh = pwsh_or_skip();
    TempDir dir("custode-ps1");
    const auto script = write_script(dir.path(), awkward_targets());
    const auto checked = run_program({pwsh, "-NoLogo", "-NoProfile", "-NonInteractive", "-File",
                                      std::string(CUSTODE_PWSH_TESTS) + "/check_scripts.ps1", script.string()});
    INFO(checked.output);
    CHECK(checked.exit_code == 0);
    CHECK(checked.output.empty());
}

TEST_CASE("isolation-check.ps1 with no network at all: inconclusive, exit 4, the embedded names intact", "[pwsh][isolation]") {
    const auto pwsh = pwsh_or_skip();
    TempDir dir("custode-ps1");
    const auto script = write_script(dir.path(), awkward_targets());
    // A network namespace of its own with only a loopback that is down: the
    // script's probes can reach nothing, and leave nothing on any real network.
    std::vector<std::string> argv{"unshare", "--net"};
    if (::geteuid() != 0) argv.push_back("--map-root-user");
    for (const std::string& word : {pwsh, std::string("-NoProfile"), std::string("-NonInteractive"),
                                    std::string("-File"), script.string()})
        argv.push_back(word);
    const auto run = run_program(argv);
    INFO(run.output);
    CHECK(run.exit_code == 4);
    CHECK_THAT(run.output, Catch::Contains("INCONCLUSIVE  /  NON CONCLUSIVO"));
    CHECK_THAT(run.output, Catch::Contains("SHA-256: "));

    fs::path report_path;
    for (const auto& entry : fs::directory_iterator(dir.path()))
        if (entry.path().extension() == ".json") report_path = entry.path();
    REQUIRE(!report_path.empty());
    CHECK(report_path.filename().string().starts_with("isolation-acme-"));
    std::ifstream in(report_path);
    const auto report = nlohmann::json::parse(in);
    CHECK(report["format"] == "custode-isolation-report/1");
    CHECK(report["checker"] == "isolation-check.ps1");
    CHECK(report["verdict"] == "inconclusive");
    CHECK(report["client"] == "acme");
    CHECK(report["targets"][1]["name"] == awkward_targets().targets[1].name);
    CHECK(report["targets"][1]["mac"].is_null());
    CHECK(report["targets"][0]["route"] == "no_route");
    CHECK(report["control"]["ip"] == "192.168.1.1");
    CHECK(report["control"]["answered"] == false);
    CHECK(report["who"]["computer"].is_string());
    CHECK(report["when"]["start_utc"].get<std::string>().ends_with("Z"));
    bool no_lab_mac = false;
    for (const auto& warning : report["warnings"]) no_lab_mac |= warning["kind"] == "no_lab_mac" && warning["ip"] == "10.10.0.5";
    CHECK(no_lab_mac);
    // The SHA-256 printed is the report file's.
    const auto sha = run_program({"sha256sum", report_path.string()}).output.substr(0, 64);
    CHECK_THAT(run.output, Catch::Contains("SHA-256: " + sha));
}

}  // namespace isolation_script_test
