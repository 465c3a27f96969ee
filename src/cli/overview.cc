/// `custode overview [--html FILE] [--report-dir DIR]`: the site at a glance:
/// every client × the last 30 nights, its link, last scan, PCs known, oldest
/// backup and open threats, as text, `--json` or a self-contained HTML page.

#include <fmt/format.h>
#include <iostream>

#include "custode/app/overview.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace overview_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()
        ("html", po::value<std::string>()->value_name("FILE"), "write the page to FILE (atomically)")
        ("report-dir", po::value<std::string>()->value_name("DIR"),
         "where the run reports are, for the page's links (default: reports/ beside the state file)");
}

std::string_view health_name(LinkHealth health) {
    switch (health) {
        case LinkHealth::up: return "up";
        case LinkHealth::problem: return "problem";
        case LinkHealth::unknown: return "unknown";
    }
    return "unknown";
}

nlohmann::json client_json(const ClientOverview& client) {
    nlohmann::json nights = nlohmann::json::array();
    for (const auto& night : client.nights)
        nights.push_back({{"date", night.date},
                          {"state", to_string(night.verdict.state)},
                          {"detail", night.verdict.detail},
                          {"run", night.run == 0 ? nlohmann::json(nullptr) : nlohmann::json(night.run)},
                          {"runs", night.runs},
                          {"report", night.href}});
    nlohmann::json backups = nlohmann::json::array();
    for (const auto& backup : client.backups)
        backups.push_back({{"host", backup.host},
                           {"age_seconds", backup.seconds ? nlohmann::json(*backup.seconds) : nlohmann::json(nullptr)}});
    return {{"client", client.facts.name},
            {"description", client.facts.description},
            {"link", {{"health", health_name(client.facts.link_health)}, {"text", client.facts.link}}},
            {"last_scan", client.facts.last_scan.empty() ? nlohmann::json(nullptr) : nlohmann::json(client.facts.last_scan)},
            {"pcs_known", client.facts.pcs_known},
            {"backups", backups},
            {"threats", client.threats},
            {"restarts", client.restarts},
            {"nights", nights}};
}

/// "✓✓!·✕…", newest first, as the page's cells.
std::string night_strip(const ClientOverview& client) {
    std::string strip;
    for (const auto& night : client.nights) strip += night_symbol(night.verdict.state);
    return strip;
}

std::string backup_text(const ClientOverview& client) {
    if (client.backups.empty()) return "no backup task";
    const auto& oldest = client.backups.front();
    if (!oldest.seconds) return fmt::format("{}: no backup in 30 nights", oldest.host);
    return fmt::format("oldest backup {} ago ({})", age_text(*oldest.seconds), oldest.host);
}

void print_text(const SiteOverview& overview) {
    std::cout << fmt::format("{} at {}: last {} nights, newest first (✓ ok, ! needs attention, ✕ failed, · no run)\n",
                             overview.site, overview.generated, overview.nights.size());
    for (const auto& client : overview.clients) {
        std::cout << fmt::format("{:<13}{}\n", client.facts.name, night_strip(client));
        std::cout << fmt::format("  link {} · last scan {} · {} PCs known · {} · {}\n", client.facts.link,
                                 client.facts.last_scan.empty() ? "never" : client.facts.last_scan,
                                 client.facts.pcs_known, backup_text(client),
                                 client.threats.empty() ? "no open threats"
                                                        : fmt::format("{} open threat(s)", client.threats.size()));
        for (const auto& threat : client.threats) std::cout << "    threat " << threat << '\n';
        for (const auto& restart : client.restarts) std::cout << "    restart " << restart << '\n';
    }
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto state = state_path(global, netconf);
    app::OverviewFiles files;
    if (values.count("html")) files.html = values["html"].as<std::string>();
    files.report_dir = report_directory(values, state);
    const auto overview = app::overview_on_gateway(netconf, state, files);
    if (global.json) {
        nlohmann::json clients = nlohmann::json::array();
        for (const auto& client : overview.clients) clients.push_back(client_json(client));
        print_json("overview", true,
                   {{"site", overview.site},
                    {"generated", overview.generated},
                    {"nights", overview.nights},
                    {"clients", clients},
                    {"html", files.html ? nlohmann::json(files.html->string()) : nlohmann::json(nullptr)}});
    } else {
        print_text(overview);
        if (files.html) std::cout << "wrote " << files.html->string() << '\n';
    }
    return to_int(ExitCode::ok);
}

}  // namespace overview_cmd

Command overview_command() {
    return {"overview", "[--html FILE] [--report-dir DIR]",
            "the site at a glance: every client by the last 30 nights, link, last scan, PCs, backups, threats",
            overview_cmd::declare, overview_cmd::run};
}

}  // namespace custode::cli
