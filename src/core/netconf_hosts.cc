/// A client's [[host]] entries and the checks among them.

#include <fmt/format.h>

#include "netconf_parse.h"

namespace custode::netconf_detail {
namespace {

ParsedHost read_host(TableReader& table) {
    ParsedHost host;
    host.name = table.string("name", Presence::required);
    if (host.name && !is_valid_host_name(host.name->value)) {
        table.diagnostics().error(host.name->at, fmt::format("host.name: {} does not match [a-z0-9][a-z0-9-]* "
                                                             "(up to 63 characters)",
                                                             in_quotes(host.name->value)));
        host.name.reset();
    }
    host.mac = table.unicast_mac("mac", Presence::required);
    host.ip = table.ipv4("ip", Presence::optional);
    if (const auto os = table.choice("os", Presence::required, {"windows", "linux"}))
        host.os = parse_host_os(os->value);
    if (const toml::table* maintenance = table.table("maintenance", Presence::optional)) {
        TableReader reader(*maintenance, "host.maintenance", table.diagnostics());
        host.settings = parse_task_settings(reader);
        reader.report_unknown_keys();
    }
    table.report_unknown_keys();
    return host;
}

void check_host_ip(const ParsedHost& host, const LanSpec& lan, FileDiagnostics& diagnostics) {
    if (!host.ip) return;
    const Ipv4Address ip = host.ip->value;
    std::string problem;
    if (!lan.subnet.contains(ip)) problem = fmt::format("is outside lan.subnet {}", lan.subnet.to_string());
    else if (ip == lan.subnet.network() || ip == lan.subnet.broadcast())
        problem = fmt::format("is the network or broadcast address of {}", lan.subnet.to_string());
    else if (ip == lan.address.address()) problem = "is the gateway's own lan.address";
    if (!problem.empty()) diagnostics.error(host.ip->at, fmt::format("host.ip: {} {}", ip.to_string(), problem));
}

template <typename T>
void report_if_same(const std::optional<Located<T>>& earlier, const std::optional<Located<T>>& later,
                    std::string_view key, std::string_view shown, FileDiagnostics& diagnostics) {
    if (earlier && later && earlier->value == later->value)
        diagnostics.error(later->at, fmt::format("host.{}: {} is already used at line {}", key,
                                                 shown, earlier->at.line));
}

void check_pair(const ParsedHost& earlier, const ParsedHost& later, FileDiagnostics& diagnostics) {
    if (later.name) report_if_same(earlier.name, later.name, "name", in_quotes(later.name->value), diagnostics);
    if (later.mac) report_if_same(earlier.mac, later.mac, "mac", later.mac->value.to_string(), diagnostics);
    if (later.ip) report_if_same(earlier.ip, later.ip, "ip", later.ip->value.to_string(), diagnostics);
}

}  // namespace

std::vector<ParsedHost> parse_hosts(TableReader& file) {
    std::vector<ParsedHost> hosts;
    for (const toml::table* table : file.tables("host")) {
        TableReader reader(*table, "host", file.diagnostics(), TableForm::array_element);
        hosts.push_back(read_host(reader));
    }
    return hosts;
}

void check_hosts(const std::vector<ParsedHost>& hosts, const std::optional<LanSpec>& lan,
                 FileDiagnostics& diagnostics) {
    for (std::size_t later = 0; later < hosts.size(); ++later) {
        if (lan) check_host_ip(hosts[later], *lan, diagnostics);
        for (std::size_t earlier = 0; earlier < later; ++earlier) check_pair(hosts[earlier], hosts[later], diagnostics);
    }
}

}  // namespace custode::netconf_detail
