/// `custode status [CLIENT...]`: per client, the namespace, circuit and bridge
/// as the kernel has them. Exit 1 when any client has drifted from netconf.

#include <fmt/format.h>
#include <iostream>

#include "custode/app/links.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace status_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::vector<std::string>>()->value_name("CLIENT"), "clients to show (default: all)");
    options.positional.add("client", -1);
}

nlohmann::json link_json(const std::optional<LiveLink>& link) {
    if (!link) return nullptr;
    nlohmann::json addresses = nlohmann::json::array();
    for (const auto& address : link->addresses) addresses.push_back(address.to_string());
    return {{"kind", link->kind.empty() ? "port" : link->kind},
            {"up", link->admin_up},
            {"carrier", link->carrier},
            {"mtu", link->mtu},
            {"mac", link->mac ? link->mac->to_string() : ""},
            {"addresses", addresses},
            {"rx_packets", link->rx_packets},
            {"tx_packets", link->tx_packets},
            {"rx_bytes", link->rx_bytes},
            {"tx_bytes", link->tx_bytes}};
}

std::string link_text(const std::optional<LiveLink>& link) {
    if (!link) return "missing";
    std::string text = fmt::format("{} {}{} mtu {}", link->admin_up ? "up" : "DOWN",
                                   link->carrier ? "carrier" : "NO-CARRIER", link->kind.empty() ? "" : " " + link->kind,
                                   link->mtu);
    for (const auto& address : link->addresses) text += " " + address.to_string();
    return text + fmt::format(" rx {} tx {} packets", link->rx_packets, link->tx_packets);
}

/// What the state file says of a client: its newest scan and nightly run.
int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto clients = app::select_clients(netconf, client_arguments(values));
    const auto statuses = app::status_on_gateway(netconf, state_path(global, netconf), clients);
    bool all_in_sync = true;
    nlohmann::json json = nlohmann::json::array();
    for (const auto& status : statuses) {
        all_in_sync = all_in_sync && status.in_sync;
        json.push_back({{"client", status.client},
                        {"namespace", status.namespace_name},
                        {"namespace_exists", status.namespace_exists},
                        {"in_sync", status.in_sync},
                        {"circuit", link_json(status.circuit)},
                        {"bridge", link_json(status.bridge)},
                        {"last_scan", status.last_scan},
                        {"last_run", status.last_run}});
        if (global.json) continue;
        std::cout << fmt::format("{} ({}): {}\n", status.client, status.namespace_name,
                                 !status.namespace_exists ? "not provisioned"
                                 : status.in_sync        ? "in sync"
                                                         : "DRIFT (see custode plan)");
        if (!status.namespace_exists) continue;
        std::cout << fmt::format("  circuit: {}\n  br0:     {}\n", link_text(status.circuit), link_text(status.bridge));
        std::cout << fmt::format("  last scan: {}\n  last run:  {}\n", status.last_scan.empty() ? "never" : status.last_scan,
                                 status.last_run.empty() ? "never" : status.last_run);
    }
    if (global.json) print_json("status", all_in_sync, {{"clients", json}});
    return to_int(all_in_sync ? ExitCode::ok : ExitCode::problem);
}

}  // namespace status_cmd

Command status_command() {
    return {"status", "[CLIENT...]", "per client: namespace, circuit, bridge, carrier, address, counters, last scan and run", status_cmd::declare,
            status_cmd::run};
}

}  // namespace custode::cli
