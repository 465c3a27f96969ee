#include "custode/core/task_checks.h"

#include <fmt/format.h>

#include "custode/core/command_text.h"
#include "tasks_detail.h"

namespace custode {
namespace {

/// A check only asks questions; a minute is plenty even for a slow repository.
constexpr std::chrono::seconds check_timeout{60};

/// Exit code of a check that found something missing (the shell's "not found").
constexpr int missing_exit = 127;

/// What the profile's command for `task` needs installed on the PC.
std::vector<std::string> programs_of(HostOs os, MaintenanceTask task) {
    const bool linux_pc = os == HostOs::linux_;
    switch (task) {
        case MaintenanceTask::antivirus:
            return linux_pc ? std::vector<std::string>{"clamscan"}
                            : std::vector<std::string>{"Update-MpSignature", "Start-MpScan", "Get-MpThreatDetection"};
        case MaintenanceTask::disk_health:
            return linux_pc ? std::vector<std::string>{"smartctl"}
                            : std::vector<std::string>{"Get-PhysicalDisk", "Get-StorageReliabilityCounter", "chkdsk.exe"};
        case MaintenanceTask::disk_optimize:
            return {linux_pc ? "fstrim" : "Optimize-Volume"};
        case MaintenanceTask::backup: return {"restic"};
        case MaintenanceTask::empty_trash: return {};
        case MaintenanceTask::updates:  // Windows: a COM object, checked in windows_check_script
            return linux_pc ? std::vector<std::string>{"apt-get", "apt-mark", "dpkg-query"} : std::vector<std::string>{};
    }
    return {};
}

/// The program an override runs: its first word.
std::string first_word(std::string_view command) {
    const auto start = command.find_first_not_of(" \t");
    if (start == std::string_view::npos) return "";
    const auto end = command.find_first_of(" \t;|&", start);
    return std::string(command.substr(start, end == std::string_view::npos ? end : end - start));
}

std::string linux_check(const std::vector<std::string>& programs, MaintenanceTask task, const TaskSettings& settings) {
    std::string script;
    for (const auto& program : programs)
        script += fmt::format("command -v {0} >/dev/null 2>&1 || {{ echo \"missing program: \"{0} >&2; exit {1}; }}; ",
                              shell_quote(program), missing_exit);
    if (task == MaintenanceTask::backup) {
        if (!tasks_detail::restic_repository(settings))
            return fmt::format("echo {} >&2; exit {}", shell_quote(tasks_detail::no_repository_message), missing_exit);
        script += fmt::format("restic --no-lock{} cat config >/dev/null", tasks_detail::linux_restic_arguments(settings));
    }
    return script.empty() ? "true" : script;
}

/// The Windows tasks need an elevated administrator (VSS snapshots,
/// chkdsk /scan, Optimize-Volume, other users' recycle bins). whoami.exe
/// lists the token's integrity level: High (S-1-16-12288) when elevated,
/// System (S-1-16-16384) as SYSTEM; a key in the wrong authorized_keys gives
/// an administrator a Medium one, or no login at all.
constexpr std::string_view windows_elevated_check =
    "if (-not (@(whoami.exe /groups /fo csv /nh) -match 'S-1-16-(12288|16384)')) { [Console]::Error.WriteLine("
    "'not elevated: the SSH login is not an elevated administrator; put custode''s key in "
    "administrators_authorized_keys (docs/ssh.md)'); exit 127 }\n";

std::string windows_check_script(const std::vector<std::string>& programs, MaintenanceTask task, const TaskSettings& settings) {
    std::string script = std::string(powershell_plain_errors) + std::string(windows_elevated_check);
    for (const auto& program : programs)
        script += fmt::format("if (-not (Get-Command {0} -ErrorAction SilentlyContinue)) {{ "
                              "[Console]::Error.WriteLine('missing program: ' + {0}); exit {1} }}\n",
                              powershell_quote(program), missing_exit);
    if (task == MaintenanceTask::backup) {
        if (!tasks_detail::restic_repository(settings))
            return fmt::format("{}[Console]::Error.WriteLine({}); exit {}",
                               powershell_plain_errors, powershell_quote(tasks_detail::no_repository_message), missing_exit);
        script += tasks_detail::restic_environment(settings) + "\n& restic @resticOptions --no-lock cat config | Out-Null\nexit $LASTEXITCODE\n";
    }
    // The updates task needs no program but the Windows Update Agent's COM
    // server; an override runs its own program, checked above instead.
    if (task == MaintenanceTask::updates && !settings.commands.contains(std::string(to_string(task))))
        script += fmt::format("try {{ $null = New-Object -ComObject Microsoft.Update.Session }} catch {{ "
                              "[Console]::Error.WriteLine('missing: the Windows Update Agent (COM object "
                              "Microsoft.Update.Session): ' + $_.Exception.Message); exit {} }}\n",
                              missing_exit);
    return script + "exit 0\n";
}

}  // namespace

RemoteCommand task_check_command(HostOs os, MaintenanceTask task, const TaskSettings& settings) {
    auto programs = programs_of(os, task);
    const auto override_command = settings.commands.find(std::string(to_string(task)));
    if (override_command != settings.commands.end()) programs = {first_word(override_command->second)};
    if (os == HostOs::windows)
        return powershell_command(std::string(to_string(task)), windows_check_script(programs, task, settings),
                                  check_timeout);
    return {std::string(to_string(task)), linux_check(programs, task, settings), check_timeout, {}};
}

TaskReading read_task_check(std::optional<int> exit_code, std::string_view stdout_text, std::string_view stderr_text) {
    if (exit_code == 0) return {TaskStatus::ok, "ready", {}};
    if (!exit_code) return {TaskStatus::error, "the check ended without an exit code", {}};
    const auto not_ready = fmt::format("not ready (exit {})", *exit_code);
    return {TaskStatus::failed, tasks_detail::first_line_or(stderr_text, tasks_detail::first_line_or(stdout_text, not_ready)),
            {}};
}

}  // namespace custode
