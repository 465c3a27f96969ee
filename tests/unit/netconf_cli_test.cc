/// `custode validate` end to end: the example netconf, text and JSON output,
/// a missing directory or site.toml, and many errors at once.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "netconf_cli_support.h"
#include "support/temp_dir.h"

using custode::testing::fixture_dir;
using custode::testing::run_custode;

namespace {

std::string quoted_path(const std::string& path) { return "'" + path + "'"; }
std::string example_dir() { return (std::filesystem::path(CUSTODE_SOURCE_DIR) / "netconf").string(); }

}  // namespace

TEST_CASE("the example netconf validates", "[netconf][cli]") {
    const auto result = run_custode("--netconf " + quoted_path(example_dir()) + " validate", true);
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.output, Catch::StartsWith("site lab: 3 clients ok"));
    CHECK_THAT(result.output, Catch::Contains("acme          vlan   192.168.1.0/24      trunk eth1 vlan 101"));
    CHECK_THAT(result.output, Catch::Contains("bianchi       port"));
    CHECK_THAT(result.output, Catch::Contains("rossi         vxlan  10.20.0.0/24"));
}

TEST_CASE("validate --json lists the clients of a valid netconf", "[netconf][cli]") {
    const auto result = run_custode("--netconf " + quoted_path(example_dir()) + " validate --json", false);
    REQUIRE(result.exit_code == 0);
    const auto json = nlohmann::json::parse(result.output);
    CHECK(json["command"] == "validate");
    CHECK(json["ok"] == true);
    CHECK(json["errors"].empty());
    CHECK(json["site"] == "lab");
    REQUIRE(json["clients"].size() == 3);
    const auto& acme = json["clients"][0];
    CHECK(acme["client"] == "acme");
    CHECK(acme["kind"] == "vlan");
    CHECK(acme["subnet"] == "192.168.1.0/24");
    CHECK(acme["vlan"] == 101);
    CHECK(acme["namespace"] == "cu-acme");
    CHECK(json["clients"][1]["interface"] == "enp3s0");
    CHECK(json["clients"][2]["vni"] == 5001);
}

TEST_CASE("validate reports every error, sorted by file, line and column", "[netconf][cli]") {
    const auto dir = fixture_dir("many-errors");
    const auto result = run_custode("--netconf " + quoted_path(dir) + " validate", true);
    CHECK(result.exit_code == 2);
    const std::string expected = dir + "/clients/acme.toml:4:8: link.vlan: 5000 is out of range 2..4094\n" + dir +
                                 "/clients/acme.toml:7:10: lan.subnet: 192.168.1.1/24 has host bits set; the "
                                 "network is 192.168.1.0/24\n" +
                                 dir + "/clients/acme.toml:9:1: unknown key 'colour' in [lan]\n" + dir +
                                 "/clients/bianchi.toml:3:13: link.interface: interface \"eth1\" is already the "
                                 "trunk of client \"acme\" (" +
                                 dir + "/clients/acme.toml:3:9)\n" + dir +
                                 "/clients/bianchi.toml:4:7: link.mtu: 20 is out of range 68..65535\n" + dir +
                                 "/clients/bianchi.toml:8:11: lan.address: \"10.0.0.1\" is not an IPv4 prefix "
                                 "(a.b.c.d/length)\n" +
                                 dir + "/site.toml:3:20: site.namespace_prefix: \"CU\" does not match "
                                       "[a-z][a-z0-9-]{0,7}\n" +
                                 "custode: 7 errors in " + dir + "; nothing was changed\n";
    CHECK(result.output == expected);
}

TEST_CASE("validate --json carries the errors with their positions", "[netconf][cli]") {
    const auto dir = fixture_dir("many-errors");
    const auto result = run_custode("--netconf " + quoted_path(dir) + " --json validate", false);
    CHECK(result.exit_code == 2);
    const auto json = nlohmann::json::parse(result.output);
    CHECK(json["ok"] == false);
    CHECK(json["clients"].empty());
    REQUIRE(json["errors"].size() == 7);
    const auto& first = json["errors"][0];
    CHECK(first["file"] == dir + "/clients/acme.toml");
    CHECK(first["line"] == 4);
    CHECK(first["column"] == 8);
    CHECK(first["message"] == "link.vlan: 5000 is out of range 2..4094");
}

TEST_CASE("a missing site.toml is a configuration error, not a crash", "[netconf][cli]") {
    const auto dir = fixture_dir("no-site");
    const auto result = run_custode("--netconf " + quoted_path(dir) + " validate", true);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output,
               Catch::StartsWith(dir + "/site.toml: missing: every netconf directory needs a site.toml\n"));
}

TEST_CASE("a missing netconf directory is a configuration error", "[netconf][cli]") {
    const auto dir = fixture_dir("no-such-directory");
    const auto result = run_custode("--netconf " + quoted_path(dir) + " validate", true);
    CHECK(result.exit_code == 2);
    CHECK_THAT(result.output, Catch::StartsWith(dir + ": netconf directory not found"));
}

TEST_CASE("CUSTODE_NETCONF selects the directory when --netconf is absent", "[netconf][cli]") {
    const auto result = run_custode("validate", true, "CUSTODE_NETCONF=" + quoted_path(example_dir()));
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.output, Catch::StartsWith("site lab: 3 clients ok"));
}

TEST_CASE("a network share to scan or back up is a warning naming its place, and the netconf still loads",
          "[netconf][cli]") {
    custode::testing::TempDir dir;
    std::filesystem::copy(example_dir(), dir.path(), std::filesystem::copy_options::recursive);
    const auto acme = dir.path() / "clients" / "acme.toml";
    auto text = custode::testing::read_file(acme);
    const std::string anchor = "task_timeout = 7200";
    const auto at = text.find(anchor);
    REQUIRE(at != std::string::npos);
    text.insert(at, "backup_sources = ['C:\\Users', '\\\\nas\\accounts']\n");
    std::ofstream(acme) << text;

    const auto result = run_custode("--netconf " + quoted_path(dir.path().string()) + " validate", true);
    INFO(result.output);
    CHECK(result.exit_code == 0);
    CHECK_THAT(result.output, Catch::Contains("clients/acme.toml:25:31: warning: maintenance.backup_sources: "
                                              "\"\\\\nas\\accounts\" is a network share"));
    CHECK_THAT(result.output, Catch::Contains("site lab: 3 clients ok"));

    const auto json = nlohmann::json::parse(
        run_custode("--netconf " + quoted_path(dir.path().string()) + " validate --json", false).output);
    CHECK(json["ok"] == true);
    CHECK(json["errors"].empty());
    REQUIRE(json["warnings"].size() == 1);
    CHECK(json["warnings"][0]["line"] == 25);
    CHECK(json["warnings"][0]["column"] == 31);
}
