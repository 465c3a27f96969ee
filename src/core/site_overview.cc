/// The overview's rules: which night a run belongs to, what a cell shows,
/// how old each PC's backup is and which threats are still open.

#include "custode/core/site_overview.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>

#include "custode/core/utc_time.h"

namespace custode {
namespace overview_rules {

namespace chr = std::chrono;

std::string date_text(chr::local_days day) {
    const chr::year_month_day date(day);
    return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                       static_cast<unsigned>(date.day()));
}

/// The runs in the order they were made (ids grow).
std::vector<const OverviewRun*> in_order(const std::vector<OverviewRun>& runs) {
    std::vector<const OverviewRun*> ordered;
    for (const auto& run : runs)
        if (!run.record.dry_run) ordered.push_back(&run);
    std::sort(ordered.begin(), ordered.end(),
              [](const OverviewRun* a, const OverviewRun* b) { return a->record.id < b->record.id; });
    return ordered;
}

const ClientRun* client_in(const RunRecord& record, std::string_view client) {
    for (const auto& run : record.clients)
        if (run.client == client) return &run;
    return nullptr;
}

const TaskResult* task_in(const HostRun& host, std::string_view name) {
    for (const auto& task : host.tasks)
        if (task.task == name) return &task;
    return nullptr;
}

/// Each PC's newest snapshot over the runs, the oldest first.
std::vector<BackupAge> backup_ages(const std::vector<const OverviewRun*>& runs, std::string_view client,
                                   chr::sys_seconds now) {
    std::map<std::string, std::optional<double>> newest;  // host → when, in UTC seconds
    for (const auto* run : runs) {
        const auto* worked = client_in(run->record, client);
        if (!worked) continue;
        for (const auto& host : worked->hosts) {
            const auto* backup = task_in(host, "backup");
            if (!backup) continue;
            auto& when = newest[host_label(host)];
            if (backup->status == TaskStatus::ok || backup->status == TaskStatus::warning)
                if (const auto started = parse_utc_seconds(run->record.started)) when = started;
        }
    }
    const double now_seconds = static_cast<double>(now.time_since_epoch().count());
    std::vector<BackupAge> ages;
    for (const auto& [host, when] : newest)
        ages.push_back({host, when ? std::optional<double>(std::max(0.0, now_seconds - *when)) : std::nullopt});
    // Never backed up first, then the oldest.
    std::stable_sort(ages.begin(), ages.end(), [](const BackupAge& a, const BackupAge& b) {
        if (!a.seconds || !b.seconds) return !a.seconds && b.seconds;
        return *a.seconds > *b.seconds;
    });
    return ages;
}

/// The findings of each PC's newest antivirus task that concluded.
std::vector<std::string> open_threats(const std::vector<const OverviewRun*>& runs, std::string_view client) {
    std::map<std::string, std::vector<std::string>> open;  // host → findings
    for (const auto* run : runs) {
        const auto* worked = client_in(run->record, client);
        if (!worked) continue;
        for (const auto& host : worked->hosts) {
            const auto* scan = task_in(host, "antivirus");
            if (!scan) continue;
            if (scan->status == TaskStatus::ok) open.erase(host_label(host));
            if (scan->status != TaskStatus::failed) continue;
            auto& findings = open[host_label(host)];
            findings = scan->findings;
            if (findings.empty()) findings.push_back(scan->summary.empty() ? "threat found" : scan->summary);
        }
    }
    std::vector<std::string> threats;
    for (const auto& [host, findings] : open)
        for (const auto& finding : findings) threats.push_back(host + ": " + finding);
    return threats;
}

/// Each PC whose newest updates task left a restart owed (pending, a user
/// logged on, a loop, gone, failed); a later updates night without one clears it.
std::vector<std::string> restarts_owed(const std::vector<const OverviewRun*>& runs, std::string_view client) {
    std::map<std::string, std::string> owed;  // host → how
    for (const auto* run : runs) {
        const auto* worked = client_in(run->record, client);
        if (!worked) continue;
        for (const auto& host : worked->hosts) {
            if (!task_in(host, "updates")) continue;
            if (restart_still_needed(host.reboot)) owed[host_label(host)] = restart_text(host);
            else owed.erase(host_label(host));
        }
    }
    std::vector<std::string> restarts;
    for (const auto& [host, how] : owed) restarts.push_back(host + ": " + how);
    return restarts;
}

}  // namespace overview_rules

std::string_view to_string(NightState state) {
    switch (state) {
        case NightState::ok: return "ok";
        case NightState::attention: return "attention";
        case NightState::failed: return "failed";
        case NightState::no_run: return "no_run";
    }
    return "no_run";
}

std::string_view night_state_text(NightState state) {
    switch (state) {
        case NightState::ok: return "ok";
        case NightState::attention: return "needs attention";
        case NightState::failed: return "failed";
        case NightState::no_run: return "no run";
    }
    return "no run";
}

std::string_view night_symbol(NightState state) {
    switch (state) {
        case NightState::ok: return "✓";
        case NightState::attention: return "!";
        case NightState::failed: return "✕";
        case NightState::no_run: return "·";
    }
    return "·";
}

NightVerdict night_verdict(const ClientRun& client) {
    if (!client.error.empty()) return {NightState::failed, client.error};
    const bool none_reached = !client.hosts.empty() &&
                              std::none_of(client.hosts.begin(), client.hosts.end(),
                                           [](const HostRun& host) { return host.reached; });
    if (none_reached) return {NightState::failed, fmt::format("no PC reached (of {})", client.hosts.size())};
    std::vector<std::string> troubled;
    for (const auto& host : client.hosts)
        if (!host.ok()) troubled.push_back(host_label(host));
    std::vector<std::string> concerns;
    if (!troubled.empty())
        concerns.push_back(fmt::format("{} of {} PCs need attention: {}", troubled.size(), client.hosts.size(),
                                       fmt::join(troubled, ", ")));
    if (client.backup && !client.backup->ok()) concerns.push_back(backup_care_line(*client.backup));
    if (concerns.empty())
        return {NightState::ok, fmt::format("{} PC{} ok", client.hosts.size(), client.hosts.size() == 1 ? "" : "s")};
    return {NightState::attention, fmt::format("{}", fmt::join(concerns, "; "))};
}

std::string night_of(std::chrono::local_seconds started) {
    return overview_rules::date_text(std::chrono::floor<std::chrono::days>(started - std::chrono::hours(12)));
}

std::string age_text(double seconds) {
    const auto minutes = static_cast<long>(std::lround(std::max(seconds, 0.0) / 60));
    if (minutes < 60) return fmt::format("{} min", minutes);
    if (minutes < 48 * 60) return fmt::format("{} h", minutes / 60);
    return fmt::format("{} days", minutes / (24 * 60));
}

SiteOverview site_overview(std::string site, std::vector<ClientFacts> clients, const std::vector<OverviewRun>& runs,
                           std::chrono::local_seconds now_local, std::chrono::sys_seconds now_utc) {
    namespace chr = std::chrono;
    SiteOverview overview;
    overview.site = std::move(site);
    overview.generated = utc_iso_seconds(now_utc);
    const auto newest = chr::floor<chr::days>(now_local - chr::hours(12));
    for (int back = 0; back < overview_nights; ++back)
        overview.nights.push_back(overview_rules::date_text(newest - chr::days(back)));

    const auto ordered = overview_rules::in_order(runs);
    for (auto& facts : clients) {
        ClientOverview client;
        for (const auto& date : overview.nights) client.nights.push_back({date, {}, 0, 0, ""});
        for (const auto* run : ordered) {
            const auto* worked = overview_rules::client_in(run->record, facts.name);
            if (!worked) continue;
            const auto date = night_of(run->started_local);
            const auto cell = std::find_if(client.nights.begin(), client.nights.end(),
                                           [&](const OverviewNight& night) { return night.date == date; });
            if (cell == client.nights.end()) continue;  // outside the 30 nights
            cell->verdict = night_verdict(*worked);     // the newest run of the night wins
            cell->run = run->record.id;
            cell->href = run->report_href;
            ++cell->runs;
        }
        client.backups = overview_rules::backup_ages(ordered, facts.name, now_utc);
        client.threats = overview_rules::open_threats(ordered, facts.name);
        client.restarts = overview_rules::restarts_owed(ordered, facts.name);
        client.facts = std::move(facts);
        overview.clients.push_back(std::move(client));
    }
    return overview;
}

}  // namespace custode
