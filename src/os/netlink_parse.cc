/// The live state from ONE link dump and ONE IPv4 address dump, parsed
/// straight from the messages with libnl's attribute parser. Not libnl's
/// link cache: it builds a full object per link (every address family's
/// data), does not read the bridge-port flags (IFLA_INFO_SLAVE_DATA) and
/// asks for all address families; this is several times faster.
#include <algorithm>
#include <array>
#include <optional>
#include <arpa/inet.h>
#include <cstring>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "custode/core/error.h"
#include "custode/os/netlink.h"

namespace custode::os {
namespace {

template <std::size_t N>
using Table = std::array<nlattr*, N + 1>;

std::string text_of(const nlattr* attribute) {
    if (!attribute || nla_len(attribute) <= 0) return "";
    const auto* chars = static_cast<const char*>(nla_data(attribute));
    return std::string(chars, strnlen(chars, static_cast<std::size_t>(nla_len(attribute))));
}

/// Attributes are only 4-byte aligned: copy, never cast, wider values.
template <class T>
std::optional<T> value_of(const nlattr* attribute) {
    if (!attribute || nla_len(attribute) < static_cast<int>(sizeof(T))) return std::nullopt;
    T value;
    std::memcpy(&value, nla_data(attribute), sizeof value);
    return value;
}

std::optional<Ipv4Address> ipv4_of(const nlattr* attribute) {
    const auto network_order = value_of<std::uint32_t>(attribute);
    if (!network_order || nla_len(attribute) != 4) return std::nullopt;
    return Ipv4Address(ntohl(*network_order));
}

std::optional<Ipv6Address> ipv6_of(const nlattr* attribute) {
    if (!attribute || nla_len(attribute) != 16) return std::nullopt;
    Ipv6Address::Bytes bytes{};
    std::memcpy(bytes.data(), nla_data(attribute), bytes.size());
    return Ipv6Address(bytes);
}

/// A VXLAN end: the kernel reports the IPv4 attribute or the IPv6 one, by the family it was made with.
std::optional<IpAddress> ip_of(const nlattr* ipv4_attribute, const nlattr* ipv6_attribute) {
    if (const auto ipv4 = ipv4_of(ipv4_attribute)) return IpAddress(*ipv4);
    if (const auto ipv6 = ipv6_of(ipv6_attribute)) return IpAddress(*ipv6);
    return std::nullopt;
}

template <std::size_t N>
Table<N> nested(nlattr* attribute) {
    Table<N> table{};
    if (attribute) nla_parse_nested(table.data(), static_cast<int>(N), attribute, nullptr);
    return table;
}

void parse_vlan(nlattr* data, LiveLink& link) {
    const auto vlan = nested<IFLA_VLAN_MAX>(data);
    if (const auto id = value_of<std::uint16_t>(vlan[IFLA_VLAN_ID])) link.vlan_id = *id;
}

void parse_vxlan(nlattr* data, LiveLink& link) {
    const auto vxlan = nested<IFLA_VXLAN_MAX>(data);
    link.vxlan_vni = value_of<std::uint32_t>(vxlan[IFLA_VXLAN_ID]);
    link.vxlan_local = ip_of(vxlan[IFLA_VXLAN_LOCAL], vxlan[IFLA_VXLAN_LOCAL6]);
    link.vxlan_remote = ip_of(vxlan[IFLA_VXLAN_GROUP], vxlan[IFLA_VXLAN_GROUP6]);
    /// The kernel sends the port in network byte order.
    if (const auto port = value_of<std::uint16_t>(vxlan[IFLA_VXLAN_PORT])) link.vxlan_port = ntohs(*port);
    if (const auto underlay = value_of<std::uint32_t>(vxlan[IFLA_VXLAN_LINK]); underlay && *underlay != 0)
        link.vxlan_underlay_index = static_cast<int>(*underlay);
}

void parse_bridge_port(nlattr* data, LiveLink& link) {
    const auto port = nested<IFLA_BRPORT_MAX>(data);
    link.bpdu_guard = value_of<std::uint8_t>(port[IFLA_BRPORT_GUARD]).value_or(0) != 0;
    link.root_block = value_of<std::uint8_t>(port[IFLA_BRPORT_PROTECT]).value_or(0) != 0;
}

void parse_link_info(nlattr* attribute, LiveLink& link) {
    const auto info = nested<IFLA_INFO_MAX>(attribute);
    link.kind = text_of(info[IFLA_INFO_KIND]);
    if (link.kind == "vlan") parse_vlan(info[IFLA_INFO_DATA], link);
    if (link.kind == "vxlan") parse_vxlan(info[IFLA_INFO_DATA], link);
    if (text_of(info[IFLA_INFO_SLAVE_KIND]) == "bridge") parse_bridge_port(info[IFLA_INFO_SLAVE_DATA], link);
}

void parse_stats(const nlattr* attribute, LiveLink& link) {
    const auto stats = value_of<rtnl_link_stats64>(attribute);
    if (!stats) return;
    link.rx_packets = stats->rx_packets;
    link.tx_packets = stats->tx_packets;
    link.rx_bytes = stats->rx_bytes;
    link.tx_bytes = stats->tx_bytes;
}

int as_index(const nlattr* attribute) {
    return static_cast<int>(value_of<std::uint32_t>(attribute).value_or(0));
}

}  // namespace

LiveLink parse_link_message(const nlmsghdr* message) {
    if (message->nlmsg_len < NLMSG_LENGTH(sizeof(ifinfomsg)))
        throw SystemError("parse link message", EBADMSG, "too short");
    const auto* header = static_cast<const ifinfomsg*>(nlmsg_data(message));
    Table<IFLA_MAX> table{};
    /// libnl's parser takes non-const pointers but does not write the message.
    auto* writable = const_cast<nlmsghdr*>(message);
    if (const int err = nlmsg_parse(writable, sizeof(ifinfomsg), table.data(), IFLA_MAX, nullptr); err < 0)
        throw SystemError("parse link message", EBADMSG, "malformed attributes");

    LiveLink link;
    link.index = header->ifi_index;
    link.admin_up = (header->ifi_flags & IFF_UP) != 0;
    link.carrier = (header->ifi_flags & IFF_LOWER_UP) != 0;
    link.name = text_of(table[IFLA_IFNAME]);
    link.alias = text_of(table[IFLA_IFALIAS]);
    if (const auto* mac = table[IFLA_ADDRESS]; mac && nla_len(mac) == 6) {
        MacAddress::Bytes bytes;
        std::memcpy(bytes.data(), nla_data(mac), bytes.size());
        link.mac = MacAddress(bytes);
    }
    link.mtu = as_index(table[IFLA_MTU]);
    link.master_index = as_index(table[IFLA_MASTER]);
    link.parent_index = as_index(table[IFLA_LINK]);
    link.link_netnsid = value_of<std::int32_t>(table[IFLA_LINK_NETNSID]);
    parse_stats(table[IFLA_STATS64], link);
    if (table[IFLA_LINKINFO]) parse_link_info(table[IFLA_LINKINFO], link);
    return link;
}

void parse_address_message(const nlmsghdr* message, LiveNamespace& into) {
    if (message->nlmsg_len < NLMSG_LENGTH(sizeof(ifaddrmsg))) return;
    const auto* header = static_cast<const ifaddrmsg*>(nlmsg_data(message));
    if (header->ifa_family != AF_INET) return;
    Table<IFA_MAX> table{};
    if (nlmsg_parse(const_cast<nlmsghdr*>(message), sizeof(ifaddrmsg), table.data(), IFA_MAX, nullptr) < 0) return;
    /// IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links.
    auto address = ipv4_of(table[IFA_LOCAL]);
    if (!address) address = ipv4_of(table[IFA_ADDRESS]);
    if (!address) return;
    const auto index = static_cast<int>(header->ifa_index);
    auto link = std::find_if(into.links.begin(), into.links.end(), [&](const LiveLink& l) { return l.index == index; });
    if (link != into.links.end()) link->addresses.emplace_back(*address, header->ifa_prefixlen);
}

LiveNamespace dump_namespace(NetlinkSocket& socket) {
    LiveNamespace live;
    live.exists = true;
    const ifinfomsg link_request{};
    socket.dump(RTM_GETLINK, &link_request, sizeof link_request,
                [&](const nlmsghdr* message) {
                    if (message->nlmsg_type == RTM_NEWLINK) live.links.push_back(parse_link_message(message));
                },
                "dump links");
    ifaddrmsg address_request{};
    address_request.ifa_family = AF_INET;
    socket.dump(RTM_GETADDR, &address_request, sizeof address_request,
                [&](const nlmsghdr* message) {
                    if (message->nlmsg_type == RTM_NEWADDR) parse_address_message(message, live);
                },
                "dump addresses");
    return live;
}

}  // namespace custode::os
