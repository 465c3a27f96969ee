/// The run as Prometheus metrics in node_exporter's textfile format: HELP and
/// TYPE before each family, label values escaped, no timestamps (the
/// textfile collector refuses them).

#include <array>
#include <fmt/format.h>

#include "custode/core/run_record.h"
#include "custode/core/utc_time.h"

namespace custode {
namespace {

constexpr std::array kStatuses = {TaskStatus::ok,    TaskStatus::warning, TaskStatus::failed,
                                  TaskStatus::error, TaskStatus::timeout, TaskStatus::skipped};

/// Label values escape backslash, double quote and line feed (exposition format).
std::string label_value(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\\') out += "\\\\";
        else if (c == '"') out += "\\\"";
        else if (c == '\n') out += "\\n";
        else out += c;
    }
    return out;
}

using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

/// Collects one metric family at a time, HELP and TYPE first.
class Exposition {
public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        text_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
        name_ = name;
    }

    void sample(const Labels& labels, double value) {
        std::string rendered;
        for (const auto& [key, text] : labels)
            rendered += fmt::format("{}{}=\"{}\"", rendered.empty() ? "" : ",", key, label_value(text));
        const auto braces = rendered.empty() ? std::string() : "{" + rendered + "}";
        text_ += fmt::format("{}{} {}\n", name_, braces, value);
    }

    std::string text() && { return std::move(text_); }

private:
    std::string text_;
    std::string name_;
};

void run_metrics(Exposition& out, const RunRecord& record) {
    const auto totals = run_totals(record);
    const Labels site = {{"site", record.site}};
    out.family("custode_run_id", "gauge", "Id of the last maintenance run in the state store.");
    out.sample(site, static_cast<double>(record.id));
    const auto at = parse_utc_seconds(record.finished.empty() ? record.started : record.finished);
    out.family("custode_run_timestamp_seconds", "gauge", "When the last run finished, in Unix time.");
    out.sample(site, at.value_or(0));
    out.family("custode_run_duration_seconds", "gauge", "How long the last run took.");
    out.sample(site, run_duration_seconds(record.started, record.finished).value_or(0));
    out.family("custode_run_ok", "gauge", "1 when every client and PC of the last run was ok.");
    out.sample(site, record.ok() ? 1 : 0);
    out.family("custode_run_dry_run", "gauge", "1 when the last run was a dry run.");
    out.sample(site, record.dry_run ? 1 : 0);
    out.family("custode_run_hosts", "gauge", "PCs in the last run.");
    out.sample(site, totals.hosts);
    out.family("custode_run_hosts_ok", "gauge", "PCs of the last run that were ok.");
    out.sample(site, totals.hosts_ok);
}

void client_metrics(Exposition& out, const RunRecord& record) {
    out.family("custode_client_ok", "gauge", "1 when the client and all its PCs were ok.");
    for (const auto& client : record.clients) out.sample({{"client", client.client}}, client.ok() ? 1 : 0);
}

/// The lab's care of each client's repository, for the clients that have a [backup].
void backup_metrics(Exposition& out, const RunRecord& record) {
    const auto each = [&](std::string_view name, std::string_view help, auto value) {
        out.family(name, "gauge", help);
        for (const auto& client : record.clients)
            if (client.backup) out.sample({{"client", client.client}}, value(*client.backup));
    };
    each("custode_backup_ok", "1 when the lab's care of the client's repository found nothing wrong.",
         [](const BackupCare& care) { return care.ok() ? 1.0 : 0.0; });
    each("custode_backup_snapshots", "Snapshots in the client's repository after retention.",
         [](const BackupCare& care) { return static_cast<double>(care.snapshots); });
    each("custode_backup_snapshots_removed", "Snapshots retention removed in the last run.",
         [](const BackupCare& care) { return static_cast<double>(care.removed.size()); });
    each("custode_backup_forged_times", "New snapshots whose own time lies far from when they appeared.",
         [](const BackupCare& care) { return static_cast<double>(care.forged.size()); });
}

/// Calls `each(labels, host)` for every PC of the run, labelled by client and host.
template <typename Each>
void for_each_host(const RunRecord& record, Each each) {
    for (const auto& client : record.clients)
        for (const auto& host : client.hosts) {
            const auto label = host_label(host);
            each(Labels{{"client", client.client}, {"host", label}}, host);
        }
}

/// One family over every PC of the run.
template <typename Value>
void host_family(Exposition& out, const RunRecord& record, std::string_view name, std::string_view help,
                 Value value) {
    out.family(name, "gauge", help);
    for_each_host(record, [&](const Labels& labels, const HostRun& host) { out.sample(labels, value(host)); });
}

void host_metrics(Exposition& out, const RunRecord& record) {
    host_family(out, record, "custode_host_reached", "1 when an SSH session to the PC was established.",
                [](const HostRun& host) { return host.reached ? 1.0 : 0.0; });
    host_family(out, record, "custode_host_woken", "1 when custode woke the PC and it answered.",
                [](const HostRun& host) { return host.power == PowerOutcome::woken ? 1.0 : 0.0; });
    host_family(out, record, "custode_host_did_not_wake", "1 when the PC was woken but never answered.",
                [](const HostRun& host) { return host.power == PowerOutcome::did_not_wake ? 1.0 : 0.0; });
    host_family(out, record, "custode_host_user_logged_on", "1 when the PC was left on because someone was logged on.",
                [](const HostRun& host) { return host.shutdown == ShutdownOutcome::user_logged_on ? 1.0 : 0.0; });
    host_family(out, record, "custode_host_ok", "1 when the PC was reached, its tasks ok and shut down if asked.",
                [](const HostRun& host) { return host.ok() ? 1.0 : 0.0; });
    host_family(out, record, "custode_host_duration_seconds", "Time spent on the PC.",
                [](const HostRun& host) { return host.seconds; });
}

void update_metrics(Exposition& out, const RunRecord& record) {
    host_family(out, record, "custode_updates_installed", "Updates the PC's updates task installed.",
                [](const HostRun& host) { return static_cast<double>(updates_installed(host)); });
    host_family(out, record, "custode_updates_failed", "Updates the PC's updates task failed to install.",
                [](const HostRun& host) { return static_cast<double>(updates_failed(host)); });
    host_family(out, record, "custode_reboot_pending", "1 when the PC needs a restart it did not get in the last run.",
                [](const HostRun& host) { return restart_still_needed(host.reboot) ? 1.0 : 0.0; });
    out.family("custode_host_reboot", "gauge", "1 for how the PC's restart ended in the last run, 0 for the others.");
    for_each_host(record, [&](Labels labels, const HostRun& host) {
        labels.emplace_back("outcome", "");
        for (const auto outcome : reboot_outcomes) {
            labels.back().second = to_string(outcome);
            out.sample(labels, outcome == host.reboot ? 1 : 0);
        }
    });
}

/// One family over every task of every PC, labelled by client, host and task.
template <typename Sample>
void task_family(Exposition& out, const RunRecord& record, std::string_view name, std::string_view help,
                 Sample sample) {
    out.family(name, "gauge", help);
    for_each_host(record, [&](const Labels& host_labels, const HostRun& host) {
        for (const auto& task : host.tasks) {
            auto labels = host_labels;
            labels.emplace_back("task", task.task);
            sample(std::move(labels), task);
        }
    });
}

void task_metrics(Exposition& out, const RunRecord& record) {
    task_family(out, record, "custode_task_status", "1 for the task's status in the last run, 0 for the others.",
                [&](Labels labels, const TaskResult& task) {
                    labels.emplace_back("status", "");
                    for (const auto status : kStatuses) {
                        labels.back().second = to_string(status);
                        out.sample(labels, status == task.status ? 1 : 0);
                    }
                });
    task_family(out, record, "custode_task_duration_seconds", "How long the task ran.",
                [&](const Labels& labels, const TaskResult& task) { out.sample(labels, task.seconds); });
}

}  // namespace

std::string render_prometheus_metrics(const RunRecord& record) {
    Exposition out;
    run_metrics(out, record);
    client_metrics(out, record);
    backup_metrics(out, record);
    host_metrics(out, record);
    update_metrics(out, record);
    task_metrics(out, record);
    return std::move(out).text();
}

}  // namespace custode
