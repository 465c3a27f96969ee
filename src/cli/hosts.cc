/// `custode hosts CLIENT`: the inventory of one client's LAN.

#include <fmt/format.h>
#include <iostream>

#include "custode/app/discovery.h"
#include "custode/app/links.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace hosts_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()("client", po::value<std::string>()->value_name("CLIENT")->required(), "the client");
    options.positional.add("client", 1);
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto client = app::select_clients(netconf, {values["client"].as<std::string>()}).front();
    const auto [inventory, scan] = app::read_inventory(state_path(global, netconf), *client);
    if (global.json) {
        nlohmann::json hosts = nlohmann::json::array();
        for (const auto& host : inventory.hosts)
            hosts.push_back({{"name", host.name},
                             {"ip", host.ip ? host.ip->to_string() : ""},
                             {"mac", host.mac.to_string()},
                             {"vendor", host.vendor},
                             {"first_seen", host.first_seen},
                             {"last_seen", host.last_seen}});
        print_json("hosts", true,
                   {{"client", client->name.str()},
                    {"hosts", hosts},
                    {"last_scan", scan ? scan->at : ""},
                    {"last_scan_complete", scan ? scan->complete : false}});
        return to_int(ExitCode::ok);
    }
    std::cout << fmt::format("{}: {} host(s), last scan {}{}\n", client->name.str(), inventory.hosts.size(),
                             scan ? scan->at : "never",
                             scan && !scan->complete ? " INCOMPLETE (no host called missing)" : "");
    for (const auto& host : inventory.hosts) {
        std::cout << fmt::format("  {:<12}{:<16}{}  {:<21}{:<21}{}\n", host.name.empty() ? "-" : host.name,
                                 host.ip ? host.ip->to_string() : "-", host.mac.to_string(), host.first_seen,
                                 host.last_seen, host.vendor);
    }
    return to_int(ExitCode::ok);
}

}  // namespace hosts_cmd

Command hosts_command() {
    return {"hosts", "CLIENT", "the inventory: name, ip, mac, vendor, first/last seen",
            hosts_cmd::declare, hosts_cmd::run};
}

}  // namespace custode::cli
