#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "custode/cli/command.h"
#include "custode/os/disconnection_store.h"
#include "custode/os/state_store.h"
#include "netconf_cli_support.h"
#include "support/temp_dir.h"

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

TEST_CASE("disconnections lists the stored records, --show prints one, an unknown id is exit 2", "[cli][disconnect]") {
    const custode::testing::TempDir dir("custode-cli");
    const auto state = (dir / "state.db").string();
    {
        auto store = custode::os::StateStore::open(state);
        const nlohmann::json old_record = {{"id", "acme-20261101T100000Z"}, {"site", "lab"}, {"verdict", "leftovers"},
                                           {"started", "2026-11-01T09:59:59Z"}, {"checks", nlohmann::json::array()}};
        custode::os::append_disconnection(store, {0, "acme", "2026-11-01T10:00:00Z", "tech", old_record.dump(), ""});
        const nlohmann::json record = {
            {"id", "bianchi-20261206T210000Z"}, {"site", "lab"}, {"verdict", "disconnected"},
            {"started", "2026-12-06T20:59:58Z"},
            {"checks", {{{"name", "namespace_gone"}, {"ok", true}, {"detail", "/run/netns/cu-bianchi is gone"}}}},
            {"files", {{"certificate", "/srv/out/certificate-bianchi-20261206T210000Z.html"},
                       {"script", "/srv/out/bianchi-isolation-check.ps1"}}}};
        custode::os::append_disconnection(store, {0, "bianchi", "2026-12-06T21:00:00Z", "tech", record.dump(),
                                                  "untrusted comment: x\nSIG\ntrusted comment: y\nSIG2\n"});
    }
    const auto with_state = " --state '" + state + "'";

    const auto table = run_custode("disconnections" + with_state, true);
    CHECK(table.exit_code == 0);
    CHECK_THAT(table.output, Catch::Contains("acme-20261101T100000Z") && Catch::Contains("leftovers") &&
                                 Catch::Contains("NO") && Catch::Contains("bianchi-isolation-check.ps1"));

    const auto only = nlohmann::json::parse(run_custode("disconnections bianchi --json" + with_state, false).output);
    CHECK(only["command"] == "disconnections");
    REQUIRE(only["disconnections"].size() == 1);
    CHECK(only["disconnections"][0]["id"] == "bianchi-20261206T210000Z");
    CHECK(only["disconnections"][0]["signed"] == true);
    CHECK(only["disconnections"][0]["files"]["certificate"] == "/srv/out/certificate-bianchi-20261206T210000Z.html");

    const auto shown = run_custode("disconnections --show bianchi-20261206T210000Z" + with_state, true);
    CHECK(shown.exit_code == 0);
    CHECK_THAT(shown.output, Catch::Contains("ok    namespace_gone") && Catch::Contains("trusted comment: y") &&
                                 Catch::Contains("certificate: /srv/out/certificate-bianchi-20261206T210000Z.html"));
    const auto by_number = nlohmann::json::parse(run_custode("disconnections --show 1 --json" + with_state, false).output);
    CHECK(by_number["disconnection"]["id"] == "acme-20261101T100000Z");
    CHECK(by_number["disconnection"]["files"] == nlohmann::json::object());
    CHECK(by_number["disconnection"]["record"]["verdict"] == "leftovers");

    const auto unknown = run_custode("disconnections --show nope" + with_state, true);
    CHECK(unknown.exit_code == 2);
    CHECK_THAT(unknown.output, Catch::Contains("no disconnection 'nope'"));
    CHECK_THAT(run_custode("disconnections nobody" + with_state, true).output, Catch::Contains("no disconnections recorded"));
}
