#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "custode/core/link_plan.h"

using namespace custode;

namespace {

/// A fake kernel link table, built link by link.
struct FakeNamespace {
    LiveNamespace ns;

    explicit FakeNamespace(std::string name, bool exists = true) {
        ns.name = std::move(name);
        ns.exists = exists;
        ns.links.reserve(64);  // references from add() stay valid
        if (exists) add("lo", "", "");
    }
    LiveLink& add(std::string name, std::string kind, std::string alias) {
        LiveLink link;
        link.index = static_cast<int>(ns.links.size()) + 1;
        link.name = std::move(name);
        link.kind = std::move(kind);
        link.alias = std::move(alias);
        link.mtu = 1500;
        link.admin_up = true;
        ns.links.push_back(link);
        return ns.links.back();
    }
    LiveLink& operator[](std::string_view name) { return const_cast<LiveLink&>(*ns.find(name)); }
};

ClientLinks port_client() {
    ClientLinks want;
    want.client = "acme";
    want.namespace_name = "cu-acme";
    want.circuit = PortCircuit{"p-acme"};
    want.mtu = 1500;
    want.address = *Ipv4Prefix::parse("192.168.1.250/24");
    return want;
}

/// The client's namespace exactly as apply leaves it for `port_client()`.
FakeNamespace in_sync_namespace() {
    FakeNamespace ns("cu-acme");
    auto& bridge = ns.add("br0", "bridge", "custode:acme");
    bridge.addresses.push_back(*Ipv4Prefix::parse("192.168.1.250/24"));
    auto& circuit = ns.add("circuit", "veth", port_marker("acme", "p-acme"));
    circuit.master_index = bridge.index;
    return ns;
}

/// The client's namespace with its circuit as VLAN `vlan` on the trunk at `trunk_index`.
FakeNamespace vlan_namespace(int vlan, int trunk_index) {
    auto ns = in_sync_namespace();
    ns["circuit"].kind = "vlan";
    ns["circuit"].alias = "custode:acme";
    ns["circuit"].vlan_id = vlan;
    ns["circuit"].parent_index = trunk_index;
    return ns;
}

/// The client's namespace with its circuit as `vxlan`, as the kernel reports it.
FakeNamespace vxlan_namespace(const VxlanCircuit& vxlan) {
    auto ns = in_sync_namespace();
    auto& circuit = ns["circuit"];
    circuit.kind = "vxlan";
    circuit.alias = "custode:acme";
    circuit.vxlan_vni = vxlan.vni;
    circuit.vxlan_local = vxlan.local;
    circuit.vxlan_remote = vxlan.remote;
    circuit.vxlan_port = vxlan.port;
    return ns;
}

std::vector<std::string> rendered(const ClientPlan& plan) {
    std::vector<std::string> lines;
    for (const auto& step : plan.steps) {
        auto view = describe(step);
        lines.push_back(view.op + " " + view.object + " " + view.attribute + " " + view.from + "->" + view.to);
    }
    return lines;
}

}  // namespace

TEST_CASE("a new port client is created step by step", "[plan]") {
    FakeNamespace gateway("");
    gateway.add("p-acme", "veth", "").admin_up = false;
    auto plan = plan_client(port_client(), gateway.ns, FakeNamespace("cu-acme", false).ns);
    CAPTURE(plan.refusals);
    REQUIRE(plan.refusals.empty());
    CHECK(rendered(plan) == std::vector<std::string>{
                                "create namespace  ->",
                                "create br0 kind ->bridge",
                                "change br0 mtu ->1500",
                                "create br0 address ->192.168.1.250/24",
                                "create circuit port ->p-acme",
                                "change circuit mtu ->1500",
                                "change circuit master ->br0",
                                "change circuit state down->up",
                                "change br0 state down->up",
                            });
}

TEST_CASE("an in-sync client plans nothing", "[plan]") {
    FakeNamespace gateway("");
    auto plan = plan_client(port_client(), gateway.ns, in_sync_namespace().ns);
    CHECK(plan.in_sync());
}

TEST_CASE("drift is planned per attribute", "[plan]") {
    FakeNamespace gateway("");
    auto ns = in_sync_namespace();
    ns["br0"].admin_up = false;
    ns["br0"].addresses.push_back(*Ipv4Prefix::parse("10.0.0.1/8"));
    ns["circuit"].mtu = 9000;
    ns["circuit"].master_index = 0;
    auto plan = plan_client(port_client(), gateway.ns, ns.ns);
    CHECK(rendered(plan) == std::vector<std::string>{
                                "delete br0 address 10.0.0.1/8->",
                                "change circuit mtu 9000->1500",
                                "change circuit master ->br0",
                                "change br0 state down->up",
                            });
}

TEST_CASE("a circuit that is down is brought up", "[plan]") {
    FakeNamespace gateway("");
    auto ns = in_sync_namespace();
    ns["circuit"].admin_up = false;
    CHECK(rendered(plan_client(port_client(), gateway.ns, ns.ns)) ==
          std::vector<std::string>{"change circuit state down->up"});
}

TEST_CASE("a circuit of another kind, or a VLAN on another trunk, is recreated naming why", "[plan]") {
    FakeNamespace gateway("");
    auto& trunk = gateway.add("eth1", "", "");
    auto& other_trunk = gateway.add("eth2", "", "");
    auto want = port_client();
    want.circuit = VlanCircuit{"eth1", 101};
    const auto ns = vlan_namespace(101, trunk.index);
    REQUIRE(plan_client(want, gateway.ns, ns.ns).in_sync());

    auto moved = ns;
    moved["circuit"].parent_index = other_trunk.index;
    const auto on_other_trunk = plan_client(want, gateway.ns, moved.ns);
    REQUIRE_FALSE(on_other_trunk.steps.empty());
    CHECK(describe(on_other_trunk.steps[0]).op == "delete");
    CHECK(describe(on_other_trunk.steps[0]).attribute == "trunk");

    auto other_kind = ns;
    other_kind["circuit"].kind = "vxlan";
    other_kind["circuit"].vlan_id.reset();
    other_kind["circuit"].vxlan_vni = 101;
    const auto kind_changed = plan_client(want, gateway.ns, other_kind.ns);
    REQUIRE_FALSE(kind_changed.steps.empty());
    const auto removal = describe(kind_changed.steps[0]);
    CHECK(removal.attribute == "kind");
    CHECK(removal.from == "vxlan");
    CHECK(removal.to == "vlan");
}

TEST_CASE("a deleted bridge is recreated with its address", "[plan]") {
    FakeNamespace gateway("");
    auto ns = in_sync_namespace();
    ns.ns.links.erase(ns.ns.links.begin() + 1);  // br0
    ns["circuit"].master_index = 0;
    auto plan = plan_client(port_client(), gateway.ns, ns.ns);
    CHECK(rendered(plan) == std::vector<std::string>{
                                "create br0 kind ->bridge",
                                "change br0 mtu ->1500",
                                "create br0 address ->192.168.1.250/24",
                                "change circuit master ->br0",
                                "change br0 state down->up",
                            });
}

TEST_CASE("a changed VLAN id is an explicit, interrupting recreate", "[plan]") {
    FakeNamespace gateway("");
    auto& trunk = gateway.add("eth1", "", "");
    auto want = port_client();
    want.circuit = VlanCircuit{"eth1", 102};
    const auto ns = vlan_namespace(101, trunk.index);
    auto plan = plan_client(want, gateway.ns, ns.ns);
    REQUIRE(plan.steps.size() >= 2);
    auto removal = describe(plan.steps[0]);
    CHECK(removal.op == "delete");
    CHECK(removal.attribute == "vlan");
    CHECK(removal.from == "101");
    CHECK(removal.to == "102");
    CHECK(removal.interrupts);
    CHECK(describe(plan.steps[1]).to == "vlan 102 on eth1");
}

TEST_CASE("a changed VNI is recreated — unchanged vxlan is in sync", "[plan]") {
    FakeNamespace gateway("");
    gateway.add("under0", "veth", "").mtu = 1550;  // carries a 1500-byte LAN
    auto want = port_client();
    VxlanCircuit vxlan{5001, *Ipv4Address::parse("10.9.0.1"), *Ipv4Address::parse("10.9.0.2"), "under0", 4789};
    want.circuit = vxlan;
    auto ns = vxlan_namespace(vxlan);
    auto& circuit = ns["circuit"];
    CHECK(plan_client(want, gateway.ns, ns.ns).in_sync());
    circuit.vxlan_vni = 5002;
    auto plan = plan_client(want, gateway.ns, ns.ns);
    REQUIRE_FALSE(plan.steps.empty());
    CHECK(describe(plan.steps[0]).attribute == "vni");
    circuit.vxlan_vni = 5001;
    // Each endpoint alone is drift that recreates the circuit.
    for (const auto& [field, drift] : std::vector<std::pair<std::string, std::function<void(LiveLink&)>>>{
             {"remote", [](LiveLink& l) { l.vxlan_remote = *Ipv4Address::parse("10.9.0.3"); }},
             {"local", [](LiveLink& l) { l.vxlan_local = *Ipv4Address::parse("10.9.0.9"); }},
             {"port", [](LiveLink& l) { l.vxlan_port = 8472; }}}) {
        INFO(field);
        auto drifted = ns;
        drift(drifted["circuit"]);
        const auto endpoint_plan = plan_client(want, gateway.ns, drifted.ns);
        REQUIRE_FALSE(endpoint_plan.steps.empty());
        CHECK(describe(endpoint_plan.steps[0]).attribute == "endpoints");
    }
}

TEST_CASE("a VXLAN over IPv6 is in sync with its live IPv6 ends, and another family recreates it", "[plan]") {
    FakeNamespace gateway("");
    gateway.add("under0", "veth", "").mtu = 1570;  // carries a 1500-byte LAN over IPv6
    auto want = port_client();
    VxlanCircuit vxlan{5001, *IpAddress::parse("fd00:c7:1::1"), *IpAddress::parse("fd00:c7:1::2"), "under0", 4789};
    want.circuit = vxlan;
    const auto ns = vxlan_namespace(vxlan);
    CHECK(plan_client(want, gateway.ns, ns.ns).in_sync());
    for (const auto& [field, drift] : std::vector<std::pair<std::string, std::function<void(LiveLink&)>>>{
             {"remote", [](LiveLink& l) { l.vxlan_remote = *IpAddress::parse("fd00:c7:1::3"); }},
             {"both, as IPv4", [](LiveLink& l) {
                  l.vxlan_local = *IpAddress::parse("10.255.1.1");
                  l.vxlan_remote = *IpAddress::parse("10.255.1.2");
              }}}) {
        INFO(field);
        auto drifted = ns;
        drift(drifted["circuit"]);
        const auto plan = plan_client(want, gateway.ns, drifted.ns);
        REQUIRE_FALSE(plan.steps.empty());
        CHECK(describe(plan.steps[0]).attribute == "endpoints");
    }
    const auto absent = FakeNamespace("cu-acme", false).ns;
    CHECK_THAT(rendered(plan_client(want, gateway.ns, absent)),
               Catch::Contains(std::vector<std::string>{"create circuit kind ->vxlan 5001 fd00:c7:1::1->[fd00:c7:1::2]:4789 via under0"}));
}

TEST_CASE("a changed port interface gives the old port back", "[plan]") {
    FakeNamespace gateway("");
    gateway.add("p-new", "veth", "");
    auto want = port_client();
    want.circuit = PortCircuit{"p-new"};
    auto plan = plan_client(want, gateway.ns, in_sync_namespace().ns);
    REQUIRE(plan.refusals.empty());
    REQUIRE(std::holds_alternative<ReleasePort>(plan.steps.at(0)));
    CHECK(std::get<ReleasePort>(plan.steps[0]).gateway_name == "p-acme");
    CHECK(std::get<AdoptPort>(plan.steps.at(1)).gateway_name == "p-new");
}

TEST_CASE("unmarked links are refused, never changed", "[plan]") {
    FakeNamespace gateway("");
    auto ns = in_sync_namespace();
    ns["br0"].alias = "";
    ns["br0"].admin_up = false;
    auto plan = plan_client(port_client(), gateway.ns, ns.ns);
    CHECK(plan.steps.empty());
    REQUIRE(plan.refusals.size() == 1);
    CHECK_THAT(plan.refusals[0], Catch::Contains("'br0'") && Catch::Contains("did not create"));
}

TEST_CASE("ports in use are refused unless adopt is set", "[plan]") {
    FakeNamespace gateway("");
    auto& port = gateway.add("p-acme", "veth", "");
    port.addresses.push_back(*Ipv4Prefix::parse("10.1.1.1/24"));
    auto want = port_client();
    auto plan = plan_client(want, gateway.ns, FakeNamespace("cu-acme", false).ns);
    CHECK(plan.steps.empty());
    REQUIRE(plan.refusals.size() == 1);
    CHECK_THAT(plan.refusals[0], Catch::Contains("adopt = true"));
    want.adopt = true;
    CHECK(plan_client(want, gateway.ns, FakeNamespace("cu-acme", false).ns).refusals.empty());
}

TEST_CASE("a port enslaved to another bridge is refused unless adopt is set", "[plan]") {
    FakeNamespace gateway("");
    auto& other_bridge = gateway.add("br-office", "bridge", "");
    const int bridge_index = other_bridge.index;
    gateway.add("p-acme", "veth", "").master_index = bridge_index;
    auto want = port_client();
    auto plan = plan_client(want, gateway.ns, FakeNamespace("cu-acme", false).ns);
    CHECK(plan.steps.empty());
    REQUIRE(plan.refusals.size() == 1);
    CHECK_THAT(plan.refusals[0], Catch::Contains("enslaved to another device") && Catch::Contains("adopt = true"));
    want.adopt = true;
    CHECK(plan_client(want, gateway.ns, FakeNamespace("cu-acme", false).ns).refusals.empty());
}

TEST_CASE("a port of another client is refused", "[plan]") {
    FakeNamespace gateway("");
    gateway.add("p-acme", "veth", port_marker("bianchi", "p-acme"));
    auto plan = plan_client(port_client(), gateway.ns, FakeNamespace("cu-acme", false).ns);
    REQUIRE(plan.refusals.size() == 1);
    CHECK_THAT(plan.refusals[0], Catch::Contains("belongs to client 'bianchi'"));
}

TEST_CASE("a missing trunk, underlay or port is refused", "[plan]") {
    FakeNamespace gateway("");
    auto want = port_client();
    auto absent = FakeNamespace("cu-acme", false).ns;
    CHECK_THAT(plan_client(want, gateway.ns, absent).refusals.at(0), Catch::Contains("'p-acme' is not in"));
    want.circuit = VlanCircuit{"eth1", 101};
    CHECK_THAT(plan_client(want, gateway.ns, absent).refusals.at(0), Catch::Contains("trunk 'eth1'"));
    want.circuit = VxlanCircuit{7, {}, {}, "under0", 4789};
    CHECK_THAT(plan_client(want, gateway.ns, absent).refusals.at(0), Catch::Contains("underlay 'under0'"));
}

TEST_CASE("a VLAN already used on the trunk by an unmanaged link is refused", "[plan]") {
    FakeNamespace gateway("");
    auto& trunk = gateway.add("eth1", "", "");
    auto& vlan = gateway.add("eth1.101", "vlan", "");
    vlan.parent_index = trunk.index;
    vlan.vlan_id = 101;
    auto want = port_client();
    want.circuit = VlanCircuit{"eth1", 101};
    auto plan = plan_client(want, gateway.ns, FakeNamespace("cu-acme", false).ns);
    REQUIRE(plan.refusals.size() == 1);
    CHECK_THAT(plan.refusals[0], Catch::Contains("'eth1.101', which custode does not manage"));
}

TEST_CASE("lab ports are adopted, and released when dropped from netconf", "[plan]") {
    FakeNamespace gateway("");
    gateway.add("lab0", "veth", "");
    auto want = port_client();
    want.lab_ports = {"lab0"};
    auto plan = plan_client(want, gateway.ns, in_sync_namespace().ns);
    REQUIRE(plan.refusals.empty());
    REQUIRE(std::holds_alternative<AdoptPort>(plan.steps.at(0)));
    CHECK(std::get<AdoptPort>(plan.steps[0]).lab_port);

    auto ns = in_sync_namespace();
    ns.add("lab0", "veth", port_marker("acme", "lab0")).master_index = ns["br0"].index;
    want.lab_ports.clear();
    plan = plan_client(want, gateway.ns, ns.ns);
    REQUIRE(plan.steps.size() == 1);
    CHECK(std::get<ReleasePort>(plan.steps[0]).gateway_name == "lab0");
}

TEST_CASE("removal gives ports back, then deletes the namespace", "[plan]") {
    const FakeNamespace gateway("");
    auto plan = plan_removal("acme", gateway.ns, in_sync_namespace().ns);
    REQUIRE(plan.steps.size() == 2);
    CHECK(std::get<ReleasePort>(plan.steps[0]).gateway_name == "p-acme");
    CHECK(std::holds_alternative<DeleteNamespace>(plan.steps[1]));
    CHECK(plan_removal("acme", gateway.ns, FakeNamespace("cu-acme", false).ns).steps.empty());

    auto foreign = in_sync_namespace();
    foreign.add("eth9", "", "");
    auto refused = plan_removal("acme", gateway.ns, foreign.ns);
    CHECK(refused.steps.empty());
    CHECK_THAT(refused.refusals.at(0), Catch::Contains("'eth9'"));
}

TEST_CASE("every step that changes something has an inverse that restores it", "[plan]") {
    const auto address = *Ipv4Prefix::parse("192.168.1.250/24");
    const auto only = [](std::vector<Step> steps) {
        REQUIRE(steps.size() == 1);
        return steps[0];
    };
    CHECK(std::holds_alternative<DeleteNamespace>(only(inverse(CreateNamespace{}))));
    CHECK(std::get<DeleteLink>(only(inverse(CreateBridge{}))).link == "br0");
    CHECK(std::get<DeleteLink>(only(inverse(CreateCircuit{PortCircuit{"x"}}))).link == "circuit");
    CHECK(std::get<ReleasePort>(only(inverse(AdoptPort{"p", "circuit", false}))).gateway_name == "p");
    CHECK(std::get<SetMtu>(only(inverse(SetMtu{"br0", 9000, 1500}))).to == 9000);
    CHECK(inverse(SetMtu{"br0", 0, 1500}).empty());
    CHECK(std::get<SetMaster>(only(inverse(SetMaster{"circuit", "", "br0"}))).to.empty());
    CHECK(std::get<DeleteAddress>(only(inverse(AddAddress{"br0", address}))).address == address);
    CHECK_FALSE(std::get<SetUp>(only(inverse(SetUp{"br0", true}))).to);
    CHECK(inverse(DeleteNamespace{}).empty());
    CHECK(inverse(DeleteLink{"x"}).empty());
}

TEST_CASE("undoing a recreate puts the old circuit back as it was", "[plan]") {
    FakeNamespace gateway("");
    const int trunk = gateway.add("eth1", "", "").index;
    auto want = port_client();
    want.circuit = VlanCircuit{"eth1", 102};
    auto ns = in_sync_namespace();
    auto& circuit = ns["circuit"];
    circuit.kind = "vlan";
    circuit.alias = "custode:acme";
    circuit.vlan_id = 101;
    circuit.parent_index = trunk;
    auto plan = plan_client(want, gateway.ns, ns.ns);
    auto undo = inverse(plan.steps.at(0));
    REQUIRE(undo.size() == 4);
    const auto& spec = std::get<CreateCircuit>(undo[0]).spec;
    CHECK(std::get<VlanCircuit>(spec).vlan == 101);
    CHECK(std::get<VlanCircuit>(spec).trunk == "eth1");
    CHECK(std::get<SetMtu>(undo[1]).to == 1500);
    CHECK(std::get<SetMaster>(undo[2]).to == "br0");
    CHECK(std::get<SetUp>(undo[3]).to);

    auto released = inverse(ReleasePort{"circuit", "p-acme", LinkRestore{1500, "br0", true}});
    REQUIRE(released.size() == 4);
    CHECK(std::get<AdoptPort>(released[0]).gateway_name == "p-acme");
}

TEST_CASE("markers name the client and keep an adopted port's name", "[plan]") {
    CHECK(ownership_marker("acme") == "custode:acme");
    CHECK(is_marked_for("custode:acme", "acme"));
    CHECK_FALSE(is_marked_for("custode:acme2", "acme"));
    CHECK_FALSE(is_marked_for("", ""));
    CHECK(marked_client("custode:acme port=enp3s0") == "acme");
    CHECK(marked_port_name(port_marker("acme", "enp3s0")) == "enp3s0");
    CHECK(marked_port_name("custode:acme").empty());
    CHECK(marked_port_name("someone port=eth0").empty());
}

TEST_CASE("the MTU is what the lower device carries: a VXLAN over 1500 takes 1450 by default", "[plan][mtu]") {
    FakeNamespace gateway("");
    auto& underlay = gateway.add("eth0", "", "");
    auto want = port_client();
    want.file = "clients/acme.toml";
    want.circuit = VxlanCircuit{5001, *Ipv4Address::parse("10.9.0.1"), *Ipv4Address::parse("10.9.0.2"), "eth0", 4789};
    const auto absent = FakeNamespace("cu-acme", false).ns;

    SECTION("unset: the underlay's MTU less 50, for the bridge and the circuit") {
        want.mtu.reset();
        const auto plan = plan_client(want, gateway.ns, absent);
        CHECK(plan.refusals.empty());
        CHECK_THAT(rendered(plan), Catch::Contains(std::vector<std::string>{"change br0 mtu ->1450",
                                                                            "change circuit mtu ->1450"}));
        underlay.mtu = 1550;
        CHECK_THAT(rendered(plan_client(want, gateway.ns, absent)),
                   Catch::Contains(std::vector<std::string>{"change circuit mtu ->1500"}));
        underlay.mtu = 9000;  // never above Ethernet's 1500 unless netconf says so
        CHECK_THAT(rendered(plan_client(want, gateway.ns, absent)),
                   Catch::Contains(std::vector<std::string>{"change circuit mtu ->1500"}));
    }
    SECTION("set above what it carries: refused before anything, saying what to change") {
        want.mtu = 1500;
        const auto plan = plan_client(want, gateway.ns, absent);
        CHECK(plan.steps.empty());
        REQUIRE(plan.refusals.size() == 1);
        CHECK(plan.refusals[0] ==
              "underlay 'eth0' has MTU 1500: a VXLAN over it carries at most 1450 (over IPv4 its headers take 50 "
              "bytes); raise eth0's MTU to 1550 (ask the carrier whether the path allows it) or set link.mtu = 1450 "
              "in clients/acme.toml (the client's LAN must then send no larger frames)");
        want.mtu = 1450;  // exactly what it carries
        CHECK(plan_client(want, gateway.ns, absent).refusals.empty());
        underlay.mtu = 1550;
        want.mtu = 1500;
        CHECK(plan_client(want, gateway.ns, absent).refusals.empty());
    }
    SECTION("over IPv6 the headers take 70 bytes: 1430 by default, and the refusal says so") {
        want.circuit =
            VxlanCircuit{5001, *IpAddress::parse("2001:db8::1"), *IpAddress::parse("2001:db8::2"), "eth0", 4789};
        want.mtu.reset();
        CHECK_THAT(rendered(plan_client(want, gateway.ns, absent)),
                   Catch::Contains(std::vector<std::string>{"change br0 mtu ->1430", "change circuit mtu ->1430"}));
        want.mtu = 1450;  // what an IPv4 underlay would carry
        const auto plan = plan_client(want, gateway.ns, absent);
        CHECK(plan.steps.empty());
        REQUIRE(plan.refusals.size() == 1);
        CHECK(plan.refusals[0] ==
              "underlay 'eth0' has MTU 1500: a VXLAN over it carries at most 1430 (over IPv6 its headers take 70 "
              "bytes); raise eth0's MTU to 1520 (ask the carrier whether the path allows it) or set link.mtu = 1430 "
              "in clients/acme.toml (the client's LAN must then send no larger frames)");
        want.mtu = 1430;  // exactly what it carries
        CHECK(plan_client(want, gateway.ns, absent).refusals.empty());
        underlay.mtu = 1570;
        want.mtu = 1500;
        CHECK(plan_client(want, gateway.ns, absent).refusals.empty());
        want.mtu.reset();
        CHECK_THAT(rendered(plan_client(want, gateway.ns, absent)),
                   Catch::Contains(std::vector<std::string>{"change circuit mtu ->1500"}));
    }
    SECTION("a VLAN carries what its trunk carries") {
        auto& trunk = gateway.add("eth1", "", "");
        want.circuit = VlanCircuit{"eth1", 101};
        want.mtu = 9000;
        const auto plan = plan_client(want, gateway.ns, absent);
        REQUIRE(plan.refusals.size() == 1);
        CHECK_THAT(plan.refusals[0], Catch::StartsWith("trunk 'eth1' has MTU 1500: a VLAN on it carries at most 1500; "
                                                       "raise eth1's MTU to 9000"));
        trunk.mtu = 9000;
        CHECK(plan_client(want, gateway.ns, absent).refusals.empty());
        want.mtu.reset();
        trunk.mtu = 1400;
        CHECK_THAT(rendered(plan_client(want, gateway.ns, absent)),
                   Catch::Contains(std::vector<std::string>{"change circuit mtu ->1400"}));
    }
    SECTION("a port takes netconf's MTU, or 1500") {
        want.circuit = PortCircuit{"p-acme"};
        gateway.add("p-acme", "veth", "");
        want.mtu.reset();
        CHECK_THAT(rendered(plan_client(want, gateway.ns, absent)),
                   Catch::Contains(std::vector<std::string>{"change circuit mtu ->1500"}));
    }
}

// ---- what a killed custode leaves: the next apply or remove converges ----

TEST_CASE("a link left under the client's unfinished name is deleted before the circuit is made", "[plan][kill]") {
    CHECK(unfinished_link_name("acme") == "c~acme");
    FakeNamespace gateway("");
    auto& trunk = gateway.add("eth1", "", "");
    // Killed between creating the VLAN and marking it: unmarked, holding VLAN 101.
    auto& left = gateway.add("c~acme", "vlan", "");
    left.parent_index = trunk.index;
    left.vlan_id = 101;
    auto want = port_client();
    want.circuit = VlanCircuit{"eth1", 101};
    auto plan = plan_client(want, gateway.ns, FakeNamespace("cu-acme", false).ns);
    CAPTURE(plan.refusals);
    REQUIRE(plan.refusals.empty());
    const auto& first = std::get<DeleteUnfinished>(plan.steps.at(0));
    CHECK(first.link == "c~acme");
    CHECK(first.in_gateway);
    CHECK(rendered(plan).at(0) == "delete c~acme unfinished gateway->");
    CHECK(std::count_if(plan.steps.begin(), plan.steps.end(),
                        [](const Step& step) { return std::holds_alternative<CreateCircuit>(step); }) == 1);

    // Another client's unfinished link is not this client's to delete.
    want.client = "bianchi";
    CHECK_FALSE(plan_client(want, gateway.ns, FakeNamespace("cu-bianchi", false).ns).refusals.empty());
}

TEST_CASE("an unfinished bridge in the client's namespace is deleted, the client otherwise in sync", "[plan][kill]") {
    FakeNamespace gateway("");
    auto ns = in_sync_namespace();
    ns.add("c~acme", "bridge", "");
    auto plan = plan_client(port_client(), gateway.ns, ns.ns);
    REQUIRE(plan.refusals.empty());
    REQUIRE(plan.steps.size() == 1);
    CHECK_FALSE(std::get<DeleteUnfinished>(plan.steps[0]).in_gateway);
    CHECK(inverse(plan.steps[0]).empty());

    // A removal takes it with the namespace, and the gateway's too, refusing nothing.
    gateway.add("c~acme", "vxlan", "");
    auto removal = plan_removal("acme", gateway.ns, ns.ns);
    CAPTURE(removal.refusals);
    REQUIRE(removal.refusals.empty());
    CHECK(std::get<DeleteUnfinished>(removal.steps.at(0)).in_gateway);
    CHECK(std::holds_alternative<DeleteNamespace>(removal.steps.back()));
}

TEST_CASE("a half-made namespace file is deleted and the namespace made again, or just deleted by a removal",
          "[plan][kill]") {
    FakeNamespace gateway("");
    gateway.add("p-acme", "veth", "");
    FakeNamespace half("cu-acme", false);
    half.ns.half_made = true;
    auto plan = plan_client(port_client(), gateway.ns, half.ns);
    REQUIRE(plan.refusals.empty());
    CHECK(std::holds_alternative<DeleteNamespace>(plan.steps.at(0)));
    CHECK(std::holds_alternative<CreateNamespace>(plan.steps.at(1)));
    const auto removal = plan_removal("acme", gateway.ns, half.ns);
    REQUIRE(removal.steps.size() == 1);
    CHECK(std::holds_alternative<DeleteNamespace>(removal.steps[0]));
}

TEST_CASE("a lab port on br0 whose guard flags were cut off gets them, and a guarded one is in sync", "[plan][kill]") {
    FakeNamespace gateway("");
    auto want = port_client();
    want.lab_ports = {"lab0"};
    auto ns = in_sync_namespace();
    auto& port = ns.add("lab0", "veth", port_marker("acme", "lab0"));
    port.master_index = ns["br0"].index;
    port.bpdu_guard = true;
    auto plan = plan_client(want, gateway.ns, ns.ns);
    REQUIRE(plan.steps.size() == 1);
    CHECK(std::get<GuardPort>(plan.steps[0]).link == "lab0");
    CHECK(rendered(plan)[0] == "change lab0 bpdu_guard off->on");
    ns["lab0"].root_block = true;
    CHECK(plan_client(want, gateway.ns, ns.ns).in_sync());
}
