/// `custode runs [CLIENT] [--limit N]`: the run history, newest first.

#include <fmt/format.h>
#include <iostream>

#include "custode/app/maintain.h"
#include "custode/cli/commands.h"
#include "custode/cli/output.h"
#include "custode/cli/run_history.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"

namespace custode::cli {
namespace runs_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()("client", po::value<std::string>()->value_name("CLIENT"),
                                "only runs that worked on this client")(
        "limit", po::value<int>()->default_value(20)->value_name("N"), "how many runs to list");
    options.positional.add("client", 1);
}

std::string duration_of(const app::RunSummary& run) {
    const auto seconds = run_duration_seconds(run.started, run.finished);
    return seconds ? format_duration(*seconds) : "-";
}

nlohmann::json run_json(const app::RunSummary& run) {
    const auto seconds = run_duration_seconds(run.started, run.finished);
    return {{"run", run.id},
            {"site", run.site},
            {"started", run.started},
            {"finished", run.finished},
            {"seconds", seconds ? nlohmann::json(*seconds) : nlohmann::json(nullptr)},
            {"status", run.status},
            {"dry_run", run.dry_run},
            {"clients", run.clients},
            {"hosts", run.totals.hosts},
            {"hosts_ok", run.totals.hosts_ok},
            {"problems", run.totals.problems}};
}

void print_table(const std::vector<app::RunSummary>& runs) {
    std::cout << fmt::format("{:>5}  {:<21}{:<21}{:<15}{:<13}{:>9}  {:>8}  {}\n", "RUN", "STARTED", "FINISHED",
                             "DURATION", "STATUS", "PCS OK", "PROBLEMS", "CLIENTS");
    for (const auto& run : runs) {
        std::string clients;
        for (const auto& client : run.clients) clients += (clients.empty() ? "" : ",") + client;
        std::cout << fmt::format("{:>5}  {:<21}{:<21}{:<15}{:<13}{:>9}  {:>8}  {}\n", run.id, run.started,
                                 run.finished.empty() ? "-" : run.finished, duration_of(run),
                                 run.status + (run.dry_run ? "*" : ""),
                                 fmt::format("{}/{}", run.totals.hosts_ok, run.totals.hosts), run.totals.problems,
                                 clients);
    }
    if (runs.empty()) std::cout << "no runs yet\n";
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const int limit = values["limit"].as<int>();
    if (limit < 1) throw UsageError("runs: --limit must be at least 1");
    std::optional<std::string> client;
    if (values.count("client")) client = values["client"].as<std::string>();
    const auto runs = app::list_runs(history_state_path(global), client, static_cast<std::size_t>(limit));
    if (global.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& run : runs) list.push_back(run_json(run));
        print_json("runs", true, {{"runs", list}});
    } else {
        print_table(runs);
    }
    return to_int(ExitCode::ok);
}

}  // namespace runs_cmd

Command runs_command() {
    return {"runs", "[CLIENT] [--limit N]", "run history: newest first, with status and totals (* dry run)", runs_cmd::declare,
            runs_cmd::run};
}

}  // namespace custode::cli
