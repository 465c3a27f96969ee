/// `maintain` as a recorded run: which clients are due, and the run kept in
/// the state file with its HTML report and metrics beside.

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <mutex>

#include "custode/app/maintain.h"
#include "custode/app/links.h"
#include "custode/app/overview.h"
#include "custode/app/notify.h"
#include "custode/core/error.h"
#include "custode/core/schedule.h"
#include "custode/core/utc_time.h"
#include "custode/os/files.h"
#include "custode/os/inventory_store.h"
#include "custode/os/local_time.h"
#include "custode/os/run_store.h"

namespace custode::app {
namespace {

/// When the client's newest run started, in local time (windows are local).
std::optional<std::chrono::local_seconds> last_run_started(const os::StateStore& store, const Client& client) {
    const auto runs = os::list_runs(store, client.name.str(), 1);
    if (runs.empty()) return std::nullopt;
    const auto started = parse_utc_seconds(runs.front().started);
    if (!started) return std::nullopt;
    return os::to_local(std::chrono::sys_seconds(std::chrono::seconds(static_cast<long>(*started))));
}

/// Each message's outcome on stderr and in the stored record; a store that
/// fails here costs the record its notifications, not the night.
void record_notifications(os::StateStore& store, const RunRecord& record, const MaintainProgress& progress) {
    for (const auto& sent : record.notifications)
        if (progress) progress("notify: " + notification_line(sent));
    if (record.notifications.empty()) return;
    try {
        os::finish_run(store, record);
    } catch (const std::exception& error) {
        if (progress) progress(fmt::format("notify: not recorded in run {}: {}", record.id, error.what()));
    }
}

/// Marks the runs a kill or a reboot cut `interrupted`, and gives each client
/// of this run the PCs its last run woke if that run is one of them.
std::map<std::string, WokenEarlier> close_interrupted_runs(os::StateStore& store,
                                                            const std::vector<const Client*>& clients,
                                                            const MaintainProgress& progress) {
    for (const auto id : os::mark_interrupted_runs(store))
        if (progress) progress(fmt::format("run {} was interrupted (killed, or cut by a reboot): marked so", id));
    std::map<std::string, WokenEarlier> woken;
    for (const auto* client : clients) {
        const auto name = client->name.str();
        const auto last = os::list_runs(store, name, 1);
        if (last.empty() || last.front().status != "interrupted") continue;
        const auto record = os::load_run(store, last.front().id);
        auto macs = record ? woken_macs(*record, name) : std::vector<std::string>{};
        if (macs.empty()) continue;
        if (progress)
            progress(fmt::format("{}: {} PC(s) woken by interrupted run {}: the shutdown policy applies to them", name,
                                 macs.size(), last.front().id));
        woken[name] = {last.front().id, std::move(macs)};
    }
    return woken;
}

}  // namespace

std::vector<const Client*> due_clients(const Netconf& netconf, const os::StateStore& store) {
    std::vector<const Client*> due;
    const auto now = os::local_now();
    for (const auto& client : netconf.clients)
        if (is_due(client.maintenance, now, last_run_started(store, client))) due.push_back(&client);
    return due;
}

RecordedRun recorded_run(const Netconf& netconf, os::StateStore& store, MaintenanceSystem& system,
                         const std::vector<const Client*>& clients, const MaintainOptions& options,
                         const RunFiles& files, const MaintainProgress& progress) {
    auto run_options = options;
    run_options.woken_earlier = close_interrupted_runs(store, clients, progress);
    RecordedRun run;
    auto& record = run.record;
    record.site = netconf.site.name;
    record.started = os::utc_now();
    record.dry_run = options.dry_run;
    if (options.tasks)
        for (const auto task : *options.tasks) record.tasks.emplace_back(to_string(task));
    record.id = os::begin_run(store, record);
    if (progress) progress(fmt::format("run {}: {} client(s){}", record.id, clients.size(), options.dry_run ? ", dry run" : ""));

    // The PCs woken so far, kept in the running row as they wake: a kill or a
    // reboot leaves them named for the next run (docs/maintenance.md).
    std::mutex store_mutex;
    auto so_far = record;
    const auto record_wakes = [&](const ClientRun& woken) {
        const std::lock_guard hold(store_mutex);
        const auto same = [&](const ClientRun& c) { return c.client == woken.client; };
        if (const auto found = std::find_if(so_far.clients.begin(), so_far.clients.end(), same);
            found != so_far.clients.end())
            *found = woken;
        else
            so_far.clients.push_back(woken);
        try {
            os::save_run_progress(store, so_far);
        } catch (const std::exception& error) {  // the night goes on; its end is recorded whole, or this says why not
            if (progress) progress(fmt::format("run {}: the PCs woken were not recorded: {}", record.id, error.what()));
        }
    };
    record.clients = maintain_clients(clients, system, run_options, progress, record_wakes);
    record.finished = os::utc_now();
    os::finish_run(store, record);

    run.report = files.report_dir / fmt::format("run-{}.html", record.id);
    std::filesystem::create_directories(files.report_dir);
    write_html_report(record, run.report);
    if (files.metrics) write_metrics(record, *files.metrics);
    return run;
}

std::vector<RunSummary> list_runs(const std::filesystem::path& state, const std::optional<std::string>& client,
                                  std::size_t limit) {
    const auto store = os::StateStore::open(state);
    return os::list_runs(store, client, limit);
}

std::optional<RunRecord> load_run(const std::filesystem::path& state, std::int64_t id) {
    const auto store = os::StateStore::open(state);
    return os::load_run(store, id);
}

void write_html_report(const RunRecord& record, const std::filesystem::path& path) {
    os::write_file_atomically(path, render_html_report(record));
}

void write_metrics(const RunRecord& record, const std::filesystem::path& path) {
    os::write_file_atomically(path, render_prometheus_metrics(record));
}

std::optional<RecordedRun> maintain_on_gateway(const Netconf& netconf, const std::filesystem::path& state,
                                               const MaintainRequest& request) {
    const auto& ssh = netconf.site.ssh;
    if (!std::filesystem::exists(ssh.identity))
        throw UsageError(fmt::format("ssh.identity {}: no such file (create it with ssh-keygen -t ed25519 -f {} and "
                                     "install its .pub on the PCs)", ssh.identity, ssh.identity));
    os::require_private_secret(ssh.identity, "ssh.identity");  // before any PC is woken
    const auto lock = lock_runs(state, request.wait, RunKind::maintenance);
    auto store = os::StateStore::open(state);
    const auto clients = request.scheduled ? due_clients(netconf, store) : select_clients(netconf, request.clients);
    if (clients.empty()) return std::nullopt;
    os::SshOptions options;  // the known_hosts file is each client's own (Netconf::known_hosts_of)
    options.user = ssh.user;
    options.identity = ssh.identity;
    const auto system = kernel_maintenance_system(netconf, state.string(), options);
    auto run = recorded_run(netconf, store, *system, clients, request.options, request.files, request.progress);
    // The report pages of the night, for the morning message.
    std::vector<std::string> pages{run.report.string()};
    if (request.scheduled && !request.options.dry_run)
        if (const auto page = write_night_overview(netconf, store, request.files.report_dir, request.progress)) {
            if (request.progress) request.progress("overview " + page->string());
            pages.push_back(page->string());
        }
    // The morning message is for the nights nobody watched: a run by hand prints its own result.
    if (request.scheduled && netconf.site.notify.any()) {
        const auto sender = system_notify_sender();
        run.record.notifications = notify_night(netconf.site.notify, run.record, pages, *sender);
        record_notifications(store, run.record, request.progress);
    }
    return run;
}

}  // namespace custode::app
