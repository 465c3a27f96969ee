#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "custode/core/error.h"
#include "custode/os/files.h"
#include "custode/os/inventory_store.h"
#include "custode/os/sqlite.h"
#include "custode/os/state_store.h"
#include "support/temp_dir.h"

using namespace custode;
using namespace custode::os;
using custode::testing::TempDir;
namespace fs = std::filesystem;

namespace {

std::string query_text(const StateStore& store, const std::string& sql) {
    auto statement = store.prepare(sql);
    REQUIRE(statement.step());
    return statement.column_text(0);
}

bool has_table(const StateStore& store, const std::string& table) {
    auto statement = store.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
    statement.bind(1, table);
    REQUIRE(statement.step());
    return statement.column_int64(0) == 1;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

std::string random_bytes(std::size_t size) {
    std::mt19937 generator(42);
    std::uniform_int_distribution<int> byte(0, 255);
    std::string bytes(size, '\0');
    for (auto& b : bytes) b = static_cast<char>(byte(generator));
    return bytes;
}

/// Version 1 exactly as custode 0.1 wrote it: an old file is not made by
/// today's migration list, so neither is this one.
void write_version_1_file(const fs::path& path) {
    auto db = Database::open(path);
    db.execute(R"sql(
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, user TEXT NOT NULL, command TEXT NOT NULL,
            client TEXT NOT NULL, plan_json TEXT NOT NULL DEFAULT '', result TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '');
        CREATE INDEX audit_by_client ON audit (client, id);
        INSERT INTO audit (at, user, command, client, plan_json, result, detail)
            VALUES ('2024-01-02T03:04:05Z', 'tech', 'apply', 'acme', '{"actions":[]}', 'ok', '');
        PRAGMA user_version = 1;
    )sql");
}

AuditRecord sample_record(const std::string& client) {
    return {0, "2024-05-01T20:30:00Z", "tech", "apply", client, R"({"actions":[{"op":"create"}]})", "ok", ""};
}

}  // namespace

TEST_CASE("A fresh state file gets the latest schema, WAL and foreign keys", "[state]") {
    TempDir dir;
    const auto path = dir / "var/lib/custode/state.db";  // parent directories are missing
    auto store = StateStore::open(path);

    CHECK(fs::is_regular_file(path));
    CHECK(StateStore::latest_schema_version() == 8);
    CHECK(store.schema_version() == StateStore::latest_schema_version());
    CHECK(query_text(store, "PRAGMA journal_mode") == "wal");
    CHECK(query_text(store, "PRAGMA foreign_keys") == "1");
    for (const char* table : {"audit", "hosts", "host_macs", "scans", "runs", "run_tasks"}) {
        INFO(table);
        CHECK(has_table(store, table));
    }
}

TEST_CASE("Reopening an up-to-date file changes nothing", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    StateStore::open(path).append_audit(sample_record("acme"));
    auto again = StateStore::open(path);
    CHECK(again.schema_version() == StateStore::latest_schema_version());
    CHECK(again.audit_records(10).size() == 1);
}

TEST_CASE("A version 1 file is migrated to the latest and keeps its rows", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    write_version_1_file(path);

    auto store = StateStore::open(path);
    CHECK(store.schema_version() == StateStore::latest_schema_version());
    CHECK(has_table(store, "hosts"));
    CHECK(has_table(store, "run_tasks"));
    const auto records = store.audit_records(10);
    REQUIRE(records.size() == 1);
    CHECK(records[0].client == "acme");
    CHECK(records[0].at == "2024-01-02T03:04:05Z");
    CHECK(records[0].plan_json == R"({"actions":[]})");
}

namespace {

void check_refused_as_not_a_database(const fs::path& path, const std::string& contents) {
    write_bytes(path, contents);
    try {
        StateStore::open(path);
        FAIL("opened a file that is not a database");
    } catch (const SystemError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(message.find(path.string()) != std::string::npos);
        CHECK(message.find("file is not a database") != std::string::npos);
        CHECK(error.error_number() == 0);
    }
    CHECK(read_text_file(path) == contents);  // never written to
}

}  // namespace

TEST_CASE("Migration 6 keeps a version 5 file's scans as complete — an incomplete scan is stored as such", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    {
        auto old = StateStore::open_with_migrations(path, StateStore::migrations().first(5));
        old.execute("INSERT INTO scans (client, at, elapsed_ms, hosts_found) VALUES ('acme', '2026-01-01T00:00:00Z', 40, 3)");
    }
    auto store = StateStore::open(path);
    CHECK(store.schema_version() == 8);
    const auto kept = last_scan(store, "acme");
    REQUIRE(kept);
    CHECK(kept->at == "2026-01-01T00:00:00Z");
    CHECK(kept->hosts_found == 3);
    CHECK(kept->complete);

    save_scan(store, "acme", {}, {"2026-01-02T00:00:00Z", 50, 2, false});
    const auto lossy = last_scan(store, "acme");
    REQUIRE(lossy);
    CHECK(lossy->at == "2026-01-02T00:00:00Z");
    CHECK_FALSE(lossy->complete);
}

TEST_CASE("A file that is not a database gives a SystemError naming it", "[state]") {
    TempDir dir;
    SECTION("a text file") {
        check_refused_as_not_a_database(dir / "state.db", "[site]\nname = \"lab\"\n" + std::string(4096, '#'));
    }
    SECTION("random bytes") { check_refused_as_not_a_database(dir / "state.db", random_bytes(8192)); }
}

TEST_CASE("A SQLite file with damaged pages gives a SystemError, not a crash", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    {
        auto store = StateStore::open(path);
        for (int i = 0; i < 50; ++i) store.append_audit(sample_record("acme"));
    }
    auto bytes = read_text_file(path);
    REQUIRE(bytes.size() > 200);
    const auto garbage = random_bytes(bytes.size() - 100);
    bytes.replace(100, garbage.size(), garbage);  // keep only the 100-byte header
    write_bytes(path, bytes);

    try {
        auto store = StateStore::open(path);
        store.audit_records(100);
        FAIL("read a damaged file without complaint");
    } catch (const SystemError& error) {
        INFO(error.what());
        CHECK(std::string(error.what()).find(path.string()) != std::string::npos);
    }
}

TEST_CASE("A file from a newer custode is refused and left alone", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    Database::open(path).execute("PRAGMA user_version = 99");

    try {
        StateStore::open(path);
        FAIL("opened a newer file");
    } catch (const SystemError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(message.find("state file " + path.string() + " has schema version 99; this custode knows up to " +
                       std::to_string(StateStore::latest_schema_version())) !=
              std::string::npos);
    }
    auto check = Database::open(path).prepare("PRAGMA user_version");
    REQUIRE(check.step());
    CHECK(check.column_int64(0) == 99);
}

TEST_CASE("A failing migration rolls back entirely and names its version", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    const std::vector<std::string_view> broken = {
        StateStore::migrations()[0],
        "CREATE TABLE half_done (x); INSERT INTO no_such_table VALUES (1);",
    };

    try {
        StateStore::open_with_migrations(path, broken);
        FAIL("a broken migration succeeded");
    } catch (const SystemError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(message.find("schema version 2") != std::string::npos);
        CHECK(message.find("no such table: no_such_table") != std::string::npos);
        CHECK(message.find(path.string()) != std::string::npos);
    }
    auto store = StateStore::open_with_migrations(path, StateStore::migrations().first(1));
    CHECK(store.schema_version() == 1);
    CHECK(has_table(store, "audit"));
    CHECK_FALSE(has_table(store, "half_done"));
}

TEST_CASE("transaction commits, or rolls back and rethrows", "[state]") {
    TempDir dir;
    auto store = StateStore::open(dir / "state.db");

    store.transaction([&] { store.append_audit(sample_record("kept")); });
    CHECK_THROWS_AS(store.transaction([&] {
        store.append_audit(sample_record("lost"));
        throw std::logic_error("boom");
    }),
                    std::logic_error);

    const auto records = store.audit_records(10);
    REQUIRE(records.size() == 1);
    CHECK(records[0].client == "kept");
    store.append_audit(sample_record("after"));  // no transaction left open
    CHECK(store.audit_records(10).size() == 2);
}

TEST_CASE("A nested transaction rolls back alone", "[state]") {
    TempDir dir;
    auto store = StateStore::open(dir / "state.db");

    store.transaction([&] {
        store.append_audit(sample_record("outer"));
        CHECK_THROWS(store.transaction([&] {
            store.append_audit(sample_record("inner"));
            throw std::runtime_error("inner fails");
        }));
    });

    const auto records = store.audit_records(10);
    REQUIRE(records.size() == 1);
    CHECK(records[0].client == "outer");
}

TEST_CASE("Audit records round-trip, newest first", "[state]") {
    TempDir dir;
    auto store = StateStore::open(dir / "state.db");

    auto first = sample_record("acme");
    auto second = sample_record("bianchi");
    second.at = "";  // the store stamps it
    second.command = "remove";
    second.result = "failed";
    second.detail = "netlink: Device or resource busy";
    first.id = store.append_audit(first);
    second.id = store.append_audit(second);
    CHECK(second.id > first.id);

    const auto records = store.audit_records(10);
    REQUIRE(records.size() == 2);
    CHECK(records[1] == first);
    CHECK(records[0].at.size() == std::string("2024-05-01T20:30:00Z").size());
    CHECK(records[0].at.back() == 'Z');
    second.at = records[0].at;
    CHECK(records[0] == second);
    CHECK(store.audit_records(1) == std::vector<AuditRecord>{second});
}

TEST_CASE("Statement binds and reads every type, NULL included", "[state]") {
    TempDir dir;
    auto store = StateStore::open(dir / "state.db");
    store.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, n TEXT)");
    const std::optional<std::string> none;
    store.prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4)").bind_all(std::size_t{7}, 1.5, "seven", none).run();

    auto select = store.prepare("SELECT i, r, s, n FROM t");
    REQUIRE(select.step());
    CHECK(select.column_int64(0) == 7);
    CHECK(select.column_double(1) == 1.5);
    CHECK(select.column_text(2) == "seven");
    CHECK(select.is_null(3));
    CHECK(select.column_optional_text(3) == std::nullopt);
    CHECK_FALSE(select.step());
}

TEST_CASE("prepare refuses SQL it would silently drop, naming the file", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    auto store = StateStore::open(path);
    CHECK_THROWS_WITH(store.prepare("SELECT 1; SELECT 2"), Catch::Contains("more than one SQL statement"));
    CHECK_THROWS_WITH(store.prepare("SELEC 1"), Catch::Contains(path.string()) && Catch::Contains("syntax error"));
    CHECK_NOTHROW(store.prepare("SELECT 1;  \n"));
}

TEST_CASE("An in-memory store works for tests of other layers", "[state]") {
    auto store = StateStore::open(":memory:");
    CHECK(store.schema_version() == StateStore::latest_schema_version());
    store.append_audit(sample_record("acme"));
    CHECK(store.audit_records(5).size() == 1);
}
