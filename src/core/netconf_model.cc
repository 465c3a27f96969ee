/// The netconf model's small helpers: names of enum values, time windows,
/// name patterns.

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <utility>

#include "custode/core/netconf.h"

namespace custode {
namespace {

template <typename Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<std::pair<Enum, std::string_view>, N>& names, std::string_view text) {
    for (const auto& [value, name] : names)
        if (name == text) return value;
    return std::nullopt;
}

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
    for (const auto& [candidate, name] : names)
        if (candidate == value) return name;
    return "?";
}

constexpr std::array<std::pair<MaintenanceTask, std::string_view>, 6> task_names{{
    {MaintenanceTask::antivirus, "antivirus"},
    {MaintenanceTask::disk_health, "disk-health"},
    {MaintenanceTask::disk_optimize, "disk-optimize"},
    {MaintenanceTask::backup, "backup"},
    {MaintenanceTask::empty_trash, "empty-trash"},
    {MaintenanceTask::updates, "updates"},
}};

constexpr std::array<std::pair<RebootPolicy, std::string_view>, 2> reboot_names{{
    {RebootPolicy::if_needed, "if_needed"},
    {RebootPolicy::never, "never"},
}};

constexpr std::array<std::pair<AptUpgrade, std::string_view>, 2> apt_upgrade_names{{
    {AptUpgrade::upgrade, "upgrade"},
    {AptUpgrade::dist_upgrade, "dist-upgrade"},
}};

constexpr std::array<std::pair<ShutdownPolicy, std::string_view>, 3> shutdown_names{{
    {ShutdownPolicy::woken, "woken"},
    {ShutdownPolicy::all, "all"},
    {ShutdownPolicy::never, "never"},
}};

constexpr std::array<std::pair<HostOs, std::string_view>, 2> os_names{{
    {HostOs::windows, "windows"},
    {HostOs::linux_, "linux"},
}};

bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/// "HH:MM" with 00..23 and 00..59, as minutes after midnight.
std::optional<int> parse_time_of_day(std::string_view text) {
    if (text.size() != 5 || text[2] != ':') return std::nullopt;
    for (std::size_t i : {0u, 1u, 3u, 4u})
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
    const int hours = (text[0] - '0') * 10 + (text[1] - '0');
    const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
    if (hours > 23 || minutes > 59) return std::nullopt;
    return hours * 60 + minutes;
}

}  // namespace

std::string Diagnostic::to_string() const {
    const std::string_view kind = severity == Severity::warning ? "warning: " : "";
    if (line == 0) return fmt::format("{}: {}{}", file, kind, message);
    return fmt::format("{}:{}:{}: {}{}", file, line, column, kind, message);
}

std::size_t NetconfLoad::error_count() const {
    return static_cast<std::size_t>(std::count_if(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) {
        return d.severity == Diagnostic::Severity::error;
    }));
}

std::string_view link_kind(const LinkSpec& link) {
    static constexpr std::array<std::string_view, 3> kinds{"vlan", "port", "vxlan"};
    return kinds[link.index()];
}

std::string_view to_string(MaintenanceTask task) { return name_of(task_names, task); }
std::optional<MaintenanceTask> parse_maintenance_task(std::string_view text) { return lookup(task_names, text); }
std::string_view to_string(ShutdownPolicy policy) { return name_of(shutdown_names, policy); }
std::optional<ShutdownPolicy> parse_shutdown_policy(std::string_view text) { return lookup(shutdown_names, text); }
std::string_view to_string(RebootPolicy policy) { return name_of(reboot_names, policy); }
std::optional<RebootPolicy> parse_reboot_policy(std::string_view text) { return lookup(reboot_names, text); }
std::string_view to_string(AptUpgrade mode) { return name_of(apt_upgrade_names, mode); }
std::optional<AptUpgrade> parse_apt_upgrade(std::string_view text) { return lookup(apt_upgrade_names, text); }
std::vector<std::string> default_update_categories() { return {"security", "critical", "definitions"}; }
std::string_view to_string(HostOs os) { return name_of(os_names, os); }
std::optional<HostOs> parse_host_os(std::string_view text) { return lookup(os_names, text); }

std::optional<MaintenanceWindow> MaintenanceWindow::parse(std::string_view text) {
    if (text.size() != 11 || text[5] != '-') return std::nullopt;
    const auto start = parse_time_of_day(text.substr(0, 5));
    const auto end = parse_time_of_day(text.substr(6));
    if (!start || !end || *start == *end) return std::nullopt;
    return MaintenanceWindow(*start, *end);
}

bool MaintenanceWindow::contains(int minute_of_day) const {
    if (start_ < end_) return minute_of_day >= start_ && minute_of_day < end_;
    return minute_of_day >= start_ || minute_of_day < end_;  // crosses midnight
}

std::string MaintenanceWindow::to_string() const {
    return fmt::format("{:02}:{:02}-{:02}:{:02}", start_ / 60, start_ % 60, end_ / 60, end_ % 60);
}

TaskSettings TaskSettings::merge(const TaskSettings& client, const TaskSettings& host) {
    TaskSettings merged = host;
    if (!merged.scan_paths) merged.scan_paths = client.scan_paths;
    if (!merged.backup_sources) merged.backup_sources = client.backup_sources;
    if (!merged.backup_repository && !merged.backup_lab) {  // two ways to name one repository: the host's wins whole
        merged.backup_repository = client.backup_repository;
        merged.backup_lab = client.backup_lab;
    }
    if (!merged.backup_password_file) merged.backup_password_file = client.backup_password_file;
    if (!merged.task_timeout) merged.task_timeout = client.task_timeout;
    merged.task_timeouts.insert(client.task_timeouts.begin(), client.task_timeouts.end());  // keeps the host's
    if (!merged.update_categories) merged.update_categories = client.update_categories;
    if (!merged.apt_upgrade) merged.apt_upgrade = client.apt_upgrade;
    if (!merged.reboot) merged.reboot = client.reboot;
    merged.commands.insert(client.commands.begin(), client.commands.end());  // keeps the host's keys
    return merged;
}

bool is_valid_host_name(std::string_view name) {
    if (name.empty() || name.size() > 63 || name[0] == '-') return false;
    return std::all_of(name.begin(), name.end(), [](char c) { return is_lower_or_digit(c) || c == '-'; });
}

bool is_valid_namespace_prefix(std::string_view prefix) {
    if (prefix.empty() || prefix.size() > 8 || prefix[0] < 'a' || prefix[0] > 'z') return false;
    return std::all_of(prefix.begin(), prefix.end(), [](char c) { return is_lower_or_digit(c) || c == '-'; });
}

namespace netconf_text {

/// Bytes no address or URL in a header or on a command line may hold.
bool is_space_or_control(char c) { return static_cast<unsigned char>(c) <= ' ' || c == '\x7f'; }

}  // namespace netconf_text

bool is_valid_mail_address(std::string_view address) {
    // `-x` would read as an option to some sendmails; the rest is list and header syntax.
    if (address.empty() || address.size() > 254 || address.front() == '-') return false;
    if (std::any_of(address.begin(), address.end(), [](char c) {
            return netconf_text::is_space_or_control(c) || std::string_view(",;<>()\"\\[]:").find(c) != std::string_view::npos;
        }))
        return false;
    const auto at = address.find('@');
    if (at == std::string_view::npos) return true;  // a local user: root, technician
    return at > 0 && at + 1 < address.size() && address.find('@', at + 1) == std::string_view::npos &&
           address.substr(at + 1).find('.') != 0;
}

bool is_valid_webhook_url(std::string_view url) {
    if (std::any_of(url.begin(), url.end(), netconf_text::is_space_or_control)) return false;
    for (const std::string_view scheme : {"http://", "https://"}) {
        if (!url.starts_with(scheme)) continue;
        const auto rest = url.substr(scheme.size());
        const auto host_end = rest.find_first_of("/?#");
        const auto authority = rest.substr(0, host_end);
        const auto host = authority.substr(authority.find('@') + 1);  // after user:password@, if any
        return !host.empty() && host.front() != ':';
    }
    return false;
}

const Client* Netconf::find(std::string_view client_name) const {
    for (const auto& client : clients)
        if (client.name.str() == client_name) return &client;
    return nullptr;
}

std::string Netconf::namespace_of(const Client& client) const { return site.namespace_prefix + client.name.str(); }

std::string Netconf::known_hosts_of(const Client& client) const {
    return site.ssh.known_hosts + ".d/" + client.name.str();
}

}  // namespace custode
