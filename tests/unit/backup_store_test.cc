#include <catch2/catch.hpp>

#include "custode/core/error.h"
#include "custode/os/backup_store.h"
#include "support/temp_dir.h"

using namespace custode;
using namespace custode::os;
using namespace std::chrono;
using custode::testing::TempDir;

namespace {

TimePoint night(int day, int hour = 0) { return sys_days{year{2026} / December / 1} + days{day} + hours{hour}; }

}  // namespace

TEST_CASE("backup record: each look replaces the client's snapshots and its time, other clients untouched", "[state][backups]") {
    TempDir dir;
    const auto path = dir / "state.db";
    {
        auto store = StateStore::open(path);
        CHECK(load_backup_record(store, "acme").snapshots.empty());
        CHECK_FALSE(load_backup_record(store, "acme").last_look);
        const std::vector<RecordedSnapshot> first{{"a1", "pc1", night(0) + 123ms, night(0, 1), std::nullopt},
                                                  {"a2", "pc2", night(-400), night(0, 1), std::nullopt}};
        save_backup_look(store, "acme", first, night(0, 1));
        save_backup_look(store, "other", {{"o1", "srv", night(0), night(0, 2), night(-1, 2)}}, night(0, 2));
        const std::vector<RecordedSnapshot> second{first[1], {"a3", "pc1", night(1), night(1, 1), night(0, 1)}};
        save_backup_look(store, "acme", second, night(1, 1));
    }
    const auto store = StateStore::open(path);  // as a later run reads it
    const auto acme = load_backup_record(store, "acme");
    REQUIRE(acme.snapshots.size() == 2);
    CHECK(acme.snapshots[0].id == "a2");
    CHECK(acme.snapshots[0].claimed == night(-400));
    CHECK_FALSE(acme.snapshots[0].unseen);
    CHECK(acme.snapshots[1].id == "a3");
    CHECK(acme.snapshots[1].host == "pc1");
    CHECK(acme.snapshots[1].seen == night(1, 1));
    CHECK(acme.snapshots[1].unseen == night(0, 1));
    CHECK(acme.last_look == night(1, 1));
    const auto other = load_backup_record(store, "other");
    REQUIRE(other.snapshots.size() == 1);
    CHECK(other.snapshots[0].id == "o1");
    CHECK(other.last_look == night(0, 2));
}

TEST_CASE("backup record: times keep their milliseconds, and a damaged time is named, not guessed", "[state][backups]") {
    auto store = StateStore::open(":memory:");
    save_backup_look(store, "acme", {{"a1", "pc1", night(0) + 123ms + 456us, night(0, 1) + 7ms, night(-1, 1)}}, night(0, 1) + 7ms);
    const auto record = load_backup_record(store, "acme");
    REQUIRE(record.snapshots.size() == 1);
    CHECK(record.snapshots[0].claimed == night(0) + 123ms);
    CHECK(record.snapshots[0].seen == night(0, 1) + 7ms);
    CHECK(record.last_look == night(0, 1) + 7ms);

    store.execute("UPDATE backup_snapshots SET seen = 'yesterday'");
    CHECK_THROWS_WITH(load_backup_record(store, "acme"), Catch::Contains(":memory:: a stored time is malformed"));
}

TEST_CASE("Migrations 7 and 8 bring a version 6 file to an empty backup record, its other tables kept", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    {
        auto old = StateStore::open_with_migrations(path, StateStore::migrations().first(6));
        old.execute("INSERT INTO scans (client, at, elapsed_ms, hosts_found) VALUES ('acme', '2026-01-01T00:00:00Z', 40, 3)");
    }
    auto store = StateStore::open(path);
    CHECK(store.schema_version() == 8);
    CHECK(load_backup_record(store, "acme").snapshots.empty());
    auto scans = store.prepare("SELECT count(*) FROM scans");
    REQUIRE(scans.step());
    CHECK(scans.column_int64(0) == 1);
    save_backup_look(store, "acme", {{"a1", "pc1", night(0), night(0, 1), std::nullopt}}, night(0, 1));
    CHECK(load_backup_record(store, "acme").snapshots.size() == 1);
}

TEST_CASE("backup record: the last reading check is kept beside the look, per client, and a new look keeps it",
          "[state][backups]") {
    auto store = StateStore::open(":memory:");
    save_backup_look(store, "acme", {}, night(0, 1));
    save_backup_look(store, "other", {}, night(0, 2));
    CHECK_FALSE(load_backup_record(store, "acme").last_data_read);
    save_data_read(store, "acme", night(0, 3));
    CHECK(load_backup_record(store, "acme").last_data_read == night(0, 3));
    CHECK_FALSE(load_backup_record(store, "other").last_data_read);
    save_backup_look(store, "acme", {}, night(1, 1));
    const auto later = load_backup_record(store, "acme");
    CHECK(later.last_look == night(1, 1));
    CHECK(later.last_data_read == night(0, 3));
}
