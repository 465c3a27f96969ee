/// Testbed::write_netconf: the built testbed as netconf files (docs/netconf.md).

#include <fmt/format.h>
#include <fstream>

#include "custode/core/error.h"
#include "testbed/testbed.h"

namespace custode::testbed {
namespace fs = std::filesystem;
std::string toml_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + '"';
}

namespace {

std::string site_toml(const std::string& site_name, const std::string& namespace_prefix, const fs::path& state,
                      const std::vector<LabHost>& lab_hosts, const std::optional<NetconfSsh>& ssh) {
    std::string text = "# Written by the custode testbed.\n";
    text += fmt::format("[site]\nname = {}\nnamespace_prefix = {}\nstate = {}\n", toml_string(site_name),
                        toml_string(namespace_prefix), toml_string(state.string()));
    if (ssh) {
        text += fmt::format("\n[ssh]\nuser = {}\nidentity = {}\nknown_hosts = {}\n", toml_string(ssh->user),
                            toml_string(ssh->identity), toml_string(ssh->known_hosts));
    }
    for (const auto& host : lab_hosts) {
        text += fmt::format("\n[[lab.host]]\nname = {}\nip = {}\nmac = {}\n", toml_string(host.name),
                            toml_string(host.ip.to_string()), toml_string(host.mac.to_string()));
    }
    return text;
}

std::string link_toml(const Site& site) {
    if (const auto* port = std::get_if<PortLink>(&site.link)) {
        return fmt::format("[link]\nkind = \"port\"\ninterface = {}\n", toml_string(port->interface));
    }
    if (const auto* vxlan = std::get_if<VxlanLink>(&site.link)) {
        return fmt::format("[link]\nkind = \"vxlan\"\nvni = {}\nlocal = {}\nremote = {}\nunderlay = {}\nport = {}\n",
                           vxlan->vni, toml_string(vxlan->local.to_string()), toml_string(vxlan->remote.to_string()),
                           toml_string(vxlan->underlay), vxlan->port);
    }
    throw UsageError(fmt::format("testbed: site '{}' is not connected (connect_port or connect_vxlan)", site.name));
}

std::string host_toml(std::string_view name, Ipv4Address ip, MacAddress mac, std::string_view os) {
    return fmt::format("\n[[host]]\nname = {}\nmac = {}\nip = {}\nos = {}\n", toml_string(name), toml_string(mac.to_string()),
                       toml_string(ip.to_string()), toml_string(os));
}

std::string client_toml(const Site& site, const NetconfOptions& options) {
    const auto extra = [](const std::map<std::string, std::string>& texts, const std::string& key) {
        const auto found = texts.find(key);
        return found == texts.end() ? std::string() : "\n" + found->second;
    };
    std::string text = fmt::format("# Written by the custode testbed: namespace {}.\ndescription = {}\n\n", site.ns,
                                   toml_string(site.description));
    text += link_toml(site);
    text += fmt::format("\n[lan]\nsubnet = {}\naddress = {}\n", toml_string(site.subnet.to_string()),
                        toml_string(site.lan_address.to_string()));
    if (site.control) text += fmt::format("control = {}\n", toml_string(site.control->to_string()));
    /// Light hosts only answer ARP and ping, like Windows PCs without SSH;
    /// full hosts are where sshd runs.
    for (const auto& host : site.full_hosts)
        text += host_toml(host.name, host.ip, host.mac,
                          options.host_os.contains(host.name) ? options.host_os.at(host.name) : "linux") +
                extra(options.host_extra, host.name);
    for (const auto& host : site.light_hosts)
        if (options.declare_light_hosts) text += host_toml(host.name, host.ip, host.mac, "windows") + extra(options.host_extra, host.name);
    return text + extra(options.client_extra, site.name);
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream file(path, std::ios::trunc);
    file << text;
    file.close();
    if (!file) throw SystemError("write " + path.string(), errno, "");
}

}  // namespace

fs::path Testbed::write_netconf(const fs::path& dir, const NetconfOptions& options) const {
    fs::create_directories(dir / "clients");
    std::vector<std::pair<fs::path, std::string>> files;
    files.emplace_back(dir / "site.toml",
                       site_toml(options.site_name.empty() ? tag_ : options.site_name,
                                 options.namespace_prefix.empty() ? custode_prefix() : options.namespace_prefix,
                                 options.state.value_or(dir / "state.db"), options.lab_hosts, options.ssh));
    for (const auto& site : sites_) files.emplace_back(dir / "clients" / (site.name + ".toml"), client_toml(site, options));
    for (const auto& [path, text] : files) write_text(path, text);
    return dir;
}

}  // namespace custode::testbed
