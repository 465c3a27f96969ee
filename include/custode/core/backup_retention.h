#pragma once
/// Retention of a client's backups, decided on the lab from custode's own
/// record of when each snapshot appeared, never from the time the snapshot
/// claims: a compromised PC can write snapshots with a forged time, so that
/// a trusted `forget` by time would delete the real ones
/// (restic/rest-server#292). docs/backups.md. Pure.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace custode {

using TimePoint = std::chrono::system_clock::time_point;

/// restic's keep-daily/-weekly/-monthly: for the last N days (ISO weeks,
/// months; UTC) that have snapshots, the newest of each is kept.
struct RetentionPolicy {
    int keep_daily = 7;
    int keep_weekly = 4;
    int keep_monthly = 6;

    auto operator<=>(const RetentionPolicy&) const = default;
};

/// One snapshot as the lab's record holds it.
struct RecordedSnapshot {
    std::string id;                   ///< restic's full snapshot id
    std::string host;                 ///< the hostname it names
    TimePoint claimed;                ///< its own time: the PC's clock, and the PC's word
    TimePoint seen;                   ///< the first lab look that listed it
    std::optional<TimePoint> unseen;  ///< the lab look before that, which did not list it (none at the first)

    bool operator==(const RecordedSnapshot&) const = default;
};

/// What retention goes by: the claimed time when it lies between the look
/// that did not list the snapshot and the one that did; otherwise the claim
/// is not believed and the snapshot counts as made when the lab saw it (a
/// backdated one then competes with that night's, not an earlier night's).
TimePoint trusted_time(const RecordedSnapshot& snapshot);

/// How far the claim lies outside those bounds; zero inside them.
std::chrono::seconds time_forged_by(const RecordedSnapshot& snapshot);

/// A claim further than this from the bounds is reported (clocks drift).
inline constexpr std::chrono::seconds forged_time_tolerance{3600};

/// One snapshot as a look of the lab's lists it: the time is the snapshot's own claim.
struct ListedSnapshot {
    std::string id;    ///< restic's full snapshot id, 64 lowercase hex digits
    std::string host;  ///< the hostname it names
    TimePoint time;

    bool operator==(const ListedSnapshot&) const = default;
};

/// The record after a look at `now` that listed `listed`: a snapshot listed
/// for the first time is added as seen now, unseen at `previous_look` (none
/// at a repository's first look); one no longer listed is dropped (retention
/// removed it, or someone with the lab's access did). Kept in `listed` order.
std::vector<RecordedSnapshot> record_look(const std::vector<RecordedSnapshot>& record,
                                          const std::vector<ListedSnapshot>& listed,
                                          std::optional<TimePoint> previous_look, TimePoint now);

struct RetentionPlan {
    std::vector<std::string> keep;    ///< ids, newest first per host, hosts in name order
    std::vector<std::string> remove;  ///< ids, likewise
};

/// Per host: the newest snapshot always, and the newest of each of the last
/// keep_daily days, keep_weekly weeks and keep_monthly months that have one,
/// by trusted time. A snapshot may be kept for several reasons; all others
/// are removed.
RetentionPlan plan_retention(const std::vector<RecordedSnapshot>& snapshots, const RetentionPolicy& policy);

/// "pc1 1a2b3c4d": how reports name a snapshot (its host and short id).
std::string snapshot_label(const RecordedSnapshot& snapshot);

/// "pc1 1a2b3c4d claims 2026-01-01T00:00:00Z, appeared between
/// 2026-12-06T01:00:00Z and 2026-12-07T01:00:00Z": a forged time, reported.
std::string forged_time_line(const RecordedSnapshot& snapshot);

/// A periodic step (the check that reads data, each host's restore test) is
/// due: never done, or `every` has passed since the last that passed (half
/// a day early still counts: nights do not start to the minute).
bool periodic_due(std::optional<TimePoint> last_passed, TimePoint now, std::chrono::days every);

/// How often the lab's check also reads data.
inline constexpr std::chrono::days reading_check_every{7};

/// One host's backups as the lab's record has them.
struct HostBackups {
    std::string host;
    int snapshots = 0;
    RecordedSnapshot latest;         ///< its newest, by trusted time
    std::chrono::seconds age{0};     ///< since the latest's trusted time
    bool stale = false;              ///< older than the client's max_age

    bool operator==(const HostBackups&) const = default;
};

/// Per host (in name order) its count, newest snapshot and that one's age at `now`.
std::vector<HostBackups> host_backups(const std::vector<RecordedSnapshot>& snapshots, TimePoint now,
                                      std::chrono::hours max_age);

/// "pc2: newest backup 3 days old": a stale host, as the reports say it.
std::string stale_line(const HostBackups& host);


}  // namespace custode
