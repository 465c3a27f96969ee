#pragma once
/// A site's last 30 nights with something of everything, for the overview's
/// unit tests and its browser test (tests/browser/overview_sample.cc).

#include <fmt/format.h>

#include "custode/core/site_overview.h"
#include "custode/core/utc_time.h"
#include "unit/sample_run.h"

namespace custode::testing {

/// 2026-12-07 08:00, the morning after the newest night; the sample's clock
/// runs on UTC, so local and UTC times are the same.
inline std::chrono::sys_seconds overview_now() {
    using namespace std::chrono;
    return sys_days(year(2026) / December / 7) + hours(8);
}

inline std::chrono::local_seconds as_local(std::chrono::sys_seconds at) {
    return std::chrono::local_seconds(at.time_since_epoch());
}

/// A run of `clients` at 01:30 the morning after night `back` (0: the newest).
inline OverviewRun overview_run(std::int64_t id, int back, std::vector<ClientRun> clients) {
    using namespace std::chrono;
    const auto started = floor<days>(overview_now()) - days(back) + hours(1) + minutes(30);
    OverviewRun run;
    run.record.id = id;
    run.record.site = "lab";
    run.record.started = utc_iso_seconds(started);
    run.record.finished = utc_iso_seconds(started + minutes(40));
    run.record.clients = std::move(clients);
    run.started_local = as_local(started);
    run.report_href = fmt::format("run-{}.html", id);
    return run;
}

inline HostRun overview_pc(std::string name, bool ok, std::vector<TaskResult> tasks = {}) {
    auto host = sample_host(std::move(name), "192.168.1.20", "00:11:22:33:44:55", PowerOutcome::was_on);
    if (!ok) host.tasks.push_back(sample_task("disk-health", TaskStatus::failed, 1, 3, "disk failing"));
    for (auto& task : tasks) host.tasks.push_back(std::move(task));
    return host;
}

inline TaskResult backup_task(bool ok) {
    return sample_task("backup", ok ? TaskStatus::ok : TaskStatus::failed, ok ? 0 : 1, 60,
                       ok ? "snapshot 1a2b3c4d" : "repository unreachable");
}

/// A backup that made no snapshot and is no problem either.
inline TaskResult skipped_backup() { return sample_task("backup", TaskStatus::skipped, std::nullopt, 0, "no sources"); }

/// acme: nightly, mostly ok, a few nights needing attention, one gap;
/// bianchi: its circuit lost carrier four nights ago (failed since), a threat
/// open on ws2; rossi: a new client, only the last 9 nights; verdi: never run,
/// its description full of markup. Backups: acme's ws3 has not made one
/// since night 6 (skipped since: no problem, but no snapshot either).
inline SiteOverview sample_overview() {
    std::vector<OverviewRun> runs;
    std::int64_t id = 100;
    for (int back = overview_nights - 1; back >= 0; --back) {
        std::vector<ClientRun> clients;
        if (back != 12) {  // a night acme's gateway was off: no run at all
            const bool attention = back == 2 || back == 7 || back == 19;
            clients.push_back({"acme", "", 300,
                               {overview_pc("reception", true, {backup_task(true)}),
                                overview_pc("office-2", !attention, {backup_task(true)}),
                                overview_pc("ws3", true, {back > 5 ? backup_task(true) : skipped_backup()})}});
        }
        if (back < 4) {
            clients.push_back({"bianchi", "the circuit has no carrier", 1, {}});
        } else {
            auto ws2 = overview_pc("ws2", back != 6);
            if (back == 6) {
                auto scan = sample_task("antivirus", TaskStatus::failed, 1, 90, "1 threat found");
                scan.findings = {"Win.Test.EICAR_HDB-1: C:\\Users\\maria\\Downloads\\eicar.com"};
                ws2.tasks.push_back(scan);
            }
            clients.push_back({"bianchi", "", 200, {overview_pc("front-desk", true), ws2}});
        }
        if (back < 9) clients.push_back({"rossi", "", 90, {overview_pc("studio", back != 3)}});
        runs.push_back(overview_run(++id, back, std::move(clients)));
    }
    auto dry = overview_run(++id, 0, {{"verdi", "", 5, {}}});
    dry.record.dry_run = true;  // a dry run is no night
    runs.push_back(dry);

    std::vector<ClientFacts> clients = {
        {"acme", "Acme Srl, via Roma 1", LinkHealth::up, "up", "2026-12-07T01:31:05Z", 5},
        {"bianchi", "Studio Bianchi", LinkHealth::problem, "the circuit has no carrier", "2026-12-02T01:31:40Z", 2},
        {"rossi", "Rossi & figli", LinkHealth::up, "up, but differs from netconf (custode plan)", "2026-12-07T01:30:50Z", 1},
        {"verdi", "<b>Verdi</b> \"new\" & <script>x</script>", LinkHealth::unknown, "not read: Operation not permitted", "", 0},
    };
    return site_overview("lab", std::move(clients), runs, as_local(overview_now()), overview_now());
}

}  // namespace custode::testing
