#include <catch2/catch.hpp>

#include "custode/cli/command.h"
#include "netconf_cli_support.h"

using custode::testing::run_custode;

namespace {
const std::string example = std::string("--netconf '") + CUSTODE_SOURCE_DIR + "/netconf' ";
}

TEST_CASE("the version and help options exit 0 — no command is a usage error", "[cli]") {
    auto version = run_custode("--version", true);
    CHECK(version.exit_code == 0);
    CHECK_THAT(version.output, Catch::StartsWith("custode "));
    auto help = run_custode("--help", true);
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.output, Catch::Contains("isolation-check") && Catch::Contains("--netconf"));
    CHECK(run_custode("", true).exit_code == 2);
}

TEST_CASE("every command in the table has --help", "[cli]") {
    for (const auto& command : custode::cli::command_table()) {
        const std::string name(command.name);
        INFO(name);
        auto run = run_custode(name + " --help", true);
        CHECK(run.exit_code == 0);
        CHECK_THAT(run.output, Catch::StartsWith("usage: custode " + name));
    }
}

TEST_CASE("unknown commands and options, and incomplete commands, exit 2", "[cli]") {
    auto unknown = run_custode("frobnicate", true);
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.output, Catch::Contains("unknown command 'frobnicate'"));
    auto option = run_custode("validate --frobnicate", true);
    CHECK(option.exit_code == 2);
    CHECK_THAT(option.output, Catch::Contains("frobnicate"));
    auto no_clients = run_custode(example + "maintain", true);
    CHECK(no_clients.exit_code == 2);
    CHECK_THAT(no_clients.output, Catch::Contains("name the clients, or give --all or --scheduled"));
    auto missing_value = run_custode("validate --netconf", true);
    CHECK(missing_value.exit_code == 2);
}

TEST_CASE("global options may come before or after the command, and repeat", "[cli]") {
    CHECK(run_custode(example + "validate", true).exit_code == 0);
    CHECK(run_custode("validate " + example + "--json", false).exit_code == 0);
    CHECK(run_custode("-v -v -q " + example + "validate", true).exit_code == 0);
    auto as_json = run_custode("--json validate " + example, false);
    CHECK_THAT(as_json.output, Catch::Contains("\"command\": \"validate\"") && Catch::Contains("\"ok\": true"));
}

TEST_CASE("link commands name an unknown client as a usage error", "[cli]") {
    auto run = run_custode(example + "plan nobody", true);
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.output, Catch::Contains("no client 'nobody'"));
}
