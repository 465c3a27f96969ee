/// `custode wake CLIENT HOST...|--all [--wait SECONDS]`: Wake-on-LAN, then
/// confirm each PC is up. Exit 1 when any did not wake in time.

#include <cmath>
#include <fmt/format.h>
#include <iostream>

#include "custode/app/discovery.h"
#include "custode/app/links.h"
#include "custode/app/wake.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace wake_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::string>()->value_name("CLIENT")->required(), "the client")
        ("host", po::value<std::vector<std::string>>()->value_name("HOST"), "host names (netconf or inventory) or MACs")
        ("all", po::bool_switch(), "every host declared in the client's netconf")
        ("wait", po::value<int>()->default_value(120)->value_name("SECONDS"), "how long to wait for each PC")
        ("password", po::value<std::string>()->value_name("MAC"), "SecureOn password (6 bytes, as a MAC address)");
    options.positional.add("client", 1).add("host", -1);
}

WolPassword password_of(const po::variables_map& values) {
    if (!values.count("password")) return {};
    const auto text = values["password"].as<std::string>();
    const auto bytes = MacAddress::parse(text);
    if (!bytes) throw UsageError("--password: '" + text + "' is not 6 bytes written as aa:bb:cc:dd:ee:ff");
    return WolPassword(bytes->bytes().begin(), bytes->bytes().end());
}

nlohmann::json result_json(const app::WakeResult& result) {
    return {{"name", result.target.name},
            {"mac", result.target.mac.to_string()},
            {"ip", result.ip ? result.ip->to_string() : ""},
            {"woke", result.woke},
            {"seconds", result.woke ? std::round(result.seconds * 10) / 10 : 0.0}};
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const Client* client = app::select_clients(netconf, {values["client"].as<std::string>()}).front();
    const bool all = values["all"].as<bool>();
    const auto names = values.count("host") ? values["host"].as<std::vector<std::string>>() : std::vector<std::string>{};
    if (all == !names.empty()) throw UsageError("wake: name the hosts, or give --all");
    const int wait = values["wait"].as<int>();
    if (wait < 1 || wait > 3600) throw UsageError("--wait: 1 to 3600 seconds");

    app::require_provisioned(netconf, *client);
    const auto inventory = app::read_inventory(state_path(global, netconf), *client).inventory;
    const auto targets = app::wake_targets(*client, inventory, names, all);
    app::WakeSettings settings;
    settings.wait = std::chrono::seconds(wait);
    settings.password = password_of(values);
    print_info(global, 0, fmt::format("waking {} host(s) of {}, waiting up to {} s", targets.size(), client->name.str(), wait));
    const auto results = app::wake_on_gateway(netconf, *client, targets, settings);

    bool all_woke = true;
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& result : results) {
        all_woke = all_woke && result.woke;
        hosts.push_back(result_json(result));
        if (global.json) continue;
        std::cout << fmt::format("  {:<16}{}  {}\n", result.target.name, result.target.mac.to_string(),
                                 result.woke ? fmt::format("up after {:.1f} s at {}", result.seconds, result.ip->to_string())
                                             : fmt::format("DID NOT WAKE within {} s", wait));
    }
    if (global.json) print_json("wake", all_woke, {{"client", client->name.str()}, {"hosts", hosts}});
    return to_int(all_woke ? ExitCode::ok : ExitCode::problem);
}

}  // namespace wake_cmd

Command wake_command() {
    return {"wake", "CLIENT HOST...|--all [--wait SECONDS]", "Wake-on-LAN, then confirm each host is up",
            wake_cmd::declare, wake_cmd::run};
}

}  // namespace custode::cli
