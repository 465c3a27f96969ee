/// What both OSes' readings share: text helpers and restic's exit codes.

#include <array>
#include <limits>
#include <fmt/format.h>

#include "tasks_detail.h"

namespace custode::tasks_detail {
namespace {

std::string_view trimmed(std::string_view text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string_view::npos) return {};
    const auto end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

/// "snapshot 1a2b3c4d: 3 new, 1 changed files, 1.5 MiB added".
std::string restic_summary(const nlohmann::json& summary) {
    std::string snapshot = string_in(summary, "snapshot_id", "");
    if (snapshot.size() > 8) snapshot.resize(8);
    return fmt::format("snapshot {}: {} new, {}, {} added", snapshot.empty() ? "?" : snapshot,
                       number_in(summary, "files_new"),
                       counted(number_in(summary, "files_changed"), "changed file", "changed files"),
                       human_bytes(number_in(summary, "data_added")));
}

/// restic's documented exit codes beyond 0, 1 and 3.
std::string restic_failure(int exit_code, std::string_view err) {
    switch (exit_code) {
        case 10: return "repository does not exist";
        case 11: return "repository is locked";
        case 12: return "wrong repository password";
        case 127: return "restic not found";
        case 130: return "interrupted";
        default: return fmt::format("restic exit {}: {}", exit_code, first_line_or(err, "no message"));
    }
}

}  // namespace

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        std::string_view line = text.substr(0, end);
        if (line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back(line);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::string first_line_or(std::string_view text, std::string_view fallback) {
    for (auto line : lines_of(text))
        if (!trimmed(line).empty() && !trimmed(line).starts_with(pid_marker)) return std::string(trimmed(line));
    return std::string(fallback);
}

std::string counted(std::int64_t count, std::string_view singular, std::string_view plural) {
    return fmt::format("{} {}", count, count == 1 ? singular : plural);
}

std::string human_bytes(std::int64_t bytes) {
    static constexpr std::array<std::string_view, 6> units{"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < units.size()) {
        value /= 1024;
        ++unit;
    }
    if (unit == 0) return fmt::format("{} B", bytes);
    return fmt::format("{:.1f} {}", value, units[unit]);
}

std::optional<nlohmann::json> parse_json(std::string_view text) {
    auto value = nlohmann::json::parse(text, nullptr, false);
    if (value.is_discarded()) return std::nullopt;
    return value;
}

std::string string_in(const nlohmann::json& object, const char* key, std::string_view fallback) {
    const auto found = object.find(key);  // end() when `object` is not an object
    return found != object.end() && found->is_string() ? found->get<std::string>() : std::string(fallback);
}

std::int64_t number_in(const nlohmann::json& object, const char* key, std::int64_t fallback) {
    const auto found = object.find(key);
    if (found == object.end()) return fallback;
    if (found->is_number_integer() && !found->is_number_unsigned()) return found->get<std::int64_t>();
    if (found->is_number_unsigned()) {
        const auto value = found->get<std::uint64_t>();
        return value <= std::uint64_t(std::numeric_limits<std::int64_t>::max()) ? std::int64_t(value) : fallback;
    }
    // A float (PowerShell writes large counts as 1.5E+10): converting one out
    // of range, or NaN, would be undefined behaviour.
    if (found->is_number_float()) {
        const auto value = found->get<double>();
        constexpr double limit = 9223372036854775808.0;  // 2^63
        return value >= -limit && value < limit ? static_cast<std::int64_t>(value) : fallback;
    }
    return fallback;
}

bool flag_in(const nlohmann::json& object, const char* key, bool fallback) {
    const auto found = object.find(key);
    return found != object.end() && found->is_boolean() ? found->get<bool>() : fallback;
}

TaskReading read_restic(int exit_code, const nlohmann::json* summary, std::vector<std::string> errors,
                        std::string_view err) {
    if (exit_code == no_repository_exit) return {TaskStatus::error, std::string(no_repository_message), {}};
    const std::string done = summary ? restic_summary(*summary) : "no summary from restic";
    switch (exit_code) {
        case 0: return {TaskStatus::ok, done, std::move(errors)};
        case 3:
            return {TaskStatus::warning,
                    fmt::format("{}; {} could not be read", done,
                                errors.empty() ? "some files" : counted(errors.size(), "file", "files")),
                    std::move(errors)};
        case 1:
            return {TaskStatus::failed, fmt::format("no snapshot: {}", first_line_or(err, "restic failed")),
                    std::move(errors)};
        default: return {TaskStatus::error, restic_failure(exit_code, err), std::move(errors)};
    }
}

}  // namespace custode::tasks_detail
