#pragma once
/// The kernel's link table as the link use cases see it: read a namespace,
/// carry out one plan step, and what `disconnect` needs beside (forwarding
/// tables, namespace identity, a probe port on a client's bridge). Abstract so the use cases run against a fake
/// kernel table in unit tests; KernelLinkSystem is the real one (libnl).

#include <memory>
#include <string>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/link_plan.h"
#include "custode/core/live_links.h"
#include "custode/os/bridge_fdb.h"

namespace custode::os {

/// Where a step is carried out: the client it is for and its namespace.
struct StepTarget {
    std::string client;
    std::string namespace_name;
};

class LinkSystem {
public:
    virtual ~LinkSystem() = default;

    /// The namespace custode runs in (the gateway's). Its `name` is "".
    virtual LiveNamespace read_gateway() = 0;
    /// A client namespace; `exists` is false when there is none by that name.
    virtual LiveNamespace read_namespace(const std::string& name) = 0;
    /// Names of the namespaces under /run/netns.
    virtual std::vector<std::string> list_namespaces() = 0;
    /// Carries out one step; throws SystemError when the kernel refuses.
    virtual void carry_out(const StepTarget& target, const Step& step) = 0;

    /// Every bridge forwarding entry of a namespace ("" for the gateway's).
    virtual std::vector<FdbEntry> read_forwarding(const std::string& namespace_name) = 0;
    /// The identity of /run/netns/NAME; nullopt when there is none.
    virtual std::optional<NamespaceId> namespace_identity(const std::string& name) = 0;
    /// Who still holds a namespace (os::namespace_holders).
    virtual std::vector<std::string> namespace_holders(const NamespaceId& id) = 0;

    /// A veth pair in the target's namespace, both ends marked for the
    /// client: `link` up, its peer `peer` with `peer_mac` on br0, up. Remove
    /// it with a DeleteLink step of `link` (its peer goes with it).
    struct ProbePort {
        std::string link, peer;
        MacAddress peer_mac;
    };
    virtual void add_probe_port(const StepTarget& target, const ProbePort& port) = 0;
};

/// The real kernel, through libnl and /run/netns.
std::unique_ptr<LinkSystem> make_kernel_link_system();

}  // namespace custode::os
