#pragma once
/// What the kernel has, as plain data: filled by os/netlink from one dump per
/// namespace, read by the planner. No system calls here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "custode/core/address.h"

namespace custode {

/// One network interface as a netlink dump reports it.
struct LiveLink {
    int index = 0;
    std::string name;
    std::string kind;   ///< rtnl "kind": "bridge", "veth", "vxlan", "vlan", "macvlan"; empty for hardware
    std::string alias;  ///< IFLA_IFALIAS; custode's marker is "custode:<client>"
    std::optional<MacAddress> mac;
    int mtu = 0;
    bool admin_up = false;  ///< IFF_UP
    bool carrier = false;   ///< IFF_LOWER_UP
    int master_index = 0;   ///< the bridge it is enslaved to, 0 if none
    int parent_index = 0;   ///< IFLA_LINK: a VLAN's trunk, a veth's peer (if in the same namespace)
    std::optional<int> vlan_id;
    std::optional<std::uint32_t> vxlan_vni;
    std::optional<IpAddress> vxlan_local;   ///< IFLA_VXLAN_LOCAL or IFLA_VXLAN_LOCAL6
    std::optional<IpAddress> vxlan_remote;  ///< IFLA_VXLAN_GROUP or IFLA_VXLAN_GROUP6
    std::optional<std::uint16_t> vxlan_port;
    std::optional<int> vxlan_underlay_index{};  ///< IFLA_VXLAN_LINK, an index in the namespace the VXLAN was made in
    std::optional<int> link_netnsid{};  ///< IFLA_LINK_NETNSID: parent_index is in another namespace (a moved veth's peer)
    bool bpdu_guard = false;  ///< bridge port flag IFLA_BRPORT_GUARD (only on bridge ports)
    bool root_block = false;  ///< bridge port flag IFLA_BRPORT_PROTECT (only on bridge ports)
    std::vector<Ipv4Prefix> addresses;
    std::uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
};

/// The links of one network namespace.
struct LiveNamespace {
    std::string name;  ///< "" for the gateway's own (the one custode runs in)
    bool exists = false;
    std::vector<LiveLink> links;
    /// /run/netns/NAME is there with no namespace mounted on it: a creation
    /// or removal was killed between the file and the mount (exists is false).
    bool half_made = false;

    const LiveLink* find(std::string_view link_name) const;
    const LiveLink* find(int index) const;
};

/// The alias that marks a link as created by custode for `client`.
std::string ownership_marker(std::string_view client);

/// The name custode creates a link of `client` under before it marks it
/// and gives it its real name in one request ("c~acme"). The kernel takes
/// no alias in a creation, so a kill between the two leaves a link that only
/// this reserved name says is custode's; the next apply or remove deletes it.
std::string unfinished_link_name(std::string_view client);

}  // namespace custode
