#pragma once
/// Links and addresses through libnl-route-3 (rtnetlink). Thin: requests are
/// built by libnl's own builders, sent on a NetlinkSocket, and every kernel
/// refusal becomes a SystemError carrying the errno and the kernel's own
/// words (NETLINK_EXT_ACK). See docs/netlink.md for the choices made.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "custode/core/address.h"
#include "custode/core/live_links.h"
#include "custode/os/netns.h"

struct nl_sock;
struct nl_msg;
struct nlmsghdr;

namespace custode::os {

/// An owned libnl message.
struct NlMsgFree {
    void operator()(nl_msg* msg) const;
};
using NlMsg = std::unique_ptr<nl_msg, NlMsgFree>;

/// A connected NETLINK_ROUTE socket. It talks to the network namespace of the
/// thread that constructed it, for its whole life: to work on a client
/// namespace, construct it inside run_in_namespace / in_namespace. Move-only.
class NetlinkSocket {
public:
    NetlinkSocket();
    ~NetlinkSocket();
    NetlinkSocket(NetlinkSocket&&) noexcept;
    NetlinkSocket& operator=(NetlinkSocket&&) noexcept;

    nl_sock* get() const;

    /// Sends `request` (adding NLM_F_ACK) and waits for the kernel's answer.
    /// Returns 0, or the errno the kernel refused with; `kernel_message`
    /// receives the extended-ack text ("" if the kernel gave none).
    int transact(nl_msg* request, std::string& kernel_message);
    /// transact(), throwing SystemError(call, errno, kernel text) on refusal.
    void execute(nl_msg* request, const std::string& call);
    /// Sends one dump request (`header` is the family header, such as an
    /// ifinfomsg) and calls `each` for every object message of the reply.
    void dump(int type, const void* header, std::size_t header_size,
              const std::function<void(const nlmsghdr*)>& each, const std::string& call);

private:
    struct State;
    std::unique_ptr<State> state_;
};

// ---- creating links ---------------------------------------------------------
// Every create is NLM_F_CREATE|NLM_F_EXCL and returns Creation::already_exists
// when the kernel answers EEXIST: the caller reads the link back and decides
// (EEXIST may also mean "a VXLAN with this VNI exists" under another name).
// `alias` (custode's ownership marker), when not empty, is set in the same
// request; `mtu` 0 leaves the kernel's default.

struct BridgeSpec {
    std::string name{};
    std::string alias{};
    int mtu = 0;
    /// Non-empty: created as `name`, then renamed to this with the alias in
    /// one request (custode's unfinished_link_name until it is marked).
    std::string final_name{};
};

struct VethSpec {
    std::string name{};
    std::string peer_name{};
    std::string alias{};  ///< on both ends, the peer only if it stays in this namespace
    int mtu = 0;
    const NamespaceFd* peer_namespace = nullptr;  ///< create the peer end directly there
};

struct VxlanSpec {
    std::string name{};
    std::uint32_t vni = 0;
    std::optional<IpAddress> local{};   ///< IFLA_VXLAN_LOCAL, or LOCAL6 for IPv6
    std::optional<IpAddress> remote{};  ///< unicast peer (IFLA_VXLAN_GROUP, or GROUP6 for IPv6)
    std::uint16_t port = 4789;
    int underlay_index = 0;  ///< 0: let the kernel route
    std::string alias{};
    int mtu = 0;
};

struct VlanSpec {
    std::string name{};
    int trunk_index = 0;
    int vlan_id = 0;
    std::string alias{};
    int mtu = 0;
};

/// The RTM_NEWLINK requests, built without a kernel (for tests and dry runs).
NlMsg build_create_request(const BridgeSpec& spec);
NlMsg build_create_request(const VethSpec& spec);
NlMsg build_create_request(const VxlanSpec& spec);
NlMsg build_create_request(const VlanSpec& spec);

Creation create_link(NetlinkSocket& socket, const BridgeSpec& spec);
Creation create_link(NetlinkSocket& socket, const VethSpec& spec);
Creation create_link(NetlinkSocket& socket, const VxlanSpec& spec);
Creation create_link(NetlinkSocket& socket, const VlanSpec& spec);

// ---- changing links ---------------------------------------------------------

enum class AdminState { down, up };

/// Changes to one link, all sent in one request (the kernel applies a
/// namespace move before a rename, so `move_to` + `name` is how a circuit is
/// moved in and renamed without a name clash on either side).
struct LinkChange {
    std::optional<std::string> name{};
    std::optional<std::string> alias{};
    std::optional<int> mtu{};
    std::optional<AdminState> state{};
    std::optional<int> master_index{};  ///< 0 releases the link from its bridge
    const NamespaceFd* move_to = nullptr;
};

NlMsg build_change_request(int index, const LinkChange& change);
void change_link(NetlinkSocket& socket, int index, const LinkChange& change);

/// Bridge port flags (the link must be enslaved to a bridge).
struct BridgePortFlags {
    bool bpdu_guard = false;  ///< IFLA_BRPORT_GUARD: a BPDU received disables the port
    bool root_block = false;  ///< IFLA_BRPORT_PROTECT: the port may never become root port
};

NlMsg build_bridge_port_request(int index, BridgePortFlags flags);
void set_bridge_port_flags(NetlinkSocket& socket, int index, BridgePortFlags flags);

/// Returns false when there was no such link (ENODEV).
bool delete_link(NetlinkSocket& socket, int index);

// ---- addresses --------------------------------------------------------------

/// Adds an IPv4 address (with its broadcast) to a link.
Creation add_address(NetlinkSocket& socket, int index, const Ipv4Prefix& address);
/// Returns false when the link had no such address.
bool delete_address(NetlinkSocket& socket, int index, const Ipv4Prefix& address);

// ---- reading ----------------------------------------------------------------

/// The socket's namespace as data: ONE link dump and ONE IPv4 address dump.
/// The result's `name` is empty (the caller knows which namespace it asked).
LiveNamespace dump_namespace(NetlinkSocket& socket);

/// Parses one RTM_NEWLINK message (a dump reply, or a request built above).
LiveLink parse_link_message(const nlmsghdr* message);
/// Parses one RTM_NEWADDR message into the matching link of `into`;
/// ignores non-IPv4 addresses and unknown links.
void parse_address_message(const nlmsghdr* message, LiveNamespace& into);

}  // namespace custode::os
