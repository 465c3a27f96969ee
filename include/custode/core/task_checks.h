#pragma once
/// `maintain --dry-run`: for each task, a command that checks without
/// changing anything that the task could run on the PC — its programs are
/// installed and, for the backup, the repository answers.

#include <optional>
#include <string_view>

#include "custode/core/tasks.h"

namespace custode {

/// The check for `task` on a PC of `os`. A `commands` override is checked by
/// its first word (the program it runs).
RemoteCommand task_check_command(HostOs os, MaintenanceTask task, const TaskSettings& settings);

/// ok "ready" when the check exited 0; failed with what it printed otherwise.
TaskReading read_task_check(std::optional<int> exit_code, std::string_view stdout_text, std::string_view stderr_text);

}  // namespace custode
