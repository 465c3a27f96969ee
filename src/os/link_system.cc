/// KernelLinkSystem: plan steps carried out through libnl, one namespace at a time.

#include "custode/os/link_system.h"

#include <fmt/format.h>
#include <map>
#include <optional>
#include <sched.h>

#include "custode/core/error.h"
#include "custode/os/netlink.h"
#include "custode/os/netns.h"

namespace custode::os {
namespace {

/// lo's index in every namespace (the kernel's LOOPBACK_IFINDEX).
constexpr int loopback_index = 1;

/// Sysctls set in a new client namespace before any link comes up, so the
/// bridge sends nothing of its own onto the client LAN (docs/testbed.md). One
/// lookup of /proc/sys/net for the three: that lookup walks an entry per
/// namespace that used it, ~1 ms each at 1000 namespaces.
void silence_namespace() {
    write_sysctls("/proc/sys/net", {{"ipv6/conf/all/disable_ipv6", "1"},
                                    {"ipv6/conf/default/disable_ipv6", "1"},
                                    {"ipv4/igmp_link_local_mcast_reports", "0"}});
}

/// Opens a netlink socket inside `ns` by moving the calling thread there and
/// straight back. Cheaper than a thread per namespace (which run_in_namespace
/// uses) when a plan reads a thousand namespaces; the socket keeps `ns`.
NetlinkSocket open_socket_in(const NamespaceFd& ns, const NamespaceFd& home) {
    if (::setns(ns.fd(), CLONE_NEWNET) != 0) throw SystemError("setns", errno, "");
    struct ReturnHome {
        const NamespaceFd& home;
        ~ReturnHome() {
            // Going on in the wrong namespace would change the wrong links.
            if (::setns(home.fd(), CLONE_NEWNET) != 0) std::terminate();
        }
    } return_home{home};
    return NetlinkSocket();
}

/// Link indexes by name, from the last dump of one namespace. Indexes of
/// links that stay put never change, so a name that is found is right; a
/// name that is missing (just created, moved or renamed) triggers a fresh dump.
class IndexCache {
public:
    void seed(const LiveNamespace& live) {
        links_ = live.links;
        fresh_ = true;
    }
    /// After a link was created, deleted, moved or renamed: the next lookup dumps.
    void invalidate() {
        links_.clear();
        fresh_ = false;
    }

    int index_of(NetlinkSocket& socket, const std::string& link, const std::string& where) {
        if (const int index = find(link)) return index;
        if (!fresh_) {
            seed(dump_namespace(socket));
            if (const int index = find(link)) return index;
        }
        throw SystemError("find link " + link, ENODEV, "not in " + where);
    }

private:
    int find(const std::string& link) const {
        for (const auto& live : links_)
            if (live.name == link) return live.index;
        return 0;
    }
    std::vector<LiveLink> links_;
    bool fresh_ = false;
};

/// An open client namespace: its fd, a netlink socket inside it and its link indexes.
struct OpenNamespace {
    std::string name;
    NamespaceFd fd;
    NetlinkSocket socket;
    IndexCache& indexes;
};

class KernelLinkSystem final : public LinkSystem {
public:
    KernelLinkSystem() : gateway_fd_(NamespaceFd::open_current()) {}

    LiveNamespace read_gateway() override {
        auto live = dump_namespace(gateway_);
        gateway_indexes_.seed(live);
        return live;
    }

    LiveNamespace read_namespace(const std::string& name) override {
        LiveNamespace live;
        const auto file = namespace_file(name);
        if (file == NamespaceFile::mounted) {
            auto& ns = open(name);
            live = dump_namespace(ns.socket);
            ns.indexes.seed(live);
            live.exists = true;
        }
        live.half_made = file == NamespaceFile::half_made;
        live.name = name;
        return live;
    }

    std::vector<std::string> list_namespaces() override { return list_named_namespaces(); }

    void carry_out(const StepTarget& target, const Step& step) override {
        std::visit([&](const auto& concrete) { do_step(target, concrete); }, step);
    }

    std::vector<FdbEntry> read_forwarding(const std::string& namespace_name) override {
        return dump_bridge_fdb(namespace_name.empty() ? gateway_ : open(namespace_name).socket);
    }

    std::optional<NamespaceId> namespace_identity(const std::string& name) override {
        return named_namespace_id(name);
    }

    std::vector<std::string> namespace_holders(const NamespaceId& id) override { return os::namespace_holders(id); }

    void add_probe_port(const StepTarget& target, const ProbePort& port) override {
        auto& ns = open(target.namespace_name);
        ns.indexes.invalidate();
        if (create_link(ns.socket, VethSpec{port.link, port.peer, ownership_marker(target.client), 0, nullptr}) ==
            Creation::already_exists)
            throw SystemError("create probe pair " + port.link + " in " + ns.name, EEXIST, "");
        const int index = client_index(target, port.link);
        try {
            const int peer = client_index(target, port.peer);
            set_link_address(ns.socket, peer, port.peer_mac);
            change_link(ns.socket, peer,
                        LinkChange{.state = AdminState::up,
                                   .master_index = client_index(target, std::string(bridge_link))});
            change_link(ns.socket, index, LinkChange{.state = AdminState::up});
        } catch (...) {
            ns.indexes.invalidate();
            delete_link(ns.socket, index);  // the peer goes with it
            throw;
        }
    }

private:
    OpenNamespace& open(const std::string& name) {
        if (!current_ || current_->name != name) {
            current_.reset();
            auto fd = NamespaceFd::open_named(name);
            auto socket = open_socket_in(fd, gateway_fd_);
            current_.emplace(OpenNamespace{name, std::move(fd), std::move(socket), client_indexes_[name]});
        }
        return *current_;
    }

    int gateway_index(const std::string& link) { return gateway_indexes_.index_of(gateway_, link, "the gateway"); }

    int client_index(const StepTarget& target, const std::string& link) {
        auto& ns = open(target.namespace_name);
        return ns.indexes.index_of(ns.socket, link, target.namespace_name);
    }

    void do_step(const StepTarget& target, const CreateNamespace&) {
        // Silenced, lo up and its socket opened from inside, by this thread,
        // before it is mounted: no thread, no second setns per namespace, and
        // a namespace that is seen at all is whole (a new one holds only lo).
        std::optional<NetlinkSocket> socket;
        const auto creation = create_named_namespace(target.namespace_name, [&] {
            silence_namespace();
            socket.emplace();
            change_link(*socket, loopback_index, LinkChange{.state = AdminState::up});
        });
        if (creation == Creation::already_exists)
            throw SystemError("create namespace " + target.namespace_name, EEXIST, "");
        current_.reset();
        client_indexes_[target.namespace_name].invalidate();
        current_.emplace(OpenNamespace{target.namespace_name, NamespaceFd::open_named(target.namespace_name),
                                       std::move(*socket), client_indexes_[target.namespace_name]});
    }

    void do_step(const StepTarget& target, const DeleteNamespace&) {
        // Its links go first, one request each: the kernel frees a deleted
        // namespace's links later, from its cleanup queue, and until then their
        // VLAN id or VXLAN VNI stays taken, so an apply right after would fail.
        // Every link left here is custode's (the plan refuses others; ports
        // were released by earlier steps). Gone already is no error. The
        // bridge stays to the end: it holds no id, and its marker keeps a
        // namespace whose removal is killed here recognisable as custode's.
        // A half-made namespace (no mount) has no links: only its file goes.
        if (named_namespace_exists(target.namespace_name)) {
            auto& ns = open(target.namespace_name);
            for (const auto& link : dump_namespace(ns.socket).links)
                if (link.index != loopback_index && link.name != bridge_link) delete_link(ns.socket, link.index);
        }
        if (current_ && current_->name == target.namespace_name) current_.reset();
        client_indexes_.erase(target.namespace_name);
        delete_named_namespace(target.namespace_name);
    }

    void do_step(const StepTarget& target, const CreateBridge&) {
        auto& ns = open(target.namespace_name);
        const auto unfinished = unfinished_link_name(target.client);
        BridgeSpec spec{unfinished, ownership_marker(target.client), 0, std::string(bridge_link)};
        ns.indexes.invalidate();
        Creation creation = Creation::created;
        try {
            creation = create_link(ns.socket, spec);
        } catch (const SystemError& error) {
            if (error.error_number() != EEXIST) throw;
            // The rename met a br0 made since the plan read the namespace: fine if it is ours.
            const auto live = dump_namespace(ns.socket);
            const LiveLink* bridge = live.find(bridge_link);
            if (!bridge || bridge->kind != "bridge" || !is_marked_for(bridge->alias, target.client))
                throw SystemError("create bridge br0 in " + ns.name, EEXIST, "a link of that name appeared meanwhile");
            return;
        }
        if (creation == Creation::already_exists)
            throw SystemError("create bridge " + unfinished + " in " + ns.name, EEXIST,
                              "a link of that name appeared meanwhile");
    }

    void do_step(const StepTarget& target, const CreateCircuit& step) {
        // Made in the gateway under the client's unfinished name, then marked,
        // moved in and renamed in one request: the VLAN's trunk and the
        // VXLAN's underlay stay in the gateway's namespace.
        const std::string temporary = unfinished_link_name(target.client);
        Creation creation = Creation::created;
        if (const auto* vlan = std::get_if<VlanCircuit>(&step.spec)) {
            const int trunk = gateway_index(vlan->trunk);
            creation = create_link(gateway_, VlanSpec{temporary, trunk, vlan->vlan, "", 0});
        } else if (const auto* vxlan = std::get_if<VxlanCircuit>(&step.spec)) {
            const int underlay = gateway_index(vxlan->underlay);
            creation = create_link(gateway_, VxlanSpec{temporary, vxlan->vni, vxlan->local, vxlan->remote,
                                                       vxlan->port, underlay, "", 0});
        } else {
            throw std::logic_error("a port circuit is adopted, not created");
        }
        if (creation == Creation::already_exists)
            throw SystemError("create " + temporary, EEXIST, "a link with that name or id exists");
        gateway_indexes_.invalidate();
        const int index = gateway_index(temporary);
        try {
            auto& ns = open(target.namespace_name);
            change_link(gateway_, index, LinkChange{.name = std::string(circuit_link),
                                                    .alias = ownership_marker(target.client),
                                                    .move_to = &ns.fd});
            ns.indexes.invalidate();
        } catch (...) {
            delete_link(gateway_, index);
            throw;
        }
    }

    void do_step(const StepTarget& target, const AdoptPort& step) {
        auto& ns = open(target.namespace_name);
        const int index = gateway_index(step.gateway_name);
        ns.indexes.invalidate();
        change_link(gateway_, index,
                    LinkChange{.name = step.new_name,
                               .alias = port_marker(target.client, step.gateway_name),
                               .state = AdminState::down,
                               .move_to = &ns.fd});
    }

    void do_step(const StepTarget& target, const ReleasePort& step) {
        const int index = client_index(target, step.link);
        open(target.namespace_name).indexes.invalidate();
        change_link(open(target.namespace_name).socket, index,
                    LinkChange{.name = step.gateway_name,
                               .alias = std::string(),
                               .state = AdminState::down,
                               .master_index = 0,
                               .move_to = &gateway_fd_});
        gateway_indexes_.invalidate();
    }

    void do_step(const StepTarget& target, const DeleteUnfinished& step) {
        if (step.in_gateway) {
            const int index = gateway_index(step.link);
            gateway_indexes_.invalidate();
            delete_link(gateway_, index);
        } else {
            do_step(target, DeleteLink{step.link});
        }
    }

    void do_step(const StepTarget& target, const DeleteLink& step) {
        auto& ns = open(target.namespace_name);
        const int index = client_index(target, step.link);
        ns.indexes.invalidate();
        if (!delete_link(ns.socket, index)) throw SystemError("delete " + step.link, ENODEV, "");
    }

    void do_step(const StepTarget& target, const SetMtu& step) {
        change_link(open(target.namespace_name).socket, client_index(target, step.link),
                    LinkChange{.mtu = step.to});
    }

    void do_step(const StepTarget& target, const SetUp& step) {
        change_link(open(target.namespace_name).socket, client_index(target, step.link),
                    LinkChange{.state = step.to ? AdminState::up : AdminState::down});
    }

    void do_step(const StepTarget& target, const SetMaster& step) {
        auto& socket = open(target.namespace_name).socket;
        const int index = client_index(target, step.link);
        const int master = step.to.empty() ? 0 : client_index(target, step.to);
        change_link(socket, index, LinkChange{.master_index = master});
        // Lab ports face machines of the lab: a BPDU from there must not
        // take over the client's spanning tree.
        if (master != 0 && step.link != circuit_link)
            set_bridge_port_flags(socket, index, BridgePortFlags{.bpdu_guard = true, .root_block = true});
    }

    void do_step(const StepTarget& target, const GuardPort& step) {
        set_bridge_port_flags(open(target.namespace_name).socket, client_index(target, step.link),
                              BridgePortFlags{.bpdu_guard = true, .root_block = true});
    }

    void do_step(const StepTarget& target, const AddAddress& step) {
        if (add_address(open(target.namespace_name).socket, client_index(target, step.link), step.address) ==
            Creation::already_exists)
            throw SystemError("add address " + step.address.to_string(), EEXIST, "");
    }

    void do_step(const StepTarget& target, const DeleteAddress& step) {
        delete_address(open(target.namespace_name).socket, client_index(target, step.link), step.address);
    }

    NetlinkSocket gateway_;
    IndexCache gateway_indexes_;
    NamespaceFd gateway_fd_;
    /// Indexes of every client namespace read or changed, kept when its
    /// socket is closed: an apply goes through all namespaces once per phase.
    std::map<std::string, IndexCache> client_indexes_;
    std::optional<OpenNamespace> current_;
};

}  // namespace

std::unique_ptr<LinkSystem> make_kernel_link_system() { return std::make_unique<KernelLinkSystem>(); }

}  // namespace custode::os
