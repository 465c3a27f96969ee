/// `custode maintain [CLIENT...|--all|--scheduled] [--tasks LIST] [--dry-run]`:
/// the nightly run. Exit 1 when a PC did not wake, was not reached, or a
/// task failed; the record, the HTML report and the metrics say which.
/// After a --scheduled night, site.toml's [notify] sends the morning
/// message; how it fared is printed and recorded, never the exit code.

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <mutex>

#include "custode/app/maintain.h"
#include "custode/app/notify.h"
#include "custode/cli/commands.h"
#include "custode/cli/common.h"
#include "custode/cli/output.h"
#include "custode/cli/run_history.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"
#include "custode/core/run_record_json.h"
#include "custode/core/schedule.h"

namespace custode::cli {
namespace maintain_cmd {

namespace fs = std::filesystem;

void declare(CommandOptions& options) {
    options.named.add_options()
        ("client", po::value<std::vector<std::string>>()->value_name("CLIENT"), "clients to work on")
        ("all", po::bool_switch(), "every client in netconf")
        ("scheduled", po::bool_switch(), "the clients inside their window that have not run in it yet (the timer)")
        ("tasks", po::value<std::string>()->value_name("LIST"), "comma-separated tasks instead of each client's list")
        ("dry-run", po::bool_switch(), "check host keys, programs and the backup repository; wake and change nothing")
        ("concurrency", po::value<int>()->default_value(32)->value_name("N"), "SSH sessions at once, over all clients")
        ("wake-wait", po::value<int>()->default_value(300)->value_name("SECONDS"), "how long a PC may take to wake")
        ("ssh-wait", po::value<int>()->default_value(180)->value_name("SECONDS"), "then how long for its SSH server")
        ("off-wait", po::value<int>()->default_value(180)->value_name("SECONDS"), "how long a PC may take to power off")
        ("reboot-wait", po::value<int>()->default_value(1200)->value_name("SECONDS"),
         "how long a PC restarted for its updates may take to answer again")
        ("report-dir", po::value<std::string>()->value_name("DIR"), "where run-ID.html goes (default: reports/ beside the state file)")
        ("metrics", po::value<std::string>()->value_name("FILE"), "also write Prometheus textfile metrics to FILE")
        ("notify-test", po::bool_switch(), "send a test message through site.toml's [notify], and exit")
        ("wait", po::bool_switch(), "queue behind another maintain run instead of failing");
    options.positional.add("client", -1);
}

std::vector<MaintenanceTask> parse_task_list(const std::string& text) {
    std::vector<MaintenanceTask> tasks;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find(',', start), text.size());
        const auto name = text.substr(start, end - start);
        const auto task = parse_maintenance_task(name);
        if (!task)
            throw UsageError(fmt::format("--tasks: '{}' is not one of antivirus, disk-health, disk-optimize, backup, "
                                         "empty-trash, updates", name));
        tasks.push_back(*task);
        start = end + 1;
    }
    return tasks;
}

int bounded_option(const po::variables_map& values, const std::string& name, int most) {
    const int value = values[name].as<int>();
    if (value < 1 || value > most) throw UsageError(fmt::format("--{}: 1 to {}", name, most));
    return value;
}

app::MaintainOptions maintain_options(const po::variables_map& values) {
    app::MaintainOptions options;
    if (values.count("tasks")) options.tasks = parse_task_list(values["tasks"].as<std::string>());
    options.dry_run = values["dry-run"].as<bool>();
    options.concurrency = bounded_option(values, "concurrency", 1024);
    options.wake_wait = std::chrono::seconds(bounded_option(values, "wake-wait", 3600));
    options.ssh_wait = std::chrono::seconds(bounded_option(values, "ssh-wait", 3600));
    options.off_wait = std::chrono::seconds(bounded_option(values, "off-wait", 3600));
    options.reboot_wait = std::chrono::seconds(bounded_option(values, "reboot-wait", 4 * 3600));
    return options;
}

void require_one_selection(const po::variables_map& values) {
    const bool named = !client_arguments(values).empty();
    if (static_cast<int>(named) + values["all"].as<bool>() + values["scheduled"].as<bool>() != 1)
        throw UsageError("maintain: name the clients, or give --all or --scheduled");
}

/// One line per event on stderr; they come from many threads at once.
app::MaintainProgress progress_lines(const GlobalOptions& global) {
    auto lock = std::make_shared<std::mutex>();
    return [&global, lock](const std::string& line) {
        const std::lock_guard hold(*lock);
        print_info(global, 0, line);
    };
}

void print_text(const RunRecord& record, const fs::path& report) {
    for (const auto& client : record.clients) {
        std::cout << fmt::format("{}: {}{}\n", client.client, client.ok() ? "ok" : "PROBLEMS",
                                 client.error.empty() ? "" : " — " + client.error);
        for (const auto& host : client.hosts) {
            const auto more = reboot_and_updates(host);
            std::cout << fmt::format("  {:<16}{:<14}{:<14}{}{}\n", host.name, to_string(host.power),
                                     to_string(host.shutdown), more.empty() ? "" : more + "  ",
                                     host.error);
            for (const auto& task : host.tasks)
                std::cout << fmt::format("    {:<15}{:<9}{:>8.1f} s  {}\n", task.task, to_string(task.status),
                                         task.seconds, task.summary);
        }
    }
    std::cout << fmt::format("run {}: {}; report {}\n", record.id, record.ok() ? "ok" : "PROBLEMS", report.string());
    for (const auto& sent : record.notifications) std::cout << "notify: " << app::notification_line(sent) << '\n';
}

/// `--notify-test`: exit 0 when every channel took the message, 1 otherwise.
int notify_test(const GlobalOptions& global, const Netconf& netconf) {
    const auto results = app::send_test_message(netconf);
    const bool ok = std::all_of(results.begin(), results.end(), [](const NotificationResult& r) { return r.ok; });
    if (global.json) {
        auto sent = nlohmann::json::array();
        for (const auto& result : results) sent.push_back(to_json(result));
        print_json("maintain", ok, {{"notifications", sent}});
    } else {
        for (const auto& sent : results) std::cout << "notify: " << app::notification_line(sent) << '\n';
    }
    return to_int(ok ? ExitCode::ok : ExitCode::problem);
}

int run(const GlobalOptions& global, const po::variables_map& values) {
    const auto netconf = require_netconf(global);
    if (values["notify-test"].as<bool>()) return notify_test(global, netconf);
    require_one_selection(values);
    const auto state = state_path(global, netconf);
    app::MaintainRequest request;
    request.clients = client_arguments(values);
    request.scheduled = values["scheduled"].as<bool>();
    request.options = maintain_options(values);
    request.files = {report_directory(values, state),
                     values.count("metrics") ? std::optional<fs::path>(values["metrics"].as<std::string>())
                                             : std::nullopt};
    request.wait = wait_flag(values);
    request.progress = progress_lines(global);
    const auto run = app::maintain_on_gateway(netconf, state, request);
    if (!run) {  // the timer fired for another client's window
        print_info(global, 0, "no client is due");
        if (global.json) print_json("maintain", true, {{"run", nullptr}, {"clients", nlohmann::json::array()}});
        return to_int(ExitCode::ok);
    }
    const auto& [record, report] = *run;
    if (global.json) {
        auto body = to_json(record);
        body["report"] = report.string();
        print_json("maintain", record.ok(), body);
    } else {
        print_text(record, report);
    }
    return to_int(record.ok() ? ExitCode::ok : ExitCode::problem);
}

}  // namespace maintain_cmd

Command maintain_command() {
    return {"maintain", "[CLIENT...|--all|--scheduled] [--tasks LIST] [--dry-run]",
            "the nightly run: wake, maintain over SSH, shut down, report", maintain_cmd::declare, maintain_cmd::run};
}

}  // namespace custode::cli
