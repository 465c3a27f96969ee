#pragma once
/// Bridge forwarding tables (RTM_GETNEIGH, AF_BRIDGE) and who still holds a
/// network namespace: what `disconnect` looks at after a teardown to prove
/// nothing of a client is left in the gateway (docs/disconnect.md).

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

#include "custode/core/address.h"
#include "custode/os/netlink.h"

namespace custode::os {

/// One forwarding entry as `bridge fdb show` lists it.
struct FdbEntry {
    MacAddress mac;
    int port_index = 0;    ///< ndm_ifindex: the bridge port (or a VXLAN device, or the bridge itself)
    int master_index = 0;  ///< NDA_MASTER: the bridge, 0 for a VXLAN's own table
    std::optional<int> vlan;
};

/// Every AF_BRIDGE neighbour entry of the socket's namespace: the forwarding
/// tables of every bridge and every VXLAN device (one netlink dump).
std::vector<FdbEntry> dump_bridge_fdb(NetlinkSocket& socket);

/// Sets a link's MAC address (IFLA_ADDRESS).
void set_link_address(NetlinkSocket& socket, int index, MacAddress mac);

/// A network namespace's identity: the nsfs inode of /run/netns/NAME.
struct NamespaceId {
    dev_t device = 0;
    ino_t inode = 0;
};

/// The identity of /run/netns/NAME, or nullopt when there is no such name.
std::optional<NamespaceId> named_namespace_id(const std::string& name);

/// Who still holds the namespace `id` by a handle /proc shows: a task's
/// network namespace (`/proc/PID/task/TID/ns/net`), an open namespace file
/// (`/proc/PID/fd/N`), or a bind mount (`/proc/self/mountinfo`). Sockets
/// opened inside it hold it too but are not visible here. Each holder as
/// "pid 1234 (comm)" or "mount /path".
std::vector<std::string> namespace_holders(const NamespaceId& id);

}  // namespace custode::os
