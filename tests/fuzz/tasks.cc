/// Every task reading: what a PC's command printed, read as a status, for
/// each task on Linux and Windows, the shutdown and the reboot, the dry run's checks, and the
/// `custode-pid` and logged-on-user lines (core/tasks.h, core/task_checks.h).
/// The PC is untrusted; its output never makes a reading throw.
/// Input: byte 0 is the exit code (255: none, killed by a signal), then
/// stdout, then after the first NUL byte stderr.

#include "custode/core/task_checks.h"
#include "custode/core/tasks.h"
#include "fuzz/fuzz_target.h"

namespace custode::fuzz {

namespace tasks_fuzz {

void check(const TaskReading& reading) {
    expect(reading.summary.find('\n') == std::string::npos, "a reading's summary is one line");
}

}  // namespace tasks_fuzz

void tasks(Bytes bytes) {
    if (bytes.empty()) return;
    const std::optional<int> exit_code = bytes[0] == 255 ? std::nullopt : std::optional<int>(bytes[0]);
    auto text = as_text(bytes.subspan(1));
    const auto nul = text.find('\0');
    const auto out = text.substr(0, nul);
    const auto err = nul == std::string_view::npos ? std::string_view() : text.substr(nul + 1);

    for (const auto os : {HostOs::linux_, HostOs::windows}) {
        for (const auto task : {MaintenanceTask::antivirus, MaintenanceTask::disk_health,
                                MaintenanceTask::disk_optimize, MaintenanceTask::backup, MaintenanceTask::empty_trash,
                                MaintenanceTask::updates})
            tasks_fuzz::check(read_task_result(os, to_string(task), exit_code, out, err));
        tasks_fuzz::check(read_task_result(os, "shutdown", exit_code, out, err));
        tasks_fuzz::check(read_task_result(os, "reboot", exit_code, out, err));
    }
    tasks_fuzz::check(read_task_check(exit_code, out, err));
    users_keeping_on(exit_code, out);
    if (const auto pid = announced_pid(err)) expect(*pid > 0, "an announced pid is positive");
}

}  // namespace custode::fuzz

CUSTODE_FUZZ_TARGET(tasks)
