/// The run record: outcome rules, totals, times and its JSON form.

#include "custode/core/run_record.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <stdexcept>

#include "custode/core/utc_time.h"
#include "tasks_detail.h"

namespace custode {
namespace {

constexpr std::array kPowerOutcomes = {PowerOutcome::was_on, PowerOutcome::woken, PowerOutcome::did_not_wake,
                                       PowerOutcome::unknown};
constexpr std::array kShutdownOutcomes = {ShutdownOutcome::not_requested, ShutdownOutcome::confirmed_off,
                                          ShutdownOutcome::still_on, ShutdownOutcome::failed,
                                          ShutdownOutcome::user_logged_on};

template <typename Enum, std::size_t N>
std::optional<Enum> parse_enum(const std::array<Enum, N>& values, std::string_view text) {
    for (const auto value : values)
        if (to_string(value) == text) return value;
    return std::nullopt;
}

}  // namespace

std::string_view to_string(PowerOutcome outcome) {
    switch (outcome) {
        case PowerOutcome::was_on: return "was_on";
        case PowerOutcome::woken: return "woken";
        case PowerOutcome::did_not_wake: return "did_not_wake";
        case PowerOutcome::unknown: return "unknown";
    }
    return "unknown";
}

std::string_view to_string(ShutdownOutcome outcome) {
    switch (outcome) {
        case ShutdownOutcome::not_requested: return "not_requested";
        case ShutdownOutcome::confirmed_off: return "confirmed_off";
        case ShutdownOutcome::still_on: return "still_on";
        case ShutdownOutcome::failed: return "failed";
        case ShutdownOutcome::user_logged_on: return "user_logged_on";
    }
    return "failed";
}

std::string_view to_string(RebootOutcome outcome) {
    switch (outcome) {
        case RebootOutcome::not_needed: return "not_needed";
        case RebootOutcome::rebooted: return "rebooted";
        case RebootOutcome::pending: return "pending";
        case RebootOutcome::user_logged_on: return "user_logged_on";
        case RebootOutcome::did_not_return: return "did_not_return";
        case RebootOutcome::reboot_loop: return "reboot_loop";
        case RebootOutcome::failed: return "failed";
    }
    return "failed";
}

std::optional<RebootOutcome> parse_reboot_outcome(std::string_view text) { return parse_enum(reboot_outcomes, text); }

std::optional<PowerOutcome> parse_power_outcome(std::string_view text) { return parse_enum(kPowerOutcomes, text); }

std::optional<ShutdownOutcome> parse_shutdown_outcome(std::string_view text) {
    return parse_enum(kShutdownOutcomes, text);
}

std::string left_on_text(const std::vector<std::string>& logged_on) {
    if (logged_on.empty()) return "left on: a user is logged on";
    return fmt::format("left on: {} logged on", fmt::join(logged_on, ", "));
}

// ---------------------------------------------------------------- rules

bool is_problem(RebootOutcome outcome) {
    return outcome == RebootOutcome::did_not_return || outcome == RebootOutcome::failed;
}

bool restart_still_needed(RebootOutcome outcome) {
    return outcome != RebootOutcome::not_needed && outcome != RebootOutcome::rebooted;
}

bool HostRun::ok() const {
    const bool tasks_ok =
        std::none_of(tasks.begin(), tasks.end(), [](const TaskResult& task) { return is_problem(task.status); });
    // Left on for a logged-on user is the rule working, not a failure.
    const bool shutdown_ok = shutdown == ShutdownOutcome::not_requested ||
                             shutdown == ShutdownOutcome::confirmed_off || shutdown == ShutdownOutcome::user_logged_on;
    return reached && tasks_ok && shutdown_ok && !is_problem(reboot);
}

bool BackupCare::ok() const {
    return error.empty() && forged.empty() && stale.empty() &&
           std::all_of(restores.begin(), restores.end(), [](const RestoreTest& test) { return test.ok; });
}

std::string restore_test_line(const RestoreTest& test) {
    if (test.ok) return fmt::format("restore test {} {} ({}) verified", test.host, test.file, tasks_detail::human_bytes(static_cast<std::int64_t>(test.size)));
    return fmt::format("restore test {} failed: {}", test.host, test.detail);
}

std::string backup_care_line(const BackupCare& care) {
    using tasks_detail::counted;
    using tasks_detail::human_bytes;
    std::vector<std::string> parts;  // what the look found and did, then each problem
    if (care.listed) {
        auto done = fmt::format("{} ({} new)", counted(care.snapshots, "snapshot", "snapshots"), care.new_snapshots);
        if (!care.removed.empty()) done += fmt::format(", {} removed", care.removed.size());
        if (care.bytes_before && care.bytes_after)
            done += fmt::format(", {} freed",
                                human_bytes(static_cast<std::int64_t>(*care.bytes_before - std::min(*care.bytes_before, *care.bytes_after))));
        if (!care.check.empty() && care.error.empty()) done += fmt::format(", restic {} passed", care.check);
        for (const auto& test : care.restores)
            if (test.ok) done += ", " + restore_test_line(test);
        parts.push_back(std::move(done));
    }
    for (const auto& test : care.restores)
        if (!test.ok) parts.push_back(restore_test_line(test));
    for (const auto& forged : care.forged) parts.push_back("forged time: " + forged);
    for (const auto& stale : care.stale) parts.push_back("stale: " + stale);
    if (!care.error.empty()) parts.push_back("needs attention: " + care.error);
    return fmt::format("backups: {}", fmt::join(parts, "; "));
}

bool ClientRun::ok() const {
    return error.empty() && std::all_of(hosts.begin(), hosts.end(), [](const HostRun& host) { return host.ok(); }) &&
           (!backup || backup->ok());
}

std::vector<std::string> woken_macs(const RunRecord& record, std::string_view client) {
    std::vector<std::string> macs;
    for (const auto& run : record.clients)
        if (run.client == client)
            for (const auto& host : run.hosts)
                if ((host.power == PowerOutcome::woken || host.power == PowerOutcome::did_not_wake) && !host.mac.empty())
                    macs.push_back(host.mac);
    return macs;
}

bool RunRecord::ok() const {
    return !interrupted && std::all_of(clients.begin(), clients.end(), [](const ClientRun& client) { return client.ok(); });
}

RunTotals run_totals(const RunRecord& record) {
    RunTotals totals;
    for (const auto& client : record.clients) {
        ++totals.clients;
        if (client.ok()) ++totals.clients_ok;
        if (!client.error.empty()) ++totals.problems;
        for (const auto& host : client.hosts) {
            ++totals.hosts;
            if (host.ok()) ++totals.hosts_ok; else ++totals.problems;
            if (host.power == PowerOutcome::did_not_wake) ++totals.did_not_wake;
            if (!host.reached) ++totals.unreached;
            totals.tasks += static_cast<int>(host.tasks.size());
            totals.task_problems += static_cast<int>(std::count_if(
                host.tasks.begin(), host.tasks.end(), [](const TaskResult& task) { return is_problem(task.status); }));
            totals.updates_installed += updates_installed(host);
            totals.updates_failed += updates_failed(host);
            if (restart_still_needed(host.reboot)) ++totals.restarts_needed;
        }
    }
    return totals;
}

// ---------------------------------------------------------------- times

std::optional<double> run_duration_seconds(std::string_view started, std::string_view finished) {
    const auto from = parse_utc_seconds(started);
    const auto to = parse_utc_seconds(finished);
    if (!from || !to) return std::nullopt;
    return *to - *from;
}

std::string format_duration(double seconds) {
    if (seconds < 10) return fmt::format("{:.1f} s", std::max(seconds, 0.0));
    const auto whole = static_cast<long>(std::lround(seconds));
    if (whole < 60) return fmt::format("{} s", whole);
    if (whole < 3600) return fmt::format("{} min {:02} s", whole / 60, whole % 60);
    return fmt::format("{} h {:02} min", whole / 3600, whole % 3600 / 60);
}

std::string host_label(const HostRun& host) {
    if (!host.name.empty()) return host.name;
    return host.ip.empty() ? host.mac : host.ip;
}

std::vector<UpdateItem> updates_of(const HostRun& host) {
    std::vector<UpdateItem> updates;
    for (const auto& task : host.tasks)
        for (const auto& update : task.updates) {
            const auto known = std::find_if(updates.begin(), updates.end(),
                                            [&](const UpdateItem& seen) { return seen.id == update.id; });
            if (known == updates.end()) updates.push_back(update);
            else *known = update;  // tried again after the restart: the later result stands
        }
    return updates;
}

int updates_installed(const HostRun& host) {
    const auto updates = updates_of(host);
    return static_cast<int>(std::count_if(updates.begin(), updates.end(), [](const UpdateItem& u) { return u.installed; }));
}

int updates_failed(const HostRun& host) { return static_cast<int>(updates_of(host).size()) - updates_installed(host); }

std::string restart_text(const HostRun& host) {
    switch (host.reboot) {
        case RebootOutcome::not_needed: return "";
        case RebootOutcome::rebooted: return "restarted";
        case RebootOutcome::pending: return "needs a restart";
        case RebootOutcome::user_logged_on:
            return host.logged_on.empty() ? "needs a restart (a user is logged on)"
                                          : fmt::format("needs a restart (logged on: {})", fmt::join(host.logged_on, ", "));
        case RebootOutcome::did_not_return: return "did not come back after its restart";
        case RebootOutcome::reboot_loop: return "reboot loop";
        case RebootOutcome::failed: return "restart failed";
    }
    return "";
}

std::string restart_detail(const HostRun& host) {
    return host.reboot == RebootOutcome::user_logged_on ? "" : host.reboot_detail;
}

std::string restart_line(const HostRun& host) {
    const auto text = restart_text(host);
    const auto detail = restart_detail(host);
    if (text.empty() || detail.empty()) return text;
    return fmt::format("{} ({})", text, detail);
}

}  // namespace custode
