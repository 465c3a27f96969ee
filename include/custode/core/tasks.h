#pragma once
/// Maintenance task profiles: what each task runs on a Linux or Windows PC,
/// and how its exit code and output read as a status. Pure: the SSH adapter
/// runs the commands, this decides what they are and what they meant.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/netconf.h"

namespace custode {

/// A task's outcome, as reports and `--json` show it.
enum class TaskStatus { ok, warning, failed, error, timeout, skipped };

std::string_view to_string(TaskStatus status);
std::optional<TaskStatus> parse_task_status(std::string_view text);
/// True for failed, error and timeout: the outcomes that make a run exit 1.
bool is_problem(TaskStatus status);

/// The default time a task may take when netconf sets no `task_timeout`.
inline constexpr std::chrono::seconds default_task_timeout{2 * 3600};

/// The time `task` (a MaintenanceTask name, "shutdown" or "reboot") may
/// take: its [maintenance.timeouts] entry, else task_timeout, else the default.
std::chrono::seconds task_timeout_of(const TaskSettings& settings, std::string_view task);

/// One command to run on a PC over SSH.
struct RemoteCommand {
    std::string task;     ///< "antivirus", ..., or "shutdown"
    std::string command;  ///< the exact command line sent on the channel
    std::chrono::seconds timeout = default_task_timeout;
    /// Sent on the command's stdin, then end-of-file. Windows: the script
    /// itself (base64 of its UTF-8), which `command`, a short fixed
    /// bootstrap, reads and runs, so no netconf value makes the command
    /// line longer; Linux: nothing.
    std::string input;
};

/// The command for `task` on a PC of `os` with the merged `settings`
/// (TaskSettings::merge of client and host). A `commands` override replaces
/// the profile's command but is wrapped the same way. Every command first
/// prints `custode-pid <pid>` on stderr so a timeout can kill its process
/// tree (see kill_command).
RemoteCommand task_command(HostOs os, MaintenanceTask task, const TaskSettings& settings);

/// Whether a shutdown goes ahead when someone is logged on (netconf's
/// `shutdown_force`): `yes` closes their applications unsaved.
enum class ForceShutdown { no, yes };

/// The command that shuts the PC down (or the `commands.shutdown` override).
/// On Windows, without `force`, a PC someone is logged on to is left on and
/// the command exits shutdown_user_logged_on_exit naming them.
RemoteCommand shutdown_command(HostOs os, const TaskSettings& settings, ForceShutdown force = ForceShutdown::no);

/// The exit code of a shutdown command that left the PC on because someone
/// is logged on; its stdout names them: {"users": ["maria", ...]}.
inline constexpr int shutdown_user_logged_on_exit = 10;

/// Who kept the PC on, when a shutdown command ended with
/// shutdown_user_logged_on_exit; nullopt for any other ending. Users it
/// could not name give an empty list.
std::optional<std::vector<std::string>> users_keeping_on(std::optional<int> exit_code, std::string_view stdout_text);

/// The pid announced by a command's `custode-pid <pid>` line in `stderr`.
std::optional<long> announced_pid(std::string_view stderr_text);

/// The command that ends `task` (a MaintenanceTask name) whose command
/// announced `pid`, once past its timeout: the whole process tree (Linux:
/// its session; Windows: `taskkill /T /F`), and on Windows also the work the
/// task handed to a service, which no kill of its tree reaches: Defender's
/// scan runs in MsMpEng (cancelled with MpCmdRun -Scan -Cancel), an
/// optimisation in the Optimize Drives service (stopped).
RemoteCommand kill_command(HostOs os, std::string_view task, long pid);

/// The command that restarts the PC (or the `commands.reboot` override),
/// detached so its SSH channel ends first. Like the shutdown it never forces:
/// with someone logged on the PC is left as it is and the command exits
/// shutdown_user_logged_on_exit naming them (Windows; Linux: `who`).
RemoteCommand reboot_command(HostOs os, const TaskSettings& settings);

/// One update the `updates` task installed, or tried to.
struct UpdateItem {
    std::string id;     ///< Windows: "KB5034441" (or the update's id when it has no KB); Linux: the package
    std::string title;  ///< Windows: the update's title; Linux: empty
    std::string from;   ///< Linux: the version before; Windows: empty
    std::string to;     ///< Linux: the version after; Windows: empty
    bool installed = false;         ///< false: it failed (Windows result code 4 or 5)
    bool reboot_required = false;   ///< this update asks for a restart
    std::string result;             ///< "installed", "installed_with_errors", "failed", "aborted"

    bool operator==(const UpdateItem&) const = default;
};

/// What a finished task's exit code and output mean.
struct TaskReading {
    TaskStatus status = TaskStatus::error;
    std::string summary;                ///< one line: "clean", "2 infected files", "no SMART device"
    std::vector<std::string> findings;  ///< details worth listing: infected files, failing disks
    /// updates: what was installed or failed, and whether the PC now needs a
    /// restart to finish (Windows: RebootRequired; Linux: /run/reboot-required).
    std::vector<UpdateItem> updates;
    bool reboot_required = false;
};

/// The ids of the updates that ask for a restart, sorted: two readings that
/// ask for the same restart twice in a night are a reboot loop.
std::vector<std::string> reboot_request(const std::vector<UpdateItem>& updates);

/// Reads a finished command of `task` (a MaintenanceTask name or "shutdown")
/// on `os`. `exit_code` is empty when the command ended without one (killed
/// by a signal). Timeouts never reach here: the caller records `timeout`.
TaskReading read_task_result(HostOs os, std::string_view task, std::optional<int> exit_code,
                             std::string_view stdout_text, std::string_view stderr_text);

/// Windows: the `powershell ... -EncodedCommand <base64 of UTF-16LE>` line
/// that runs `script`. Exposed for tests.
std::string powershell_encoded(std::string_view script);

/// Windows: `script` delivered on stdin to the fixed bootstrap, which
/// announces `custode-pid`, reads the whole script, and runs it; an error the
/// script does not catch reaches stderr as its plain message, exit 1; a
/// script that does not arrive whole (or does not parse) exits 2 saying so.
RemoteCommand powershell_command(std::string task, std::string_view script, std::chrono::seconds timeout);

}  // namespace custode
