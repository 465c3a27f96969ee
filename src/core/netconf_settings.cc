/// The task settings of [maintenance] and [host.maintenance]: scan paths,
/// backup sources and repository, timeout, and whole-command overrides.

#include <algorithm>
#include <array>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "netconf_parse.h"

namespace custode::netconf_detail {
namespace {

constexpr std::int64_t max_task_timeout = 24 * 3600;

/// Absolute on the PC: "/home" (Linux), "C:\Users" or "\\server\share" (Windows).
bool is_absolute_on_pc(std::string_view path) {
    if (path.starts_with('/') || path.starts_with("\\\\")) return true;
    const bool drive = path.size() >= 3 && ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'));
    return drive && path[1] == ':' && (path[2] == '\\' || path[2] == '/');
}

/// A Windows share, `\\server\share\...`.
bool is_network_path(std::string_view path) { return path.starts_with("\\\\"); }

/// A non-empty array of non-empty strings; with `absolute`, each an absolute path.
std::optional<std::vector<std::string>> read_list(TableReader& table, std::string_view key, bool absolute) {
    const auto values = table.strings(key, Presence::optional);
    if (!values) return std::nullopt;
    const toml::array& array = *table.node(key, Presence::optional)->as_array();  // strings() checked the type
    if (array.empty()) {
        table.diagnostics().error(array, fmt::format("{}: must list at least one path", table.qualified(key)));
        return std::nullopt;
    }
    bool valid = values->size() == array.size();  // strings() reported the elements of another type
    std::vector<std::string> list;
    for (const auto& [path, at] : *values) {
        const char* problem = path.empty() ? "is empty" : absolute && !is_absolute_on_pc(path) ? "is not an absolute path" : nullptr;
        if (problem) {
            table.diagnostics().error(at, fmt::format("{}: {} {}", table.qualified(key), in_quotes(path), problem));
            valid = false;
        } else if (is_network_path(path)) {
            table.diagnostics().warning(
                at, fmt::format("{}: {} is a network share: a Windows PC logged on with an SSH key has no network "
                                "credentials, so the task skips it; scan or back it up on the machine that holds it "
                                "(docs/tasks.md)",
                                table.qualified(key), in_quotes(path)));
        }
        list.push_back(path);
    }
    if (!valid) return std::nullopt;
    return list;
}

std::optional<std::string> read_text(TableReader& table, std::string_view key) {
    const auto value = table.string(key, Presence::optional);
    if (!value) return std::nullopt;
    if (!value->value.empty()) return value->value;
    table.diagnostics().error(value->at, fmt::format("{}: must not be empty", table.qualified(key)));
    return std::nullopt;
}

/// `user@host` or `ssh://user@host:port`, as ssh takes a destination. It
/// becomes a word of restic's rclone.program, which restic splits at spaces
/// and Windows PowerShell re-quotes: so these characters only.
std::optional<std::string> read_ssh_destination(TableReader& table, std::string_view key) {
    auto text = read_text(table, key);
    if (!text) return std::nullopt;
    const bool plain = std::all_of(text->begin(), text->end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("@._:/[]-").find(c) != std::string_view::npos;
    });
    if (plain && text->front() != '-') return text;
    table.diagnostics().error(*table.node(key, Presence::optional),
                              fmt::format("{}: {} is not an ssh destination (user@host or ssh://user@host:port; "
                                          "letters, digits and @ . _ : / [ ] - only)",
                                          table.qualified(key), in_quotes(*text)));
    return std::nullopt;
}

std::map<std::string, std::string> read_commands(TableReader& table) {
    std::map<std::string, std::string> commands;
    static constexpr std::array<std::string_view, 8> names{"antivirus",   "disk-health", "disk-optimize", "backup",
                                                           "empty-trash", "updates",     "shutdown",      "reboot"};
    for (const auto name : names)
        if (auto command = read_text(table, name)) commands.emplace(name, std::move(*command));
    table.report_unknown_keys();
    return commands;
}

/// [maintenance.timeouts]: seconds per task name, as task_timeout.
std::map<std::string, int> read_task_timeouts(TableReader& table) {
    std::map<std::string, int> timeouts;
    for (const auto task : {MaintenanceTask::antivirus, MaintenanceTask::disk_health, MaintenanceTask::disk_optimize,
                            MaintenanceTask::backup, MaintenanceTask::empty_trash, MaintenanceTask::updates})
        if (const auto timeout = table.integer(to_string(task), Presence::optional, 1, max_task_timeout))
            timeouts.emplace(to_string(task), static_cast<int>(timeout->value));
    table.report_unknown_keys();
    return timeouts;
}

/// Windows Update categories: known names, each once.
std::optional<std::vector<std::string>> read_update_categories(TableReader& table) {
    const auto values = table.strings("update_categories", Presence::optional);
    if (!values) return std::nullopt;
    std::vector<std::string> categories;
    bool valid = true;
    for (const auto& [name, at] : *values) {
        const bool known = std::find(windows_update_categories.begin(), windows_update_categories.end(), name) !=
                           windows_update_categories.end();
        if (!known) {
            table.diagnostics().error(at, fmt::format("{}: {} is not one of {}", table.qualified("update_categories"),
                                                      in_quotes(name), fmt::join(windows_update_categories, ", ")));
            valid = false;
        } else if (std::find(categories.begin(), categories.end(), name) != categories.end()) {
            table.diagnostics().error(at, fmt::format("{}: {} is listed twice", table.qualified("update_categories"),
                                                      in_quotes(name)));
            valid = false;
        } else {
            categories.push_back(name);
        }
    }
    if (valid && categories.empty()) {
        table.diagnostics().error(*table.node("update_categories", Presence::optional),
                                  fmt::format("{}: must list at least one category", table.qualified("update_categories")));
        valid = false;
    }
    if (!valid) return std::nullopt;
    return categories;
}

}  // namespace

TaskSettings parse_task_settings(TableReader& maintenance) {
    TaskSettings settings;
    settings.scan_paths = read_list(maintenance, "scan_paths", true);
    settings.backup_sources = read_list(maintenance, "backup_sources", false);
    settings.backup_repository = read_text(maintenance, "backup_repository");
    settings.backup_lab = read_ssh_destination(maintenance, "backup_lab");
    if (settings.backup_repository && settings.backup_lab) {
        maintenance.diagnostics().error(*maintenance.node("backup_lab", Presence::optional),
                                        fmt::format("{}: names the repository a second time: give backup_lab or "
                                                    "backup_repository, not both",
                                                    maintenance.qualified("backup_lab")));
        settings.backup_lab.reset();
    }
    settings.backup_password_file = read_text(maintenance, "backup_password_file");
    if (const auto timeout = maintenance.integer("task_timeout", Presence::optional, 1, max_task_timeout))
        settings.task_timeout = static_cast<int>(timeout->value);
    if (const toml::table* timeouts = maintenance.table("timeouts", Presence::optional)) {
        TableReader reader(*timeouts, maintenance.qualified("timeouts"), maintenance.diagnostics());
        settings.task_timeouts = read_task_timeouts(reader);
    }
    settings.update_categories = read_update_categories(maintenance);
    if (const auto mode = maintenance.choice("apt_upgrade", Presence::optional, {"upgrade", "dist-upgrade"}))
        settings.apt_upgrade = parse_apt_upgrade(mode->value);
    if (const auto policy = maintenance.choice("reboot", Presence::optional, {"if_needed", "never"}))
        settings.reboot = parse_reboot_policy(policy->value);
    if (const toml::table* commands = maintenance.table("commands", Presence::optional)) {
        TableReader reader(*commands, maintenance.qualified("commands"), maintenance.diagnostics());
        settings.commands = read_commands(reader);
    }
    return settings;
}

}  // namespace custode::netconf_detail
