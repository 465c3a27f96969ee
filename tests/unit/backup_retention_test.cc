#include <catch2/catch.hpp>

#include <algorithm>

#include "custode/core/backup_retention.h"

namespace {

using namespace custode;
using namespace std::chrono;

/// 2026-12-01T02:00:00Z plus `day` days and `hour` hours (2026-12-01 is a Tuesday).
TimePoint at(int day, int hour = 0) {
    return sys_days{year{2026} / December / 1} + hours{2} + days{day} + hours{hour};
}

/// A snapshot made honestly at night `day` and seen by the lab's look an hour later.
RecordedSnapshot nightly(const std::string& id, int day, const std::string& host = "pc1") {
    return {id, host, at(day), at(day, 1), at(day - 1, 1)};
}

bool has(const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

TEST_CASE("retention keeps the newest of each of the last days, weeks and months, per host", "[backups][retention]") {
    // 60 nights, from 2026-12-01 back to 2026-10-03, one snapshot each.
    std::vector<RecordedSnapshot> snapshots;
    for (int night = 0; night > -60; --night) snapshots.push_back(nightly("d" + std::to_string(-night), night));
    const auto plan = plan_retention(snapshots, {.keep_daily = 7, .keep_weekly = 4, .keep_monthly = 3});
    // Days: Dec 1 .. Nov 25 (d0..d6). Weeks (from Monday): Dec 1 (d0), Sun Nov 29 (d2), Nov 22 (d9), Nov 15 (d16).
    // Months: Dec (d0), Nov 30 (d1), Oct 31 (d31).
    const std::vector<std::string> expected{"d0", "d1", "d2", "d3", "d4", "d5", "d6", "d9", "d16", "d31"};
    CHECK(plan.keep == expected);
    CHECK(plan.remove.size() == 50);
    CHECK(plan.remove.front() == "d7");
    CHECK(plan.remove.back() == "d59");
}

TEST_CASE("retention keeps the newest of a day when a night made several, and each host its own", "[backups][retention]") {
    std::vector<RecordedSnapshot> snapshots{
        {"early", "pc1", at(0, 0), at(0, 3), at(-1, 3)},
        {"late", "pc1", at(0, 1), at(0, 3), at(-1, 3)},
        {"before", "pc1", at(-1), at(-1, 3), at(-2, 3)},
        {"other", "pc2", at(-30), at(-30, 1), std::nullopt},
    };
    const auto plan = plan_retention(snapshots, {.keep_daily = 1, .keep_weekly = 0, .keep_monthly = 0});
    CHECK(plan.keep == std::vector<std::string>{"late", "other"});  // pc2's only one: always the newest of a host
    CHECK(plan.remove == std::vector<std::string>{"early", "before"});
}

TEST_CASE("retention at zero keeps only each host's newest snapshot", "[backups][retention]") {
    const auto plan =
        plan_retention({nightly("a", 0), nightly("b", -1), nightly("c", -2)}, {.keep_daily = 0, .keep_weekly = 0, .keep_monthly = 0});
    CHECK(plan.keep == std::vector<std::string>{"a"});
    CHECK(plan.remove == std::vector<std::string>{"b", "c"});
}

TEST_CASE("snapshots with forged times are held to when the lab saw them appear, and cannot push out the real ones",
          "[backups][retention]") {
    // Seven honest nights; then on night 7 a compromised PC writes seven
    // snapshots claiming seven future days (restic/rest-server#292: trusted,
    // they take every daily slot) and one claiming a day long ago.
    std::vector<RecordedSnapshot> snapshots;
    for (int night = 0; night < 7; ++night) snapshots.push_back(nightly("real" + std::to_string(night), night));
    for (int day = 1; day <= 7; ++day)
        snapshots.push_back({"future" + std::to_string(day), "pc1", at(400 + day), at(7, 1), at(6, 1)});
    const RecordedSnapshot backdated{"backdated", "pc1", at(-400), at(7, 1), at(6, 1)};
    snapshots.push_back(backdated);

    CHECK(trusted_time(snapshots.back()) == at(7, 1));  // a claim before the look that did not list it is not believed
    CHECK(trusted_time(snapshots[7]) == at(7, 1));      // nor one after the look that listed it
    CHECK(time_forged_by(snapshots[7]) == at(401) - at(7, 1));
    CHECK(time_forged_by(backdated) == at(6, 1) - at(-400));
    CHECK(time_forged_by(snapshots.front()) == seconds{0});
    CHECK(time_forged_by(backdated) > forged_time_tolerance);

    const auto plan = plan_retention(snapshots, {.keep_daily = 7, .keep_weekly = 0, .keep_monthly = 0});
    for (int night = 1; night < 7; ++night) CHECK(has(plan.keep, "real" + std::to_string(night)));
    CHECK(plan.keep.front() == "future7");  // night 7's newest (a tie, broken by id)
    CHECK(plan.remove == std::vector<std::string>{"future6", "future5", "future4", "future3", "future2", "future1",
                                                  "backdated", "real0"});  // night 7's others, and the 8th day
}

TEST_CASE("at the first look a snapshot's claim is bounded only by when the lab saw it", "[backups][retention]") {
    const RecordedSnapshot old{"old", "pc1", at(-100), at(0), std::nullopt};
    CHECK(trusted_time(old) == at(-100));  // history from before custode looked is taken as it claims
    CHECK(time_forged_by(old) == seconds{0});
    const RecordedSnapshot ahead{"ahead", "pc1", at(5), at(0), std::nullopt};
    CHECK(trusted_time(ahead) == at(0));
    CHECK(time_forged_by(ahead) == at(5) - at(0));
}

TEST_CASE("a look records new snapshots as seen now and unseen at the look before, and drops the gone", "[backups][retention]") {
    const std::vector<RecordedSnapshot> record{nightly("a", 0), nightly("b", 1)};
    // The look of night 2: "a" is gone (removed), "b" is still there, "c" and "d" are new; "d" claims a year ago.
    const std::vector<ListedSnapshot> listed{
        {"b", "pc1", at(1)}, {"c", "pc1", at(2)}, {"d", "pc2", at(-365)}};
    const auto looked = record_look(record, listed, at(1, 1), at(2, 1));
    REQUIRE(looked.size() == 3);
    CHECK(looked[0].id == "b");
    CHECK(looked[0].seen == at(1, 1));     // kept as it was recorded
    CHECK(looked[0].unseen == at(0, 1));
    CHECK(looked[1].id == "c");
    CHECK(looked[1].claimed == at(2));
    CHECK(looked[1].seen == at(2, 1));
    CHECK(looked[1].unseen == at(1, 1));
    CHECK(looked[2].host == "pc2");
    CHECK(time_forged_by(looked[2]) == duration_cast<seconds>(at(1, 1) - at(-365)));
    CHECK(trusted_time(looked[2]) == at(2, 1));

    // The first look at a repository: nothing bounds a claim from below.
    const auto first = record_look({}, listed, std::nullopt, at(2, 1));
    REQUIRE(first.size() == 3);
    CHECK_FALSE(first[2].unseen);
    CHECK(time_forged_by(first[2]) == seconds{0});
}

TEST_CASE("periodic steps come due their days after the last that passed, half a day early at most, and each host's newest "
          "backup goes by the trusted time, and is stale past max_age",
          "[backups]") {
    const auto t0 = sys_days{year{2026} / December / 1} + hours{1};
    CHECK(periodic_due(std::nullopt, t0, days{7}));
    CHECK_FALSE(periodic_due(t0, t0 + days{6}, days{7}));
    CHECK_FALSE(periodic_due(t0, t0 + days{6} + hours{11}, days{7}));
    CHECK(periodic_due(t0, t0 + days{6} + hours{12}, days{7}));
    CHECK(periodic_due(t0, t0 + days{30}, days{7}));
    CHECK_FALSE(periodic_due(t0, t0 + days{2}, days{3}));
    CHECK(periodic_due(t0, t0 + days{3}, days{3}));

    // pc1's b claims to be newest, but appeared after c was seen: the lab trusts when it appeared.
    const std::vector<RecordedSnapshot> record{
        {"a", "pc1", t0, t0 + hours{1}, std::nullopt},
        {"b", "pc1", t0 + days{300}, t0 + days{1}, t0},
        {"c", "pc1", t0 + days{2}, t0 + days{2} + hours{1}, t0 + days{1}},
        {"z", "pc0", t0, t0 + hours{1}, std::nullopt},
    };
    const auto hosts = host_backups(record, t0 + days{3} + hours{2}, hours{36});
    REQUIRE(hosts.size() == 2);
    CHECK(hosts[0].host == "pc0");
    CHECK(hosts[0].snapshots == 1);
    CHECK(hosts[0].latest.id == "z");
    CHECK(hosts[0].age == days{3} + hours{2});
    CHECK(hosts[0].stale);
    CHECK(stale_line(hosts[0]) == "pc0: newest backup 3 days old");
    CHECK(hosts[1].host == "pc1");
    CHECK(hosts[1].snapshots == 3);
    CHECK(hosts[1].latest.id == "c");
    CHECK(hosts[1].age == days{1} + hours{2});
    CHECK_FALSE(hosts[1].stale);
    CHECK(host_backups(record, t0 + days{3} + hours{2}, hours{25})[1].stale);
    CHECK(host_backups({}, t0, hours{36}).empty());
}
