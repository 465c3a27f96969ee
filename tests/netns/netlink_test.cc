/// The netlink and namespace adapters against the real kernel (root). Each
/// test makes its own namespaces, named ctn-<pid>-<n>, and a guard removes
/// them even when a check fails. `ip` only double-checks from outside.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include "custode/core/error.h"
#include "custode/os/netlink.h"
#include "custode/os/netns.h"
#include "support/process.h"
#include "support/root.h"

using namespace custode;
using namespace custode::os;
using custode::testing::require_root;
using custode::testing::run_shell;

namespace {

/// A uniquely named namespace, deleted when the test ends however it ends.
class ScratchNamespace {
public:
    ScratchNamespace() : name_(fmt::format("ctn-{}-{}", ::getpid(), next_++)) {
        REQUIRE(create_named_namespace(name_) == Creation::created);
    }
    ~ScratchNamespace() {
        try {
            delete_named_namespace(name_);
        } catch (...) {
        }
    }
    ScratchNamespace(const ScratchNamespace&) = delete;
    ScratchNamespace& operator=(const ScratchNamespace&) = delete;

    const std::string& name() const { return name_; }
    NamespaceFd fd() const { return NamespaceFd::open_named(name_); }
    NetlinkSocket socket() const {
        return in_namespace(fd(), [] { return NetlinkSocket(); });
    }

private:
    static inline int next_ = 0;
    std::string name_;
};

const LiveLink& require_link(const LiveNamespace& live, std::string_view name) {
    const LiveLink* link = live.find(name);
    INFO("link " << name);
    REQUIRE(link);
    return *link;
}

/// One UDP datagram from inside `ns`: an ARP exchange and a frame across the link.
void send_datagram(const NamespaceFd& ns, const char* to) {
    run_in_namespace(ns, [&] {
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_in target{};
        target.sin_family = AF_INET;
        target.sin_port = htons(9);
        ::inet_pton(AF_INET, to, &target.sin_addr);
        const char payload[] = "custode";
        ::sendto(fd, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&target), sizeof target);
        ::close(fd);
    });
}

}  // namespace

TEST_CASE("named namespaces are made, listed and deleted like ip netns", "[netlink]") {
    require_root();
    std::string name;
    {
        ScratchNamespace ns;
        name = ns.name();
        CHECK(create_named_namespace(name) == Creation::already_exists);
        const auto names = list_named_namespaces();
        CHECK(std::find(names.begin(), names.end(), name) != names.end());
        CHECK(run_shell("ip netns list").output.find(name) != std::string::npos);

        auto socket = ns.socket();
        const auto live = dump_namespace(socket);
        REQUIRE(live.links.size() == 1);
        CHECK(live.links[0].name == "lo");

        CHECK_THROWS_WITH(run_in_namespace(ns.fd(), [] { throw std::runtime_error("from inside"); }), "from inside");
        CHECK(delete_named_namespace(name));
        CHECK_FALSE(delete_named_namespace(name));
    }
    CHECK_FALSE(std::filesystem::exists(std::string(kNetnsRunDir) + "/" + name));
    CHECK_THROWS_AS(NamespaceFd::open_named(name), SystemError);
    CHECK_THROWS_AS(create_named_namespace("../etc"), SystemError);
}

TEST_CASE("links are created, changed, moved, addressed, dumped and deleted", "[netlink]") {
    require_root();
    ScratchNamespace gateway, client;
    auto socket = gateway.socket();
    const auto client_fd = client.fd();

    REQUIRE(create_link(socket, BridgeSpec{.name = "br0", .alias = "custode:t", .mtu = 1450}) == Creation::created);
    REQUIRE(create_link(socket, VethSpec{.name = "va", .peer_name = "vb", .alias = "custode:t"}) == Creation::created);
    auto live = dump_namespace(socket);
    const int va = require_link(live, "va").index;
    REQUIRE(create_link(socket, VxlanSpec{.name = "vx1",
                                          .vni = 5001,
                                          .local = Ipv4Address::parse("10.0.0.1"),
                                          .remote = Ipv4Address::parse("10.0.0.2"),
                                          .port = 4789,
                                          .underlay_index = va,
                                          .alias = "custode:t"}) == Creation::created);

    live = dump_namespace(socket);
    const int br0 = require_link(live, "br0").index;
    const int vx1 = require_link(live, "vx1").index;
    const int vb = require_link(live, "vb").index;
    change_link(socket, br0, LinkChange{.state = AdminState::up});
    change_link(socket, va, LinkChange{.mtu = 1450, .state = AdminState::up, .master_index = br0});
    change_link(socket, vx1, LinkChange{.alias = "custode:u", .mtu = 1400, .master_index = br0});
    set_bridge_port_flags(socket, va, BridgePortFlags{.bpdu_guard = true, .root_block = true});
    REQUIRE(add_address(socket, br0, *Ipv4Prefix::parse("192.168.1.250/24")) == Creation::created);
    CHECK(add_address(socket, br0, *Ipv4Prefix::parse("192.168.1.250/24")) == Creation::already_exists);

    /// Move the peer into the client namespace and rename it there, in one request.
    change_link(socket, vb, LinkChange{.name = "circuit", .move_to = &client_fd});
    auto client_socket = client.socket();
    auto client_live = dump_namespace(client_socket);
    const auto& circuit = require_link(client_live, "circuit");
    CHECK(circuit.kind == "veth");
    CHECK(circuit.alias == "custode:t");
    CHECK(circuit.link_netnsid.has_value());
    change_link(client_socket, circuit.index, LinkChange{.state = AdminState::up});
    REQUIRE(add_address(client_socket, circuit.index, *Ipv4Prefix::parse("192.168.1.7/24")) == Creation::created);
    send_datagram(client_fd, "192.168.1.250");

    /// The ARP reply and the frames cross the veth asynchronously (softirq): wait for them.
    for (int tries = 0; tries < 100; ++tries) {
        live = dump_namespace(socket);
        if (const auto* va_now = live.find("va"); va_now && va_now->tx_packets > 0 && va_now->rx_packets > 1) break;
        ::usleep(20000);
    }
    CHECK(live.exists);
    CHECK(live.find("vb") == nullptr);
    const auto& bridge = require_link(live, "br0");
    CHECK(bridge.kind == "bridge");
    CHECK(bridge.alias == "custode:t");
    CHECK(bridge.mtu == 1400);  // a bridge takes its smallest port's MTU
    CHECK(bridge.admin_up);
    REQUIRE(bridge.mac);
    CHECK_FALSE(bridge.mac->is_zero());
    REQUIRE(bridge.addresses.size() == 1);
    CHECK(bridge.addresses[0].to_string() == "192.168.1.250/24");

    const auto& port = require_link(live, "va");
    CHECK(port.kind == "veth");
    CHECK(port.mtu == 1450);
    CHECK(port.admin_up);
    CHECK(port.carrier);
    CHECK(port.master_index == br0);
    CHECK(port.bpdu_guard);
    CHECK(port.root_block);
    CHECK(port.link_netnsid.has_value());
    CHECK(port.parent_index == circuit.index);
    CHECK(port.rx_packets > 0);
    CHECK(port.rx_bytes > 0);
    CHECK(port.tx_packets > 0);

    const auto& tunnel = require_link(live, "vx1");
    CHECK(tunnel.kind == "vxlan");
    CHECK(tunnel.alias == "custode:u");
    CHECK(tunnel.mtu == 1400);
    CHECK_FALSE(tunnel.admin_up);
    CHECK(tunnel.master_index == br0);
    CHECK_FALSE(tunnel.bpdu_guard);
    CHECK(tunnel.vxlan_vni == 5001u);
    CHECK(tunnel.vxlan_local == Ipv4Address::parse("10.0.0.1"));
    CHECK(tunnel.vxlan_remote == Ipv4Address::parse("10.0.0.2"));
    CHECK(tunnel.vxlan_port == 4789);
    CHECK(tunnel.vxlan_underlay_index == va);

    const auto ip_view = run_shell("ip -n " + gateway.name() + " -d link show vx1").output;
    CHECK(ip_view.find("vxlan id 5001 remote 10.0.0.2 local 10.0.0.1 dev va") != std::string::npos);
    CHECK(ip_view.find("alias custode:u") != std::string::npos);
    const auto port_view = run_shell("ip -n " + gateway.name() + " -d link show va").output;
    CHECK(port_view.find(" guard on") != std::string::npos);
    CHECK(port_view.find("root_block on") != std::string::npos);

    /// Release, rename, delete.
    change_link(socket, vx1, LinkChange{.name = "vx9", .master_index = 0});
    live = dump_namespace(socket);
    CHECK(require_link(live, "vx9").master_index == 0);
    CHECK(delete_address(socket, br0, *Ipv4Prefix::parse("192.168.1.250/24")));
    CHECK_FALSE(delete_address(socket, br0, *Ipv4Prefix::parse("192.168.1.250/24")));
    CHECK(delete_link(socket, vx1));
    CHECK_FALSE(delete_link(socket, vx1));
    live = dump_namespace(socket);
    CHECK(live.find("vx9") == nullptr);
    CHECK(require_link(live, "br0").addresses.empty());
}

TEST_CASE("kernel refusals carry the errno and the kernel's extended-ack text", "[netlink]") {
    require_root();
    ScratchNamespace ns;
    auto socket = ns.socket();

    try {
        (void)create_link(socket, BridgeSpec{.name = "tiny", .mtu = 10});
        FAIL("an MTU of 10 was accepted");
    } catch (const SystemError& error) {
        CHECK(error.error_number() == EINVAL);
        CHECK(std::string(error.what()).find("mtu less than device minimum") != std::string::npos);
        CHECK(std::string(error.what()).find("create bridge tiny") != std::string::npos);
    }
    CHECK(dump_namespace(socket).find("tiny") == nullptr);

    try {
        (void)create_link(socket, VxlanSpec{.name = "vxbig", .vni = 1u << 24});
        FAIL("a 25-bit VNI was accepted");
    } catch (const SystemError& error) {
        CHECK(error.error_number() == EINVAL);
        CHECK(std::string(error.what()).find("VNI out of range") != std::string::npos);
    }

    CHECK_THROWS_AS(change_link(socket, 4242, LinkChange{.mtu = 1400}), SystemError);
}

TEST_CASE("creating a taken name reports already_exists and changes nothing", "[netlink]") {
    require_root();
    ScratchNamespace ns;
    auto socket = ns.socket();
    REQUIRE(create_link(socket, BridgeSpec{.name = "br0", .alias = "custode:a"}) == Creation::created);
    CHECK(create_link(socket, BridgeSpec{.name = "br0", .alias = "custode:b"}) == Creation::already_exists);
    CHECK(create_link(socket, VethSpec{.name = "br0", .peer_name = "x0"}) == Creation::already_exists);
    const auto live = dump_namespace(socket);
    CHECK(require_link(live, "br0").alias == "custode:a");
    CHECK(live.find("x0") == nullptr);
}

TEST_CASE("a veth peer can be created directly in another namespace", "[netlink]") {
    require_root();
    ScratchNamespace gateway, client;
    auto socket = gateway.socket();
    const auto client_fd = client.fd();
    REQUIRE(create_link(socket, VethSpec{.name = "lab0", .peer_name = "labport", .alias = "custode:t",
                                         .peer_namespace = &client_fd}) == Creation::created);
    CHECK(require_link(dump_namespace(socket), "lab0").alias == "custode:t");
    auto client_socket = client.socket();
    CHECK(require_link(dump_namespace(client_socket), "labport").kind == "veth");
}

TEST_CASE("sysctls are written in the namespace that opens them", "[netlink]") {
    require_root();
    ScratchNamespace ns;
    const std::string path = "/proc/sys/net/ipv6/conf/all/disable_ipv6";
    const auto outside = read_sysctl(path);
    const auto fd = ns.fd();
    run_in_namespace(fd, [&] { write_sysctl(path, "1"); });
    CHECK(in_namespace(fd, [&] { return read_sysctl(path); }) == "1");
    CHECK(read_sysctl(path) == outside);
    CHECK_THROWS_AS(write_sysctl("/proc/sys/net/no/such/key", "1"), SystemError);
}

TEST_CASE("benchmark: one dump of a namespace with a few links", "[netlink][benchmark]") {
    require_root();
    ScratchNamespace ns;
    auto socket = ns.socket();
    REQUIRE(create_link(socket, BridgeSpec{.name = "br0", .alias = "custode:bench"}) == Creation::created);
    REQUIRE(create_link(socket, VethSpec{.name = "circuit", .peer_name = "peer", .alias = "custode:bench"}) ==
            Creation::created);
    auto live = dump_namespace(socket);
    change_link(socket, require_link(live, "circuit").index,
                LinkChange{.state = AdminState::up, .master_index = require_link(live, "br0").index});
    REQUIRE(add_address(socket, require_link(live, "br0").index, *Ipv4Prefix::parse("192.168.1.250/24")) ==
            Creation::created);

    using Steady = std::chrono::steady_clock;
    for (int i = 0; i < 20; ++i) (void)dump_namespace(socket);  // warm caches
    constexpr int dumps = 1000;
    std::size_t links = 0;
    const auto start = Steady::now();
    for (int i = 0; i < dumps; ++i) links += dump_namespace(socket).links.size();
    const auto dump_us = std::chrono::duration<double, std::micro>(Steady::now() - start).count() / dumps;

    constexpr int opens = 200;
    const auto fd = ns.fd();
    const auto open_start = Steady::now();
    for (int i = 0; i < opens; ++i) (void)in_namespace(fd, [] { return NetlinkSocket(); });
    const auto open_us = std::chrono::duration<double, std::micro>(Steady::now() - open_start).count() / opens;

    std::vector<const NamespaceFd*> same(opens, &fd);
    std::vector<NetlinkSocket> sockets;
    const auto batch_start = Steady::now();
    run_in_each_namespace(same, [&](std::size_t) { sockets.emplace_back(); });
    const auto batch_us = std::chrono::duration<double, std::micro>(Steady::now() - batch_start).count() / opens;

    CHECK(links == dumps * 4u);  // lo, br0, circuit, peer
    CHECK(sockets.size() == opens);
    std::printf("netlink benchmark: one dump of %zu links: %.1f us (mean of %d); socket opened in a namespace: "
                "%.1f us with a thread each, %.1f us in one thread (run_in_each_namespace) (mean of %d)\n",
                links / dumps, dump_us, dumps, open_us, batch_us, opens);
}
