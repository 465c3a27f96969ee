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

namespace {

/// Three port clients on a fresh fake gateway.
FakeLinkSystem three_ports() {
    FakeLinkSystem system;
    for (const char* port : {"p-acme", "p-bianchi", "p-conti"}) system.add(system.gateway, port, "veth");
    return system;
}

Netconf three_clients() {
    return load({port_client("acme", "p-acme"), port_client("bianchi", "p-bianchi"), port_client("conti", "p-conti")});
}

/// Position in the log of the first (or last) call of this step kind, for any client.
template <class Kind>
std::ptrdiff_t first_call(const FakeLinkSystem& system) {
    auto found = std::find_if(system.log.begin(), system.log.end(),
                              [](const auto& call) { return std::holds_alternative<Kind>(call.second); });
    return found - system.log.begin();
}
template <class Kind>
std::ptrdiff_t last_call(const FakeLinkSystem& system) {
    auto found = std::find_if(system.log.rbegin(), system.log.rend(),
                              [](const auto& call) { return std::holds_alternative<Kind>(call.second); });
    return system.log.rend() - found - 1;
}

/// The fake after the failed client was undone: it has no namespace and its
/// port is back in the gateway; the others are applied and now in sync.
void check_only_one_undone(FakeLinkSystem& system, const Netconf& netconf,
                           const std::vector<app::ClientOutcome>& outcomes, const std::string& failed) {
    REQUIRE(outcomes.size() == 3);
    for (const auto& outcome : outcomes) {
        INFO(outcome.plan.client);
        if (outcome.plan.client == failed) {
            CHECK(outcome.result == Result::failed);
            CHECK_THAT(outcome.error, Catch::Contains("injected failure"));
            CHECK(outcome.undo_errors.empty());
            CHECK(system.namespaces.count("cu-" + failed) == 0);
            const LiveLink* port = system.gateway.find("p-" + failed);
            REQUIRE(port != nullptr);
            CHECK(port->alias.empty());
        } else {
            CHECK(outcome.result == Result::applied);
        }
    }
    system.fail_if = nullptr;
    system.fail_at_call = -1;
    for (const auto& again : app::plan_links(netconf, system, app::select_clients(netconf, {}), false))
        CHECK(again.result == (again.plan.client == failed ? Result::pending : Result::in_sync));
}

}  // namespace

TEST_CASE("apply runs in phases across clients: namespaces, then moves, then the rest", "[links]") {
    auto system = three_ports();
    auto netconf = three_clients();
    auto outcomes = app::apply_links(netconf, system, app::select_clients(netconf, {}), {});
    REQUIRE(outcomes.size() == 3);
    for (const auto& outcome : outcomes) CHECK(outcome.result == Result::applied);
    CHECK(last_call<CreateNamespace>(system) < first_call<AdoptPort>(system));
    CHECK(last_call<AddAddress>(system) < first_call<AdoptPort>(system));
    CHECK(last_call<AdoptPort>(system) < first_call<SetMaster>(system));
    CHECK(last_call<AdoptPort>(system) - first_call<AdoptPort>(system) == 2);  // the three moves back to back
    // Each client's own steps still in plan order.
    for (const auto& outcome : outcomes) {
        std::vector<std::size_t> kinds;
        for (const auto& [client, step] : system.log)
            if (client == outcome.plan.client) kinds.push_back(step.index());
        std::vector<std::size_t> planned;
        for (const auto& step : outcome.plan.steps) planned.push_back(step.index());
        CHECK(kinds == planned);
    }
}

TEST_CASE("a client failing in the move phase is undone alone — the others complete", "[links]") {
    auto system = three_ports();
    auto netconf = three_clients();
    system.fail_if = [](const os::StepTarget& target, const Step& step) {
        return target.client == "bianchi" && std::holds_alternative<AdoptPort>(step);
    };
    auto outcomes = app::apply_links(netconf, system, app::select_clients(netconf, {}), {});
    // bianchi is dropped from the last phase.
    for (const auto& [client, step] : system.log)
        if (client == "bianchi") CHECK_FALSE(std::holds_alternative<SetMaster>(step));
    check_only_one_undone(system, netconf, outcomes, "bianchi");
}

TEST_CASE("a client failing in the last phase is undone alone, its port given back", "[links]") {
    auto system = three_ports();
    auto netconf = three_clients();
    system.fail_if = [](const os::StepTarget& target, const Step& step) {
        return target.client == "bianchi" && std::holds_alternative<SetMaster>(step);
    };
    auto outcomes = app::apply_links(netconf, system, app::select_clients(netconf, {}), {});
    check_only_one_undone(system, netconf, outcomes, "bianchi");
}

TEST_CASE("a kernel refusal without a reason of its own gets custode's account of what to look at", "[links]") {
    auto system = three_ports();
    auto netconf = three_clients();
    system.fail_if = [](const os::StepTarget& target, const Step& step) {
        return target.client == "bianchi" && std::holds_alternative<SetMtu>(step);
    };
    const auto outcomes = app::apply_links(netconf, system, app::select_clients(netconf, {}), {});
    for (const auto& outcome : outcomes) {
        if (outcome.plan.client != "bianchi") continue;
        CHECK(outcome.result == Result::failed);
        CHECK_THAT(outcome.error, Catch::Contains("injected failure: Input/output error (the kernel gave no reason; "
                                                  "the kernel refuses an MTU of 1500 on "));
        CHECK_THAT(outcome.error, Catch::Contains("compare with the lower device's MTU (ip link), or set link.mtu)"));
    }
    // The causes per kind of step; SystemError keeps the kernel's own words apart, to tell the two cases.
    CHECK(refusal_causes(SetMaster{"circuit", "", "br0"}) ==
          "circuit may already be a port of another bridge, or be a kind a bridge cannot take");
    const SystemError explained("change link 7", EINVAL, "MTU greater than device maximum");
    CHECK(explained.detail() == "MTU greater than device maximum");
    CHECK(SystemError("change link 7", EINVAL, "").detail().empty());
}

TEST_CASE("with three clients, a failure at any call undoes exactly that client", "[links]") {
    auto netconf = three_clients();
    auto probe = three_ports();
    app::apply_links(netconf, probe, app::select_clients(netconf, {}), {});
    const auto calls = probe.log;
    REQUIRE(calls.size() >= 27);
    for (std::size_t fail_at = 0; fail_at < calls.size(); ++fail_at) {
        INFO("failing call " << fail_at << " (client " << calls[fail_at].first << ")");
        auto system = three_ports();
        system.fail_at_call = static_cast<int>(fail_at);
        auto outcomes = app::apply_links(netconf, system, app::select_clients(netconf, {}), {});
        check_only_one_undone(system, netconf, outcomes, calls[fail_at].first);
    }
}

TEST_CASE("removal runs in phases too: every port back before any namespace goes", "[links]") {
    auto system = three_ports();
    auto netconf = three_clients();
    const auto before = snapshot(system);
    app::apply_links(netconf, system, app::select_clients(netconf, {}), {});
    auto empty = load({});
    system.log.clear();
    auto outcomes = app::apply_links(empty, system, app::select_clients(empty, {}), {.prune = true});
    REQUIRE(outcomes.size() == 3);
    for (const auto& outcome : outcomes) CHECK(outcome.result == Result::applied);
    CHECK(last_call<ReleasePort>(system) < first_call<DeleteNamespace>(system));
    CHECK(snapshot(system) == before);
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
    auto outcome = app::remove_client("cu-", "acme", system, app::Removal::carry_out);
    CHECK(outcome.result == Result::applied);
    CHECK(snapshot(system) == before);
    CHECK(app::remove_client("cu-", "acme", system, app::Removal::carry_out).result == Result::in_sync);
}

TEST_CASE("an unknown client name is a usage error", "[links]") {
    auto netconf = load({port_client("acme", "p-acme")});
    CHECK_THROWS_AS(app::select_clients(netconf, {"nobody"}), UsageError);
    CHECK(app::select_clients(netconf, {"acme", "acme"}).size() == 1);
}
