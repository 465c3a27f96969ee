#pragma once
/// One body of checks run against the fake link table (unit) and against the
/// kernel through KernelLinkSystem (netns): the same calls must give the same
/// results and the same refusals, so a fake can never accept what the kernel
/// refuses. Each side prepares the gateway (see LinkSystemRig) and calls
/// check_link_system_conformance.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "custode/core/error.h"
#include "custode/core/link_plan.h"
#include "custode/os/link_system.h"
#include "support/literals.h"

namespace custode::testing {

/// What the gateway holds before the body runs, and the names it may use.
struct LinkSystemRig {
    std::string port;      ///< a veth in the gateway, down, MTU 1500, no address: adopted and released
    std::string underlay;  ///< a link in the gateway, MTU 1500, carrying `underlay_address`
    Ipv4Address underlay_address;
    std::string first_namespace, second_namespace;  ///< absent before the body runs
    std::uint32_t vni = 0;                           ///< a VNI no other test uses
};

inline const LiveLink& conformance_link(const LiveNamespace& ns, std::string_view name) {
    INFO("link " << name << " in namespace '" << ns.name << "'");
    const LiveLink* link = ns.find(name);
    REQUIRE(link);
    return *link;
}

inline std::string conformance_master(const LiveNamespace& ns, const LiveLink& link) {
    if (link.master_index == 0) return "";
    const LiveLink* master = ns.find(link.master_index);
    return master ? master->name : "?";
}

inline std::vector<std::string> conformance_names(const LiveNamespace& ns) {
    std::vector<std::string> names;
    for (const auto& link : ns.links) names.push_back(link.name);
    std::sort(names.begin(), names.end());
    return names;
}

/// Runs `call` and requires it to throw a SystemError with `expected_errno`.
template <typename Call>
void require_refusal(Call&& call, int expected_errno, const char* what) {
    INFO(what);
    try {
        call();
        FAIL("accepted: " << what);
    } catch (const SystemError& error) {
        CHECK(error.error_number() == expected_errno);
    }
}

inline void check_link_system_conformance(os::LinkSystem& system, const LinkSystemRig& rig) {
    const os::StepTarget first{"acme", rig.first_namespace};
    const os::StepTarget second{"beta", rig.second_namespace};
    const auto address = prefix("192.168.50.1/24");

    // A namespace: made with lo up, listed, refused a second time.
    CHECK_FALSE(system.read_namespace(first.namespace_name).exists);
    system.carry_out(first, CreateNamespace{});
    auto live = system.read_namespace(first.namespace_name);
    CHECK(live.exists);
    CHECK(conformance_names(live) == std::vector<std::string>{"lo"});
    CHECK(conformance_link(live, "lo").admin_up);
    const auto listed = system.list_namespaces();
    CHECK(std::count(listed.begin(), listed.end(), first.namespace_name) == 1);
    require_refusal([&] { system.carry_out(first, CreateNamespace{}); }, EEXIST, "a second namespace of one name");
    CHECK(conformance_names(system.read_namespace(first.namespace_name)) == std::vector<std::string>{"lo"});

    // The bridge: marked, down, MTU 1500; made again it stays one bridge.
    system.carry_out(first, CreateBridge{});
    system.carry_out(first, CreateBridge{});
    live = system.read_namespace(first.namespace_name);
    CHECK(conformance_names(live) == std::vector<std::string>{"br0", "lo"});
    const auto& bridge = conformance_link(live, "br0");
    CHECK(bridge.kind == "bridge");
    CHECK(bridge.alias == ownership_marker("acme"));
    CHECK_FALSE(bridge.admin_up);
    CHECK(bridge.mtu == 1500);

    // An address: added once, refused twice, deleting an absent one is no error.
    system.carry_out(first, AddAddress{"br0", address});
    require_refusal([&] { system.carry_out(first, AddAddress{"br0", address}); }, EEXIST, "the same address twice");
    CHECK(conformance_link(system.read_namespace(first.namespace_name), "br0").addresses ==
          std::vector<Ipv4Prefix>{address});
    system.carry_out(first, DeleteAddress{"br0", prefix("192.168.51.1/24")});
    system.carry_out(first, SetUp{"br0", true});

    // A port: leaves the gateway, arrives marked and down under its new name.
    system.carry_out(first, AdoptPort{rig.port, std::string(circuit_link), false});
    CHECK_FALSE(system.read_gateway().find(rig.port));
    live = system.read_namespace(first.namespace_name);
    const auto& port = conformance_link(live, circuit_link);
    CHECK(port.kind == "veth");
    CHECK(port.alias == port_marker("acme", rig.port));
    CHECK_FALSE(port.admin_up);
    CHECK(port.mtu == 1500);

    // Enslaved: the circuit is an ordinary bridge port, a lab port is guarded
    // against BPDUs; released from the bridge, no port flags remain.
    system.carry_out(first, SetMaster{std::string(circuit_link), "", "br0"});
    live = system.read_namespace(first.namespace_name);
    CHECK(conformance_master(live, conformance_link(live, circuit_link)) == "br0");
    CHECK_FALSE(conformance_link(live, circuit_link).bpdu_guard);
    CHECK_FALSE(conformance_link(live, circuit_link).root_block);
    system.carry_out(first, SetMaster{std::string(circuit_link), "br0", ""});
    system.carry_out(first, SetMtu{"br0", 1500, 1400});
    system.add_probe_port(first, {"probe", "probe-peer", mac("02:00:00:00:00:42")});
    require_refusal([&] { system.add_probe_port(first, {"probe", "probe-peer", mac("02:00:00:00:00:42")}); }, EEXIST,
                    "a second probe port of one name");
    system.carry_out(first, SetMaster{"probe", "", "br0"});
    live = system.read_namespace(first.namespace_name);
    CHECK(conformance_names(live) == std::vector<std::string>{"br0", "circuit", "lo", "probe", "probe-peer"});
    CHECK(conformance_master(live, conformance_link(live, circuit_link)).empty());
    CHECK(conformance_link(live, "br0").mtu == 1400);
    const auto& probe = conformance_link(live, "probe");
    CHECK(conformance_master(live, probe) == "br0");
    CHECK(probe.bpdu_guard);
    CHECK(probe.root_block);
    CHECK(probe.admin_up);
    const auto& peer = conformance_link(live, "probe-peer");
    CHECK(peer.mac == mac("02:00:00:00:00:42"));
    CHECK(peer.alias == ownership_marker("acme"));
    CHECK(peer.admin_up);

    // Deleting one end of the pair deletes both; an absent link is refused.
    system.carry_out(first, DeleteLink{"probe"});
    CHECK(conformance_names(system.read_namespace(first.namespace_name)) ==
          std::vector<std::string>{"br0", "circuit", "lo"});
    require_refusal([&] { system.carry_out(first, DeleteLink{"probe"}); }, ENODEV, "deleting an absent link");
    require_refusal([&] { system.carry_out(first, SetUp{"nothing", true}); }, ENODEV, "changing an absent link");

    // A VXLAN circuit: made in place of the client with the underlay's
    // headroom taken off the MTU; a second one on the same VNI is refused.
    system.carry_out(second, CreateNamespace{});
    const VxlanCircuit vxlan{rig.vni, rig.underlay_address, ip("10.99.0.2"), rig.underlay, 4789};
    system.carry_out(second, CreateCircuit{vxlan});
    live = system.read_namespace(second.namespace_name);
    const auto& circuit = conformance_link(live, circuit_link);
    CHECK(circuit.kind == "vxlan");
    CHECK(circuit.alias == ownership_marker("beta"));
    CHECK(circuit.vxlan_vni == rig.vni);
    CHECK(circuit.vxlan_local == rig.underlay_address);
    CHECK(circuit.vxlan_remote == ip("10.99.0.2"));
    CHECK(circuit.vxlan_port == 4789);
    CHECK(circuit.mtu == 1450);
    require_refusal([&] { system.carry_out(second, CreateCircuit{vxlan}); }, EEXIST, "a second VXLAN of one VNI");
    CHECK(conformance_names(system.read_namespace(second.namespace_name)) ==
          std::vector<std::string>{"circuit", "lo"});

    // Released: back in the gateway under its own name, unmarked and down.
    system.carry_out(first, ReleasePort{std::string(circuit_link), rig.port, std::nullopt});
    const auto gateway = system.read_gateway();
    const auto& released = conformance_link(gateway, rig.port);
    CHECK(released.alias.empty());
    CHECK_FALSE(released.admin_up);
    CHECK(released.master_index == 0);
    CHECK(released.addresses.empty());
    require_refusal([&] { system.carry_out(first, AdoptPort{"no-such-port", "circuit", false}); }, ENODEV,
                    "adopting an absent port");

    // Namespaces go, and going twice is no error.
    system.carry_out(first, DeleteNamespace{});
    system.carry_out(second, DeleteNamespace{});
    system.carry_out(second, DeleteNamespace{});
    CHECK_FALSE(system.read_namespace(first.namespace_name).exists);
    const auto left = system.list_namespaces();
    CHECK(std::count(left.begin(), left.end(), first.namespace_name) == 0);
    CHECK(std::count(left.begin(), left.end(), second.namespace_name) == 0);
}

}  // namespace custode::testing
