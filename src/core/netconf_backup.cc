/// A client's [backup]: the repository as the lab reaches it, its password,
/// retention, how much of it the weekly check reads, and how old a host's
/// newest backup may be.

#include <fmt/format.h>

#include "netconf_parse.h"

namespace custode::netconf_detail {
namespace {

/// restic takes any count; ten years of days is more than any office keeps.
constexpr std::int64_t max_keep = 3650;

int read_keep(TableReader& backup, std::string_view key, int fallback) {
    const auto count = backup.integer(key, Presence::optional, 0, max_keep);
    return count ? static_cast<int>(count->value) : fallback;
}

}  // namespace

ParsedBackup parse_backup(TableReader& backup) {
    ParsedBackup parsed;
    BackupSpec spec;
    parsed.repository = backup.absolute_path("repository", Presence::required);
    const auto& repository = parsed.repository;
    const auto password_file = backup.absolute_path("password_file", Presence::required);
    spec.keep.keep_daily = read_keep(backup, "keep_daily", spec.keep.keep_daily);
    spec.keep.keep_weekly = read_keep(backup, "keep_weekly", spec.keep.keep_weekly);
    spec.keep.keep_monthly = read_keep(backup, "keep_monthly", spec.keep.keep_monthly);
    if (const auto percent = backup.integer("check_read_percent", Presence::optional, 0, 100))
        spec.check_read_percent = static_cast<int>(percent->value);
    if (const auto hours = backup.integer("max_age", Presence::optional, 1, 24 * 366))
        spec.max_age_hours = static_cast<int>(hours->value);
    if (const auto days = backup.integer("restore_test_days", Presence::optional, 0, 365))
        spec.restore_test_days = static_cast<int>(days->value);
    backup.report_unknown_keys();
    if (!repository || !password_file) return parsed;
    spec.repository = repository->value;
    spec.password_file = password_file->value;
    parsed.spec = spec;
    return parsed;
}

}  // namespace custode::netconf_detail
