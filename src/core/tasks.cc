/// The task profiles' public face: statuses, the command for a task on an
/// OS (with the pid preamble and any netconf override), the kill command,
/// and the dispatch of readings.

#include "custode/core/tasks.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <fmt/format.h>

#include "custode/core/command_text.h"
#include "tasks_detail.h"

namespace custode {
namespace {

using namespace tasks_detail;

constexpr std::array<std::pair<TaskStatus, std::string_view>, 6> status_names{{
    {TaskStatus::ok, "ok"},
    {TaskStatus::warning, "warning"},
    {TaskStatus::failed, "failed"},
    {TaskStatus::error, "error"},
    {TaskStatus::timeout, "timeout"},
    {TaskStatus::skipped, "skipped"},
}};

/// sshd makes the shell of each session a session leader, so `$$` names the
/// session that kill_command ends, whatever the task started below it.
constexpr std::string_view linux_preamble = "echo \"custode-pid $$\" >&2; ";

/// The command line every Windows script runs from: it reads the script from
/// stdin (base64 of UTF-8, so no console code page can alter it) and runs it
/// in its own scope. cmd.exe, the Windows sshd's default shell, cuts a
/// command line at 8191 characters; this one is always about 1.2k. $PID is
/// powershell.exe itself: `taskkill /T` ends everything under it. Progress
/// records would reach stderr as CLIXML noise over SSH, and so would errors
/// without `-OutputFormat Text`.
constexpr std::string_view windows_bootstrap = R"ps($ProgressPreference = 'SilentlyContinue'
[Console]::Error.WriteLine("custode-pid $PID")
try { $custode_script = [ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String([Console]::In.ReadToEnd()))) }
catch { [Console]::Error.WriteLine("custode: the script did not arrive whole: $($_.Exception.Message)"); exit 2 }
try { . $custode_script } catch { [Console]::Error.WriteLine("$($_.Exception.Message)"); exit 1 })ps";

/// The override for `name` in netconf, or nothing.
const std::string* override_of(const TaskSettings& settings, std::string_view name) {
    const auto found = settings.commands.find(std::string(name));
    return found == settings.commands.end() ? nullptr : &found->second;
}

RemoteCommand command_for(HostOs os, std::string task, const std::string& text, std::chrono::seconds timeout) {
    if (os == HostOs::linux_) return {std::move(task), std::string(linux_preamble) + text, timeout, {}};
    return powershell_command(std::move(task), text, timeout);
}

/// A shutdown or a reboot.
TaskReading read_power_command(std::string_view task, int exit_code, std::string_view err) {
    if (exit_code == 0) return {TaskStatus::ok, fmt::format("{} scheduled", task), {}};
    return {TaskStatus::error,
            fmt::format("{} failed (exit {}): {}", task, exit_code, first_line_or(err, "no message")), {}};
}

}  // namespace

std::string_view to_string(TaskStatus status) {
    for (const auto& [value, name] : status_names)
        if (value == status) return name;
    return "?";
}

std::optional<TaskStatus> parse_task_status(std::string_view text) {
    for (const auto& [value, name] : status_names)
        if (name == text) return value;
    return std::nullopt;
}

bool is_problem(TaskStatus status) {
    return status == TaskStatus::failed || status == TaskStatus::error || status == TaskStatus::timeout;
}

RemoteCommand task_command(HostOs os, MaintenanceTask task, const TaskSettings& settings) {
    const auto name = to_string(task);
    std::string text;
    if (const std::string* replacement = override_of(settings, name)) text = *replacement;
    else if (os == HostOs::linux_) text = linux_task_script(task, settings);
    else text = windows_task_script(task, settings);
    return command_for(os, std::string(name), text, task_timeout_of(settings, name));
}

RemoteCommand shutdown_command(HostOs os, const TaskSettings& settings, ForceShutdown force) {
    std::string text;
    if (const std::string* replacement = override_of(settings, "shutdown")) text = *replacement;
    else text = os == HostOs::linux_ ? linux_shutdown_script() : windows_shutdown_script(force);
    return command_for(os, "shutdown", text, task_timeout_of(settings, "shutdown"));
}

RemoteCommand reboot_command(HostOs os, const TaskSettings& settings) {
    std::string text;
    if (const std::string* replacement = override_of(settings, "reboot")) text = *replacement;
    else text = os == HostOs::linux_ ? linux_reboot_script() : windows_reboot_script();
    return command_for(os, "reboot", text, task_timeout_of(settings, "reboot"));
}

std::chrono::seconds task_timeout_of(const TaskSettings& settings, std::string_view task) {
    if (const auto own = settings.task_timeouts.find(std::string(task)); own != settings.task_timeouts.end())
        return std::chrono::seconds(own->second);
    return settings.task_timeout ? std::chrono::seconds(*settings.task_timeout) : default_task_timeout;
}

std::vector<std::string> reboot_request(const std::vector<UpdateItem>& updates) {
    std::vector<std::string> ids;
    for (const auto& update : updates)
        if (update.reboot_required) ids.push_back(update.id);
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::optional<long> announced_pid(std::string_view stderr_text) {
    for (std::string_view line : lines_of(stderr_text)) {
        if (!line.starts_with(pid_marker)) continue;
        line.remove_prefix(pid_marker.size());
        long pid = 0;
        const auto [end, problem] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (problem == std::errc() && end == line.data() + line.size() && pid > 0) return pid;
    }
    return std::nullopt;
}

std::optional<std::vector<std::string>> users_keeping_on(std::optional<int> exit_code, std::string_view stdout_text) {
    if (exit_code != shutdown_user_logged_on_exit) return std::nullopt;
    std::vector<std::string> users;
    // The last JSON object of the output; anything else in it is not ours to trust.
    for (const auto line : lines_of(stdout_text)) {
        const auto object = nlohmann::json::parse(line, nullptr, false);
        if (!object.is_object() || !object.contains("users") || !object["users"].is_array()) continue;
        users.clear();
        for (const auto& user : object["users"])
            if (user.is_string() && !user.get<std::string>().empty()) users.push_back(user.get<std::string>());
    }
    return users;
}

RemoteCommand kill_command(HostOs os, std::string_view task, long pid) {
    constexpr std::chrono::seconds kill_timeout{30};
    // Linux: the whole session; where pkill is missing, the process group
    // (the session leader leads its group too).
    if (os == HostOs::linux_) return {"kill", fmt::format("pkill -KILL -s {0} || kill -KILL -- -{0}", pid), kill_timeout, {}};
    // Each step its own: one that fails (no scan running) stops no other.
    std::string script = fmt::format("$ErrorActionPreference = 'Continue'\ntaskkill.exe /T /F /PID {}\n", pid);
    if (task == to_string(MaintenanceTask::antivirus))
        script += "& \"$env:ProgramFiles\\Windows Defender\\MpCmdRun.exe\" -Scan -Cancel\n";
    if (task == to_string(MaintenanceTask::disk_optimize)) script += "Stop-Service -Name defragsvc -Force\n";
    return powershell_command("kill", script, kill_timeout);
}

namespace {

TaskReading read_any(HostOs os, std::string_view task, std::optional<int> exit_code, std::string_view stdout_text,
                     std::string_view stderr_text) {
    if (!exit_code) return {TaskStatus::error, "ended without an exit code (killed by a signal?)", {}};
    if (task == "shutdown" || task == "reboot") return read_power_command(task, *exit_code, stderr_text);
    const auto known = parse_maintenance_task(task);
    if (!known) return {TaskStatus::error, fmt::format("unknown task \"{}\"", task), {}};
    if (os == HostOs::linux_) return read_linux(*known, *exit_code, stdout_text, stderr_text);
    return read_windows(*known, *exit_code, stdout_text, stderr_text);
}

}  // namespace

TaskReading read_task_result(HostOs os, std::string_view task, std::optional<int> exit_code,
                             std::string_view stdout_text, std::string_view stderr_text) {
    auto reading = read_any(os, task, exit_code, stdout_text, stderr_text);
    // The summary is one line: a PC's message may hold line breaks (a
    // PowerShell exception's often does), and reports give a task one line.
    std::replace_if(reading.summary.begin(), reading.summary.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return reading;
}

namespace tasks_detail {

std::optional<ResticRepository> restic_repository(const TaskSettings& settings) {
    if (settings.backup_repository) return ResticRepository{*settings.backup_repository, std::nullopt};
    if (settings.backup_lab) return ResticRepository{"rclone:custode-lab:", "ssh -o BatchMode=yes " + *settings.backup_lab};
    return std::nullopt;
}

}  // namespace tasks_detail

std::string powershell_encoded(std::string_view script) {
    return "powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -OutputFormat Text "
           "-EncodedCommand " +
           base64_encode(utf8_to_utf16le(script));
}

RemoteCommand powershell_command(std::string task, std::string_view script, std::chrono::seconds timeout) {
    static const std::string bootstrap = powershell_encoded(windows_bootstrap);
    return {std::move(task), bootstrap, timeout, base64_encode(script)};
}

}  // namespace custode
