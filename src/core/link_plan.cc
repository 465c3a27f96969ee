/// Desired links versus live links, per client.

#include <algorithm>
#include <fmt/format.h>

#include "custode/core/link_plan.h"

namespace custode {
namespace {

/// Planning state for one client: what is wanted, what is live, what to do.
class Planner {
public:
    Planner(const ClientLinks& want, const LiveNamespace& gateway, const LiveNamespace& client_ns)
        : want_(want), gateway_(gateway), ns_(client_ns) {
        plan_.client = want.client;
    }

    ClientPlan run() {
        mtu_ = plan_mtu();
        plan_unfinished();
        if (ns_.half_made) add(DeleteNamespace{});
        if (!ns_.exists) add(CreateNamespace{});
        plan_bridge();
        plan_circuit();
        for (const auto& port : want_.lab_ports) plan_lab_port(port);
        plan_strays();
        bring_bridge_up();
        if (!plan_.refusals.empty()) plan_.steps.clear();
        return std::move(plan_);
    }

private:
    void add(Step step) { plan_.steps.push_back(std::move(step)); }
    void refuse(std::string reason) { plan_.refusals.push_back(std::move(reason)); }

    const LiveLink* live(std::string_view name) const { return ns_.exists ? ns_.find(name) : nullptr; }

    std::string master_of(const LiveLink& link) const {
        const LiveLink* master = link.master_index ? ns_.find(link.master_index) : nullptr;
        return master ? master->name : "";
    }

    /// A live link in the client's namespace that custode may change, or a refusal.
    bool owned(const LiveLink& link) {
        if (is_marked_for(link.alias, want_.client)) return true;
        refuse(fmt::format("{} holds a link named '{}' that custode did not create (alias '{}'); "
                           "it is left untouched: rename or remove it",
                           ns_.name, link.name, link.alias));
        return false;
    }

    /// The MTU of the client's links: netconf's, if the circuit's lower
    /// device can carry it (else a refusal saying what to change), or by
    /// default what it carries, up to Ethernet's 1500.
    int plan_mtu() {
        constexpr int ethernet_mtu = 1500;
        const auto* vlan = std::get_if<VlanCircuit>(&want_.circuit);
        const auto* vxlan = std::get_if<VxlanCircuit>(&want_.circuit);
        const LiveLink* lower = vlan ? gateway_.find(vlan->trunk) : vxlan ? gateway_.find(vxlan->underlay) : nullptr;
        // A port carries what it carries; a missing lower device is refused elsewhere.
        if (!lower) return want_.mtu.value_or(ethernet_mtu);
        const int headroom = vxlan ? vxlan_headroom(vxlan->local) : 0;
        const int carries = lower->mtu - headroom;
        if (!want_.mtu) return std::min(ethernet_mtu, carries);
        if (*want_.mtu > carries)
            refuse(fmt::format("{} '{}' has MTU {}: {} carries at most {}{}; raise {}'s MTU to {} (ask the carrier "
                               "whether the path allows it) or set link.mtu = {} in {} (the client's LAN must then "
                               "send no larger frames)",
                               vlan ? "trunk" : "underlay", lower->name, lower->mtu,
                               vlan ? "a VLAN on it" : "a VXLAN over it", carries,
                               vxlan ? fmt::format(" (over {} its headers take {} bytes)",
                                                   vxlan->local.is_ipv6() ? "IPv6" : "IPv4", headroom)
                                     : "",
                               lower->name, *want_.mtu + headroom, carries,
                               want_.file.empty() ? "the client's netconf file" : want_.file));
        return *want_.mtu;
    }

    /// What a killed custode left under the client's reserved name: deleted
    /// first, as it may hold the VLAN id or VNI the circuit needs.
    void plan_unfinished() {
        const auto name = unfinished_link_name(want_.client);
        if (gateway_.find(name)) add(DeleteUnfinished{name, true});
        if (live(name)) add(DeleteUnfinished{name, false});
    }

    void tune(const std::string& name, const LiveLink* link, bool enslave) {
        if (!link || link->mtu != mtu_) add(SetMtu{name, link ? link->mtu : 0, mtu_});
        const std::string master = link ? master_of(*link) : "";
        if (enslave && master != bridge_link)
            add(SetMaster{name, master, std::string(bridge_link)});
        else if (enslave && name != circuit_link && !(link->bpdu_guard && link->root_block))
            add(GuardPort{name});
        if (enslave && (!link || !link->admin_up)) add(SetUp{name, true});
    }

    void plan_bridge() {
        const LiveLink* bridge = live(bridge_link);
        if (bridge && !owned(*bridge)) return;
        if (bridge && bridge->kind != "bridge") {
            add(DeleteLink{std::string(bridge_link), "kind", bridge->kind, "bridge"});
            bridge = nullptr;
        }
        if (!bridge) add(CreateBridge{});
        const std::string name(bridge_link);
        tune(name, bridge, false);
        const bool has_address = bridge && std::find(bridge->addresses.begin(), bridge->addresses.end(),
                                                     want_.address) != bridge->addresses.end();
        if (!has_address) add(AddAddress{name, want_.address});
        if (!bridge) return;
        for (const auto& address : bridge->addresses)
            if (address != want_.address) add(DeleteAddress{name, address});
    }

    void bring_bridge_up() {
        const LiveLink* bridge = live(bridge_link);
        if (!bridge || !bridge->admin_up || bridge->kind != "bridge") add(SetUp{std::string(bridge_link), true});
    }

    /// Why the live circuit cannot become the wanted one in place, if it cannot.
    std::optional<DeleteLink> recreate_reason(const LiveLink& link) const {
        const std::string name(circuit_link);
        const std::string live_kind = link.kind == "vlan" || link.kind == "vxlan" ? link.kind : "port";
        const std::string want_kind(circuit_kind(want_.circuit));
        if (live_kind != want_kind) return DeleteLink{name, "kind", live_kind, want_kind};
        if (const auto* vlan = std::get_if<VlanCircuit>(&want_.circuit)) {
            const LiveLink* trunk = gateway_.find(vlan->trunk);
            if (link.vlan_id != vlan->vlan)
                return DeleteLink{name, "vlan", std::to_string(link.vlan_id.value_or(0)), std::to_string(vlan->vlan)};
            if (trunk && link.parent_index != trunk->index) return DeleteLink{name, "trunk", "", vlan->trunk};
        } else if (const auto* vxlan = std::get_if<VxlanCircuit>(&want_.circuit)) {
            if (link.vxlan_vni != vxlan->vni)
                return DeleteLink{name, "vni", std::to_string(link.vxlan_vni.value_or(0)), std::to_string(vxlan->vni)};
            if (link.vxlan_local != vxlan->local || link.vxlan_remote != vxlan->remote ||
                link.vxlan_port != vxlan->port)
                return DeleteLink{name, "endpoints", "", ""};
        } else if (const auto* port = std::get_if<PortCircuit>(&want_.circuit)) {
            const auto live_port = marked_port_name(link.alias);
            if (live_port != port->interface) return DeleteLink{name, "interface", live_port, port->interface};
        }
        return std::nullopt;
    }

    /// What the live circuit is, as a spec to recreate it from if undone.
    std::optional<CircuitSpec> live_spec(const LiveLink& link) const {
        const int parent_index = link.kind == "vxlan" ? link.vxlan_underlay_index.value_or(0) : link.parent_index;
        const LiveLink* parent = parent_index ? gateway_.find(parent_index) : nullptr;
        if (link.kind == "vlan" && parent && link.vlan_id) return VlanCircuit{parent->name, *link.vlan_id};
        if (link.kind == "vxlan" && parent && link.vxlan_vni && link.vxlan_local && link.vxlan_remote)
            return VxlanCircuit{*link.vxlan_vni, *link.vxlan_local, *link.vxlan_remote, parent->name,
                                link.vxlan_port.value_or(4789)};
        return std::nullopt;
    }

    void remove_circuit(const LiveLink& link, DeleteLink reason) {
        const LinkRestore was{link.mtu, master_of(link), link.admin_up};
        const auto port_name = marked_port_name(link.alias);
        if (port_name.empty()) {
            reason.recreate_as = live_spec(link);
            reason.restore = was;
            add(std::move(reason));
        } else {
            add(ReleasePort{link.name, port_name, was});
        }
    }

    void plan_circuit() {
        const LiveLink* circuit = live(circuit_link);
        if (circuit && !owned(*circuit)) return;
        if (circuit) {
            if (auto reason = recreate_reason(*circuit)) {
                remove_circuit(*circuit, std::move(*reason));
                circuit = nullptr;
            }
        }
        if (!circuit && !create_circuit()) return;
        tune(std::string(circuit_link), circuit, true);
    }

    bool create_circuit() {
        if (const auto* vlan = std::get_if<VlanCircuit>(&want_.circuit)) return create_vlan(*vlan);
        if (const auto* vxlan = std::get_if<VxlanCircuit>(&want_.circuit)) return create_vxlan(*vxlan);
        return adopt(std::get<PortCircuit>(want_.circuit).interface, std::string(circuit_link), false);
    }

    bool create_vlan(const VlanCircuit& vlan) {
        const LiveLink* trunk = gateway_.find(vlan.trunk);
        if (!trunk) {
            refuse(fmt::format("trunk '{}' is not in the gateway's namespace", vlan.trunk));
            return false;
        }
        const auto unfinished = unfinished_link_name(want_.client);
        for (const auto& link : gateway_.links) {
            if (link.name == unfinished) continue;  // deleted first
            if (link.kind == "vlan" && link.parent_index == trunk->index && link.vlan_id == vlan.vlan) {
                refuse(fmt::format("VLAN {} on '{}' is already used by '{}'{}", vlan.vlan, vlan.trunk, link.name,
                                   marked_client(link.alias).empty() ? ", which custode does not manage" : ""));
                return false;
            }
        }
        add(CreateCircuit{want_.circuit});
        return true;
    }

    bool create_vxlan(const VxlanCircuit& vxlan) {
        if (!gateway_.find(vxlan.underlay)) {
            refuse(fmt::format("underlay '{}' is not in the gateway's namespace", vxlan.underlay));
            return false;
        }
        add(CreateCircuit{want_.circuit});
        return true;
    }

    /// Takes a gateway interface into the client's namespace, if it is free.
    bool adopt(const std::string& name, const std::string& new_name, bool lab_port) {
        const LiveLink* port = gateway_.find(name);
        if (!port) {
            refuse(fmt::format("interface '{}' is not in the gateway's namespace", name));
            return false;
        }
        const auto owner = marked_client(port->alias);
        if (!owner.empty() && owner != want_.client) {
            refuse(fmt::format("interface '{}' belongs to client '{}'", name, owner));
            return false;
        }
        if (!want_.adopt && (port->master_index != 0 || !port->addresses.empty())) {
            refuse(fmt::format("interface '{}' is in use ({}); set adopt = true to take it over", name,
                               port->master_index ? "enslaved to another device" : "it has addresses"));
            return false;
        }
        add(AdoptPort{name, new_name, lab_port});
        return true;
    }

    void plan_lab_port(const std::string& name) {
        const LiveLink* port = live(name);
        if (port && !owned(*port)) return;
        if (!port && !adopt(name, name, true)) return;
        tune(name, port, true);
    }

    /// Links custode made for this client that netconf no longer wants.
    void plan_strays() {
        if (!ns_.exists) return;
        for (const auto& link : ns_.links) {
            const bool wanted = link.name == circuit_link || link.name == bridge_link ||
                                std::find(want_.lab_ports.begin(), want_.lab_ports.end(), link.name) !=
                                    want_.lab_ports.end();
            if (wanted || !is_marked_for(link.alias, want_.client)) continue;
            const auto port_name = marked_port_name(link.alias);
            if (port_name.empty()) {
                add(DeleteLink{link.name, "", "", ""});
            } else {
                add(ReleasePort{link.name, port_name});
            }
        }
    }

    const ClientLinks& want_;
    const LiveNamespace& gateway_;
    const LiveNamespace& ns_;
    ClientPlan plan_;
    int mtu_ = 0;
};

}  // namespace

int vxlan_headroom(const IpAddress& underlay_end) {
    // Outer IPv4 20 or IPv6 40, UDP 8, VXLAN 8, the inner Ethernet header 14.
    return underlay_end.is_ipv6() ? 70 : 50;
}

ClientPlan plan_client(const ClientLinks& want, const LiveNamespace& gateway, const LiveNamespace& client_ns) {
    return Planner(want, gateway, client_ns).run();
}

ClientPlan plan_removal(const std::string& client, const LiveNamespace& gateway, const LiveNamespace& client_ns) {
    ClientPlan plan{client, {}, {}};
    const auto unfinished = unfinished_link_name(client);
    if (gateway.find(unfinished)) plan.steps.push_back(DeleteUnfinished{unfinished, true});
    if (client_ns.half_made) plan.steps.push_back(DeleteNamespace{});
    if (!client_ns.exists) return plan;
    for (const auto& link : client_ns.links) {
        // An unfinished link goes with the namespace.
        if (link.name == "lo" || link.name == unfinished) continue;
        if (!is_marked_for(link.alias, client)) {
            plan.refusals.push_back(fmt::format("{} holds '{}', which custode did not create; move it out first",
                                                client_ns.name, link.name));
            continue;
        }
        const auto port_name = marked_port_name(link.alias);
        if (!port_name.empty()) plan.steps.push_back(ReleasePort{link.name, port_name});
    }
    plan.steps.push_back(DeleteNamespace{});
    if (!plan.refusals.empty()) plan.steps.clear();
    return plan;
}

}  // namespace custode
