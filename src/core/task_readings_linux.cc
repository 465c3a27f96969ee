/// Linux readings: each task's exit code and output as a status, a one-line
/// summary and findings (see docs/tasks.md for the tables).

#include <array>
#include <fmt/format.h>

#include "tasks_detail.h"

namespace custode::tasks_detail {
namespace {

/// The shell's "command not found".
constexpr int not_found_exit = 127;

TaskReading not_found(std::string_view program) {
    return {TaskStatus::error, fmt::format("{} not found on the PC", program), {}};
}

TaskReading unexpected(std::string_view program, int exit_code, std::string_view err) {
    return {TaskStatus::error, fmt::format("{} exit {}: {}", program, exit_code, first_line_or(err, "no message")), {}};
}

std::vector<std::string> lines_with(std::string_view text, std::string_view needle) {
    std::vector<std::string> found;
    for (auto line : lines_of(text))
        if (line.find(needle) != std::string_view::npos) found.emplace_back(line);
    return found;
}

// ---- antivirus: clamscan 0 clean, 1 found, 2 error ------------------------

TaskReading read_clamscan(int exit_code, std::string_view out, std::string_view err) {
    if (exit_code == 0) return {TaskStatus::ok, "clean", {}};
    if (exit_code == 1) {
        auto infected = lines_with(out, " FOUND");
        return {TaskStatus::failed, counted(infected.size(), "infected file", "infected files"), std::move(infected)};
    }
    if (exit_code == not_found_exit) return not_found("clamscan");
    return unexpected("clamscan", exit_code, err);
}

// ---- disk-health: one JSON line per disk, smartctl's bitmask exit ---------

/// Worse statuses rank higher when combining disks.
int rank(TaskStatus status) {
    switch (status) {
        case TaskStatus::ok: return 0;
        case TaskStatus::warning: return 1;
        case TaskStatus::error: return 2;
        default: return 3;
    }
}

struct DiskVerdict {
    TaskStatus status = TaskStatus::ok;
    std::string finding;
};

/// smartctl's exit bits 4..7: worth a look, not yet a failure.
std::vector<std::string_view> warning_bits(int exit_code) {
    static constexpr std::array<std::string_view, 4> meanings{
        "prefail attributes at or below threshold", "attributes past threshold in the past",
        "errors in the device error log", "errors in the self-test log"};
    std::vector<std::string_view> set;
    for (int bit = 4; bit <= 7; ++bit)
        if (exit_code & (1 << bit)) set.push_back(meanings[bit - 4]);
    return set;
}

DiskVerdict judge_disk(const nlohmann::json& line) {
    const std::string device = string_in(line, "device", "?");
    // smartctl's exit status is 0..255; any other value of "exit" (a string,
    // a number out of range) reads as "could not read it".
    const auto exit_status = line.contains("exit") ? number_in(line, "exit", -1) : 0;
    const int exit_code = exit_status >= 0 && exit_status <= 255 ? static_cast<int>(exit_status) : 0x7;
    const auto& smart = line.contains("smartctl") ? line["smartctl"] : nlohmann::json();
    std::string name = device;
    if (const auto model = string_in(smart, "model_name", ""); !model.empty()) name += fmt::format(" ({})", model);
    const auto& status = smart.is_object() && smart.contains("smart_status") ? smart["smart_status"] : nlohmann::json();
    const bool passed = flag_in(status, "passed", true);
    if ((exit_code & (1 << 3)) || !passed) return {TaskStatus::failed, name + ": SMART overall health FAILED"};
    if (exit_code & 0x7) return {TaskStatus::error, fmt::format("{}: smartctl could not read it (exit {})", name, exit_code)};
    if (const auto bits = warning_bits(exit_code); !bits.empty())
        return {TaskStatus::warning, fmt::format("{}: {}", name, fmt::join(bits, ", "))};
    return {};
}

std::string disk_summary(std::size_t disks, const std::array<int, 4>& by_rank) {
    if (by_rank[1] + by_rank[2] + by_rank[3] == 0) return counted(disks, "disk", "disks") + " healthy";
    std::vector<std::string> parts;
    if (by_rank[3]) parts.push_back(fmt::format("{} failing", by_rank[3]));
    if (by_rank[2]) parts.push_back(fmt::format("{} unreadable", by_rank[2]));
    if (by_rank[1]) parts.push_back(fmt::format("{} with warnings", by_rank[1]));
    return fmt::format("{}: {}", counted(disks, "disk", "disks"), fmt::join(parts, ", "));
}

TaskReading read_smart_lines(std::string_view out) {
    TaskReading reading{TaskStatus::ok, "", {}};
    std::array<int, 4> by_rank{};
    std::size_t disks = 0;
    for (auto text : lines_of(out)) {
        if (text.empty()) continue;
        ++disks;
        const auto line = parse_json(text);
        const DiskVerdict verdict = line && line->is_object()
                                        ? judge_disk(*line)
                                        : DiskVerdict{TaskStatus::error, fmt::format("unreadable line: {}", text)};
        ++by_rank[rank(verdict.status)];
        if (rank(verdict.status) > rank(reading.status)) reading.status = verdict.status;
        if (!verdict.finding.empty()) reading.findings.push_back(verdict.finding);
    }
    if (disks == 0) return {TaskStatus::skipped, "no SMART device", {}};
    reading.summary = disk_summary(disks, by_rank);
    return reading;
}

TaskReading read_disk_health(int exit_code, std::string_view out, std::string_view err) {
    if (exit_code == not_found_exit) return not_found("smartctl");
    if (exit_code != 0) return unexpected("disk-health script", exit_code, err);
    return read_smart_lines(out);
}

// ---- disk-optimize: fstrim 0 ok, 64 some failed, 32 all failed ------------

/// Sums "(N bytes)" of fstrim's verbose lines ("/: 1.2 GiB (1288490188 bytes) trimmed ...").
std::int64_t trimmed_bytes(const std::vector<std::string>& lines) {
    std::int64_t total = 0;
    for (const auto& line : lines) {
        const auto open = line.find(" (");
        if (open == std::string::npos) continue;
        try {
            total += std::stoll(line.substr(open + 2));
        } catch (const std::exception&) {
        }
    }
    return total;
}

TaskReading read_fstrim(int exit_code, std::string_view out, std::string_view err) {
    auto trimmed = lines_with(out, " trimmed");
    const auto problems = lines_with(err, "fstrim");
    const auto done = fmt::format("{} trimmed, {}", counted(trimmed.size(), "file system", "file systems"),
                                  human_bytes(trimmed_bytes(trimmed)));
    const bool none_supported = !problems.empty() && problems.size() == lines_with(err, "not supported").size();
    if (exit_code == 0 && trimmed.empty()) return {TaskStatus::skipped, "no file system supports discard", {}};
    if (exit_code == 0) return {TaskStatus::ok, done, std::move(trimmed)};
    if (exit_code == 32 && none_supported) return {TaskStatus::skipped, "no file system supports discard", {}};
    if (exit_code == 64) return {TaskStatus::warning, done + "; some failed", problems};
    if (exit_code == 32) return {TaskStatus::error, "trimming failed on every file system", problems};
    if (exit_code == not_found_exit) return not_found("fstrim");
    return unexpected("fstrim", exit_code, err);
}

// ---- backup: restic --json lines -------------------------------------------

std::string restic_error_text(const nlohmann::json& line) {
    const auto& error = line.contains("error") ? line["error"] : nlohmann::json();
    const std::string message = error.is_string() ? error.get<std::string>() : string_in(error, "message", "error");
    return fmt::format("{}: {}", string_in(line, "item", "?"), message);
}

struct ResticLines {
    std::optional<nlohmann::json> summary;
    std::vector<std::string> errors;
    std::string messages;  ///< restic's fatal messages and plain stderr, for a failure's summary
};

void collect_restic(std::string_view stream, bool is_stderr, ResticLines& collected) {
    for (auto text : lines_of(stream)) {
        const auto line = text.starts_with('{') ? parse_json(text) : std::nullopt;
        const std::string type = line ? string_in(*line, "message_type", "") : "";
        if (type == "summary") collected.summary = *line;
        else if (type == "error") collected.errors.push_back(restic_error_text(*line));
        else if (type == "exit_error") collected.messages += string_in(*line, "message", "") + "\n";
        else if (!line && is_stderr) collected.messages += std::string(text) + "\n";
    }
}

TaskReading read_restic_output(int exit_code, std::string_view out, std::string_view err) {
    ResticLines collected;
    collect_restic(out, false, collected);
    collect_restic(err, true, collected);
    const nlohmann::json* summary = collected.summary ? &*collected.summary : nullptr;
    return read_restic(exit_code, summary, std::move(collected.errors), collected.messages);
}

// ---- empty-trash: {"trash_dirs":N,"items":N,"failed":N} ---------------------

TaskReading read_trash(int exit_code, std::string_view out, std::string_view err) {
    const auto lines = lines_of(out);
    const auto result = lines.empty() ? std::nullopt : parse_json(lines.back());
    if (!result || !result->is_object())
        return {TaskStatus::error, fmt::format("no JSON result: {}", first_line_or(err, "empty output")), {}};
    const auto items = number_in(*result, "items");
    const auto dirs = number_in(*result, "trash_dirs");
    const auto done = fmt::format("{} removed from {}", counted(items, "item", "items"),
                                  counted(dirs, "trash folder", "trash folders"));
    if (exit_code == 0) return {TaskStatus::ok, done, {}};
    const auto failed = number_in(*result, "failed");
    if (exit_code == 1)
        return {TaskStatus::warning, fmt::format("{}; {} could not be removed", done, failed), lines_with(err, "rm:")};
    return unexpected("empty-trash script", exit_code, err);
}

// ---- updates: tagged lines on stdout, apt's words on stderr -----------------

/// "3 packages upgraded, 1 added" / "up to date", and "; restart needed".
std::string updates_done(const TaskReading& reading) {
    std::int64_t upgraded = 0;
    std::int64_t added = 0;
    for (const auto& update : reading.updates) (update.from.empty() ? added : upgraded) += 1;
    std::string done = upgraded || added ? counted(upgraded, "package upgraded", "packages upgraded") : "up to date";
    if (added) done += fmt::format(", {} added", added);
    if (reading.reboot_required) done += "; restart needed";
    return done;
}

TaskReading read_apt(int exit_code, std::string_view out, std::string_view err) {
    if (exit_code == not_found_exit) return not_found("apt-get");
    TaskReading reading;
    std::vector<std::string> reboot_packages;
    bool finished = false;  // the script got to its last question
    for (const auto line : lines_of(out)) {
        std::vector<std::string> words;
        for (std::size_t start = 0; start < line.size();) {
            const auto end = std::min(line.find(' ', start), line.size());
            if (end > start) words.emplace_back(line.substr(start, end - start));
            start = end + 1;
        }
        if (words.empty()) continue;
        const auto& tag = words[0];
        if (tag == "custode-upgraded" && words.size() == 4)
            reading.updates.push_back({words[1], "", words[2], words[3], true, false, "installed"});
        else if (tag == "custode-added" && words.size() == 3)
            reading.updates.push_back({words[1], "", "", words[2], true, false, "installed"});
        else if (tag == "custode-held" && words.size() == 2)
            reading.findings.push_back("held: " + words[1]);
        else if (tag == "custode-reboot-package" && words.size() == 2)
            reboot_packages.push_back(words[1]);
        else if (tag == "custode-reboot-required" && words.size() == 2) {
            reading.reboot_required = words[1] == "yes";
            finished = true;
        }
    }
    // Packages are named with their architecture ("libc6:amd64");
    // reboot-required.pkgs names source or binary packages without it.
    for (auto& update : reading.updates) {
        const auto bare = update.id.substr(0, update.id.find(':'));
        update.reboot_required = std::find(reboot_packages.begin(), reboot_packages.end(), bare) != reboot_packages.end();
    }
    if (!finished) return unexpected("updates script", exit_code, err);
    const auto done = updates_done(reading);
    if (exit_code == 0) {
        reading.status = TaskStatus::ok;
        reading.summary = done;
        return reading;
    }
    reading.status = TaskStatus::failed;
    const auto apt_errors = lines_with(err, "E: ");
    const bool locked = std::any_of(apt_errors.begin(), apt_errors.end(),
                                    [](const std::string& e) { return e.find("Could not get lock") != std::string::npos; });
    if (locked)
        reading.summary = fmt::format("dpkg is locked by another process (waited {} s); {}", apt_lock_wait.count(), done);
    else
        reading.summary = fmt::format("apt-get failed (exit {}): {}; {}", exit_code,
                                      apt_errors.empty() ? first_line_or(err, "no message") : apt_errors.front(), done);
    reading.findings.insert(reading.findings.end(), apt_errors.begin(), apt_errors.end());
    return reading;
}

}  // namespace

TaskReading read_linux(MaintenanceTask task, int exit_code, std::string_view out, std::string_view err) {
    switch (task) {
        case MaintenanceTask::antivirus: return read_clamscan(exit_code, out, err);
        case MaintenanceTask::disk_health: return read_disk_health(exit_code, out, err);
        case MaintenanceTask::disk_optimize: return read_fstrim(exit_code, out, err);
        case MaintenanceTask::backup: return read_restic_output(exit_code, out, err);
        case MaintenanceTask::empty_trash: return read_trash(exit_code, out, err);
        case MaintenanceTask::updates: return read_apt(exit_code, out, err);
    }
    return {TaskStatus::error, "unknown task", {}};
}

}  // namespace custode::tasks_detail
