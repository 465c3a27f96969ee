/// Windows readings: each script prints one JSON object and exits with the
/// task's code; the code gives the status, the object the summary and
/// findings (see docs/tasks.md for the tables).

#include <algorithm>
#include <fmt/format.h>

#include "tasks_detail.h"

namespace custode::tasks_detail {
namespace {

using nlohmann::json;

/// The last stdout line holding a JSON object: cmdlets may print before it.
std::optional<json> result_object(std::string_view out) {
    const auto lines = lines_of(out);
    for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
        if (!line->starts_with('{')) continue;
        if (auto value = parse_json(*line); value && value->is_object()) return value;
    }
    return std::nullopt;
}

std::string text_of(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return "";
    return found->is_string() ? found->get<std::string>() : found->dump();
}

double number_of(const json& object, const char* key) {
    const auto found = object.find(key);
    return found != object.end() && found->is_number() ? found->get<double>() : 0;
}

/// The elements of an array member; PowerShell may collapse a one-element
/// array to the element, and an empty one to null.
std::vector<json> elements(const json& object, const char* key) {
    const auto found = object.find(key);
    if (found == object.end() || found->is_null()) return {};
    if (found->is_array()) return found->get<std::vector<json>>();
    return {*found};
}

std::vector<std::string> strings_of(const json& object, const char* key) {
    std::vector<std::string> out;
    for (const auto& element : elements(object, key)) out.push_back(element.is_string() ? element.get<std::string>() : element.dump());
    return out;
}

TaskReading script_error(const json& result, int exit_code) {
    const auto message = text_of(result, "error");
    return {TaskStatus::error, message.empty() ? fmt::format("exit {}", exit_code) : message, {}};
}

/// The paths a script skipped as network paths (a key login carries no
/// network credentials): each one a finding, and a task that was otherwise
/// ok is a warning, since part of what netconf asked for was not done.
TaskReading with_skipped(TaskReading reading, const json& result) {
    const auto skipped = strings_of(result, "skipped");
    if (skipped.empty()) return reading;
    for (const auto& path : skipped) reading.findings.push_back(path + " skipped: network path over a key login");
    reading.summary += fmt::format("; {} skipped (network path over a key login)", counted(skipped.size(), "path", "paths"));
    if (reading.status == TaskStatus::ok) reading.status = TaskStatus::warning;
    return reading;
}

// ---- antivirus: 0 clean, 1 found, 2 error ---------------------------------

TaskReading read_defender(int exit_code, const json& result) {
    const bool updated = flag_in(result, "signatures_updated", false);
    if (exit_code == 0 && text_of(result, "scan") == "none") return {TaskStatus::warning, "nothing scanned", {}};
    if (exit_code == 0 && !updated) return {TaskStatus::warning, "clean, but the signature update failed", {}};
    if (exit_code == 0) return {TaskStatus::ok, "clean", {}};
    if (exit_code != 1) return script_error(result, exit_code);
    std::vector<std::string> findings;
    for (const auto& detection : elements(result, "detections"))
        findings.push_back(fmt::format("{}: {}", text_of(detection, "threat"), text_of(detection, "path")));
    return {TaskStatus::failed, counted(findings.size(), "threat", "threats") + " found", findings};
}

// ---- disk-health: 0 healthy, 1 failed, 3 warning, 2 error ------------------

std::optional<std::string> disk_problem(const json& disk) {
    std::vector<std::string> problems;
    if (const auto health = text_of(disk, "health"); health != "Healthy") problems.push_back("health " + health);
    if (number_of(disk, "wear") > 90) problems.push_back(fmt::format("wear {}%", number_of(disk, "wear")));
    if (number_of(disk, "read_errors") > 0) problems.push_back(fmt::format("{} read errors", number_of(disk, "read_errors")));
    if (number_of(disk, "write_errors") > 0)
        problems.push_back(fmt::format("{} write errors", number_of(disk, "write_errors")));
    if (problems.empty()) return std::nullopt;
    return fmt::format("{}: {}", text_of(disk, "name"), fmt::join(problems, ", "));
}

std::vector<std::string> storage_findings(const json& result) {
    std::vector<std::string> findings;
    for (const auto& disk : elements(result, "disks"))
        if (auto problem = disk_problem(disk)) findings.push_back(*problem);
    for (const auto& volume : elements(result, "volumes"))
        if (const auto scan = text_of(volume, "scan"); scan != "NoErrorsFound")
            findings.push_back(fmt::format("{} file system: {}", text_of(volume, "drive"), scan));
    return findings;
}

TaskReading read_storage(int exit_code, const json& result) {
    const auto disks = elements(result, "disks").size();
    if (exit_code == 2) return script_error(result, exit_code);
    if (exit_code == 0 && disks == 0) return {TaskStatus::skipped, "no physical disk", {}};
    auto findings = storage_findings(result);
    const auto checked = fmt::format("{}, {}", counted(disks, "disk", "disks"),
                                     counted(elements(result, "volumes").size(), "volume", "volumes"));
    if (exit_code == 0) return {TaskStatus::ok, checked + " healthy", findings};
    const auto problems = fmt::format("{}: {}", checked, counted(findings.size(), "problem", "problems"));
    if (exit_code == 1) return {TaskStatus::failed, problems, findings};
    if (exit_code == 3) return {TaskStatus::warning, problems, findings};
    return script_error(result, exit_code);
}

// ---- disk-optimize: 0 ok, 3 some volumes failed, 2 error --------------------

std::string volume_line(const json& volume) {
    const auto error = text_of(volume, "error");
    if (!error.empty()) return fmt::format("{} failed: {}", text_of(volume, "drive"), error);
    return fmt::format("{} {} {}: fragmentation {}% -> {}%", text_of(volume, "drive"), text_of(volume, "media_type"),
                       text_of(volume, "action"), text_of(volume, "fragmentation_before"),
                       text_of(volume, "fragmentation_after"));
}

TaskReading read_optimize(int exit_code, const json& result) {
    const auto volumes = elements(result, "volumes");
    std::vector<std::string> findings;
    for (const auto& volume : volumes) findings.push_back(volume_line(volume));
    const auto optimized = counted(volumes.size(), "volume", "volumes") + " optimized";
    if (exit_code == 0 && volumes.empty()) return {TaskStatus::skipped, "no fixed volume", {}};
    if (exit_code == 0) return {TaskStatus::ok, optimized, findings};
    if (exit_code == 3) return {TaskStatus::warning, "some volumes failed", findings};
    auto reading = script_error(result, exit_code);
    reading.findings = findings;
    return reading;
}

// ---- backup: restic's exit code, passed through ----------------------------

TaskReading read_restic_result(int exit_code, const json& result) {
    // The script's own error (restic missing, no local source): restic never ran.
    if (!result.contains("restic_exit") && exit_code != no_repository_exit) return script_error(result, exit_code);
    const auto summary = result.find("summary");
    const json* summary_object = summary != result.end() && summary->is_object() ? &*summary : nullptr;
    std::string messages = text_of(result, "error");
    for (const auto& message : strings_of(result, "messages")) messages += message + "\n";
    return read_restic(exit_code, summary_object, strings_of(result, "errors"), messages);
}

// ---- empty-trash: 0 ok, 3 some items stayed, 2 error ------------------------

TaskReading read_recycle_bin(int exit_code, const json& result) {
    const auto removed = number_in(result, "removed");
    const auto drives = strings_of(result, "drives");
    const auto done = fmt::format("{} removed from the recycle bins of {}", counted(removed, "item", "items"),
                                  counted(drives.size(), "drive", "drives"));
    if (exit_code == 0) return {TaskStatus::ok, done, {}};
    if (exit_code == 3)
        return {TaskStatus::warning, fmt::format("{}; {} could not be removed", done, number_of(result, "failed")), {}};
    return script_error(result, exit_code);
}

// ---- updates: 0 all installed or none pending, 3 some failed, 1 all, 2 error --

/// Windows Update's OperationResultCode as the record spells it; one that
/// did not finish (0 not started, 1 in progress) never installed: failed.
std::string update_result(std::int64_t code) {
    switch (code) {
        case 2: return "installed";
        case 3: return "installed_with_errors";
        case 5: return "aborted";
        default: return "failed";
    }
}

UpdateItem update_item(const json& update) {
    UpdateItem item;
    item.id = string_in(update, "kb", "");
    if (item.id.empty()) item.id = string_in(update, "id", "");
    item.title = string_in(update, "title", "");
    const auto code = number_in(update, "result", 4);
    item.result = update_result(code);
    item.installed = code == 2 || code == 3;
    item.reboot_required = flag_in(update, "reboot_required", false);
    return item;
}

/// "3 updates installed; 1 failed; restart needed" / "up to date".
std::string updates_summary(const TaskReading& reading) {
    const auto installed = std::count_if(reading.updates.begin(), reading.updates.end(),
                                         [](const UpdateItem& update) { return update.installed; });
    const auto failed = static_cast<std::int64_t>(reading.updates.size()) - installed;
    std::vector<std::string> parts;
    if (installed) parts.push_back(counted(installed, "update installed", "updates installed"));
    if (failed) parts.push_back(installed ? fmt::format("{} failed", failed) : counted(failed, "update failed", "updates failed"));
    if (parts.empty()) parts.emplace_back("up to date");
    if (reading.reboot_required) parts.emplace_back("restart needed");
    return fmt::format("{}", fmt::join(parts, "; "));
}

TaskReading read_windows_update(int exit_code, const json& result) {
    if (exit_code != 0 && exit_code != 1 && exit_code != 3) return script_error(result, exit_code);
    TaskReading reading;
    for (const auto& update : elements(result, "updates")) {
        auto item = update_item(update);
        // What went wrong, by update: one not downloaded never reached the installer.
        const auto stage = flag_in(update, "downloaded", true) ? "" : " (download)";
        if (item.result != "installed") {
            auto words = item.result;  // "installed with errors"
            std::replace(words.begin(), words.end(), '_', ' ');
            reading.findings.push_back(fmt::format("{} {}{}: {}", item.id, words, stage, item.title));
        }
        reading.updates.push_back(std::move(item));
    }
    reading.reboot_required = flag_in(result, "reboot_required", false);
    reading.status = exit_code == 0 ? TaskStatus::ok : exit_code == 3 ? TaskStatus::warning : TaskStatus::failed;
    reading.summary = updates_summary(reading);
    return reading;
}

}  // namespace

TaskReading read_windows(MaintenanceTask task, int exit_code, std::string_view out, std::string_view err) {
    const auto result = result_object(out);
    if (!result)
        return {TaskStatus::error,
                fmt::format("no JSON result: {}", first_line_or(out, first_line_or(err, "empty output"))), {}};
    switch (task) {
        case MaintenanceTask::antivirus: return with_skipped(read_defender(exit_code, *result), *result);
        case MaintenanceTask::disk_health: return read_storage(exit_code, *result);
        case MaintenanceTask::disk_optimize: return read_optimize(exit_code, *result);
        case MaintenanceTask::backup: return with_skipped(read_restic_result(exit_code, *result), *result);
        case MaintenanceTask::empty_trash: return read_recycle_bin(exit_code, *result);
        case MaintenanceTask::updates: return read_windows_update(exit_code, *result);
    }
    return {TaskStatus::error, "unknown task", {}};
}

}  // namespace custode::tasks_detail
