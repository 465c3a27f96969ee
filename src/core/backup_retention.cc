#include "custode/core/backup_retention.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>

#include "custode/core/site_overview.h"
#include "custode/core/utc_time.h"

namespace custode {
namespace {

/// The bucket keys of a time: its UTC day, ISO week (counted from a Monday)
/// and month, as numbers that only need to compare equal within one kind.
struct Buckets {
    long long day;
    long long week;
    long long month;
};

Buckets buckets_of(TimePoint time) {
    const auto day = std::chrono::floor<std::chrono::days>(time);
    const std::chrono::year_month_day date{day};
    // 1970-01-01 was a Thursday: day + 3 counts from the Monday before it.
    const long long week = (day.time_since_epoch().count() + 3) / 7;
    return {day.time_since_epoch().count(), week,
            static_cast<long long>(int(date.year())) * 12 + static_cast<long long>(unsigned(date.month()))};
}

/// Walks `snapshots` (newest first) keeping the first of each new bucket,
/// until `count` buckets are kept.
void keep_newest_per_bucket(const std::vector<const RecordedSnapshot*>& snapshots, int count,
                            long long Buckets::*bucket, std::set<std::string>& kept) {
    std::optional<long long> last;
    for (const auto* snapshot : snapshots) {
        if (count <= 0) return;
        const auto key = buckets_of(trusted_time(*snapshot)).*bucket;
        if (last == key) continue;
        last = key;
        kept.insert(snapshot->id);
        --count;
    }
}

}  // namespace

TimePoint trusted_time(const RecordedSnapshot& snapshot) {
    return time_forged_by(snapshot) > std::chrono::seconds{0} ? snapshot.seen : snapshot.claimed;
}

std::chrono::seconds time_forged_by(const RecordedSnapshot& snapshot) {
    if (snapshot.claimed > snapshot.seen) return std::chrono::duration_cast<std::chrono::seconds>(snapshot.claimed - snapshot.seen);
    if (snapshot.unseen && snapshot.claimed < *snapshot.unseen) return std::chrono::duration_cast<std::chrono::seconds>(*snapshot.unseen - snapshot.claimed);
    return std::chrono::seconds{0};
}

std::vector<RecordedSnapshot> record_look(const std::vector<RecordedSnapshot>& record,
                                          const std::vector<ListedSnapshot>& listed,
                                          std::optional<TimePoint> previous_look, TimePoint now) {
    std::map<std::string, const RecordedSnapshot*> known;
    for (const auto& snapshot : record) known.emplace(snapshot.id, &snapshot);
    std::vector<RecordedSnapshot> looked;
    for (const auto& snapshot : listed) {
        const auto found = known.find(snapshot.id);
        looked.push_back(found != known.end() ? *found->second
                                              : RecordedSnapshot{snapshot.id, snapshot.host, snapshot.time, now, previous_look});
    }
    return looked;
}

RetentionPlan plan_retention(const std::vector<RecordedSnapshot>& snapshots, const RetentionPolicy& policy) {
    std::map<std::string, std::vector<const RecordedSnapshot*>> by_host;
    for (const auto& snapshot : snapshots) by_host[snapshot.host].push_back(&snapshot);
    RetentionPlan plan;
    for (auto& [host, list] : by_host) {
        std::stable_sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
            return trusted_time(*a) != trusted_time(*b) ? trusted_time(*a) > trusted_time(*b) : a->id > b->id;
        });
        std::set<std::string> kept{list.front()->id};
        keep_newest_per_bucket(list, policy.keep_daily, &Buckets::day, kept);
        keep_newest_per_bucket(list, policy.keep_weekly, &Buckets::week, kept);
        keep_newest_per_bucket(list, policy.keep_monthly, &Buckets::month, kept);
        for (const auto* snapshot : list) (kept.contains(snapshot->id) ? plan.keep : plan.remove).push_back(snapshot->id);
    }
    return plan;
}

std::string snapshot_label(const RecordedSnapshot& snapshot) {
    return fmt::format("{} {}", snapshot.host, snapshot.id.substr(0, 8));
}

std::string forged_time_line(const RecordedSnapshot& snapshot) {
    const auto seen = utc_iso_seconds(snapshot.seen);
    const auto claimed = utc_iso_seconds(snapshot.claimed);
    if (!snapshot.unseen) return fmt::format("{} claims {}, appeared by {}", snapshot_label(snapshot), claimed, seen);
    return fmt::format("{} claims {}, appeared between {} and {}", snapshot_label(snapshot), claimed,
                       utc_iso_seconds(*snapshot.unseen), seen);
}

bool periodic_due(std::optional<TimePoint> last_passed, TimePoint now, std::chrono::days every) {
    return !last_passed || now - *last_passed >= every - std::chrono::hours(12);
}

std::vector<HostBackups> host_backups(const std::vector<RecordedSnapshot>& snapshots, TimePoint now,
                                      std::chrono::hours max_age) {
    std::map<std::string, HostBackups> hosts;
    for (const auto& snapshot : snapshots) {
        auto& host = hosts[snapshot.host];
        if (host.snapshots++ == 0 || trusted_time(snapshot) > trusted_time(host.latest)) host.latest = snapshot;
    }
    std::vector<HostBackups> list;
    for (auto& [name, host] : hosts) {
        host.host = name;
        host.age = std::chrono::floor<std::chrono::seconds>(now - trusted_time(host.latest));
        host.stale = host.age > max_age;
        list.push_back(std::move(host));
    }
    return list;
}

std::string stale_line(const HostBackups& host) {
    return fmt::format("{}: newest backup {} old", host.host, age_text(static_cast<double>(host.age.count())));
}

}  // namespace custode
