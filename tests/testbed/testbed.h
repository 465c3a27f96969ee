#pragma once
/// The namespace test harness: a stand-in gateway and simulated client sites
/// (bridge, hosts, a port or VXLAN circuit to the gateway), built with iproute2
/// so custode is checked by an independent tool, and always torn down.
///
///   Testbed tb("scan-conflict");            // namespaces "ctb-scan-conflict-<pid>-*"
///   Site& acme = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
///   tb.connect_port(acme);                   // "p-acme" appears in the gateway namespace
///   tb.add_light_hosts(acme, 250, host_address(acme.subnet, 10));
///   tb.write_netconf(dir);                   // site.toml + clients/acme.toml
///   tb.in_gateway({CUSTODE_BINARY, "--netconf", dir.string(), "apply"});  // not ip netns exec

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "custode/core/address.h"
#include "testbed/ip_batch.h"
#include "testbed/netns.h"
#include "testbed/ping.h"
#include "support/process.h"

namespace custode::testbed {

/// How a testbed names its namespaces.
enum class Naming {
    per_run,  ///< "ctb-<tag>-<pid>-": unique per process; a dead pid's leftovers are swept
    fixed,    ///< "cu<tag>-": the same every run (the demo); cleared by remove_all(tag)
};

enum class LinkState { up, down };

/// A host that is only a macvlan on the site bridge: answers ARP and ping.
struct LightHost {
    std::string name;  ///< its interface in the site namespace, also its netconf host name
    Ipv4Address ip;
    MacAddress mac;
};

/// A host with its own namespace (for sshd, files, sleeping).
struct FullHost {
    std::string name;
    std::string ns;           ///< "<prefix><site>-<name>"; its interface there is "eth0"
    std::string bridge_port;  ///< the veth end on the site bridge: "f-<name>" (set_link it to sleep)
    Ipv4Address ip;
    MacAddress mac;
};

/// The site reaches the gateway on a dedicated interface (netconf kind "port").
struct PortLink {
    std::string interface;  ///< in the gateway namespace; down and unaddressed until custode takes it
};

/// The site reaches the gateway through VXLAN (netconf kind "vxlan"); the
/// fields are what the gateway side needs.
struct VxlanLink {
    std::string underlay;  ///< the underlay interface in the gateway namespace
    IpAddress local;       ///< the gateway's underlay address
    IpAddress remote;      ///< the site's underlay address
    std::uint32_t vni = 0;
    std::uint16_t port = 4789;
};

/// The address family of a VXLAN's underlay (connect_vxlan).
enum class Underlay { ipv4, ipv6 };

using SiteLink = std::variant<std::monostate, PortLink, VxlanLink>;

/// One simulated client office: a namespace with bridge "br0" (the LAN).
/// Everything custode needs to know about it lands in its netconf file.
struct Site {
    std::string name;  ///< the client name
    std::string ns;    ///< "<prefix><name>"
    Ipv4Prefix subnet;
    int index = 0;  ///< 1, 2, ... in creation order; keys MACs and underlay addresses
    SiteLink link;
    std::vector<LightHost> light_hosts;
    std::vector<FullHost> full_hosts;
    Ipv4Prefix lan_address;              ///< custode's own address on the LAN; default host .250
    std::optional<Ipv4Address> control;  ///< netconf [lan].control, when set
    std::string description;
    std::uint32_t next_mac = 1;  ///< the harness's MAC counter for this site

    bool has_host(std::string_view host_name) const;
};

/// A lab machine listed in site.toml ([[lab.host]]).
struct LabHost {
    std::string name;
    Ipv4Address ip;
    MacAddress mac;
};

/// site.toml's [ssh] table (see ssh_pc.h: SshLab::netconf_ssh()).
struct NetconfSsh {
    std::string user;
    std::string identity;
    std::string known_hosts;
};

struct NetconfOptions {
    std::string site_name;                  ///< default: the tag
    std::string namespace_prefix;           ///< default: Testbed::custode_prefix()
    std::optional<std::filesystem::path> state;  ///< default: <dir>/state.db
    std::vector<LabHost> lab_hosts;
    std::optional<NetconfSsh> ssh;          ///< written as [ssh] when set
    /// Light hosts as [[host]] entries (Windows PCs without SSH); off when a
    /// night should only meet the PCs that run sshd.
    bool declare_light_hosts = true;
    /// More TOML per client file (by site name), after its hosts: a
    /// [maintenance] table, more [[host]] entries.
    std::map<std::string, std::string> client_extra;
    /// More TOML right after a host's [[host]] table (by host name): [host.maintenance].
    std::map<std::string, std::string> host_extra;
    /// A full host's `os` (by host name) when not "linux": "windows" for a
    /// Windows-like PC (tests/pwsh/windows_night_test.cc).
    std::map<std::string, std::string> host_os;
};

/// A TOML basic string (a quote or a backslash escaped), for netconf text a
/// test or the demo writes: `backup_sources = [{}]`.
std::string toml_string(std::string_view text);

/// `subnet`'s n-th address (network + n). Throws UsageError when that is not a
/// host address of the subnet.
Ipv4Address host_address(Ipv4Prefix subnet, std::uint32_t n);

/// The MAC the harness gives the n-th host of site number `site_index`:
/// 02:c7:<site>:00:<n high>:<n low> (locally administered, unicast).
MacAddress harness_mac(int site_index, std::uint32_t n);

class Testbed {
public:
    /// `tag`: lower-case words joined by '-', each starting with a letter
    /// (per_run), or one such word of at most 5 characters (fixed). A per_run testbed first
    /// sweeps what crashed runs of the same tag left.
    explicit Testbed(std::string_view tag, Naming naming = Naming::per_run);
    /// Removes every namespace with this testbed's prefix (also those custode
    /// made with custode_prefix()) and their /etc/netns dirs, unless keep().
    ~Testbed();
    Testbed(const Testbed&) = delete;
    Testbed& operator=(const Testbed&) = delete;

    const std::string& tag() const { return tag_; }
    const std::string& prefix() const { return prefix_; }
    /// The namespace_prefix for custode's per-client namespaces. netconf allows
    /// only 8 characters, too few for our prefix, so it is "t<6 random>-"
    /// (fixed naming: "<tag>cu-"), recorded in /run/custode-testbed/ so that
    /// custode's namespaces go with the testbed, and with stale runs.
    const std::string& custode_prefix() const { return custode_prefix_; }

    /// The gateway namespace "<prefix>gw", created on first use (loopback up).
    const std::string& gateway();
    /// Runs `argv` in the gateway namespace, network only (see exec_net_only):
    /// the way to run custode against this testbed.
    testing::CommandResult in_gateway(const std::vector<std::string>& argv);

    /// Creates a site: namespace, silent bridge br0 (no IPv6, no IGMP; ARP
    /// answered only by the owner of an address). `name` must be a valid
    /// client name other than "gw" and "cu".
    Site& site(std::string_view name, Ipv4Prefix subnet);
    Site& find_site(std::string_view name);
    const std::deque<Site>& sites() const { return sites_; }

    /// A veth pair: `interface` (default "p-<site>") in the gateway namespace,
    /// down and unaddressed; "uplink" on the site bridge, up.
    PortLink connect_port(Site& site, std::string_view interface = {});
    /// An underlay veth pair "u-<site>" (gateway, 10.255.<index>.1/30) and
    /// "underlay" (site, .2/30, MTU 1550) and "vx0" in the site namespace on it,
    /// on the bridge. The gateway's side of the tunnel is left to custode.
    /// Underlay::ipv6: fd00:c7:<index>::1/64 and ::2 instead, MTU 1570 (a
    /// VXLAN over IPv6 takes 20 bytes more), IPv6 on these two links only.
    VxlanLink connect_vxlan(Site& site, std::uint32_t vni, std::uint16_t port = 4789,
                            Underlay family = Underlay::ipv4);

    /// `count` macvlan hosts "h<k>" on the site bridge with consecutive
    /// addresses from `first_ip` and harness MACs, in one `ip -batch`.
    /// Returns the new hosts.
    std::vector<LightHost> add_light_hosts(Site& site, int count, Ipv4Address first_ip);
    /// A host namespace "<prefix><site>-<name>" with "eth0" (`ip`, `mac` or a
    /// harness MAC) on a veth into the site bridge. Returns a copy (also kept in
    /// site.full_hosts): references into a growing vector would dangle.
    FullHost add_full_host(Site& site, std::string_view name, Ipv4Address ip,
                                  std::optional<MacAddress> mac = std::nullopt);

    void set_link(const std::string& ns, const std::string& dev, LinkState state);
    /// /etc/netns/<ns>, created; removed with the testbed. Files put there
    /// replace /etc's for programs started with exec()/run() in `ns`.
    std::filesystem::path etc_dir(const std::string& ns);

    /// Writes `dir`/site.toml and `dir`/clients/<site>.toml for every site
    /// (each must be connected) in the netconf format of docs/netconf.md. Returns `dir`.
    std::filesystem::path write_netconf(const std::filesystem::path& dir, const NetconfOptions& options = {}) const;

    /// Leave everything in place at destruction (the demo).
    void keep() { armed_ = false; }
    /// Waits until the kernel has brought up every link in namespaces() (the
    /// testbed's and custode's): see await_links_settled. Call it after custode
    /// changed links (apply) and before traffic is measured.
    void settle() const;

    /// Namespaces now present with this testbed's prefix or its custode_prefix().
    std::vector<std::string> namespaces() const;

    /// Removes every namespace and /etc/netns dir of `tag`, of any run, both
    /// namings. Returns the namespaces removed.
    static std::vector<std::string> remove_all(std::string_view tag);
    /// Removes the per_run namespaces of `tag` whose pid is dead. Returns them.
    static std::vector<std::string> sweep_stale(std::string_view tag);

private:
    void create_namespace(const std::string& ns, bool bridge_site);
    void teardown() noexcept;

    std::string tag_;
    std::string prefix_;
    std::string custode_prefix_;
    bool armed_ = true;
    std::string gateway_;
    std::deque<Site> sites_;  ///< a deque: Site& handed out stay valid
};

}  // namespace custode::testbed
