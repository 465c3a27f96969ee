/// How plan steps look to the user, their inverses, and ownership markers.

#include <fmt/format.h>

#include "custode/core/link_plan.h"

namespace custode {
namespace {

constexpr std::string_view marker_prefix = "custode:";
constexpr std::string_view port_tag = " port=";

bool interrupts_traffic(std::string_view link) { return link == circuit_link || link == bridge_link; }

std::string describe_circuit(const CircuitSpec& circuit) {
    struct Describe {
        std::string operator()(const VlanCircuit& c) const { return fmt::format("vlan {} on {}", c.vlan, c.trunk); }
        std::string operator()(const PortCircuit& c) const { return fmt::format("port {}", c.interface); }
        std::string operator()(const VxlanCircuit& c) const {
            return fmt::format("vxlan {} {}->{} via {}", c.vni, c.local.to_string(), c.remote.with_port(c.port),
                               c.underlay);
        }
    };
    return std::visit(Describe{}, circuit);
}

struct Describe {
    ActionView operator()(const CreateNamespace&) const { return {"create", "namespace", "", "", "", false}; }
    ActionView operator()(const DeleteNamespace&) const { return {"delete", "namespace", "", "", "", true}; }
    ActionView operator()(const CreateCircuit& s) const {
        return {"create", std::string(circuit_link), "kind", "", describe_circuit(s.spec), false};
    }
    ActionView operator()(const AdoptPort& s) const {
        return {"create", s.new_name, "port", "", s.gateway_name, false};
    }
    ActionView operator()(const ReleasePort& s) const {
        return {"delete", s.link, "port", s.gateway_name, "", interrupts_traffic(s.link)};
    }
    ActionView operator()(const CreateBridge&) const { return {"create", std::string(bridge_link), "kind", "", "bridge", false}; }
    ActionView operator()(const DeleteUnfinished& s) const {
        return {"delete", s.link, "unfinished", s.in_gateway ? "gateway" : "namespace", "", false};
    }
    ActionView operator()(const DeleteLink& s) const {
        return {"delete", s.link, s.attribute, s.from, s.to, interrupts_traffic(s.link)};
    }
    ActionView operator()(const SetMtu& s) const {
        return {"change", s.link, "mtu", s.from ? std::to_string(s.from) : "", std::to_string(s.to), false};
    }
    ActionView operator()(const SetUp& s) const {
        return {"change", s.link, "state", s.to ? "down" : "up", s.to ? "up" : "down", !s.to};
    }
    ActionView operator()(const SetMaster& s) const { return {"change", s.link, "master", s.from, s.to, false}; }
    ActionView operator()(const GuardPort& s) const { return {"change", s.link, "bpdu_guard", "off", "on", false}; }
    ActionView operator()(const AddAddress& s) const {
        return {"create", s.link, "address", "", s.address.to_string(), false};
    }
    ActionView operator()(const DeleteAddress& s) const {
        return {"delete", s.link, "address", s.address.to_string(), "", false};
    }
};

/// Puts a link that was taken away back the way it was.
void restore(std::vector<Step>& steps, const std::string& link, const std::optional<LinkRestore>& was) {
    if (!was) return;
    if (was->mtu) steps.push_back(SetMtu{link, 0, was->mtu});
    if (!was->master.empty()) steps.push_back(SetMaster{link, "", was->master});
    if (was->up) steps.push_back(SetUp{link, true});
}

struct Inverse {
    using Steps = std::vector<Step>;
    Steps operator()(const CreateNamespace&) const { return {DeleteNamespace{}}; }
    Steps operator()(const DeleteNamespace&) const { return {}; }
    Steps operator()(const CreateCircuit&) const { return {DeleteLink{std::string(circuit_link)}}; }
    Steps operator()(const AdoptPort& s) const { return {ReleasePort{s.new_name, s.gateway_name}}; }
    Steps operator()(const ReleasePort& s) const {
        Steps steps{AdoptPort{s.gateway_name, s.link, s.link != circuit_link}};
        restore(steps, s.link, s.restore);
        return steps;
    }
    Steps operator()(const CreateBridge&) const { return {DeleteLink{std::string(bridge_link)}}; }
    // What was unfinished is not made again; a guard taken off would only weaken the port.
    Steps operator()(const DeleteUnfinished&) const { return {}; }
    Steps operator()(const GuardPort&) const { return {}; }
    Steps operator()(const DeleteLink& s) const {
        if (!s.recreate_as) return {};
        Steps steps{CreateCircuit{*s.recreate_as}};
        restore(steps, s.link, s.restore);
        return steps;
    }
    Steps operator()(const SetMtu& s) const {
        if (!s.from) return {};
        return {SetMtu{s.link, s.to, s.from}};
    }
    Steps operator()(const SetUp& s) const { return {SetUp{s.link, !s.to}}; }
    Steps operator()(const SetMaster& s) const { return {SetMaster{s.link, s.to, s.from}}; }
    Steps operator()(const AddAddress& s) const { return {DeleteAddress{s.link, s.address}}; }
    Steps operator()(const DeleteAddress& s) const { return {AddAddress{s.link, s.address}}; }
};

}  // namespace

std::string_view circuit_kind(const CircuitSpec& circuit) {
    static constexpr std::string_view kinds[] = {"vlan", "port", "vxlan"};
    return kinds[circuit.index()];
}

ActionView describe(const Step& step) { return std::visit(Describe{}, step); }

namespace {

/// Per step kind, the usual causes of a refusal the kernel does not explain.
struct RefusalCauses {
    std::string operator()(const SetMtu& step) const {
        return fmt::format("the kernel refuses an MTU of {} on {} when a lower device (the trunk, the VXLAN's underlay "
                           "less 50 bytes over IPv4, 70 over IPv6) cannot carry it, or past the driver's maximum: compare with the lower "
                           "device's MTU (ip link), or set link.mtu",
                           step.to, step.link);
    }
    std::string operator()(const CreateCircuit&) const {
        return "a VLAN id already on that trunk, a VXLAN with the same VNI and port, or a trunk or underlay that is "
               "gone or down";
    }
    std::string operator()(const AdoptPort& step) const {
        return fmt::format("{} may be gone, renamed, or held by another program", step.gateway_name);
    }
    std::string operator()(const SetMaster& step) const {
        return fmt::format("{} may already be a port of another bridge, or be a kind a bridge cannot take", step.link);
    }
    std::string operator()(const AddAddress& step) const {
        return fmt::format("{} may already be on another link of the namespace", step.address.to_string());
    }
    template <typename Other>
    std::string operator()(const Other&) const {
        return "the link may have been changed by another program meanwhile: run custode plan";
    }
};

}  // namespace

std::string refusal_causes(const Step& step) { return std::visit(RefusalCauses{}, step); }

std::vector<Step> inverse(const Step& step) { return std::visit(Inverse{}, step); }

std::string marked_client(std::string_view alias) {
    if (!alias.starts_with(marker_prefix)) return "";
    alias.remove_prefix(marker_prefix.size());
    return std::string(alias.substr(0, alias.find(' ')));
}

bool is_marked_for(std::string_view alias, std::string_view client) {
    return !client.empty() && marked_client(alias) == client;
}

std::string port_marker(std::string_view client, std::string_view gateway_name) {
    return fmt::format("{}{}{}", ownership_marker(client), port_tag, gateway_name);
}

std::string marked_port_name(std::string_view alias) {
    const auto at = alias.find(port_tag);
    if (marked_client(alias).empty() || at == std::string_view::npos) return "";
    return std::string(alias.substr(at + port_tag.size()));
}

}  // namespace custode
