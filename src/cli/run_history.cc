#include "custode/cli/run_history.h"

#include <algorithm>
#include <fmt/format.h>
#include <vector>

#include "custode/cli/common.h"

namespace custode::cli {

std::filesystem::path history_state_path(const GlobalOptions& global) {
    if (global.state) return *global.state;
    return state_path(global, require_netconf(global));
}

std::string reboot_and_updates(const HostRun& host) {
    std::vector<std::string> parts;
    if (host.reboot != RebootOutcome::not_needed) {
        std::string why = host.reboot_detail;
        if (host.reboot == RebootOutcome::user_logged_on && why.empty()) why = fmt::format("{}", fmt::join(host.logged_on, ", "));
        parts.push_back(fmt::format("reboot {}{}", to_string(host.reboot), why.empty() ? "" : " (" + why + ")"));
    }
    const bool updated = std::any_of(host.tasks.begin(), host.tasks.end(),
                                     [](const TaskResult& task) { return task.task == to_string(MaintenanceTask::updates); });
    if (updated) {
        const int failed = updates_failed(host);
        parts.push_back(fmt::format("updates {} installed{}", updates_installed(host),
                                    failed ? fmt::format(", {} failed", failed) : ""));
    }
    return fmt::format("{}", fmt::join(parts, ", "));
}

}  // namespace custode::cli
