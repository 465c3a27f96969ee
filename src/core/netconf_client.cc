/// One clients/<name>.toml: its name, sections, and the model it gives.

#include <fmt/format.h>

#include "netconf_parse.h"

namespace custode::netconf_detail {
namespace {

void check_file_name(ParsedClient& client, FileDiagnostics& diagnostics) {
    client.valid_name = ClientName::parse(client.name);
    if (!client.valid_name)
        diagnostics.error({1, 1}, fmt::format("client name {} (from the file name) does not match "
                                              "[a-z][a-z0-9-]{{0,11}}",
                                              in_quotes(client.name)));
}

/// Reads an optional or required section with `parse`, if present.
template <typename Parse>
void read_section(TableReader& file, std::string_view key, Presence presence, Parse parse) {
    if (const toml::table* table = file.table(key, presence)) {
        TableReader reader(*table, std::string(key), file.diagnostics());
        parse(reader);
    }
}

}  // namespace

std::string client_name_from_path(std::string_view path) {
    const auto slash = path.rfind('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (name.ends_with(".toml")) name.remove_suffix(5);
    return std::string(name);
}

ParsedClient parse_client(const toml::table& root, const SourceFile& source, FileDiagnostics& diagnostics) {
    ParsedClient client;
    client.file = source.path;
    client.name = client_name_from_path(source.path);
    check_file_name(client, diagnostics);

    TableReader file(root, "", diagnostics);
    if (const auto description = file.string("description", Presence::optional))
        client.description = description->value;
    read_section(file, "link", Presence::required, [&](TableReader& link) { client.link = parse_link(link); });
    read_section(file, "lan", Presence::required, [&](TableReader& lan) { client.lan = parse_lan(lan); });
    read_section(file, "maintenance", Presence::optional,
                 [&](TableReader& maintenance) { client.maintenance = parse_maintenance(maintenance); });
    read_section(file, "backup", Presence::optional, [&](TableReader& backup) { client.backup = parse_backup(backup); });
    client.hosts = parse_hosts(file);
    file.report_unknown_keys();
    check_hosts(client.hosts, client.lan, diagnostics);
    return client;
}

std::optional<Client> ParsedClient::to_client() const {
    if (!valid_name || !link.spec || !lan) return std::nullopt;
    Client client{*valid_name, file, description, *link.spec, {}, link.mtu, *lan, maintenance, {}, backup.spec};
    for (const auto& port : link.lab_ports) client.lab_ports.push_back(port.value);
    for (const auto& host : hosts) {
        if (host.name && host.mac && host.os)
            client.hosts.push_back({host.name->value, host.mac->value,
                                    host.ip ? std::optional(host.ip->value) : std::nullopt, *host.os,
                                    host.settings});
    }
    return client;
}

}  // namespace custode::netconf_detail
