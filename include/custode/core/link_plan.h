#pragma once
/// The link planner: compares what a client's netconf wants with what one
/// netlink dump of the gateway and of the client's namespace shows, and
/// returns the steps that make them match. Pure: no system calls.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/live_links.h"

namespace custode {

/// Names custode gives links inside a client's namespace.
inline constexpr std::string_view circuit_link = "circuit";
inline constexpr std::string_view bridge_link = "br0";

struct VlanCircuit {
    std::string trunk;
    int vlan = 0;
};
struct PortCircuit {
    std::string interface;
};
struct VxlanCircuit {
    std::uint32_t vni = 0;
    IpAddress local, remote;  ///< one family: the underlay's
    std::string underlay;
    std::uint16_t port = 4789;
};
using CircuitSpec = std::variant<VlanCircuit, PortCircuit, VxlanCircuit>;

std::string_view circuit_kind(const CircuitSpec& circuit);

/// What a VXLAN frame adds to the client's frame on the underlay, by the
/// family of its underlay addresses: 50 bytes over IPv4, 70 over IPv6.
int vxlan_headroom(const IpAddress& underlay_end);

/// What one client's links should be: the part of netconf the planner needs.
struct ClientLinks {
    std::string client;
    std::string namespace_name;
    CircuitSpec circuit;
    std::vector<std::string> lab_ports;
    /// link.mtu; unset: what the circuit's lower device carries, up to 1500.
    std::optional<int> mtu;
    std::string file;    ///< the client's netconf file, for the advice in a refusal
    Ipv4Prefix address;  ///< the gateway's address on the client LAN, on br0
    bool adopt = false;  ///< take over ports that have addresses or a master
};

// ---- steps -------------------------------------------------------------

/// How a link was before a step removed it, so that undoing the removal puts
/// it back as it was: its MTU, its bridge ("" for none), up or down.
struct LinkRestore {
    int mtu = 0;
    std::string master;
    bool up = false;
};

struct CreateNamespace {};
/// Deletes the client's namespace (its own links first), or the file of a half-made one.
struct DeleteNamespace {};
/// Creates the circuit in the gateway's namespace under the client's
/// unfinished_link_name, then marks it, moves it into the client's
/// namespace and renames it `circuit` in one request.
struct CreateCircuit {
    CircuitSpec spec;
};
/// Marks a gateway interface as the client's, moves it into the client's
/// namespace, renamed to `new_name` (`circuit` for a port circuit, the same
/// name for a lab port).
struct AdoptPort {
    std::string gateway_name;
    std::string new_name;
    bool lab_port = false;
};
/// The inverse of AdoptPort: back to the gateway under its own name, unmarked, down.
struct ReleasePort {
    std::string link;
    std::string gateway_name;
    std::optional<LinkRestore> restore;  ///< for undo: how it was in the client's namespace
};
/// Creates the bridge under the client's unfinished_link_name, then marks it
/// and renames it br0 in one request.
struct CreateBridge {};
/// Deletes a link a killed custode left under its unfinished_link_name, in
/// the gateway's namespace or in the client's.
struct DeleteUnfinished {
    std::string link;
    bool in_gateway = false;
};
/// Deletes a link custode made. For a recreate, `attribute`, `from` and `to`
/// say which unchangeable attribute forced it.
struct DeleteLink {
    std::string link;
    std::string attribute, from, to;
    std::optional<CircuitSpec> recreate_as;  ///< for undo of a circuit's recreate: what it was
    std::optional<LinkRestore> restore;
};
struct SetMtu {
    std::string link;
    int from = 0, to = 0;
};
struct SetUp {
    std::string link;
    bool to = true;
};
struct SetMaster {
    std::string link;
    std::string from, to;  ///< "" means no master
};
/// Sets BPDU guard and root block on a lab port already on br0 (SetMaster
/// sets them with the master; this mends a port whose flags were cut off).
struct GuardPort {
    std::string link;
};
struct AddAddress {
    std::string link;
    Ipv4Prefix address;
};
struct DeleteAddress {
    std::string link;
    Ipv4Prefix address;
};

using Step = std::variant<CreateNamespace, DeleteNamespace, CreateCircuit, AdoptPort, ReleasePort, CreateBridge,
                          DeleteUnfinished, DeleteLink, SetMtu, SetUp, SetMaster, GuardPort, AddAddress, DeleteAddress>;

/// A step as the user sees it (the plan/apply JSON of docs/links.md).
struct ActionView {
    std::string op;  ///< create | change | delete
    std::string object;
    std::string attribute;
    std::string from, to;
    bool interrupts = false;  ///< traffic on the client LAN stops while it runs
};

ActionView describe(const Step& step);

/// What usually makes the kernel refuse `step` when it gives no reason of
/// its own (no extended ACK): one sentence naming the causes to look at.
std::string refusal_causes(const Step& step);

/// The steps that undo `step` once it has been done, in order; none when
/// nothing needs undoing (a deleted namespace is not brought back).
std::vector<Step> inverse(const Step& step);

/// A client's plan: steps in execution order, or the reasons it is refused.
struct ClientPlan {
    std::string client;
    std::vector<Step> steps;
    std::vector<std::string> refusals;  ///< non-empty: nothing may be done for this client

    bool in_sync() const { return steps.empty() && refusals.empty(); }
};

/// `gateway` is the namespace custode runs in; `client_ns` the client's own
/// (exists == false when it is not there yet).
ClientPlan plan_client(const ClientLinks& want, const LiveNamespace& gateway, const LiveNamespace& client_ns);

/// Steps that tear a client down: what a killed custode left unfinished,
/// ports back to the gateway, then the namespace.
ClientPlan plan_removal(const std::string& client, const LiveNamespace& gateway, const LiveNamespace& client_ns);

/// True when `alias` marks a link custode made or adopted for `client`.
bool is_marked_for(std::string_view alias, std::string_view client);
/// The client named in a custode marker, or "" when the link is not custode's.
std::string marked_client(std::string_view alias);
/// The marker for an adopted port; it keeps the port's gateway name so the
/// port can be given back even when its netconf file is gone.
std::string port_marker(std::string_view client, std::string_view gateway_name);
/// The gateway name kept in a port marker, or "" when there is none.
std::string marked_port_name(std::string_view alias);

}  // namespace custode
