/// site.toml: [site], [ssh], [[lab.host]] and [notify].

#include <algorithm>
#include <fmt/format.h>

#include "netconf_parse.h"

namespace custode::netconf_detail {
namespace {

/// A string that must be non-empty (names, user names).
std::optional<Located<std::string>> non_empty(TableReader& table, std::string_view key, Presence presence) {
    auto text = table.string(key, presence);
    if (!text || !text->value.empty()) return text;
    table.diagnostics().error(text->at, fmt::format("{}: must not be empty", table.qualified(key)));
    return std::nullopt;
}

void read_site_table(TableReader& table, Site& site) {
    if (auto name = non_empty(table, "name", Presence::required)) site.name = name->value;
    if (auto prefix = table.string("namespace_prefix", Presence::optional)) {
        if (is_valid_namespace_prefix(prefix->value)) {
            site.namespace_prefix = prefix->value;
        } else {
            table.diagnostics().error(prefix->at, fmt::format("site.namespace_prefix: {} does not match "
                                                              "[a-z][a-z0-9-]{{0,7}}",
                                                              in_quotes(prefix->value)));
        }
    }
    if (auto state = table.absolute_path("state", Presence::optional)) site.state = state->value;
    table.report_unknown_keys();
}

void read_ssh_table(TableReader& table, SshSettings& ssh) {
    if (auto user = non_empty(table, "user", Presence::optional)) ssh.user = user->value;
    if (auto identity = table.absolute_path("identity", Presence::optional)) ssh.identity = identity->value;
    if (auto known_hosts = table.absolute_path("known_hosts", Presence::optional)) ssh.known_hosts = known_hosts->value;
    table.report_unknown_keys();
}

struct ParsedLabHost {
    std::optional<Located<std::string>> name;
    std::optional<Located<Ipv4Address>> ip;
    std::optional<Located<MacAddress>> mac;
};

ParsedLabHost read_lab_host(TableReader& table) {
    ParsedLabHost host;
    host.name = table.string("name", Presence::required);
    if (host.name && !is_valid_host_name(host.name->value)) {
        table.diagnostics().error(host.name->at, fmt::format("lab.host.name: {} does not match "
                                                             "[a-z0-9][a-z0-9-]* (up to 63 characters)",
                                                             in_quotes(host.name->value)));
        host.name.reset();
    }
    host.ip = table.ipv4("ip", Presence::required);
    host.mac = table.unicast_mac("mac", Presence::optional);
    table.report_unknown_keys();
    return host;
}

/// Lab hosts must be told apart in the isolation report: names and IPs unique.
void check_lab_hosts(const std::vector<ParsedLabHost>& hosts, FileDiagnostics& diagnostics) {
    for (std::size_t later = 0; later < hosts.size(); ++later) {
        for (std::size_t earlier = 0; earlier < later; ++earlier) {
            const auto& a = hosts[earlier];
            const auto& b = hosts[later];
            if (a.name && b.name && a.name->value == b.name->value)
                diagnostics.error(b.name->at, fmt::format("lab.host.name: {} is already used at line {}",
                                                          in_quotes(b.name->value), a.name->at.line));
            if (a.ip && b.ip && a.ip->value == b.ip->value)
                diagnostics.error(b.ip->at, fmt::format("lab.host.ip: {} is already used at line {}",
                                                        b.ip->value.to_string(), a.ip->at.line));
        }
    }
}

std::vector<LabHost> read_lab_table(TableReader& lab) {
    std::vector<ParsedLabHost> parsed;
    for (const toml::table* table : lab.tables("host")) {
        TableReader reader(*table, "lab.host", lab.diagnostics(), TableForm::array_element);
        parsed.push_back(read_lab_host(reader));
    }
    lab.report_unknown_keys();
    check_lab_hosts(parsed, lab.diagnostics());
    std::vector<LabHost> hosts;
    for (const auto& host : parsed) {
        if (host.name && host.ip)
            hosts.push_back({host.name->value, host.ip->value,
                             host.mac ? std::optional(host.mac->value) : std::nullopt});
    }
    return hosts;
}

void read_mail_to(TableReader& table, NotifySettings& notify) {
    const auto addresses = table.strings("mail_to", Presence::optional);
    if (!addresses) return;
    if (addresses->empty()) {
        table.diagnostics().error(table.header(), "notify.mail_to: must list at least one address");
        return;
    }
    for (std::size_t i = 0; i < addresses->size(); ++i) {
        const auto& address = (*addresses)[i];
        const auto earlier = std::find_if(addresses->begin(), addresses->begin() + static_cast<std::ptrdiff_t>(i),
                                          [&](const auto& other) { return other.value == address.value; });
        if (!is_valid_mail_address(address.value)) {
            table.diagnostics().error(address.at, fmt::format("notify.mail_to: {} is not a mail address (user or "
                                                              "user@domain, no spaces, commas or <>)",
                                                              in_quotes(address.value)));
        } else if (earlier != addresses->begin() + static_cast<std::ptrdiff_t>(i)) {
            table.diagnostics().error(address.at, fmt::format("notify.mail_to: {} is listed twice",
                                                              in_quotes(address.value)));
        } else {
            notify.mail_to.push_back(address.value);
        }
    }
}

void read_notify_table(TableReader& table, NotifySettings& notify) {
    // A table without a way to send is a forgotten key, not a wish for silence.
    if (!table.node("mail_to", Presence::optional) && !table.node("webhook", Presence::optional))
        table.diagnostics().error(table.header(), "[notify] needs mail_to, webhook or both");
    read_mail_to(table, notify);
    if (auto url = table.string("webhook", Presence::optional)) {
        if (is_valid_webhook_url(url->value)) {
            notify.webhook = url->value;
        } else {
            table.diagnostics().error(url->at, fmt::format("notify.webhook: {} is not an http:// or https:// URL",
                                                           in_quotes(url->value)));
        }
    }
    if (auto always = table.boolean("always", Presence::optional)) notify.always = always->value;
    table.report_unknown_keys();
}

}  // namespace

Site parse_site(const toml::table& root, FileDiagnostics& diagnostics) {
    Site site;
    TableReader file(root, "", diagnostics);
    if (const toml::table* table = file.table("site", Presence::required)) {
        TableReader reader(*table, "site", diagnostics);
        read_site_table(reader, site);
    }
    if (const toml::table* table = file.table("ssh", Presence::optional)) {
        TableReader reader(*table, "ssh", diagnostics);
        read_ssh_table(reader, site.ssh);
    }
    if (const toml::table* table = file.table("lab", Presence::optional)) {
        TableReader reader(*table, "lab", diagnostics);
        site.lab_hosts = read_lab_table(reader);
    }
    if (const toml::table* table = file.table("notify", Presence::optional)) {
        TableReader reader(*table, "notify", diagnostics);
        read_notify_table(reader, site.notify);
    }
    file.report_unknown_keys();
    return site;
}

}  // namespace custode::netconf_detail
