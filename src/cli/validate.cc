/// `custode validate`: parse and check every netconf file, across files too.

#include <fmt/format.h>
#include <iostream>
#include <variant>

#include "custode/app/netconf_source.h"
#include "custode/cli/commands.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace validate_cmd {

/// The circuit in a few words: "trunk eth1 vlan 101".
std::string describe_link(const LinkSpec& link) {
    struct Describe {
        std::string operator()(const VlanLink& vlan) const {
            return fmt::format("trunk {} vlan {}", vlan.trunk, vlan.vlan.value());
        }
        std::string operator()(const PortLink& port) const {
            return fmt::format("interface {}{}", port.interface, port.adopt ? " (adopt)" : "");
        }
        std::string operator()(const VxlanLink& vxlan) const {
            return fmt::format("vni {} {} -> {} via {}", vxlan.vni, vxlan.local.to_string(),
                               vxlan.remote.with_port(vxlan.port), vxlan.underlay);
        }
    };
    return std::visit(Describe{}, link);
}

nlohmann::json link_json(const LinkSpec& link) {
    struct ToJson {
        nlohmann::json operator()(const VlanLink& vlan) const {
            return {{"trunk", vlan.trunk}, {"vlan", vlan.vlan.value()}};
        }
        nlohmann::json operator()(const PortLink& port) const {
            return {{"interface", port.interface}, {"adopt", port.adopt}};
        }
        nlohmann::json operator()(const VxlanLink& vxlan) const {
            return {{"vni", vxlan.vni},
                    {"local", vxlan.local.to_string()},
                    {"remote", vxlan.remote.to_string()},
                    {"underlay", vxlan.underlay},
                    {"port", vxlan.port}};
        }
    };
    return std::visit(ToJson{}, link);
}

nlohmann::json client_json(const Netconf& netconf, const Client& client) {
    nlohmann::json json = link_json(client.link);
    json["client"] = client.name.str();
    json["kind"] = link_kind(client.link);
    json["subnet"] = client.lan.subnet.to_string();
    json["address"] = client.lan.address.to_string();
    json["namespace"] = netconf.namespace_of(client);
    json["lab_ports"] = client.lab_ports;
    json["mtu"] = client.mtu ? nlohmann::json(*client.mtu) : nlohmann::json(nullptr);
    json["hosts"] = client.hosts.size();
    return json;
}

nlohmann::json diagnostics_json(const std::vector<Diagnostic>& diagnostics, Diagnostic::Severity severity) {
    nlohmann::json chosen = nlohmann::json::array();
    for (const auto& diagnostic : diagnostics)
        if (diagnostic.severity == severity)
            chosen.push_back({{"file", diagnostic.file},
                              {"line", diagnostic.line},
                              {"column", diagnostic.column},
                              {"message", diagnostic.message}});
    return chosen;
}

void print_json_result(const NetconfLoad& load) {
    nlohmann::json clients = nlohmann::json::array();
    if (load.ok())
        for (const auto& client : load.netconf.clients) clients.push_back(client_json(load.netconf, client));
    nlohmann::json body = {{"errors", diagnostics_json(load.diagnostics, Diagnostic::Severity::error)},
                           {"warnings", diagnostics_json(load.diagnostics, Diagnostic::Severity::warning)},
                           {"clients", clients}};
    if (load.ok()) body["site"] = load.netconf.site.name;
    print_json("validate", load.ok(), std::move(body));
}

void print_text_result(const NetconfLoad& load, const std::string& dir) {
    for (const auto& diagnostic : load.diagnostics) std::cerr << diagnostic.to_string() << '\n';
    if (!load.ok()) {
        print_error(fmt::format("{} error{} in {}; nothing was changed", load.error_count(),
                                load.error_count() == 1 ? "" : "s", dir));
        return;
    }
    const Netconf& netconf = load.netconf;
    std::cout << fmt::format("site {}: {} client{} ok\n", netconf.site.name, netconf.clients.size(),
                             netconf.clients.size() == 1 ? "" : "s");
    for (const auto& client : netconf.clients)
        std::cout << fmt::format("  {:<12}  {:<5}  {:<18}  {}\n", client.name.str(), link_kind(client.link),
                                 client.lan.subnet.to_string(), describe_link(client.link));
}

int run(const GlobalOptions& global, const po::variables_map&) {
    const NetconfLoad load = app::load_netconf_directory(global.netconf_dir);
    if (global.json) {
        print_json_result(load);
    } else {
        print_text_result(load, global.netconf_dir);
    }
    return to_int(load.ok() ? ExitCode::ok : ExitCode::usage);
}

}  // namespace validate_cmd

Command validate_command() {
    return {"validate", "", "parse and check every netconf file, across files too", nullptr, validate_cmd::run};
}

}  // namespace custode::cli
