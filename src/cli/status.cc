/// `custode status [CLIENT...]`: per client, the namespace, circuit and bridge
/// as the kernel has them. Exit 1 when any client has drifted from netconf.

#include <filesystem>
#include <fmt/format.h>
#include <memory>
#include <iostream>

#include "custode/app/links.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"
#include "custode/os/inventory_store.h"
#include "custode/os/run_store.h"

namespace custode::cli {
namespace {

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
    std::string text = fmt::format("{} {}{}", link->admin_up ? "up" : "DOWN",
                                   link->carrier ? "carrier" : "NO-CARRIER", link->kind.empty() ? "" : " " + link->kind);
    for (const auto& address : link->addresses) text += " " + address.to_string();
    return text + fmt::format(" rx {} tx {} packets", link->rx_packets, link->tx_packets);
}

/// What the state file says of a client: its newest scan and nightly run.
struct History {
    std::string last_scan;  ///< "" when never
    std::string last_run;
};

/// Reads a client's History, when a state file exists (status never creates one).
std::function<History(const std::string&)> histories(const GlobalOptions& global, const Netconf& netconf) {
    const auto path = state_path(global, netconf);
    if (!std::filesystem::exists(path)) return [](const std::string&) { return History{}; };
    auto store = std::make_shared<os::StateStore>(os::StateStore::open(path));
    return [store](const std::string& client) {
        History history;
        if (const auto scan = os::last_scan(*store, client))
            history.last_scan = fmt::format("{} ({} hosts)", scan->at, scan->hosts_found);
        if (const auto runs = os::list_runs(*store, client, 1); !runs.empty())
            history.last_run = fmt::format("run {} at {}: {}", runs.front().id, runs.front().started, runs.front().status);
        return history;
    };
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto clients = app::select_clients(netconf, client_arguments(values));
    auto system = os::make_kernel_link_system();
    const auto statuses = app::link_status(netconf, *system, clients);
    const auto history_of = histories(global, netconf);
    bool all_in_sync = true;
    nlohmann::json json = nlohmann::json::array();
    for (const auto& status : statuses) {
        all_in_sync = all_in_sync && status.in_sync;
        const auto history = history_of(status.client);
        json.push_back({{"client", status.client},
                        {"namespace", status.namespace_name},
                        {"namespace_exists", status.namespace_exists},
                        {"in_sync", status.in_sync},
                        {"circuit", link_json(status.circuit)},
                        {"bridge", link_json(status.bridge)},
                        {"last_scan", history.last_scan},
                        {"last_run", history.last_run}});
        if (global.json) continue;
        std::cout << fmt::format("{} ({}): {}\n", status.client, status.namespace_name,
                                 !status.namespace_exists ? "not provisioned"
                                 : status.in_sync        ? "in sync"
                                                         : "DRIFT (see custode plan)");
        if (!status.namespace_exists) continue;
        std::cout << fmt::format("  circuit: {}\n  br0:     {}\n", link_text(status.circuit), link_text(status.bridge));
        std::cout << fmt::format("  last scan: {}\n  last run:  {}\n", history.last_scan.empty() ? "never" : history.last_scan,
                                 history.last_run.empty() ? "never" : history.last_run);
    }
    if (global.json) print_json("status", all_in_sync, {{"clients", json}});
    return to_int(all_in_sync ? ExitCode::ok : ExitCode::problem);
}

}  // namespace

Command status_command() {
    return {"status", "[CLIENT...]", "per client: namespace, circuit, bridge, carrier, address, counters, last scan and run", declare,
            run};
}

}  // namespace custode::cli
