/// `custode backups CLIENT`: each host's backups as the lab's record has
/// them, and what the last night's care did (docs/backups.md).

#include <fmt/format.h>
#include <iostream>

#include "custode/app/backup_care.h"
#include "custode/app/links.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/core/exit_code.h"
#include "custode/core/run_record_json.h"
#include "custode/core/site_overview.h"
#include "custode/core/utc_time.h"

namespace custode::cli {
namespace backups_cmd {

using TimePoint = std::chrono::system_clock::time_point;

nlohmann::json time_json(const std::optional<TimePoint>& time) {
    return time ? nlohmann::json(utc_iso_seconds(*time)) : nlohmann::json(nullptr);
}

std::string time_text(const std::optional<TimePoint>& time) {
    return time ? readable_utc(utc_iso_seconds(*time)) : "never";
}

std::optional<TimePoint> restore_of(const app::ClientBackups& backups, const std::string& host) {
    const auto found = backups.last_restore.find(host);
    return found == backups.last_restore.end() ? std::nullopt : std::optional(found->second);
}

void declare(CommandOptions& options) {
    options.named.add_options()("client", po::value<std::string>()->value_name("CLIENT")->required(), "the client");
    options.positional.add("client", 1);
}

void print_json_form(const app::ClientBackups& backups) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const auto& host : backups.hosts)
        hosts.push_back({{"host", host.host},
                         {"snapshots", host.snapshots},
                         {"latest", host.latest.id},
                         {"latest_time", utc_iso_seconds(trusted_time(host.latest))},
                         {"age_seconds", host.age.count()},
                         {"stale", host.stale},
                         {"last_restore_test", time_json(restore_of(backups, host.host))}});
    const auto& keep = backups.backup.keep;
    print_json("backups", backups.ok(),
               {{"client", backups.client},
                {"repository", backups.backup.repository},
                {"keep", {{"daily", keep.keep_daily}, {"weekly", keep.keep_weekly}, {"monthly", keep.keep_monthly}}},
                {"max_age_hours", backups.backup.max_age_hours},
                {"last_look", time_json(backups.last_look)},
                {"last_reading_check", time_json(backups.last_data_read)},
                {"hosts", hosts},
                {"last_run", backups.last_run ? nlohmann::json(*backups.last_run) : nlohmann::json(nullptr)},
                {"last_care", backups.last_care ? to_json(*backups.last_care) : nlohmann::json(nullptr)}});
}

void print_text_form(const app::ClientBackups& backups) {
    const auto& keep = backups.backup.keep;
    std::cout << fmt::format("{}: repository {}, keep {} daily, {} weekly, {} monthly, stale after {} h\n",
                             backups.client, backups.backup.repository, keep.keep_daily, keep.keep_weekly,
                             keep.keep_monthly, backups.backup.max_age_hours);
    std::cout << fmt::format("  last look {}, last reading check {}\n", time_text(backups.last_look),
                             time_text(backups.last_data_read));
    if (backups.hosts.empty()) std::cout << "  no snapshot recorded yet\n";
    else std::cout << fmt::format("  {:<16} {:>9}  {:<8}  {:<23}  {:>8}  {}\n", "host", "snapshots", "newest",
                                  "taken (as the lab saw)", "age", "last restore test");
    for (const auto& host : backups.hosts)
        std::cout << fmt::format("  {:<16} {:>9}  {:<8}  {:<23}  {:>8}  {}{}\n", host.host, host.snapshots,
                                 host.latest.id.substr(0, 8), readable_utc(utc_iso_seconds(trusted_time(host.latest))),
                                 age_text(static_cast<double>(host.age.count())), time_text(restore_of(backups, host.host)),
                                 host.stale ? "  STALE" : "");
    if (backups.last_care)
        std::cout << fmt::format("  run {}: {}\n", *backups.last_run, backup_care_line(*backups.last_care));
    else
        std::cout << "  no night has cared for them yet\n";
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    const auto client = app::select_clients(netconf, {values["client"].as<std::string>()}).front();
    const auto backups = app::client_backups(state_path(global, netconf), *client, std::chrono::system_clock::now());
    if (global.json) print_json_form(backups);
    else print_text_form(backups);
    return to_int(backups.ok() ? ExitCode::ok : ExitCode::problem);  // a stale host or a failed care, as maintain says
}

}  // namespace backups_cmd

Command backups_command() {
    return {"backups", "CLIENT", "each host's backups as the lab keeps them: newest, age, restore tests, last night's care",
            backups_cmd::declare, backups_cmd::run};
}

}  // namespace custode::cli
