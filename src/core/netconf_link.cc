/// A client's [link]: the circuit kind with its own keys, lab ports, MTU.

#include <array>
#include <fmt/format.h>
#include <vector>

#include "netconf_parse.h"

namespace custode::netconf_detail {
namespace {

struct KindKeys {
    std::string_view kind;
    std::vector<std::string_view> keys;
};

/// Which keys belong to which kind; a key of another kind is an error.
const std::array<KindKeys, 3> kind_keys{{
    {"vlan", {"trunk", "vlan"}},
    {"port", {"interface", "adopt"}},
    {"vxlan", {"vni", "local", "remote", "underlay", "port"}},
}};

void reject_other_kinds(TableReader& link, std::string_view kind) {
    for (const auto& other : kind_keys) {
        if (other.kind == kind) continue;
        for (std::string_view key : other.keys) {
            link.reject(key, fmt::format("only for kind = \"{}\", not \"{}\"", other.kind, kind));
        }
    }
}

/// With kind missing or wrong, the kind-specific keys are not checked further.
void skip_kind_keys(TableReader& link) {
    for (const auto& other : kind_keys)
        for (std::string_view key : other.keys) link.node(key, Presence::optional);
}

void read_vlan(TableReader& link, ParsedLink& parsed) {
    parsed.trunk = link.interface_name("trunk", Presence::required);
    parsed.vlan = link.integer("vlan", Presence::required, VlanId::min, VlanId::max);
    if (parsed.trunk && parsed.vlan)
        parsed.spec = VlanLink{parsed.trunk->value, *VlanId::from_int(parsed.vlan->value)};
}

void read_port(TableReader& link, ParsedLink& parsed) {
    parsed.interface = link.interface_name("interface", Presence::required);
    const auto adopt = link.boolean("adopt", Presence::optional);
    if (parsed.interface) parsed.spec = PortLink{parsed.interface->value, adopt && adopt->value};
}

/// An underlay end the kernel could not use as written: link-local IPv6
/// needs a zone and works on one link only; an IPv4-mapped one is IPv4.
std::optional<Located<IpAddress>> underlay_end(TableReader& link, std::string_view key) {
    auto end = link.ip_address(key, Presence::required);
    const Ipv6Address* ipv6 = end ? end->value.ipv6() : nullptr;
    if (ipv6 && ipv6->is_link_local()) {
        link.diagnostics().error(end->at, fmt::format("{}: {} is link-local (fe80::/10), valid on one link only and "
                                                      "not routed: give the underlay a global or unique-local "
                                                      "address (fd00::/8)",
                                                      link.qualified(key), in_quotes(ipv6->to_string())));
        return std::nullopt;
    }
    if (ipv6 && ipv6->is_ipv4_mapped()) {
        link.diagnostics().error(end->at, fmt::format("{}: {} is an IPv4-mapped IPv6 address: write the IPv4 "
                                                      "address itself",
                                                      link.qualified(key), in_quotes(ipv6->to_string())));
        return std::nullopt;
    }
    return end;
}

void read_vxlan(TableReader& link, ParsedLink& parsed) {
    parsed.vni = link.integer("vni", Presence::required, 1, VxlanLink::max_vni);
    const auto local = underlay_end(link, "local");
    auto remote = underlay_end(link, "remote");
    parsed.underlay = link.interface_name("underlay", Presence::required);
    const auto port = link.integer("port", Presence::optional, 1, 65535);
    const auto family = [](const IpAddress& address) { return address.is_ipv6() ? "IPv6" : "IPv4"; };
    if (local && remote && local->value.is_ipv6() != remote->value.is_ipv6()) {
        // The kernel refuses a VXLAN whose ends are of two families.
        link.diagnostics().error(remote->at, fmt::format("link.remote: {} is {} but link.local {} is {}: both ends "
                                                         "of the tunnel must be of one family",
                                                         in_quotes(remote->value.to_string()), family(remote->value),
                                                         in_quotes(local->value.to_string()), family(local->value)));
        remote.reset();
    }
    if (local && remote && local->value == remote->value) {
        link.diagnostics().error(remote->at, "link.remote: must differ from link.local");
        remote.reset();
    }
    if (!parsed.vni || !local || !remote || !parsed.underlay) return;
    VxlanLink vxlan;
    vxlan.vni = static_cast<std::uint32_t>(parsed.vni->value);
    vxlan.local = local->value;
    vxlan.remote = remote->value;
    vxlan.underlay = parsed.underlay->value;
    if (port) vxlan.port = static_cast<std::uint16_t>(port->value);
    parsed.spec = vxlan;
}

void read_kind(TableReader& link, ParsedLink& parsed) {
    const auto kind = link.choice("kind", Presence::required, {"vlan", "port", "vxlan"});
    if (!kind) {
        skip_kind_keys(link);
        return;
    }
    if (kind->value == "vlan") read_vlan(link, parsed);
    if (kind->value == "port") read_port(link, parsed);
    if (kind->value == "vxlan") read_vxlan(link, parsed);
    reject_other_kinds(link, kind->value);
}

void read_lab_ports(TableReader& link, ParsedLink& parsed) {
    const auto ports = link.strings("lab_ports", Presence::optional);
    if (!ports) return;
    for (const auto& port : *ports) {
        if (is_valid_interface_name(port.value)) {
            parsed.lab_ports.push_back(port);
        } else {
            link.diagnostics().error(port.at, fmt::format("link.lab_ports: {} is not a valid interface name",
                                                          in_quotes(port.value)));
        }
    }
}

}  // namespace

ParsedLink parse_link(TableReader& link) {
    ParsedLink parsed;
    read_kind(link, parsed);
    read_lab_ports(link, parsed);
    // 68 is the IPv4 minimum (RFC 791); 65535 the largest the kernel takes here.
    if (const auto mtu = link.integer("mtu", Presence::optional, 68, 65535))
        parsed.mtu = static_cast<int>(mtu->value);
    link.report_unknown_keys();
    return parsed;
}

}  // namespace custode::netconf_detail
