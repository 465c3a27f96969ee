/// `custode report RUN [--html FILE] [--metrics FILE]`: one run's report, as
/// text, JSON, an HTML page or node_exporter metrics.

#include <charconv>
#include <fmt/format.h>
#include <iostream>

#include "custode/app/maintain.h"
#include "custode/cli/commands.h"
#include "custode/cli/output.h"
#include "custode/cli/run_history.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"
#include "custode/core/run_record_json.h"

namespace custode::cli {
namespace report_cmd {

void declare(CommandOptions& options) {
    options.named.add_options()("run", po::value<std::string>()->value_name("RUN")->required(),
                                "the run's id (see `custode runs`)")(
        "html", po::value<std::string>()->value_name("FILE"), "write the HTML page to FILE")(
        "metrics", po::value<std::string>()->value_name("FILE"),
        "write node_exporter textfile metrics to FILE (atomically)");
    options.positional.add("run", 1);
}

std::int64_t run_id(const std::string& text) {
    std::int64_t id = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error != std::errc() || end != text.data() + text.size() || id < 1)
        throw UsageError(fmt::format("report: '{}' is not a run id; see 'custode runs'", text));
    return id;
}

std::string host_line(const HostRun& host) {
    std::string state = host.ok() ? "ok" : "problems";
    if (host.power == PowerOutcome::did_not_wake) state = "did not wake";
    else if (!host.reached) state = "unreachable";
    const auto power = host.woken_by_run
                           ? fmt::format("{} (woken by interrupted run {})", to_string(host.power), *host.woken_by_run)
                           : std::string(to_string(host.power));
    const auto more = reboot_and_updates(host);
    return fmt::format("  {:<16}{:<14}power {}, shutdown {}{}, {}{}\n", host_label(host), state, power,
                       to_string(host.shutdown), more.empty() ? "" : ", " + more, format_duration(host.seconds),
                       host.error.empty() ? "" : " — " + host.error);
}

void print_text(const RunRecord& record) {
    const auto totals = run_totals(record);
    const auto duration = run_duration_seconds(record.started, record.finished);
    std::cout << fmt::format("run {} · {} · {} → {}{}{} · {}\n", record.id, record.site, record.started,
                             record.interrupted       ? "interrupted (killed, or cut by a reboot)"
                             : record.finished.empty() ? "running"
                                                       : record.finished,
                             duration ? " (" + format_duration(*duration) + ")" : "",
                             record.dry_run ? " · dry run" : "", record.ok() ? "ok" : "problems");
    std::cout << fmt::format("PCs {}/{} ok, {} did not wake, {} unreachable; {} task(s), {} problem(s)\n",
                             totals.hosts_ok, totals.hosts, totals.did_not_wake, totals.unreached, totals.tasks,
                             totals.task_problems);
    for (const auto& client : record.clients) {
        std::cout << fmt::format("{}: {}{}\n", client.client, client.ok() ? "ok" : "problems",
                                 client.error.empty() ? "" : " — " + client.error);
        for (const auto& host : client.hosts) {
            std::cout << host_line(host);
            for (const auto& task : host.tasks)
                std::cout << fmt::format("    {:<16}{:<9}{:<14}{}\n", task.task, to_string(task.status),
                                         format_duration(task.seconds), task.summary);
        }
    }
}

/// Writes the files asked for; returns their paths by kind, for the output.
nlohmann::json write_files(const RunRecord& record, const po::variables_map& values) {
    nlohmann::json written = nlohmann::json::object();
    if (values.count("html")) {
        const auto path = values["html"].as<std::string>();
        app::write_html_report(record, path);
        written["html"] = path;
    }
    if (values.count("metrics")) {
        const auto path = values["metrics"].as<std::string>();
        app::write_metrics(record, path);
        written["metrics"] = path;
    }
    return written;
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto id = run_id(values["run"].as<std::string>());
    const auto state = history_state_path(global);
    const auto record = app::load_run(state, id);
    if (!record) throw UsageError(fmt::format("report: no run {} in {}; see 'custode runs'", id, state.string()));
    const auto written = write_files(*record, values);
    if (global.json) {
        auto json = to_json(*record);
        json.update(written);
        print_json("report", record->ok(), json);
    } else if (!written.empty()) {
        for (const auto& [kind, path] : written.items()) std::cout << path.get<std::string>() << '\n';
    } else {
        print_text(*record);
    }
    return to_int(ExitCode::ok);
}

}  // namespace report_cmd

Command report_command() {
    return {"report", "RUN [--html FILE] [--metrics FILE]",
            "a run's report: text, --json, an HTML page for a phone, node_exporter metrics",
            report_cmd::declare, report_cmd::run};
}

}  // namespace custode::cli
