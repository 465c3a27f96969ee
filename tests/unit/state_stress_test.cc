/// The state file under stress, without root (docs/reliability.md, "State
/// file under stress"): full, held by another writer, truncated. Each must
/// fail with an error naming the file, and lose or half-write no record.
/// The read-only and the real full-disk cases need a mount: tests/netns/state_stress_test.cc.

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>

#include "custode/app/audit.h"
#include "custode/core/error.h"
#include "custode/os/files.h"
#include "custode/os/sqlite.h"
#include "custode/os/state_store.h"
#include "support/temp_dir.h"

namespace state_stress {

using namespace custode;
namespace fs = std::filesystem;
using custode::testing::TempDir;

os::AuditRecord audit_row(const std::string& client) {
    return {0, "2026-12-07T04:00:00Z", "tech", "apply", client, std::string(2000, 'x'), "ok", ""};
}

std::string integrity(const os::StateStore& store) {
    auto check = store.prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    return check.column_text(0);
}

/// SQLite's own SQLITE_FULL, without a full disk: the file may not grow past its pages now.
void cap_at_current_size(os::StateStore& store) {
    auto pages = store.prepare("PRAGMA page_count");
    REQUIRE(pages.step());
    store.execute("PRAGMA max_page_count = " + std::to_string(pages.column_int64(0)));
}

app::ClientOutcome applied(const std::string& client) {
    app::ClientOutcome outcome;
    outcome.namespace_name = "cu-" + client;
    outcome.plan.client = client;
    outcome.result = app::ClientOutcome::Result::applied;
    return outcome;
}


TEST_CASE("state stress: a full state file refuses a transaction whole and keeps every earlier record", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    auto store = os::StateStore::open(path);
    for (int i = 0; i < 3; ++i) store.append_audit(audit_row("kept"));
    cap_at_current_size(store);

    try {
        store.transaction([&] {
            for (int i = 0; i < 20; ++i) store.append_audit(audit_row("lost"));
        });
        FAIL("20 rows fitted in a full file");
    } catch (const SystemError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(message.find(path.string()) != std::string::npos);
        CHECK(message.find("database or disk is full") != std::string::npos);
    }
    const auto records = store.audit_records(100);
    CHECK(records.size() == 3);
    for (const auto& record : records) CHECK(record.client == "kept");
    CHECK(integrity(store) == "ok");
}

TEST_CASE("state stress: links changed but not recorded are named in the error, never passed over", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    auto store = os::StateStore::open(path);
    store.append_audit(audit_row("kept"));
    cap_at_current_size(store);
    std::vector<app::ClientOutcome> outcomes;
    for (const char* client : {"acme", "bianchi", "rossi"}) outcomes.push_back(applied(client));
    outcomes[1].result = app::ClientOutcome::Result::failed;
    outcomes[2].result = app::ClientOutcome::Result::in_sync;  // nothing changed: not named
    for (auto& outcome : outcomes) outcome.error = std::string(3000, 'z');  // records too big for the file

    try {
        app::record_audit(store, "apply", outcomes);
        FAIL("recorded in a full file");
    } catch (const SystemError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(message.find("apply changed acme") != std::string::npos);
        CHECK(message.find("(ok), bianchi") != std::string::npos);
        CHECK(message.find("(undone) but could not record it in " + path.string()) != std::string::npos);
        CHECK(message.find("rossi") == std::string::npos);
        CHECK(message.find("database or disk is full") != std::string::npos);
    }
    CHECK(store.audit_records(10).size() == 1);  // the transaction left nothing half-written
    CHECK(integrity(store) == "ok");

    CHECK_NOTHROW(app::record_audit(store, "apply", {}));  // nothing changed, nothing to record
}

TEST_CASE("state stress: a writer holding the lock past the busy timeout fails the write up front, naming the file",
          "[state][slow]") {
    TempDir dir;
    const auto path = dir / "state.db";
    auto store = os::StateStore::open(path);
    store.append_audit(audit_row("kept"));

    auto other = os::Database::open(path);
    other.execute("BEGIN IMMEDIATE");
    other.execute("INSERT INTO audit (at, user, command, client, result) VALUES ('t', 'u', 'apply', 'other', 'ok')");
    const auto started = std::chrono::steady_clock::now();
    try {
        store.check_writable();
        FAIL("wrote while another connection held the write lock");
    } catch (const SystemError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(message.find(path.string() + ": database is locked") != std::string::npos);
        CHECK(message.find("another process held its write lock") != std::string::npos);
    }
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= std::chrono::milliseconds(4900));  // the busy timeout, 5 s, was honoured
    CHECK(store.audit_records(10).size() == 1);        // the other's uncommitted row is not seen

    other.execute("ROLLBACK");
    CHECK_NOTHROW(store.check_writable());
    CHECK(store.audit_records(10).size() == 1);
}

TEST_CASE("state stress: a state file truncated mid-page is refused at open, naming it, and left as it is", "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    {
        auto store = os::StateStore::open(path);
        for (int i = 0; i < 40; ++i) store.append_audit(audit_row("acme"));
    }  // the last close checkpoints: everything is in state.db
    const auto size = fs::file_size(path);
    REQUIRE(size > 8 * 4096);
    const auto cut = size - 4096 - 1000;  // mid-page
    fs::resize_file(path, cut);
    const auto bytes = os::read_text_file(path);

    try {
        auto store = os::StateStore::open(path);
        store.audit_records(100);
        FAIL("read a truncated file without complaint");
    } catch (const SystemError& error) {
        const std::string message = error.what();
        INFO(message);
        CHECK(message.find(path.string() + ": database disk image is malformed") != std::string::npos);
    }
    CHECK(os::read_text_file(path) == bytes);
}

TEST_CASE("state stress: a cut that only loses an empty table's page is refused too — SQLite would write past it",
          "[state]") {
    TempDir dir;
    const auto path = dir / "state.db";
    os::StateStore::open(path);  // the schema only: the last page is an empty table's or index's root
    const auto size = fs::file_size(path);
    SECTION("mid-page") {
        fs::resize_file(path, size - 2048);
        CHECK_THROWS_WITH(os::StateStore::open(path),
                          Catch::Contains(path.string() + ": database disk image is malformed: " +
                                          std::to_string(size - 2048) + " bytes is not a whole number of 4096-byte pages"));
    }
    SECTION("a whole page") {
        fs::resize_file(path, size - 4096);
        CHECK_THROWS_WITH(os::StateStore::open(path),
                          Catch::Contains(path.string() + ": database disk image is malformed: " +
                                          std::to_string(size / 4096 - 1) + " pages where its header counts " +
                                          std::to_string(size / 4096)));
    }
    SECTION("whole, it opens") { CHECK_NOTHROW(os::StateStore::open(path)); }
}

}  // namespace state_stress
