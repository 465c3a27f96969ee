/// Building and sending link and address requests with libnl-route's own
/// builders (rtnl_link_build_*_request, rtnl_addr_build_*_request).
#include <arpa/inet.h>
#include <cerrno>
#include <linux/if.h>
#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/vxlan.h>
#include <sys/socket.h>

#include "custode/core/error.h"
#include "custode/os/netlink.h"

namespace custode::os {
namespace {

struct LinkPut {
    void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
struct AddrPut {
    void operator()(nl_addr* addr) const { nl_addr_put(addr); }
};
struct RouteAddrPut {
    void operator()(rtnl_addr* addr) const { rtnl_addr_put(addr); }
};
using Link = std::unique_ptr<rtnl_link, LinkPut>;
using Addr = std::unique_ptr<nl_addr, AddrPut>;
using RouteAddr = std::unique_ptr<rtnl_addr, RouteAddrPut>;

void check(int libnl_result, const char* call) {
    if (libnl_result < 0) throw SystemError(call, 0, nl_geterror(libnl_result));
}

template <class T>
T* check_alloc(T* object, const char* call) {
    if (!object) throw SystemError(call, ENOMEM, "");
    return object;
}

Addr ipv4(Ipv4Address address) {
    const std::uint32_t network_order = htonl(address.value());
    return Addr(check_alloc(nl_addr_build(AF_INET, &network_order, sizeof network_order), "nl_addr_build"));
}

/// libnl's VXLAN setters take either family and send LOCAL/GROUP or LOCAL6/GROUP6 by it.
Addr ip(const IpAddress& address) {
    if (const auto* ipv6 = address.ipv6())
        return Addr(check_alloc(nl_addr_build(AF_INET6, ipv6->bytes().data(), ipv6->bytes().size()), "nl_addr_build"));
    return ipv4(*address.ipv4());
}

/// Name and MTU go into the create request; the alias cannot (the kernel
/// ignores IFLA_IFALIAS when creating), see create().
void set_common(rtnl_link* link, const std::string& name, int mtu) {
    rtnl_link_set_name(link, name.c_str());
    if (mtu > 0) rtnl_link_set_mtu(link, static_cast<unsigned>(mtu));
}

NlMsg add_request(rtnl_link* link) {
    nl_msg* msg = nullptr;
    check(rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg), "rtnl_link_build_add_request");
    return NlMsg(msg);
}

/// A change request addressed by name (ifindex 0), for a link just created.
NlMsg alias_by_name_request(const std::string& name, const std::string& alias) {
    Link orig(check_alloc(rtnl_link_alloc(), "rtnl_link_alloc"));
    Link changes(check_alloc(rtnl_link_alloc(), "rtnl_link_alloc"));
    rtnl_link_set_name(orig.get(), name.c_str());
    rtnl_link_set_name(changes.get(), name.c_str());
    rtnl_link_set_ifalias(changes.get(), alias.c_str());
    nl_msg* msg = nullptr;
    check(rtnl_link_build_change_request(orig.get(), changes.get(), 0, &msg), "rtnl_link_build_change_request");
    return NlMsg(msg);
}

void delete_by_name(NetlinkSocket& socket, const std::string& name) {
    Link link(check_alloc(rtnl_link_alloc(), "rtnl_link_alloc"));
    rtnl_link_set_name(link.get(), name.c_str());
    nl_msg* msg = nullptr;
    check(rtnl_link_build_delete_request(link.get(), &msg), "rtnl_link_build_delete_request");
    NlMsg request(msg);
    std::string ignored;
    socket.transact(request.get(), ignored);
}

/// Creates, then marks with the alias (and renames to `final_name`); a link
/// that cannot be marked is deleted again, so custode never leaves an
/// unmarked link of its own, except when killed between the two requests.
Creation create(NetlinkSocket& socket, const NlMsg& request, const std::string& name,
                const std::string& alias, const char* what, const std::string& final_name = "") {
    std::string kernel_message;
    const int error = socket.transact(request.get(), kernel_message);
    // A plain name clash comes back without words; when the kernel explains
    // an EEXIST (a VXLAN VNI already in use, ...) it is a refusal to report.
    if (error == EEXIST && kernel_message.empty()) return Creation::already_exists;
    if (error != 0) throw SystemError(std::string("create ") + what + " " + name, error, kernel_message);
    if (alias.empty()) return Creation::created;
    try {
        if (final_name.empty()) {
            const auto marking = alias_by_name_request(name, alias);
            socket.execute(marking.get(), "set alias of " + name);
        } else {
            // A rename must address the link by index: by name, the request's
            // one name attribute would be both the link sought and its new name.
            rtnl_link* found = nullptr;
            check(rtnl_link_get_kernel(socket.get(), 0, name.c_str(), &found), "rtnl_link_get_kernel");
            const Link created(found);
            const auto finishing =
                build_change_request(rtnl_link_get_ifindex(found), LinkChange{.name = final_name, .alias = alias});
            socket.execute(finishing.get(), "set alias of " + name + " and rename it " + final_name);
        }
    } catch (...) {
        delete_by_name(socket, name);
        throw;
    }
    return Creation::created;
}

void set_port_flag(rtnl_link* link, bool on, unsigned flag) {
    check(on ? rtnl_link_bridge_set_flags(link, flag) : rtnl_link_bridge_unset_flags(link, flag),
          "rtnl_link_bridge_set_flags");
}

RouteAddr address_object(int index, const Ipv4Prefix& address) {
    RouteAddr object(check_alloc(rtnl_addr_alloc(), "rtnl_addr_alloc"));
    rtnl_addr_set_ifindex(object.get(), index);
    const auto local = ipv4(address.address());
    nl_addr_set_prefixlen(local.get(), address.length());
    check(rtnl_addr_set_local(object.get(), local.get()), "rtnl_addr_set_local");
    rtnl_addr_set_prefixlen(object.get(), address.length());
    /// Like `ip addr add ... brd +`: /31 and /32 have no broadcast address.
    if (address.length() < 31) check(rtnl_addr_set_broadcast(object.get(), ipv4(address.broadcast()).get()),
                                     "rtnl_addr_set_broadcast");
    return object;
}

}  // namespace

NlMsg build_create_request(const BridgeSpec& spec) {
    Link link(check_alloc(rtnl_link_bridge_alloc(), "rtnl_link_bridge_alloc"));
    set_common(link.get(), spec.name, spec.mtu);
    return add_request(link.get());
}

NlMsg build_create_request(const VethSpec& spec) {
    Link link(check_alloc(rtnl_link_veth_alloc(), "rtnl_link_veth_alloc"));
    set_common(link.get(), spec.name, spec.mtu);
    /// libnl >= 3.2.x: get_peer hands out a reference of our own.
    Link peer(check_alloc(rtnl_link_veth_get_peer(link.get()), "rtnl_link_veth_get_peer"));
    set_common(peer.get(), spec.peer_name, spec.mtu);
    if (spec.peer_namespace) rtnl_link_set_ns_fd(peer.get(), spec.peer_namespace->fd());
    return add_request(link.get());
}

NlMsg build_create_request(const VxlanSpec& spec) {
    if (spec.vni >= (1u << 24)) throw SystemError("create vxlan " + spec.name, EINVAL, "VNI out of range 0..16777215");
    Link link(check_alloc(rtnl_link_vxlan_alloc(), "rtnl_link_vxlan_alloc"));
    set_common(link.get(), spec.name, spec.mtu);
    check(rtnl_link_vxlan_set_id(link.get(), spec.vni), "rtnl_link_vxlan_set_id");
    if (spec.local) check(rtnl_link_vxlan_set_local(link.get(), ip(*spec.local).get()), "rtnl_link_vxlan_set_local");
    if (spec.remote)
        check(rtnl_link_vxlan_set_group(link.get(), ip(*spec.remote).get()), "rtnl_link_vxlan_set_group");
    check(rtnl_link_vxlan_set_port(link.get(), spec.port), "rtnl_link_vxlan_set_port");
    if (spec.underlay_index > 0)
        check(rtnl_link_vxlan_set_link(link.get(), static_cast<std::uint32_t>(spec.underlay_index)),
              "rtnl_link_vxlan_set_link");
    /// The client LAN's hosts are found by flooding and learning, as on a switch.
    check(rtnl_link_vxlan_set_learning(link.get(), 1), "rtnl_link_vxlan_set_learning");
    return add_request(link.get());
}

NlMsg build_create_request(const VlanSpec& spec) {
    if (spec.vlan_id < 0 || spec.vlan_id > 4095)
        throw SystemError("create vlan " + spec.name, EINVAL, "VLAN id out of range");
    Link link(check_alloc(rtnl_link_vlan_alloc(), "rtnl_link_vlan_alloc"));
    set_common(link.get(), spec.name, spec.mtu);
    rtnl_link_set_link(link.get(), spec.trunk_index);
    check(rtnl_link_vlan_set_id(link.get(), static_cast<std::uint16_t>(spec.vlan_id)), "rtnl_link_vlan_set_id");
    return add_request(link.get());
}

Creation create_link(NetlinkSocket& socket, const BridgeSpec& spec) {
    return create(socket, build_create_request(spec), spec.name, spec.alias, "bridge", spec.final_name);
}

Creation create_link(NetlinkSocket& socket, const VethSpec& spec) {
    const auto result = create(socket, build_create_request(spec), spec.name, spec.alias, "veth");
    /// The peer can be marked from here only if it stayed in this namespace.
    if (result == Creation::created && !spec.alias.empty() && !spec.peer_namespace) {
        const auto marking = alias_by_name_request(spec.peer_name, spec.alias);
        socket.execute(marking.get(), "set alias of " + spec.peer_name);
    }
    return result;
}

Creation create_link(NetlinkSocket& socket, const VxlanSpec& spec) {
    return create(socket, build_create_request(spec), spec.name, spec.alias, "vxlan");
}

Creation create_link(NetlinkSocket& socket, const VlanSpec& spec) {
    return create(socket, build_create_request(spec), spec.name, spec.alias, "vlan");
}

NlMsg build_change_request(int index, const LinkChange& change) {
    Link orig(check_alloc(rtnl_link_alloc(), "rtnl_link_alloc"));
    Link changes(check_alloc(rtnl_link_alloc(), "rtnl_link_alloc"));
    rtnl_link_set_ifindex(orig.get(), index);
    if (change.name) rtnl_link_set_name(changes.get(), change.name->c_str());
    if (change.alias) rtnl_link_set_ifalias(changes.get(), change.alias->c_str());
    if (change.mtu) rtnl_link_set_mtu(changes.get(), static_cast<unsigned>(*change.mtu));
    if (change.state == AdminState::up) rtnl_link_set_flags(changes.get(), IFF_UP);
    if (change.state == AdminState::down) rtnl_link_unset_flags(changes.get(), IFF_UP);
    if (change.master_index) rtnl_link_set_master(changes.get(), *change.master_index);
    if (change.move_to) rtnl_link_set_ns_fd(changes.get(), change.move_to->fd());
    nl_msg* msg = nullptr;
    check(rtnl_link_build_change_request(orig.get(), changes.get(), 0, &msg), "rtnl_link_build_change_request");
    return NlMsg(msg);
}

void change_link(NetlinkSocket& socket, int index, const LinkChange& change) {
    const auto request = build_change_request(index, change);
    socket.execute(request.get(), "change link " + std::to_string(index));
}

NlMsg build_bridge_port_request(int index, BridgePortFlags flags) {
    /// AF_BRIDGE links carry libnl's bridge data; the request becomes an
    /// RTM_SETLINK with the flags in IFLA_PROTINFO, as `bridge link set` sends.
    Link orig(check_alloc(rtnl_link_alloc(), "rtnl_link_alloc"));
    Link changes(check_alloc(rtnl_link_alloc(), "rtnl_link_alloc"));
    rtnl_link_set_ifindex(orig.get(), index);
    rtnl_link_set_family(orig.get(), AF_BRIDGE);
    rtnl_link_set_family(changes.get(), AF_BRIDGE);
    set_port_flag(changes.get(), flags.bpdu_guard, RTNL_BRIDGE_BPDU_GUARD);
    set_port_flag(changes.get(), flags.root_block, RTNL_BRIDGE_ROOT_BLOCK);
    nl_msg* msg = nullptr;
    check(rtnl_link_build_change_request(orig.get(), changes.get(), 0, &msg), "rtnl_link_build_change_request");
    return NlMsg(msg);
}

void set_bridge_port_flags(NetlinkSocket& socket, int index, BridgePortFlags flags) {
    const auto request = build_bridge_port_request(index, flags);
    socket.execute(request.get(), "set bridge port flags of link " + std::to_string(index));
}

bool delete_link(NetlinkSocket& socket, int index) {
    Link link(check_alloc(rtnl_link_alloc(), "rtnl_link_alloc"));
    rtnl_link_set_ifindex(link.get(), index);
    nl_msg* msg = nullptr;
    check(rtnl_link_build_delete_request(link.get(), &msg), "rtnl_link_build_delete_request");
    NlMsg request(msg);
    std::string kernel_message;
    const int error = socket.transact(request.get(), kernel_message);
    if (error == ENODEV) return false;
    if (error != 0) throw SystemError("delete link " + std::to_string(index), error, kernel_message);
    return true;
}

Creation add_address(NetlinkSocket& socket, int index, const Ipv4Prefix& address) {
    const auto object = address_object(index, address);
    nl_msg* msg = nullptr;
    check(rtnl_addr_build_add_request(object.get(), NLM_F_CREATE | NLM_F_EXCL, &msg), "rtnl_addr_build_add_request");
    NlMsg request(msg);
    std::string kernel_message;
    const int error = socket.transact(request.get(), kernel_message);
    if (error == EEXIST) return Creation::already_exists;
    if (error != 0)
        throw SystemError("add address " + address.to_string() + " to link " + std::to_string(index), error,
                          kernel_message);
    return Creation::created;
}

bool delete_address(NetlinkSocket& socket, int index, const Ipv4Prefix& address) {
    const auto object = address_object(index, address);
    nl_msg* msg = nullptr;
    check(rtnl_addr_build_delete_request(object.get(), 0, &msg), "rtnl_addr_build_delete_request");
    NlMsg request(msg);
    std::string kernel_message;
    const int error = socket.transact(request.get(), kernel_message);
    if (error == EADDRNOTAVAIL) return false;
    if (error != 0)
        throw SystemError("delete address " + address.to_string() + " from link " + std::to_string(index), error,
                          kernel_message);
    return true;
}

}  // namespace custode::os
