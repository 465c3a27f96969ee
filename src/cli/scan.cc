/// `custode scan [CLIENT...|--all]`: ARP discovery on each client LAN, the
/// inventory updated, hosts and changes printed. Exit 1 on an address conflict.

#include <fmt/format.h>
#include <iostream>
#include <unistd.h>

#include "custode/app/discovery.h"
#include "custode/app/links.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace scan_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::vector<std::string>>()->value_name("CLIENT"), "clients to scan (default: all)")
        ("all", po::bool_switch(), "every client in netconf");
    options.positional.add("client", -1);
}

std::string vendor_of(const Inventory& inventory, MacAddress mac) {
    for (const auto& host : inventory.hosts)
        if (host.mac == mac) return host.vendor;
    return "";
}

std::string name_of(const Inventory& inventory, MacAddress mac) {
    for (const auto& host : inventory.hosts)
        if (host.mac == mac) return host.name;
    return "";
}

nlohmann::json change_json(const InventoryChange& change) {
    nlohmann::json json = {{"kind", to_string(change.kind)}, {"ip", change.ip.to_string()},
                           {"mac", change.mac.to_string()}};
    if (change.previous_mac) json["previous_mac"] = change.previous_mac->to_string();
    if (!change.macs.empty()) {
        json["macs"] = nlohmann::json::array();
        for (const auto& mac : change.macs) json["macs"].push_back(mac.to_string());
    }
    if (!change.name.empty()) json["name"] = change.name;
    return json;
}

nlohmann::json scan_json(const app::ClientScan& scan) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& host : scan.result.hosts)
        hosts.push_back({{"ip", host.ip.to_string()},
                         {"mac", host.mac.to_string()},
                         {"vendor", vendor_of(scan.inventory, host.mac)},
                         {"name", name_of(scan.inventory, host.mac)}});
    nlohmann::json changes = nlohmann::json::array();
    for (const auto& change : scan.changes) changes.push_back(change_json(change));
    nlohmann::json json = {
        {"client", scan.client},
        {"elapsed_ms", std::chrono::duration_cast<std::chrono::milliseconds>(scan.result.elapsed).count()},
        {"hosts", hosts},
        {"changes", changes},
        {"requests", scan.result.requests_sent},
        {"late_replies", scan.result.late_replies},
        {"dropped_frames", scan.result.dropped_frames},
        {"complete", scan.result.complete}};
    if (!scan.error.empty()) json["error"] = scan.error;
    return json;
}

/// Why a scan is incomplete, for the text output: its silent hosts prove nothing.
std::string incomplete_note(const ScanResult& result) {
    if (result.dropped_frames > 0)
        return fmt::format(", INCOMPLETE: the capture lost {} frame(s), no host called missing", result.dropped_frames);
    return ", INCOMPLETE: time ran out, no host called missing";
}

std::string change_text(const InventoryChange& change) {
    std::string text = fmt::format("{:<12}{:<16}{}", to_string(change.kind), change.ip.to_string(), change.mac.to_string());
    if (change.previous_mac) text += " (was " + change.previous_mac->to_string() + ")";
    for (std::size_t i = 1; i < change.macs.size(); ++i) text += " and " + change.macs[i].to_string();
    if (!change.name.empty()) text += "  " + change.name;
    return text;
}

void print_text(const app::ClientScan& scan) {
    if (!scan.error.empty()) {
        print_error(fmt::format("{}: {}", scan.client, scan.error));
        return;
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(scan.result.elapsed).count();
    std::cout << fmt::format("{}: {} host(s) in {} ms ({} requests, {} late replies{})\n", scan.client,
                             scan.result.hosts.size(), elapsed, scan.result.requests_sent, scan.result.late_replies,
                             scan.result.complete ? "" : incomplete_note(scan.result));
    for (const auto& host : scan.result.hosts) {
        std::cout << fmt::format("  {:<16}{}  {:<12}{}\n", host.ip.to_string(), host.mac.to_string(),
                                 name_of(scan.inventory, host.mac), vendor_of(scan.inventory, host.mac));
    }
    for (const auto& change : scan.changes) std::cout << "  change: " << change_text(change) << '\n';
}

/// One line on stderr, redrawn, only when stderr is a terminal.
std::function<void(const app::ScanTotals&)> progress_line(const GlobalOptions& global) {
    if (global.verbosity < 0 || !::isatty(STDERR_FILENO)) return {};
    return [](const app::ScanTotals& totals) {
        std::cerr << fmt::format("\rscanning {} client(s): {}/{} addresses done, {} answered   ", totals.clients,
                                 totals.done, totals.targets, totals.answered)
                  << std::flush;
    };
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto clients = app::select_clients(netconf, client_arguments(values));
    const auto progress = progress_line(global);
    const auto scans = app::scan_on_gateway(netconf, state_path(global, netconf), clients, progress);
    if (progress) std::cerr << "\r\033[K" << std::flush;

    bool failed = false, conflict = false;
    nlohmann::json json = nlohmann::json::array();
    for (const auto& scan : scans) {
        failed = failed || !scan.error.empty();
        conflict = conflict || !scan.result.conflicts.empty();
        if (global.json) {
            json.push_back(scan_json(scan));
        } else {
            print_text(scan);
        }
    }
    const ExitCode code = failed ? ExitCode::system : conflict ? ExitCode::problem : ExitCode::ok;
    if (global.json) print_json("scan", code == ExitCode::ok, {{"clients", json}});
    return to_int(code);
}

}  // namespace scan_cmd

Command scan_command() {
    return {"scan", "[CLIENT...|--all]", "ARP discovery on each client LAN; updates the inventory",
            scan_cmd::declare, scan_cmd::run};
}

}  // namespace custode::cli
