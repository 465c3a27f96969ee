#pragma once
/// A night's run with something of everything, for the report tests and the
/// browser test (tests/browser/render_sample.cc).

#include <fmt/format.h>

#include "custode/core/run_record.h"

namespace custode::testing {

inline TaskResult sample_task(std::string name, TaskStatus status, std::optional<int> exit_code, double seconds,
                              std::string summary) {
    TaskResult task;
    task.task = std::move(name);
    task.status = status;
    task.exit_code = exit_code;
    task.seconds = seconds;
    task.summary = std::move(summary);
    return task;
}

inline HostRun sample_host(std::string name, std::string ip, std::string mac, PowerOutcome power) {
    HostRun host;
    host.name = std::move(name);
    host.ip = std::move(ip);
    host.mac = std::move(mac);
    host.power = power;
    host.reached = power == PowerOutcome::was_on || power == PowerOutcome::woken;
    return host;
}

/// An `updates` task of a Linux PC: `packages` upgrades ("pkg1" 1.0-1 →
/// 1.0-2, ...), the first asking for a restart, and `failed` of them failed.
inline TaskResult sample_updates(int packages, int failed) {
    auto task = sample_task("updates", failed > 0 ? TaskStatus::failed : TaskStatus::ok, failed > 0 ? 100 : 0, 95,
                            fmt::format("{} packages upgraded; restart needed", packages - failed));
    for (int i = 1; i <= packages; ++i) {
        const bool ok = i <= packages - failed;
        task.updates.push_back({fmt::format("pkg{}:amd64", i), "", "1.0-1", "1.0-2", ok, i == 1,
                                ok ? "installed" : "failed"});
    }
    task.reboot_required = true;
    return task;
}

/// acme: reception (woken, a warning and a failed backup whose output holds
/// markup, shut down), office-2 (did not wake); rossi: studio (linux, all ok,
/// left on), nas-pc (unreachable: host key changed).
inline RunRecord sample_run() {
    RunRecord run;
    run.id = 7;
    run.site = "lab";
    run.started = "2026-11-29T01:30:00Z";
    run.finished = "2026-11-29T02:45:30Z";

    auto reception = sample_host("reception", "192.168.1.21", "00:11:22:33:44:55", PowerOutcome::woken);
    reception.tasks.push_back(sample_task("antivirus", TaskStatus::ok, 0, 185.5, "clean"));
    auto disk = sample_task("disk-health", TaskStatus::warning, 0, 4.2, "1 disk with reallocated sectors");
    disk.findings = {"disk 0 (ST1000DM003): 12 reallocated sectors"};
    reception.tasks.push_back(disk);
    auto backup = sample_task("backup", TaskStatus::failed, 1, 61, "repository unreachable");
    backup.output = "Fatal: unable to open repo\n<script>alert('x')</script> & more";
    reception.tasks.push_back(backup);
    reception.shutdown = ShutdownOutcome::confirmed_off;
    reception.seconds = 260;

    auto office = sample_host("office-2", "192.168.1.22", "00:11:22:33:44:66", PowerOutcome::did_not_wake);
    office.error = "did not answer ARP within 300 s";

    auto studio = sample_host("studio", "192.168.7.10", "52:54:00:00:07:10", PowerOutcome::was_on);
    studio.os = HostOs::linux_;
    studio.tasks.push_back(sample_task("antivirus", TaskStatus::ok, 0, 40, "clean"));
    studio.tasks.push_back(sample_task("disk-health", TaskStatus::skipped, 0, 0.3, "no SMART device"));
    studio.seconds = 45;

    auto nas = sample_host("nas-pc", "192.168.7.11", "52:54:00:00:07:11", PowerOutcome::was_on);
    nas.reached = false;
    nas.error = "host key changed";

    run.clients.push_back({"acme", "", 300, {reception, office}});
    run.clients.push_back({"rossi", "", 50, {studio, nas}});
    return run;
}

}  // namespace custode::testing
