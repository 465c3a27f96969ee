#pragma once
/// A fake kernel link table: carries out plan steps on plain data, with a
/// failure that can be injected at any step. Used to test the link use cases
/// without root. It accepts and refuses what the kernel does: the body in
/// tests/conformance/link_system_conformance.h runs against both.

#include <algorithm>
#include <functional>
#include <map>

#include "custode/core/error.h"
#include "custode/os/link_system.h"

namespace custode::testing {

class FakeLinkSystem : public os::LinkSystem {
public:
    LiveNamespace gateway;
    std::map<std::string, LiveNamespace> namespaces;
    int fail_at_call = -1;  ///< the carry_out call (0-based) that fails; -1: none
    /// Also fails every call for which this returns true (when set).
    std::function<bool(const os::StepTarget&, const Step&)> fail_if;
    int calls = 0;
    /// Every carry_out call, in order: the client and the step.
    std::vector<std::pair<std::string, Step>> log;
    /// Forwarding entries by namespace name ("" for the gateway).
    std::map<std::string, std::vector<os::FdbEntry>> forwarding;
    /// Who holds each namespace identity (by inode), as namespace_holders says.
    std::map<ino_t, std::vector<std::string>> holders;

    FakeLinkSystem() { add(gateway, "lo", ""); }

    LiveLink& add(LiveNamespace& ns, std::string name, std::string kind) {
        LiveLink link;
        link.index = next_index_++;
        link.name = std::move(name);
        link.kind = std::move(kind);
        link.mtu = 1500;
        ns.links.push_back(link);
        return ns.links.back();
    }

    LiveNamespace read_gateway() override { return gateway; }

    LiveNamespace read_namespace(const std::string& name) override {
        auto found = namespaces.find(name);
        if (found != namespaces.end()) return found->second;
        LiveNamespace absent;
        absent.name = name;
        return absent;
    }

    std::vector<std::string> list_namespaces() override {
        std::vector<std::string> names;
        for (const auto& [name, ns] : namespaces) names.push_back(name);
        return names;
    }

    std::vector<os::FdbEntry> read_forwarding(const std::string& namespace_name) override {
        if (!namespace_name.empty() && !namespaces.count(namespace_name))
            throw SystemError("open namespace " + namespace_name, ENOENT, "");
        const auto found = forwarding.find(namespace_name);
        return found == forwarding.end() ? std::vector<os::FdbEntry>{} : found->second;
    }

    /// A namespace's identity is its position in the name order plus one.
    std::optional<os::NamespaceId> namespace_identity(const std::string& name) override {
        const auto found = namespaces.find(name);
        if (found == namespaces.end()) return std::nullopt;
        return os::NamespaceId{0, static_cast<ino_t>(std::distance(namespaces.begin(), found) + 1)};
    }

    std::vector<std::string> namespace_holders(const os::NamespaceId& id) override {
        const auto found = holders.find(id.inode);
        return found == holders.end() ? std::vector<std::string>{} : found->second;
    }

    void add_probe_port(const os::StepTarget& target, const ProbePort& port) override {
        auto& space = ns(target);
        for (const auto& name : {port.link, port.peer})
            if (has_link(space, name)) throw SystemError("create probe pair " + port.link, EEXIST, "");
        const int bridge = link(space, "br0").index;
        auto& probe = add(space, port.link, "veth");
        probe.alias = ownership_marker(target.client);
        probe.admin_up = true;
        auto& peer = add(space, port.peer, "veth");
        peer.alias = ownership_marker(target.client);
        peer.admin_up = true;
        peer.mac = port.peer_mac;
        peer.master_index = bridge;
        peer_of_[port.link] = port.peer;
    }

    void carry_out(const os::StepTarget& target, const Step& step) override {
        log.emplace_back(target.client, step);
        if (calls++ == fail_at_call) throw SystemError("injected failure", EIO, "");
        if (fail_if && fail_if(target, step)) throw SystemError("injected failure", EIO, "");
        std::visit([&](const auto& concrete) { apply(target, concrete); }, step);
    }

private:
    LiveNamespace& ns(const os::StepTarget& target) { return namespaces.at(target.namespace_name); }

    static LiveLink& link(LiveNamespace& ns, std::string_view name) {
        for (auto& link : ns.links)
            if (link.name == name) return link;
        throw SystemError("find link " + std::string(name), ENODEV, "");
    }

    static bool has_link(const LiveNamespace& ns, std::string_view name) {
        return std::any_of(ns.links.begin(), ns.links.end(), [&](const LiveLink& l) { return l.name == name; });
    }

    /// Like the kernel, one VXLAN per VNI and port in the gateway's namespace,
    /// wherever the link itself was moved.
    bool vni_in_use(const VxlanCircuit& vxlan) const {
        for (const auto& [name, space] : namespaces)
            for (const auto& l : space.links)
                if (l.vxlan_vni == vxlan.vni && l.vxlan_port == vxlan.port) return true;
        return false;
    }

    static LiveLink take(LiveNamespace& ns, std::string_view name) {
        auto found = std::find_if(ns.links.begin(), ns.links.end(), [&](auto& l) { return l.name == name; });
        if (found == ns.links.end()) throw SystemError("find link " + std::string(name), ENODEV, "");
        LiveLink taken = *found;
        ns.links.erase(found);
        for (auto& other : ns.links)
            if (other.master_index == taken.index) other.master_index = 0;
        taken.master_index = 0;
        taken.bpdu_guard = taken.root_block = false;
        taken.admin_up = false;
        taken.addresses.clear();
        return taken;
    }

    void apply(const os::StepTarget& target, const CreateNamespace&) {
        if (namespaces.count(target.namespace_name))
            throw SystemError("create namespace " + target.namespace_name, EEXIST, "");
        LiveNamespace created;
        created.name = target.namespace_name;
        created.exists = true;
        add(created, "lo", "").admin_up = true;
        namespaces[target.namespace_name] = created;
    }
    void apply(const os::StepTarget& target, const DeleteNamespace&) { namespaces.erase(target.namespace_name); }
    void apply(const os::StepTarget& target, const CreateBridge&) {
        auto& space = ns(target);
        if (const auto* existing = space.find("br0")) {
            // Made meanwhile: the kernel side accepts it only if it is ours.
            if (existing->kind != "bridge" || existing->alias != ownership_marker(target.client))
                throw SystemError("create bridge br0", EEXIST, "");
            return;
        }
        add(space, "br0", "bridge").alias = ownership_marker(target.client);
    }
    void apply(const os::StepTarget& target, const CreateCircuit& step) {
        const auto* vxlan = std::get_if<VxlanCircuit>(&step.spec);
        if (has_link(ns(target), "circuit") || (vxlan && vni_in_use(*vxlan)))
            throw SystemError("create circuit", EEXIST, "");
        const int lower_mtu = link(gateway, vxlan ? vxlan->underlay : std::get<VlanCircuit>(step.spec).trunk).mtu;
        auto& circuit = add(ns(target), "circuit", std::string(circuit_kind(step.spec)));
        circuit.alias = ownership_marker(target.client);
        // The kernel's default: the lower device's MTU less a VXLAN's headroom
        // (its own figures, not the planner's: the conformance test checks them).
        const int headroom = !vxlan ? 0 : vxlan->local.is_ipv6() ? 70 : 50;
        circuit.mtu = lower_mtu - headroom;
        if (const auto* vlan = std::get_if<VlanCircuit>(&step.spec)) {
            circuit.vlan_id = vlan->vlan;
            circuit.parent_index = link(gateway, vlan->trunk).index;
        } else if (vxlan) {
            circuit.vxlan_vni = vxlan->vni;
            circuit.vxlan_local = vxlan->local;
            circuit.vxlan_remote = vxlan->remote;
            circuit.vxlan_port = vxlan->port;
        }
    }
    void apply(const os::StepTarget& target, const AdoptPort& step) {
        auto port = take(gateway, step.gateway_name);
        port.name = step.new_name;
        port.alias = port_marker(target.client, step.gateway_name);
        ns(target).links.push_back(port);
    }
    void apply(const os::StepTarget& target, const ReleasePort& step) {
        auto port = take(ns(target), step.link);
        port.name = step.gateway_name;
        port.alias.clear();
        gateway.links.push_back(port);
    }
    void apply(const os::StepTarget& target, const DeleteLink& step) {
        take(ns(target), step.link);
        // Deleting one end of a veth pair deletes the other.
        if (const auto peer = peer_of_.find(step.link); peer != peer_of_.end()) {
            take(ns(target), peer->second);
            peer_of_.erase(peer);
        }
    }
    void apply(const os::StepTarget& target, const SetMtu& step) { link(ns(target), step.link).mtu = step.to; }
    void apply(const os::StepTarget& target, const SetUp& step) {
        link(ns(target), step.link).admin_up = step.to;
    }
    void apply(const os::StepTarget& target, const SetMaster& step) {
        auto& space = ns(target);
        auto& port = link(space, step.link);
        port.master_index = step.to.empty() ? 0 : link(space, step.to).index;
        // Lab ports are guarded against BPDUs; flags live only on bridge ports.
        port.bpdu_guard = port.root_block = port.master_index != 0 && step.link != circuit_link;
    }
    void apply(const os::StepTarget& target, const DeleteUnfinished& step) {
        take(step.in_gateway ? gateway : ns(target), step.link);
    }
    void apply(const os::StepTarget& target, const GuardPort& step) {
        auto& port = link(ns(target), step.link);
        if (port.master_index == 0) throw SystemError("set bridge port flags", EINVAL, "not a bridge port");
        port.bpdu_guard = port.root_block = true;
    }
    void apply(const os::StepTarget& target, const AddAddress& step) {
        auto& addresses = link(ns(target), step.link).addresses;
        if (std::find(addresses.begin(), addresses.end(), step.address) != addresses.end())
            throw SystemError("add address " + step.address.to_string(), EEXIST, "");
        addresses.push_back(step.address);
    }
    void apply(const os::StepTarget& target, const DeleteAddress& step) {
        auto& addresses = link(ns(target), step.link).addresses;
        addresses.erase(std::remove(addresses.begin(), addresses.end(), step.address), addresses.end());
    }

    int next_index_ = 1;
    std::map<std::string, std::string> peer_of_;  ///< veth pairs: one end's name to the other's
};

}  // namespace custode::testing
