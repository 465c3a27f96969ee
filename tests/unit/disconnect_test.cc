/// The pure parts of `disconnect` (docs/disconnect.md): lab targets, the
/// baseline on a scripted fake packet I/O, the targets file's shape, the
/// check rules, the record, and the state file's migration 4.

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "custode/app/disconnect.h"
#include "custode/core/canonical_json.h"
#include "custode/core/error.h"
#include "custode/os/disconnection_store.h"
#include "custode/os/state_store.h"
#include "fake_link_system.h"
#include "fake_packet_io.h"
#include "support/literals.h"
#include "support/temp_dir.h"

using namespace custode;
using namespace custode::app;
using namespace custode::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const MacAddress probe_mac = mac("02:00:00:00:00:99");
const MacAddress br0_mac = mac("02:00:00:00:00:01");
const MacAddress labpc_mac = mac("52:54:00:aa:bb:02");
const MacAddress client_pc_mac = mac("00:11:22:33:44:55");

std::vector<LabTarget> sample_targets() {
    return {{"gateway", ip("192.168.1.250"), br0_mac, true},
            {"nas", ip("10.10.0.5"), mac("52:54:00:aa:bb:01"), false},
            {"labpc", ip("192.168.1.5"), std::nullopt, true}};
}

DisconnectSubject port_subject() {
    return {"acme", "cu-acme", "cu-", PortCircuit{"p-acme"}, {"lab0"}, {client_pc_mac}};
}

LiveLink make_link(int index, std::string name, std::string kind = "", std::string alias = "") {
    LiveLink link;
    link.index = index;
    link.name = std::move(name);
    link.kind = std::move(kind);
    link.alias = std::move(alias);
    return link;
}

/// The gateway after a clean teardown: the ports back, unmarked; another client's namespace.
LabObservation clean_observation() {
    LabObservation observation;
    NamespaceObservation gateway;
    gateway.live.links = {make_link(1, "lo"), make_link(2, "eth1"), make_link(5, "p-acme", "veth"),
                          make_link(6, "lab0", "veth")};
    NamespaceObservation other;
    other.name = "cu-bianchi";
    other.live.links = {make_link(1, "lo"), make_link(2, "br0", "bridge", "custode:bianchi"),
                        make_link(3, "circuit", "vlan", "custode:bianchi")};
    other.fdb = {{mac("00:aa:bb:cc:dd:ee"), 3, 2, std::nullopt}};
    observation.namespaces = {gateway, other};
    return observation;
}

const Check& check(const std::vector<Check>& checks, const std::string& name) {
    for (const auto& c : checks)
        if (c.name == name) return c;
    FAIL("no check " << name);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("lab targets: the gateway's LAN address first, then each lab host, on the LAN or not", "[disconnect]") {
    Netconf netconf;
    netconf.site.lab_hosts = {{"nas", ip("10.10.0.5"), mac("52:54:00:aa:bb:01")}, {"labpc", ip("192.168.1.5"), {}}};
    Client client{*ClientName::parse("acme"), "clients/acme.toml", "", PortLink{"p-acme"}, {}, 1500, {}, {}, {}};
    client.lan.subnet = *Ipv4Prefix::parse("192.168.1.0/24");
    client.lan.address = *Ipv4Prefix::parse("192.168.1.250/24");
    const auto targets = lab_targets(netconf, client, br0_mac);
    REQUIRE(targets.size() == 3);
    CHECK(targets[0].name == "gateway");
    CHECK(targets[0].ip == ip("192.168.1.250"));
    CHECK(targets[0].mac == br0_mac);
    CHECK(targets[0].on_client_lan);
    CHECK_FALSE(targets[1].on_client_lan);
    CHECK(targets[2].on_client_lan);
    CHECK_FALSE(targets[2].mac);
}

TEST_CASE("baseline: ARP probes for on-LAN targets only, a silent one after every try", "[disconnect]") {
    FakeClock clock;
    FakePacketIo io(probe_mac, clock);
    io.answer(ip("192.168.1.250"), br0_mac, 2ms);
    io.answer(ip("192.168.1.5"), labpc_mac, 1ms, 1);  // the first request is lost
    auto targets = sample_targets();
    targets.push_back({"printer", ip("192.168.1.7"), mac("52:54:00:aa:bb:03"), true});  // silent

    const auto results = probe_baseline(io, targets, {}, [&] { return clock.now(); });
    REQUIRE(results.size() == 4);
    CHECK(results[0].probed);
    CHECK(results[0].answered);
    CHECK(results[0].answered_mac == br0_mac);
    CHECK(results[0].answer_ms == 2);
    CHECK_FALSE(results[1].probed);
    CHECK_FALSE(results[1].answered);
    CHECK(results[2].answered);
    CHECK(results[2].mac() == labpc_mac);  // learnt from the reply
    CHECK(results[3].probed);
    CHECK_FALSE(results[3].answered);
    // Nothing for the off-LAN NAS; three tries for the silent printer; sender IP 0.0.0.0.
    const auto asked = io.requested_ips();
    CHECK(std::count(asked.begin(), asked.end(), ip("10.10.0.5")) == 0);
    CHECK(std::count(asked.begin(), asked.end(), ip("192.168.1.7")) == 3);
    CHECK(std::count(asked.begin(), asked.end(), ip("192.168.1.250")) == 1);
    const auto first = parse_arp(io.sent().front().bytes);
    REQUIRE(first);
    CHECK(first->sender_ip == Ipv4Address());
}

TEST_CASE("targets file: exactly client, created, targets (name, ip, mac) and control", "[disconnect]") {
    std::vector<BaselineResult> baseline;
    for (const auto& target : sample_targets()) baseline.push_back({target, target.on_client_lan, false, {}, 0});
    baseline[2].answered = true;
    baseline[2].answered_mac = labpc_mac;
    baseline.push_back({{"ghost", ip("10.10.0.9"), std::nullopt, false}, false, false, {}, 0});

    const auto file = targets_file_json("acme", "2026-11-28T21:30:00Z", baseline, ip("192.168.1.1"));
    CHECK(file == json::parse(R"({"client":"acme","created":"2026-11-28T21:30:00Z","control":"192.168.1.1",
        "targets":[{"name":"gateway","ip":"192.168.1.250","mac":"02:00:00:00:00:01"},
                   {"name":"nas","ip":"10.10.0.5","mac":"52:54:00:aa:bb:01"},
                   {"name":"labpc","ip":"192.168.1.5","mac":"52:54:00:aa:bb:02"},
                   {"name":"ghost","ip":"10.10.0.9"}]})"));
    CHECK_FALSE(targets_file_json("acme", "t", baseline, std::nullopt).contains("control"));
}

TEST_CASE("checks: a clean gateway passes every check, in order", "[disconnect]") {
    const auto checks = evaluate_checks(port_subject(), clean_observation());
    std::vector<std::string> names;
    for (const auto& c : checks) names.push_back(c.name);
    CHECK(names == std::vector<std::string>{"namespace_gone", "namespace_released", "circuit_gone", "bridge_gone",
                                            "ports_returned", "no_marked_links", "fdb_clean"});
    for (const auto& c : checks) {
        INFO(c.name << ": " << c.detail);
        CHECK(c.ok);
    }
    CHECK(all_ok(checks));
}

TEST_CASE("checks: every kind of leftover fails its check, naming it", "[disconnect]") {
    auto subject = port_subject();
    SECTION("the namespace name and a holder") {
        auto observation = clean_observation();
        observation.namespace_listed = true;
        observation.holders = {"pid 42 (sleep)"};
        const auto checks = evaluate_checks(subject, observation);
        CHECK_FALSE(check(checks, "namespace_gone").ok);
        CHECK(check(checks, "namespace_released").detail == "pid 42 (sleep)");
        CHECK_FALSE(all_ok(checks));
    }
    SECTION("a port still marked and enslaved; a lab port missing") {
        auto observation = clean_observation();
        auto& gateway = observation.namespaces[0].live.links;
        gateway[2].alias = "custode:acme port=p-acme";
        gateway[2].master_index = 2;
        gateway.pop_back();  // lab0
        const auto checks = evaluate_checks(subject, observation);
        const auto& ports = check(checks, "ports_returned");
        CHECK_FALSE(ports.ok);
        CHECK_THAT(ports.detail, Catch::Contains("p-acme still carries the marker") &&
                                     Catch::Contains("enslaved to eth1") && Catch::Contains("lab0 is not in the gateway"));
    }
    SECTION("a bridge and a circuit marked for the client in another namespace") {
        auto observation = clean_observation();
        observation.namespaces[1].live.links.push_back(make_link(7, "br0", "bridge", "custode:acme"));
        observation.namespaces[1].live.links.push_back(make_link(8, "circuit", "veth", "custode:acme port=p-acme"));
        const auto checks = evaluate_checks(subject, observation);
        CHECK(check(checks, "bridge_gone").detail == "cu-bianchi/br0");
        CHECK(check(checks, "circuit_gone").detail == "cu-bianchi/circuit");
        CHECK(check(checks, "no_marked_links").detail == "cu-bianchi/br0; cu-bianchi/circuit");
        // Another client's marked links are not ours.
        CHECK(check(checks, "no_marked_links").detail.find("bianchi/br0;") != std::string::npos);
    }
    SECTION("a client MAC in a forwarding table") {
        auto observation = clean_observation();
        observation.namespaces[0].fdb.push_back({client_pc_mac, 5, 0, 1});
        const auto checks = evaluate_checks(subject, observation);
        const auto& fdb = check(checks, "fdb_clean");
        CHECK_FALSE(fdb.ok);
        CHECK(fdb.detail == "00:11:22:33:44:55 on gateway/p-acme");
    }
    SECTION("the VLAN id still on the trunk") {
        subject.circuit = VlanCircuit{"eth1", 101};
        subject.lab_ports.clear();
        auto observation = clean_observation();
        auto other_trunk = make_link(9, "eth2.101", "vlan");
        other_trunk.vlan_id = 101;
        other_trunk.parent_index = 99;  // same id, another trunk: not ours
        observation.namespaces[0].live.links.push_back(other_trunk);
        CHECK(check(evaluate_checks(subject, observation), "vlan_gone").ok);
        auto stale = make_link(10, "c-acme", "vlan");
        stale.vlan_id = 101;
        stale.parent_index = 2;
        observation.namespaces[0].live.links.push_back(stale);
        const auto checks = evaluate_checks(subject, observation);
        CHECK(check(checks, "vlan_gone").detail == "gateway/c-acme is VLAN 101 on eth1");
        CHECK(check(checks, "ports_returned").ok);  // a VLAN client has no ports
    }
    SECTION("the VNI anywhere") {
        subject.circuit = VxlanCircuit{5001, ip("198.51.100.1"), ip("203.0.113.7"), "eth0", 4789};
        auto observation = clean_observation();
        CHECK(check(evaluate_checks(subject, observation), "vni_gone").ok);
        auto vxlan = make_link(11, "vx5001", "vxlan");
        vxlan.vxlan_vni = 5001;
        observation.namespaces[1].live.links.push_back(vxlan);
        CHECK(check(evaluate_checks(subject, observation), "vni_gone").detail == "cu-bianchi/vx5001 has VNI 5001");
    }
}

TEST_CASE("observe: the gateway, every namespace under the prefix and their forwarding tables, through the link system", "[disconnect]") {
    FakeLinkSystem system;
    system.add(system.gateway, "p-acme", "veth");
    for (const auto* name : {"cu-acme", "cu-bianchi", "other-ns"}) {
        auto& ns = system.namespaces[name];
        ns.name = name;
        ns.exists = true;
    }
    system.add(system.namespaces["cu-bianchi"], "br0", "bridge").alias = "custode:bianchi";
    system.forwarding[""] = {{mac("00:aa:bb:cc:dd:01"), 2, 0, std::nullopt}};
    system.forwarding["cu-bianchi"] = {{client_pc_mac, 3, 2, std::nullopt}};
    const auto old = system.namespace_identity("cu-acme");
    REQUIRE(old);
    system.holders[old->inode] = {"pid 42 (sleep)"};

    const auto observation = observe_lab(system, port_subject(), old);
    CHECK(observation.namespace_listed);
    CHECK(observation.holders == std::vector<std::string>{"pid 42 (sleep)"});
    REQUIRE(observation.namespaces.size() == 3);  // the gateway, cu-acme, cu-bianchi; not other-ns
    CHECK(observation.namespaces[0].name.empty());
    CHECK(observation.namespaces[0].fdb.size() == 1);
    CHECK(observation.namespaces[1].name == "cu-acme");
    CHECK(observation.namespaces[2].name == "cu-bianchi");
    REQUIRE(observation.namespaces[2].fdb.size() == 1);

    const auto checks = evaluate_checks(port_subject(), observation);
    CHECK_FALSE(check(checks, "namespace_gone").ok);
    CHECK_FALSE(check(checks, "namespace_released").ok);
    CHECK_FALSE(check(checks, "fdb_clean").ok);  // the client's PC is still learnt on cu-bianchi's bridge

    system.namespaces.erase("cu-acme");
    system.holders.clear();
    system.forwarding["cu-bianchi"].clear();
    const auto after = observe_lab(system, port_subject(), old);
    CHECK_FALSE(after.namespace_listed);
    REQUIRE(after.namespaces.size() == 2);
    CHECK(check(evaluate_checks(port_subject(), after), "fdb_clean").ok);
}

TEST_CASE("probe port: a marked veth pair on br0 that one DeleteLink removes whole", "[disconnect]") {
    FakeLinkSystem system;
    const os::StepTarget target{"acme", "cu-acme"};
    system.carry_out(target, CreateNamespace{});
    system.carry_out(target, CreateBridge{});
    const auto bridge = system.read_namespace("cu-acme").find("br0")->index;
    system.add_probe_port(target, {"cdprobe", "cdprobe-br", mac("fe:ff:ff:ff:ff:fe")});
    const auto live = system.read_namespace("cu-acme");
    REQUIRE(live.find("cdprobe"));
    REQUIRE(live.find("cdprobe-br"));
    CHECK(live.find("cdprobe-br")->master_index == bridge);
    CHECK(is_marked_for(live.find("cdprobe")->alias, "acme"));
    CHECK_THROWS_AS(system.add_probe_port(target, {"cdprobe", "cdprobe-br", mac("fe:ff:ff:ff:ff:fe")}), SystemError);
    system.carry_out(target, DeleteLink{"cdprobe"});
    const auto after = system.read_namespace("cu-acme");
    CHECK_FALSE(after.find("cdprobe"));
    CHECK_FALSE(after.find("cdprobe-br"));
}

TEST_CASE("record: verdicts, removed actions, canonical without floats", "[disconnect]") {
    Disconnection d;
    d.id = "acme-20261128T213000Z";
    d.site = "lab";
    d.user = "tech";
    d.started = "2026-11-28T21:30:00Z";
    d.finished = "2026-11-28T21:30:02Z";
    d.subject = port_subject();
    for (const auto& target : sample_targets()) d.baseline.push_back({target, target.on_client_lan, true, br0_mac, 3});
    d.baseline[1].answered = false;
    d.removal.namespace_name = "cu-acme";
    d.removal.plan = plan_removal("acme", LiveNamespace{}, LiveNamespace{"cu-acme", true, {make_link(4, "circuit", "veth",
                                                                                      "custode:acme port=p-acme")}});
    d.removal.result = ClientOutcome::Result::applied;
    d.checks = evaluate_checks(d.subject, clean_observation());
    CHECK(verdict_of(d) == "disconnected");

    const auto record = record_json(d);
    CHECK(record.at("verdict") == "disconnected");
    CHECK(record.at("link") == json::parse(R"({"kind":"port","interface":"p-acme","lab_ports":["lab0"]})"));
    const auto& actions = record.at("removed").at("actions");
    REQUIRE(actions.size() == 2);
    CHECK(actions[0].at("from") == "p-acme");
    CHECK(actions[1] == json::parse(R"({"op":"delete","object":"namespace","attribute":"","from":"cu-acme","to":""})"));
    CHECK(record.at("baseline")[1].at("probe") == "not_probed");
    CHECK(record.at("baseline")[1].at("answered").is_null());
    const auto text = canonical_json(record);
    CHECK(text == canonical_json(json::parse(text)));

    d.checks[5].ok = false;
    CHECK(verdict_of(d) == "leftovers");
    d.removal.result = ClientOutcome::Result::failed;
    CHECK(verdict_of(d) == "teardown_failed");
}

TEST_CASE("state: migration 4 keeps a version 3 file's rows — disconnections are append-only", "[disconnect][state]") {
    const TempDir dir("custode-disconnect-test");
    const auto path = dir / "state.db";
    {
        const auto all = os::StateStore::migrations();
        auto old = os::StateStore::open_with_migrations(path, all.first(3));
        CHECK(old.schema_version() == 3);
        old.append_audit({0, "2024-05-01T20:30:00Z", "tech", "apply", "acme", "{}", "ok", ""});
    }
    auto store = os::StateStore::open(path);
    CHECK(store.schema_version() == static_cast<int>(os::StateStore::migrations().size()));
    CHECK(store.audit_records(10).size() == 1);
    const os::DisconnectionRecord record{0, "acme", "2026-11-28T21:30:02Z", "tech", R"({"a":1})", "sig"};
    const auto id = os::append_disconnection(store, record);
    auto expected = record;
    expected.id = id;
    CHECK(os::disconnections(store, "acme") == std::vector<os::DisconnectionRecord>{expected});
    CHECK(os::disconnections(store, "").size() == 1);
    CHECK(os::disconnections(store, "bianchi").empty());
    CHECK_THROWS_WITH(store.execute("UPDATE disconnections SET signature = ''"), Catch::Contains("append-only"));
    CHECK_THROWS_WITH(store.execute("DELETE FROM disconnections"), Catch::Contains("append-only"));
}
