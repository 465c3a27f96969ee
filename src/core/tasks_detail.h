#pragma once
/// Private to the task profiles: each OS's command texts and readings, and
/// the small helpers both share.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/tasks.h"

namespace custode::tasks_detail {

/// The exit code a backup command ends with when netconf names no
/// repository (EX_CONFIG of sysexits.h; restic never uses it).
inline constexpr int no_repository_exit = 78;
inline constexpr std::string_view no_repository_message = "no backup_repository or backup_lab in netconf";

/// Where restic finds the client's repository: netconf's backup_repository
/// as written, or through backup_lab the lab's append-only account, which
/// restic's rclone backend reaches with the PC's own ssh (the lab's forced
/// command serves one repository, so the remote named here is a placeholder;
/// docs/backups.md).
struct ResticRepository {
    std::string repository;
    std::optional<std::string> rclone_program;  ///< with backup_lab: "ssh -o BatchMode=yes DESTINATION"
};
std::optional<ResticRepository> restic_repository(const TaskSettings& settings);

/// How long the Linux updates task waits for a dpkg lock another process holds.
inline constexpr std::chrono::seconds apt_lock_wait{300};

/// Linux: the POSIX sh text of a task or of the shutdown (no preamble).
std::string linux_task_script(MaintenanceTask task, const TaskSettings& settings);
std::string linux_shutdown_script();
std::string linux_reboot_script();

/// Windows: the PowerShell script of a task or of the shutdown (no preamble).
std::string windows_task_script(MaintenanceTask task, const TaskSettings& settings);
std::string windows_shutdown_script(ForceShutdown force);
std::string windows_reboot_script();
/// Linux: restic's words naming the repository and its password file
/// (" --repo ... [--option rclone.program=...] [--password-file ...]").
std::string linux_restic_arguments(const TaskSettings& settings);
/// Windows: the lines giving restic its repository and password file through
/// the environment ($env:RESTIC_REPOSITORY, $env:RESTIC_PASSWORD_FILE), where
/// no native-argument quoting can break them, and $resticOptions, the
/// arguments that go before restic's command (the rclone program of
/// backup_lab, whose characters netconf limits so no quoting can break it).
std::string restic_environment(const TaskSettings& settings);
/// Windows: the CategoryID of the update classification netconf calls
/// `category` ("security", ...: windows_update_categories); throws
/// std::invalid_argument for another name (netconf refuses those first).
std::string update_classification_id(std::string_view category);

TaskReading read_linux(MaintenanceTask task, int exit_code, std::string_view out, std::string_view err);
TaskReading read_windows(MaintenanceTask task, int exit_code, std::string_view out, std::string_view err);

// ---- shared helpers -------------------------------------------------------

/// The line every command prints first on stderr: `custode-pid <pid>`.
inline constexpr std::string_view pid_marker = "custode-pid ";

/// The lines of `text`, without their "\n" or "\r\n"; no empty last line.
std::vector<std::string_view> lines_of(std::string_view text);
/// The first non-empty line of `text`, trimmed, or `fallback`; the pid
/// announcement is not a message, so it is passed over.
std::string first_line_or(std::string_view text, std::string_view fallback);
/// "1 file" / "3 files".
std::string counted(std::int64_t count, std::string_view singular, std::string_view plural);
/// "1.5 MiB": a byte count for people.
std::string human_bytes(std::int64_t bytes);
/// A JSON value parsed from `text`, or nothing when it is not JSON.
std::optional<nlohmann::json> parse_json(std::string_view text);

/// Members of a PC's JSON, read without trusting their types: a member that
/// is missing or of another type reads as `fallback` (nlohmann's value()
/// throws on another type, which ended the PC's whole run). `object` may be
/// any JSON value.
std::string string_in(const nlohmann::json& object, const char* key, std::string_view fallback);
/// A number, its fraction dropped; one out of int64's range reads as `fallback`.
std::int64_t number_in(const nlohmann::json& object, const char* key, std::int64_t fallback = 0);
bool flag_in(const nlohmann::json& object, const char* key, bool fallback);

/// restic's exit codes read as a backup's status; `summary` is the final
/// `{"message_type":"summary",...}` object if any, `errors` the per-file
/// problems restic reported.
TaskReading read_restic(int exit_code, const nlohmann::json* summary, std::vector<std::string> errors,
                        std::string_view err);

}  // namespace custode::tasks_detail
