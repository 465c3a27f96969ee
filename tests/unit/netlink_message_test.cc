/// Link requests built and parsed back without a kernel: this machine's
/// kernel has no 802.1Q, so the VLAN request is proven here, both by our
/// own parser (the one that reads dumps) and by libnl's.
#include <catch2/catch.hpp>

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <linux/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/vxlan.h>

#include "custode/core/error.h"
#include "custode/os/netlink.h"

using namespace custode;
using namespace custode::os;

namespace {

struct LinkPut {
    void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
using Link = std::unique_ptr<rtnl_link, LinkPut>;

/// libnl's own reading of a message, through its link cache parser.
Link parse_with_libnl(nl_msg* msg) {
    nlmsg_set_proto(msg, NETLINK_ROUTE);
    Link result;
    const int err = nl_msg_parse(
        msg,
        [](nl_object* object, void* arg) {
            nl_object_get(object);
            static_cast<Link*>(arg)->reset(reinterpret_cast<rtnl_link*>(object));
        },
        &result);
    REQUIRE(err == 0);
    REQUIRE(result);
    return result;
}

/// NLM_F_REQUEST and NLM_F_ACK are added when the message is sent.
std::uint16_t create_flags() { return NLM_F_CREATE | NLM_F_EXCL; }

}  // namespace

TEST_CASE("a VLAN create request names kind, id, trunk and name", "[netlink]") {
    const auto request = build_create_request(VlanSpec{.name = "eth1.101", .trunk_index = 7, .vlan_id = 101, .mtu = 1496});
    const nlmsghdr* header = nlmsg_hdr(request.get());
    CHECK(header->nlmsg_type == RTM_NEWLINK);
    CHECK((header->nlmsg_flags & create_flags()) == create_flags());

    const auto link = parse_link_message(header);
    CHECK(link.name == "eth1.101");
    CHECK(link.kind == "vlan");
    CHECK(link.vlan_id == 101);
    CHECK(link.parent_index == 7);
    CHECK(link.mtu == 1496);

    const auto libnl = parse_with_libnl(request.get());
    CHECK(std::string(rtnl_link_get_name(libnl.get())) == "eth1.101");
    CHECK(std::string(rtnl_link_get_type(libnl.get())) == "vlan");
    CHECK(rtnl_link_vlan_get_id(libnl.get()) == 101);
    CHECK(rtnl_link_get_link(libnl.get()) == 7);
}

TEST_CASE("a VLAN id outside 0..4095 is refused before any request", "[netlink]") {
    CHECK_THROWS_AS(build_create_request(VlanSpec{.name = "x", .trunk_index = 2, .vlan_id = 4096}), SystemError);
}

TEST_CASE("a VXLAN create request carries VNI, endpoints, port and underlay", "[netlink]") {
    const auto request = build_create_request(VxlanSpec{.name = "vx5001",
                                                        .vni = 5001,
                                                        .local = Ipv4Address::parse("198.51.100.1"),
                                                        .remote = Ipv4Address::parse("203.0.113.7"),
                                                        .port = 4789,
                                                        .underlay_index = 3});
    const auto link = parse_link_message(nlmsg_hdr(request.get()));
    CHECK(link.kind == "vxlan");
    CHECK(link.vxlan_vni == 5001u);
    REQUIRE(link.vxlan_local);
    CHECK(link.vxlan_local->to_string() == "198.51.100.1");
    REQUIRE(link.vxlan_remote);
    CHECK(link.vxlan_remote->to_string() == "203.0.113.7");
    CHECK(link.vxlan_port == 4789);
    CHECK(link.vxlan_underlay_index == 3);

    const auto libnl = parse_with_libnl(request.get());
    std::uint32_t vni = 0;
    REQUIRE(rtnl_link_vxlan_get_id(libnl.get(), &vni) == 0);
    CHECK(vni == 5001u);
}

TEST_CASE("a VXLAN create request over IPv6 carries LOCAL6 and GROUP6, not the IPv4 attributes", "[netlink]") {
    const auto request = build_create_request(VxlanSpec{.name = "vx5001",
                                                        .vni = 5001,
                                                        .local = IpAddress::parse("2001:db8::1"),
                                                        .remote = IpAddress::parse("2001:db8::7"),
                                                        .port = 4789,
                                                        .underlay_index = 3});
    nlmsghdr* header = nlmsg_hdr(request.get());
    const auto link = parse_link_message(header);
    CHECK(link.vxlan_vni == 5001u);
    CHECK(link.vxlan_local == IpAddress::parse("2001:db8::1"));
    CHECK(link.vxlan_remote == IpAddress::parse("2001:db8::7"));

    // The bytes themselves: 16-byte IFLA_VXLAN_LOCAL6 and GROUP6, no IPv4 ones.
    nlattr* table[IFLA_MAX + 1] = {};
    REQUIRE(nlmsg_parse(header, sizeof(ifinfomsg), table, IFLA_MAX, nullptr) == 0);
    nlattr* info[IFLA_INFO_MAX + 1] = {};
    REQUIRE(nla_parse_nested(info, IFLA_INFO_MAX, table[IFLA_LINKINFO], nullptr) == 0);
    nlattr* data[IFLA_VXLAN_MAX + 1] = {};
    REQUIRE(nla_parse_nested(data, IFLA_VXLAN_MAX, info[IFLA_INFO_DATA], nullptr) == 0);
    CHECK(data[IFLA_VXLAN_LOCAL] == nullptr);
    CHECK(data[IFLA_VXLAN_GROUP] == nullptr);
    REQUIRE(data[IFLA_VXLAN_LOCAL6]);
    REQUIRE(data[IFLA_VXLAN_GROUP6]);
    CHECK(nla_len(data[IFLA_VXLAN_LOCAL6]) == 16);
    const auto* group = static_cast<const std::uint8_t*>(nla_data(data[IFLA_VXLAN_GROUP6]));
    CHECK(Ipv6Address::Bytes{group[0], group[1], group[2], group[3], group[4], group[5], group[6], group[7],
                             group[8], group[9], group[10], group[11], group[12], group[13], group[14], group[15]} ==
          Ipv6Address::parse("2001:db8::7")->bytes());

    // libnl reads the same ends back.
    const auto libnl = parse_with_libnl(request.get());
    nl_addr* local = nullptr;
    REQUIRE(rtnl_link_vxlan_get_local(libnl.get(), &local) == 0);
    CHECK(nl_addr_get_family(local) == AF_INET6);
    nl_addr_put(local);
}

TEST_CASE("a bridge create request has kind bridge and the MTU", "[netlink]") {
    const auto request = build_create_request(BridgeSpec{.name = "br0", .alias = "custode:acme", .mtu = 1400});
    const auto link = parse_link_message(nlmsg_hdr(request.get()));
    CHECK(link.name == "br0");
    CHECK(link.kind == "bridge");
    CHECK(link.mtu == 1400);
    /// The kernel ignores IFLA_IFALIAS on create: the alias is a second request.
    CHECK(link.alias.empty());
}

TEST_CASE("a veth create request names its peer and the peer's namespace", "[netlink]") {
    const auto here = NamespaceFd::open_current();
    const auto request = build_create_request(VethSpec{.name = "v-a", .peer_name = "v-b", .peer_namespace = &here});
    nlmsghdr* header = nlmsg_hdr(request.get());
    CHECK(parse_link_message(header).kind == "veth");

    /// libnl 3.7's own parser crashes on a veth request, so walk it by hand:
    /// IFLA_LINKINFO > IFLA_INFO_DATA > VETH_INFO_PEER = ifinfomsg + attributes.
    nlattr* table[IFLA_MAX + 1] = {};
    REQUIRE(nlmsg_parse(header, sizeof(ifinfomsg), table, IFLA_MAX, nullptr) == 0);
    nlattr* info[IFLA_INFO_MAX + 1] = {};
    REQUIRE(nla_parse_nested(info, IFLA_INFO_MAX, table[IFLA_LINKINFO], nullptr) == 0);
    nlattr* data[VETH_INFO_MAX + 1] = {};
    REQUIRE(nla_parse_nested(data, VETH_INFO_MAX, info[IFLA_INFO_DATA], nullptr) == 0);
    REQUIRE(data[VETH_INFO_PEER]);
    const int skip = NLMSG_ALIGN(sizeof(ifinfomsg));
    auto* peer_attributes = reinterpret_cast<nlattr*>(static_cast<char*>(nla_data(data[VETH_INFO_PEER])) + skip);
    nlattr* peer[IFLA_MAX + 1] = {};
    REQUIRE(nla_parse(peer, IFLA_MAX, peer_attributes, nla_len(data[VETH_INFO_PEER]) - skip, nullptr) == 0);
    REQUIRE(peer[IFLA_IFNAME]);
    CHECK(std::string(nla_get_string(peer[IFLA_IFNAME])) == "v-b");
    REQUIRE(peer[IFLA_NET_NS_FD]);
    CHECK(static_cast<int>(nla_get_u32(peer[IFLA_NET_NS_FD])) == here.fd());
}

TEST_CASE("a change request carries every requested change and nothing else", "[netlink]") {
    const auto request = build_change_request(
        12, LinkChange{.name = "circuit", .alias = "custode:acme", .mtu = 1450, .state = AdminState::up, .master_index = 4});
    const auto link = parse_link_message(nlmsg_hdr(request.get()));
    const auto* header = static_cast<const ifinfomsg*>(nlmsg_data(nlmsg_hdr(request.get())));
    CHECK(link.index == 12);
    CHECK(link.name == "circuit");
    CHECK(link.alias == "custode:acme");
    CHECK(link.mtu == 1450);
    CHECK(link.admin_up);
    CHECK((header->ifi_change & IFF_UP) != 0);
    CHECK(link.master_index == 4);

    const auto release = build_change_request(12, LinkChange{.master_index = 0});
    nlattr* table[IFLA_MAX + 1] = {};
    REQUIRE(nlmsg_parse(nlmsg_hdr(release.get()), sizeof(ifinfomsg), table, IFLA_MAX, nullptr) == 0);
    REQUIRE(table[IFLA_MASTER]);
    CHECK(nla_get_u32(table[IFLA_MASTER]) == 0);
    CHECK_FALSE(table[IFLA_IFNAME]);
    CHECK_FALSE(table[IFLA_MTU]);
}

TEST_CASE("a bridge port request sets BPDU guard and root block in IFLA_PROTINFO", "[netlink]") {
    const auto request = build_bridge_port_request(9, BridgePortFlags{.bpdu_guard = true, .root_block = true});
    nlmsghdr* header = nlmsg_hdr(request.get());
    CHECK(header->nlmsg_type == RTM_SETLINK);
    const auto* info = static_cast<const ifinfomsg*>(nlmsg_data(header));
    CHECK(info->ifi_family == AF_BRIDGE);
    CHECK(info->ifi_index == 9);
    nlattr* table[IFLA_MAX + 1] = {};
    REQUIRE(nlmsg_parse(header, sizeof(ifinfomsg), table, IFLA_MAX, nullptr) == 0);
    REQUIRE(table[IFLA_PROTINFO]);
    nlattr* port[IFLA_BRPORT_MAX + 1] = {};
    REQUIRE(nla_parse_nested(port, IFLA_BRPORT_MAX, table[IFLA_PROTINFO], nullptr) == 0);
    REQUIRE(port[IFLA_BRPORT_GUARD]);
    REQUIRE(port[IFLA_BRPORT_PROTECT]);
    CHECK(nla_get_u8(port[IFLA_BRPORT_GUARD]) != 0);
    CHECK(nla_get_u8(port[IFLA_BRPORT_PROTECT]) != 0);
}
