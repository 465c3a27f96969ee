#include "testbed/testbed.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <unistd.h>

#include "custode/core/error.h"
#include "custode/core/names.h"
#include "testbed/ip_batch.h"

namespace custode::testbed {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view per_run_head = "ctb-";

/// Tags of live testbeds in this process: two with one tag would share names.
std::mutex registry_mutex;
std::set<std::string> live_prefixes;

bool is_word(std::string_view word) {
    return !word.empty() && std::islower(static_cast<unsigned char>(word[0])) &&
           std::all_of(word.begin(), word.end(), [](char c) {
               return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c));
           });
}

/// Words starting with a letter keep "ctb-<tag>-<pid>-" unambiguous: the pid
/// is the first all-digit word.
bool is_valid_tag(std::string_view tag, Naming naming) {
    if (tag.empty() || tag.size() > 32) return false;
    if (naming == Naming::fixed) return is_word(tag) && tag.size() <= 5;
    for (std::size_t start = 0;;) {
        const auto end = tag.find('-', start);
        if (!is_word(tag.substr(start, end - start))) return false;
        if (end == std::string_view::npos) return true;
        start = end + 1;
    }
}

std::string fixed_prefix(std::string_view tag) { return fmt::format("cu{}-", tag); }

/// For "ctb-<tag>-<pid>-rest": the pid, else nullopt.
std::optional<pid_t> per_run_pid(std::string_view name, std::string_view tag) {
    const std::string head = fmt::format("{}{}-", per_run_head, tag);
    if (!name.starts_with(head)) return std::nullopt;
    name.remove_prefix(head.size());
    const auto dash = name.find('-');
    if (dash == 0 || dash == std::string_view::npos) return std::nullopt;
    const auto digits = name.substr(0, dash);
    if (!std::all_of(digits.begin(), digits.end(), ::isdigit) || digits.size() > 9) return std::nullopt;
    return static_cast<pid_t>(std::stol(std::string(digits)));
}

bool pid_alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

/// Testbeds note here the custode namespace prefix they hand out: a file
/// named after it, holding the testbed's own prefix.
const fs::path registry_dir = "/run/custode-testbed";

std::string read_first_line(const fs::path& path) {
    std::string line;
    std::ifstream file(path);
    std::getline(file, line);
    return line;
}

/// What belongs to the testbeds whose prefix `keep` accepts.
struct Selection {
    std::set<std::string> names;  ///< namespaces and /etc/netns dirs
    std::vector<fs::path> registry;
};

template <class Keep>
void add_names(Selection& selection, Keep keep) {
    for (auto& ns : list_namespaces())
        if (keep(ns)) selection.names.insert(ns);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(std::string(netns_etc_dir), ec)) {
        std::string name = entry.path().filename().string();
        if (keep(name)) selection.names.insert(std::move(name));
    }
}

template <class Keep>
Selection select(Keep keep) {
    Selection selection;
    add_names(selection, keep);
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(registry_dir, ec)) {
        if (!keep(read_first_line(entry.path()))) continue;
        const std::string custode_prefix = entry.path().filename().string();
        add_names(selection, [&](const std::string& name) { return name.starts_with(custode_prefix); });
        selection.registry.push_back(entry.path());
    }
    return selection;
}

std::vector<std::string> remove(const Selection& selection) {
    std::vector<std::string> names(selection.names.begin(), selection.names.end());
    remove_namespaces(names);
    std::error_code ec;
    for (const auto& path : selection.registry) fs::remove(path, ec);
    return names;
}

bool prefix_in_use(const std::string& prefix) {
    std::error_code ec;
    return fs::exists(registry_dir / prefix, ec) || !list_namespaces(prefix).empty();
}

/// "t" + 6 random [a-z0-9] + "-": 8 characters, netconf's limit.
std::string fresh_custode_prefix() {
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device random;
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    for (;;) {
        std::string prefix = "t";
        for (int i = 0; i < 6; ++i) prefix += alphabet[pick(random)];
        prefix += '-';
        if (!prefix_in_use(prefix)) return prefix;
    }
}

void register_custode_prefix(const std::string& custode_prefix, const std::string& prefix) {
    fs::create_directories(registry_dir);
    std::ofstream file(registry_dir / custode_prefix, std::ios::trunc);
    file << prefix << '\n';
    file.close();
    if (!file) throw SystemError("write " + (registry_dir / custode_prefix).string(), errno, "");
}

std::vector<std::pair<std::string, std::string>> quiet_sysctls(bool bridge_site) {
    /// A silent bridge (docs/testbed.md): nothing but what a test sends leaves a namespace.
    std::vector<std::pair<std::string, std::string>> values{
        {"net.ipv6.conf.all.disable_ipv6", "1"},
        {"net.ipv6.conf.default.disable_ipv6", "1"},
        {"net.ipv4.igmp_link_local_mcast_reports", "0"},
    };
    if (bridge_site) {
        /// Many hosts share the site's stack: only an address's own interface answers ARP for it.
        for (const char* scope : {"all", "default"}) {
            values.emplace_back(fmt::format("net.ipv4.conf.{}.arp_ignore", scope), "1");
            values.emplace_back(fmt::format("net.ipv4.conf.{}.arp_announce", scope), "2");
        }
    }
    return values;
}

void check_interface_name(const std::string& name) {
    if (!is_valid_interface_name(name)) throw UsageError(fmt::format("testbed: bad interface name '{}'", name));
}

std::string cidr(IpAddress ip, int length) { return fmt::format("{}/{}", ip.to_string(), length); }

/// The namespaces keep IPv6 off (a silent bridge); an IPv6 underlay turns it
/// on for its own link only, with no link-local address of its own.
void enable_ipv6_on(const std::string& ns, const std::string& dev) {
    set_sysctls(ns, {{fmt::format("net.ipv6.conf.{}.disable_ipv6", dev), "0"}});
    IpBatch(ns).add(fmt::format("link set {} addrgenmode none", dev)).run();
}

}  // namespace

bool Site::has_host(std::string_view host_name) const {
    return std::any_of(light_hosts.begin(), light_hosts.end(), [&](const auto& h) { return h.name == host_name; }) ||
           std::any_of(full_hosts.begin(), full_hosts.end(), [&](const auto& h) { return h.name == host_name; });
}

Ipv4Address host_address(Ipv4Prefix subnet, std::uint32_t n) {
    const Ipv4Address ip(subnet.network().value() + n);
    if (n == 0 || !subnet.contains(ip) || ip == subnet.broadcast()) {
        throw UsageError(fmt::format("testbed: no host {} in {}", n, subnet.to_string()));
    }
    return ip;
}

MacAddress harness_mac(int site_index, std::uint32_t n) {
    return MacAddress({0x02, 0xc7, static_cast<std::uint8_t>(site_index), 0x00, static_cast<std::uint8_t>(n >> 8),
                       static_cast<std::uint8_t>(n)});
}

Testbed::Testbed(std::string_view tag, Naming naming) : tag_(tag) {
    if (!is_valid_tag(tag, naming)) throw UsageError(fmt::format("testbed: bad tag '{}'", tag));
    prefix_ = naming == Naming::fixed ? fixed_prefix(tag) : fmt::format("{}{}-{}-", per_run_head, tag, ::getpid());
    {
        std::lock_guard lock(registry_mutex);
        if (!live_prefixes.insert(prefix_).second) {
            throw UsageError(fmt::format("testbed: a testbed '{}' is already live in this process", tag));
        }
    }
    try {
        if (naming == Naming::per_run) sweep_stale(tag);
        custode_prefix_ = naming == Naming::fixed ? fmt::format("{}cu-", tag) : fresh_custode_prefix();
        register_custode_prefix(custode_prefix_, prefix_);
    } catch (...) {
        std::lock_guard lock(registry_mutex);
        live_prefixes.erase(prefix_);
        throw;
    }
}

Testbed::~Testbed() {
    if (armed_) teardown();
    std::lock_guard lock(registry_mutex);
    live_prefixes.erase(prefix_);
}

void Testbed::teardown() noexcept {
    try {
        remove(select([&](const std::string& name) { return name.starts_with(prefix_); }));
    } catch (const std::exception& error) {
        std::cerr << "testbed: teardown of " << prefix_ << "*: " << error.what() << '\n';
    }
}

std::vector<std::string> Testbed::namespaces() const {
    auto names = list_namespaces(prefix_);
    const auto custode_made = list_namespaces(custode_prefix_);
    names.insert(names.end(), custode_made.begin(), custode_made.end());
    return names;
}

void Testbed::settle() const {
    for (const auto& ns : namespaces()) await_links_settled(ns);
}

std::vector<std::string> Testbed::remove_all(std::string_view tag) {
    const std::string fixed = fixed_prefix(tag);
    return remove(select([&](const std::string& name) {
        return name.starts_with(fixed) || per_run_pid(name, tag).has_value();
    }));
}

std::vector<std::string> Testbed::sweep_stale(std::string_view tag) {
    return remove(select([&](const std::string& name) {
        const auto pid = per_run_pid(name, tag);
        return pid && !pid_alive(*pid);
    }));
}

void Testbed::create_namespace(const std::string& ns, bool bridge_site) {
    IpBatch(std::string{}).add("netns add " + ns).run();
    set_sysctls(ns, quiet_sysctls(bridge_site));
    IpBatch batch(ns);
    batch.add("link set lo up");
    if (bridge_site) {
        /// No STP: a bridge of ours must not send BPDUs onto the client LAN.
        batch.add("link add br0 type bridge stp_state 0 forward_delay 0");
        batch.add("link set br0 up");
    }
    batch.run();
}

const std::string& Testbed::gateway() {
    if (gateway_.empty()) {
        const std::string ns = prefix_ + "gw";
        create_namespace(ns, false);
        gateway_ = ns;
    }
    return gateway_;
}

testing::CommandResult Testbed::in_gateway(const std::vector<std::string>& argv) { return exec_net_only(gateway(), argv); }

Site& Testbed::site(std::string_view name, Ipv4Prefix subnet) {
    if (!ClientName::parse(name) || name == "gw" || name == "cu") {
        throw UsageError(fmt::format("testbed: bad site name '{}'", name));
    }
    if (std::any_of(sites_.begin(), sites_.end(), [&](const Site& s) { return s.name == name; })) {
        throw UsageError(fmt::format("testbed: site '{}' exists", name));
    }
    if (sites_.size() >= 255) throw UsageError("testbed: at most 255 sites");
    Site created;
    created.name = name;
    created.ns = prefix_ + created.name;
    created.subnet = Ipv4Prefix(subnet.network(), subnet.length());
    created.index = static_cast<int>(sites_.size()) + 1;
    created.lan_address = Ipv4Prefix(host_address(created.subnet, 250), subnet.length());
    created.description = fmt::format("testbed site {}", name);
    create_namespace(created.ns, true);
    return sites_.emplace_back(std::move(created));
}

Site& Testbed::find_site(std::string_view name) {
    for (auto& s : sites_)
        if (s.name == name) return s;
    throw UsageError(fmt::format("testbed: no site '{}'", name));
}

PortLink Testbed::connect_port(Site& site, std::string_view interface) {
    if (!std::holds_alternative<std::monostate>(site.link)) throw UsageError("testbed: site already connected");
    PortLink link{interface.empty() ? "p-" + site.name : std::string(interface)};
    check_interface_name(link.interface);
    IpBatch(site.ns)
        .add(fmt::format("link add uplink type veth peer name {} netns {}", link.interface, gateway()))
        .add("link set uplink master br0 up")
        .run();
    await_links_settled(site.ns);
    return std::get<PortLink>(site.link = std::move(link));
}

VxlanLink Testbed::connect_vxlan(Site& site, std::uint32_t vni, std::uint16_t port, Underlay family) {
    if (!std::holds_alternative<std::monostate>(site.link)) throw UsageError("testbed: site already connected");
    const bool ipv6 = family == Underlay::ipv6;
    /// 10.255.<site>.0/30 or fd00:c7:<site>::/64 exists only inside our own two namespaces.
    const auto base = (10u << 24) | (255u << 16) | (static_cast<std::uint32_t>(site.index) << 8);
    const auto ipv6_end = [&](std::uint8_t host) {
        return Ipv6Address({0xfd, 0x00, 0x00, 0xc7, 0x00, static_cast<std::uint8_t>(site.index), 0, 0, 0, 0, 0, 0, 0,
                            0, 0, host});
    };
    VxlanLink link{"u-" + site.name, ipv6 ? IpAddress(ipv6_end(1)) : IpAddress(Ipv4Address(base | 1)),
                   ipv6 ? IpAddress(ipv6_end(2)) : IpAddress(Ipv4Address(base | 2)), vni, port};
    check_interface_name(link.underlay);
    /// Room for the site's vx0 at 1500 over either family.
    const int underlay_mtu = ipv6 ? 1570 : 1550;
    const int prefix_length = ipv6 ? 64 : 30;
    /// `nodad`: the address is usable at once, not after duplicate detection.
    const std::string address_flags = ipv6 ? " nodad" : "";
    IpBatch(site.ns)
        .add(fmt::format("link add underlay mtu {} type veth peer name {} mtu {} netns {}", underlay_mtu,
                         link.underlay, underlay_mtu, gateway()))
        .run();
    if (ipv6) {
        enable_ipv6_on(site.ns, "underlay");
        enable_ipv6_on(gateway(), link.underlay);
    }
    IpBatch(site.ns)
        .add(fmt::format("addr add {} dev underlay{}", cidr(link.remote, prefix_length), address_flags))
        .add("link set underlay up")
        .add(fmt::format("link add vx0 mtu 1500 type vxlan id {} local {} remote {} dstport {} dev underlay", vni,
                         link.remote.to_string(), link.local.to_string(), port))
        .add("link set vx0 master br0 up")
        .run();
    IpBatch(gateway())
        .add(fmt::format("addr add {} dev {}{}", cidr(link.local, prefix_length), link.underlay, address_flags))
        .add(fmt::format("link set {} up", link.underlay))
        .run();
    await_links_settled(site.ns);
    await_links_settled(gateway());
    return std::get<VxlanLink>(site.link = std::move(link));
}

std::vector<LightHost> Testbed::add_light_hosts(Site& site, int count, Ipv4Address first_ip) {
    std::vector<LightHost> added;
    IpBatch batch(site.ns);
    for (int i = 0; i < count; ++i) {
        const Ipv4Address ip(first_ip.value() + static_cast<std::uint32_t>(i));
        if (!site.subnet.contains(ip)) throw UsageError(fmt::format("testbed: {} outside {}", ip.to_string(), site.subnet.to_string()));
        LightHost host{fmt::format("h{}", site.light_hosts.size() + added.size() + 1), ip,
                       harness_mac(site.index, site.next_mac++)};
        batch.add(fmt::format("link add {} link br0 address {} type macvlan mode bridge", host.name, host.mac.to_string()));
        batch.add(fmt::format("addr add {} dev {}", cidr(ip, site.subnet.length()), host.name));
        batch.add(fmt::format("link set {} up", host.name));
        added.push_back(std::move(host));
    }
    batch.run();
    await_links_settled(site.ns);
    site.light_hosts.insert(site.light_hosts.end(), added.begin(), added.end());
    return added;
}

FullHost Testbed::add_full_host(Site& site, std::string_view name, Ipv4Address ip, std::optional<MacAddress> mac) {
    if (!ClientName::parse(name) || site.has_host(name)) throw UsageError(fmt::format("testbed: bad or duplicate host name '{}'", name));
    if (!site.subnet.contains(ip)) throw UsageError(fmt::format("testbed: {} outside {}", ip.to_string(), site.subnet.to_string()));
    FullHost host{std::string(name), fmt::format("{}{}-{}", prefix_, site.name, name), fmt::format("f-{}", name), ip,
                  mac ? *mac : harness_mac(site.index, site.next_mac++)};
    create_namespace(host.ns, false);
    IpBatch(site.ns)
        .add(fmt::format("link add {} type veth peer name eth0 address {} netns {}", host.bridge_port,
                         host.mac.to_string(), host.ns))
        .add(fmt::format("link set {} master br0 up", host.bridge_port))
        .run();
    IpBatch(host.ns)
        .add(fmt::format("addr add {} dev eth0", cidr(ip, site.subnet.length())))
        .add("link set eth0 up")
        .run();
    await_links_settled(site.ns);
    await_links_settled(host.ns);
    site.full_hosts.push_back(host);
    return host;
}

void Testbed::set_link(const std::string& ns, const std::string& dev, LinkState state) {
    IpBatch(ns).add(fmt::format("link set {} {}", dev, state == LinkState::up ? "up" : "down")).run();
    await_links_settled(ns);
}

fs::path Testbed::etc_dir(const std::string& ns) {
    if (!ns.starts_with(prefix_)) throw UsageError(fmt::format("testbed: '{}' is not one of our namespaces", ns));
    const fs::path dir = fs::path(netns_etc_dir) / ns;
    fs::create_directories(dir);
    return dir;
}

}  // namespace custode::testbed
