#include <catch2/catch.hpp>

#include "custode/app/links.h"
#include "fake_link_system.h"

using namespace custode;
using custode::testing::FakeLinkSystem;
using Result = app::ClientOutcome::Result;

namespace {

Netconf load(std::vector<SourceFile> clients) {
    NetconfSources sources;
    sources.site = SourceFile{"site.toml", "[site]\nname = \"lab\"\n"};
    sources.clients = std::move(clients);
    auto loaded = load_netconf(sources);
    for (const auto& diagnostic : loaded.diagnostics) FAIL(diagnostic.to_string());
    return loaded.netconf;
}

SourceFile port_client(const std::string& name, const std::string& port, const std::string& extra = "") {
    return {"clients/" + name + ".toml",
            "[link]\nkind = \"port\"\ninterface = \"" + port + "\"\n" + extra +
                "[lan]\nsubnet = \"192.168.1.0/24\"\naddress = \"192.168.1.250/24\"\n"};
}

/// What a namespace looks like, ignoring kernel indexes.
std::vector<std::string> snapshot(const LiveNamespace& ns) {
    std::vector<std::string> lines;
    for (const auto& link : ns.links) {
        const LiveLink* master = link.master_index ? ns.find(link.master_index) : nullptr;
        std::string line = link.name + "|" + link.kind + "|" + link.alias + "|" + std::to_string(link.mtu) + "|" +
                           (link.admin_up ? "up" : "down") + "|" + (master ? master->name : "");
        for (const auto& address : link.addresses) line += "|" + address.to_string();
        lines.push_back(line);
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

std::vector<std::vector<std::string>> snapshot(FakeLinkSystem& system) {
    std::vector<std::vector<std::string>> all{snapshot(system.gateway)};
    for (const auto& [name, ns] : system.namespaces) {
        all.push_back({name});
        all.push_back(snapshot(ns));
    }
    return all;
}

}  // namespace

TEST_CASE("apply creates every client, and a second apply does nothing", "[links]") {
    FakeLinkSystem system;
    system.add(system.gateway, "p-acme", "veth");
    system.add(system.gateway, "p-bianchi", "veth");
    auto netconf = load({port_client("acme", "p-acme"), port_client("bianchi", "p-bianchi")});
    auto clients = app::select_clients(netconf, {});

    auto first = app::apply_links(netconf, system, clients, {});
    REQUIRE(first.size() == 2);
    CHECK(first[0].result == Result::applied);
    CHECK(first[1].result == Result::applied);
    CHECK(first[0].namespace_name == "cu-acme");
    CHECK(system.namespaces.size() == 2);
    CHECK(system.gateway.find("p-acme") == nullptr);

    const int calls = system.calls;
    auto second = app::apply_links(netconf, system, clients, {});
    CHECK(second[0].result == Result::in_sync);
    CHECK(second[1].result == Result::in_sync);
    CHECK(system.calls == calls);
}

TEST_CASE("dry run and plan change nothing", "[links]") {
    FakeLinkSystem system;
    system.add(system.gateway, "p-acme", "veth");
    auto netconf = load({port_client("acme", "p-acme")});
    auto before = snapshot(system);
    auto outcomes = app::apply_links(netconf, system, app::select_clients(netconf, {}), {.dry_run = true});
    CHECK(outcomes.at(0).result == Result::pending);
    CHECK(system.calls == 0);
    CHECK(snapshot(system) == before);
}

TEST_CASE("a failure at any step undoes the client's completed steps", "[links]") {
    auto netconf = load({port_client("acme", "p-acme", "lab_ports = [\"lab0\"]\n")});
    const auto clients = app::select_clients(netconf, {});
    const auto fresh = [] {
        FakeLinkSystem system;
        system.add(system.gateway, "p-acme", "veth");
        system.add(system.gateway, "lab0", "veth");
        return system;
    };
    auto probe = fresh();
    const auto steps = app::plan_links(netconf, probe, clients, false).at(0).plan.steps.size();
    REQUIRE(steps > 5);
    for (int fail_at = 0; fail_at < static_cast<int>(steps); ++fail_at) {
        INFO("failing step " << fail_at);
        auto system = fresh();
        const auto before = snapshot(system);
        system.fail_at_call = fail_at;
        auto outcome = app::apply_links(netconf, system, clients, {}).at(0);
        CHECK(outcome.result == Result::failed);
        CHECK_THAT(outcome.error, Catch::Contains("injected failure"));
        CHECK(outcome.undo_errors.empty());
        CHECK(snapshot(system) == before);
    }
}

TEST_CASE("one failing client does not stop the others", "[links]") {
    FakeLinkSystem system;
    system.add(system.gateway, "p-acme", "veth");
    system.add(system.gateway, "p-bianchi", "veth");
    auto netconf = load({port_client("acme", "p-acme"), port_client("bianchi", "p-bianchi")});
    system.fail_at_call = 2;
    auto outcomes = app::apply_links(netconf, system, app::select_clients(netconf, {}), {});
    CHECK(outcomes[0].result == Result::failed);
    CHECK(outcomes[1].result == Result::applied);
    CHECK(system.namespaces.count("cu-acme") == 0);
    CHECK(system.namespaces.count("cu-bianchi") == 1);
}

TEST_CASE("a refused client changes nothing and others go on", "[links]") {
    FakeLinkSystem system;
    system.add(system.gateway, "p-bianchi", "veth");
    auto netconf = load({port_client("acme", "p-missing"), port_client("bianchi", "p-bianchi")});
    auto outcomes = app::apply_links(netconf, system, app::select_clients(netconf, {}), {});
    CHECK(outcomes[0].result == Result::refused);
    CHECK(outcomes[1].result == Result::applied);
    CHECK(system.namespaces.count("cu-acme") == 0);
}

TEST_CASE("prune removes managed clients whose file is gone, and only those", "[links]") {
    FakeLinkSystem system;
    system.add(system.gateway, "p-acme", "veth");
    system.add(system.gateway, "p-old", "veth");
    auto both = load({port_client("acme", "p-acme"), port_client("old", "p-old")});
    app::apply_links(both, system, app::select_clients(both, {}), {});
    // A namespace under the prefix that custode did not make.
    system.namespaces["cu-other"] = LiveNamespace{"cu-other", true, {}};
    system.add(system.namespaces["cu-other"], "eth0", "veth");

    auto only_acme = load({port_client("acme", "p-acme")});
    auto without_prune = app::plan_links(only_acme, system, app::select_clients(only_acme, {}), false);
    CHECK(without_prune.size() == 1);
    auto outcomes = app::apply_links(only_acme, system, app::select_clients(only_acme, {}), {.prune = true});
    REQUIRE(outcomes.size() == 2);
    CHECK(outcomes[1].removal);
    CHECK(outcomes[1].result == Result::applied);
    CHECK(system.namespaces.count("cu-old") == 0);
    CHECK(system.namespaces.count("cu-other") == 1);
    CHECK(system.gateway.find("p-old") != nullptr);
}

TEST_CASE("remove gives the port back under its own name", "[links]") {
    FakeLinkSystem system;
    system.add(system.gateway, "p-acme", "veth");
    auto netconf = load({port_client("acme", "p-acme")});
    const auto before = snapshot(system);
    app::apply_links(netconf, system, app::select_clients(netconf, {}), {});
    auto outcome = app::remove_client("cu-", "acme", system, false);
    CHECK(outcome.result == Result::applied);
    CHECK(snapshot(system) == before);
    CHECK(app::remove_client("cu-", "acme", system, false).result == Result::in_sync);
}

TEST_CASE("an unknown client name is a usage error", "[links]") {
    auto netconf = load({port_client("acme", "p-acme")});
    CHECK_THROWS_AS(app::select_clients(netconf, {"nobody"}), UsageError);
    CHECK(app::select_clients(netconf, {"acme", "acme"}).size() == 1);
}
