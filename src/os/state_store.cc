#include "custode/os/state_store.h"

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <fmt/format.h>
#include <system_error>
#include <unistd.h>

#include "custode/core/error.h"

namespace custode::os {
namespace {

using namespace std::chrono_literals;

/// APPEND-ONLY. Migration i brings the file from version i to i+1; a released
/// entry is never edited, reordered or removed, because files in the field
/// already ran it (docs/state.md). Statuses are plain TEXT without CHECK
/// constraints: SQLite cannot alter a CHECK without rebuilding the table.
constexpr std::array<std::string_view, 8> kMigrations = {
    // 1: the audit trail, one record per client per `apply` / `remove`.
    R"sql(
CREATE TABLE audit (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user      TEXT NOT NULL,
    command   TEXT NOT NULL,
    client    TEXT NOT NULL,
    plan_json TEXT NOT NULL DEFAULT '',
    result    TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_client ON audit (client, id);
)sql",
    // 2: the inventory, filled by `scan`.
    R"sql(
CREATE TABLE hosts (
    client     TEXT NOT NULL,
    mac        TEXT NOT NULL,
    ip         TEXT,
    vendor     TEXT,
    name       TEXT,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (client, mac)
);
CREATE TABLE host_macs (
    client     TEXT NOT NULL,
    ip         TEXT NOT NULL,
    mac        TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (client, ip, mac)
);
CREATE TABLE scans (
    id          INTEGER PRIMARY KEY,
    client      TEXT NOT NULL,
    at          TEXT NOT NULL,
    elapsed_ms  INTEGER NOT NULL,
    hosts_found INTEGER NOT NULL
);
CREATE INDEX scans_by_client ON scans (client, at);
)sql",
    // 3: the nightly runs of `maintain`.
    R"sql(
CREATE TABLE runs (
    id       INTEGER PRIMARY KEY,
    started  TEXT NOT NULL,
    finished TEXT,
    status   TEXT NOT NULL
);
CREATE TABLE run_tasks (
    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    client    TEXT NOT NULL,
    host      TEXT NOT NULL,
    task      TEXT NOT NULL,
    status    TEXT NOT NULL,
    exit_code INTEGER,
    seconds   REAL,
    output    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, client, host, task)
);
CREATE INDEX run_tasks_by_client ON run_tasks (client, run_id);
)sql",
    // 4: the lab-side disconnection records of `disconnect`. Proofs: rows are
    // never changed or deleted, and the triggers say so to anyone who tries.
    R"sql(
CREATE TABLE disconnections (
    id          INTEGER PRIMARY KEY,
    client      TEXT NOT NULL,
    at          TEXT NOT NULL,
    user        TEXT NOT NULL,
    record_json TEXT NOT NULL,
    signature   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX disconnections_by_client ON disconnections (client, id);
CREATE TRIGGER disconnections_no_update BEFORE UPDATE ON disconnections
BEGIN SELECT RAISE(ABORT, 'disconnection records are append-only'); END;
CREATE TRIGGER disconnections_no_delete BEFORE DELETE ON disconnections
BEGIN SELECT RAISE(ABORT, 'disconnection records are append-only'); END;
)sql",
    // 5: each run's whole record (the `maintain --json` shape) for `report`,
    // and what `runs` lists without reading it.
    R"sql(
ALTER TABLE runs ADD COLUMN site TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN dry_run INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN record_json TEXT NOT NULL DEFAULT '{}';
)sql",
    // 6: whether a scan was complete: one whose capture lost frames is kept
    // as incomplete, so nobody reads its silent hosts as gone.
    R"sql(
ALTER TABLE scans ADD COLUMN complete INTEGER NOT NULL DEFAULT 1;
)sql",
    // 7: the lab's own record of each client's backup snapshots: when each
    // first appeared to the lab, which retention believes over the time the
    // PC wrote into it (docs/backups.md), and when the lab last looked.
    R"sql(
CREATE TABLE backup_snapshots (
    client  TEXT NOT NULL,
    id      TEXT NOT NULL,
    host    TEXT NOT NULL,
    claimed TEXT NOT NULL,
    seen    TEXT NOT NULL,
    unseen  TEXT,
    PRIMARY KEY (client, id)
);
CREATE TABLE backup_looks (
    client TEXT PRIMARY KEY,
    at     TEXT NOT NULL
);
)sql",
    // 8: the lab's weekly steps: when its check last read the client's
    // data, and when each host's restore test last passed.
    R"sql(
ALTER TABLE backup_looks ADD COLUMN data_read TEXT;
CREATE TABLE backup_restores (
    client TEXT NOT NULL,
    host   TEXT NOT NULL,
    at     TEXT NOT NULL,
    PRIMARY KEY (client, host)
);
)sql",
};

constexpr auto kBusyTimeout = 5000ms;
constexpr std::string_view kInMemory = ":memory:";

void create_parent_directory(const std::filesystem::path& path) {
    const auto parent = path.parent_path();
    if (parent.empty() || path == kInMemory) return;
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) throw SystemError("mkdir " + parent.string(), error.value(), "");
}

/// WAL writes `-wal` and `-shm` files beside the state file, even to read.
/// On a read-only file system SQLite's own words are "unable to open
/// database file", with the errno of its last fallback (ENOENT): say it here.
/// access() answers EROFS for root too.
void check_directory_writable(const std::filesystem::path& path) {
    if (path == kInMemory) return;
    const auto parent = path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    if (::access(parent.c_str(), W_OK) != 0)
        throw SystemError("state file " + path.string(), errno,
                          fmt::format("its directory {} cannot be written (SQLite keeps state.db-wal and "
                                      "state.db-shm beside the file)",
                                      parent.string()));
}

std::uint32_t big_endian(const std::array<unsigned char, 100>& header, std::size_t at) {
    return static_cast<std::uint32_t>(header[at]) << 24 | static_cast<std::uint32_t>(header[at + 1]) << 16 |
           static_cast<std::uint32_t>(header[at + 2]) << 8 | header[at + 3];
}

/// A file cut short (a full disk while copying it back, a bad restore) is
/// caught here and not by SQLite when the part lost held a page nothing has
/// read yet (an empty table's root): SQLite would then write past the hole
/// and leave a page of zeros to be found later. SQLite writes whole pages,
/// and with no WAL beside the file its header's page count is the file's.
void check_not_cut_short(const std::filesystem::path& path) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    if (error || size < 100) return;  // missing or empty: SQLite makes or refuses it
    std::array<unsigned char, 100> header{};
    std::ifstream in(path, std::ios::binary);
    if (!in.read(reinterpret_cast<char*>(header.data()), header.size())) return;
    if (std::memcmp(header.data(), "SQLite format 3", 16) != 0) return;  // SQLite says "not a database"
    const std::uint32_t raw_page = static_cast<std::uint32_t>(header[16]) << 8 | header[17];
    const std::uint64_t page = raw_page == 1 ? 65536 : raw_page;
    const auto malformed = [&](const std::string& why) {
        throw SystemError("state file check", 0,
                          fmt::format("{}: database disk image is malformed: {} (the file was cut short; restore a "
                                      "backup: docs/state.md)",
                                      path.string(), why));
    };
    if (page < 512 || size % page != 0)
        malformed(fmt::format("{} bytes is not a whole number of {}-byte pages", size, page));
    const auto wal_size = std::filesystem::file_size(path.string() + "-wal", error);
    const bool header_counts = big_endian(header, 24) == big_endian(header, 92);  // SQLite's "valid for" rule
    if ((error || wal_size == 0) && header_counts && size / page < big_endian(header, 28))
        malformed(fmt::format("{} pages where its header counts {}", size / page, big_endian(header, 28)));
}

/// The audit columns, in AuditRecord's order, and one row of them read back.
constexpr std::string_view kAuditColumns = "id, at, user, command, client, plan_json, result, detail";

AuditRecord audit_row(const Statement& select) {
    return {select.column_int64(0), select.column_text(1), select.column_text(2), select.column_text(3),
            select.column_text(4), select.column_text(5), select.column_text(6), select.column_text(7)};
}

}  // namespace

StateStore StateStore::open(const std::filesystem::path& path) { return open_with_migrations(path, migrations()); }

StateStore StateStore::open_with_migrations(const std::filesystem::path& path,
                                            std::span<const std::string_view> migrations) {
    create_parent_directory(path);
    check_directory_writable(path);
    if (path != kInMemory) check_not_cut_short(path);
    StateStore store(Database::open(path));
    store.configure();
    store.migrate(migrations);
    return store;
}

std::span<const std::string_view> StateStore::migrations() { return kMigrations; }

int StateStore::latest_schema_version() { return static_cast<int>(kMigrations.size()); }

/// No `PRAGMA quick_check` here: it reads every page, so its cost grows with
/// the file (run outputs, scan history) and every command opens the store.
/// A bad header already fails below ("file is not a database"), and SQLite
/// reports damaged pages as SQLITE_CORRUPT when it touches them.
void StateStore::configure() {
    db_.set_busy_timeout(kBusyTimeout);
    auto journal = db_.prepare("PRAGMA journal_mode=WAL");
    journal.step();
    const auto mode = journal.column_text(0);
    const bool in_memory = path() == kInMemory && mode == "memory";
    if (mode != "wal" && !in_memory)
        throw SystemError("PRAGMA journal_mode=WAL", 0,
                          fmt::format("{}: journal mode stays '{}' (WAL needs a local file system)", path().string(), mode));
    db_.execute("PRAGMA foreign_keys=ON");
}

int StateStore::schema_version() const {
    auto statement = db_.prepare("PRAGMA user_version");
    statement.step();
    return static_cast<int>(statement.column_int64(0));
}

void StateStore::migrate(std::span<const std::string_view> migrations) {
    const int known = static_cast<int>(migrations.size());
    const int found = schema_version();
    if (found > known)
        throw SystemError("schema check", 0,
                          fmt::format("state file {} has schema version {}; this custode knows up to {}",
                                      path().string(), found, known));
    for (int version = found + 1; version <= known; ++version) {
        try {
            db_.transaction([&] {
                // Another custode may have migrated while we waited for the lock.
                if (schema_version() >= version) return;
                db_.execute(migrations[static_cast<std::size_t>(version - 1)]);
                db_.execute(fmt::format("PRAGMA user_version = {}", version));
            });
        } catch (const SystemError& error) {
            throw SystemError(fmt::format("migrate to schema version {}", version), 0, error.what());
        }
    }
}

void StateStore::check_writable() {
    db_.transaction([&] { db_.execute(fmt::format("PRAGMA user_version = {}", schema_version())); });
}

std::int64_t StateStore::append_audit(const AuditRecord& record) {
    auto insert = db_.prepare(
        "INSERT INTO audit (at, user, command, client, plan_json, result, detail) "
        "VALUES (COALESCE(NULLIF(?1, ''), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), ?2, ?3, ?4, ?5, ?6, ?7)");
    insert.bind_all(record.at, record.user, record.command, record.client, record.plan_json, record.result,
                    record.detail);
    insert.run();
    return db_.last_insert_rowid();
}

void StateStore::mark_running_audits_interrupted(std::string_view detail) {
    auto update = db_.prepare("UPDATE audit SET result = 'interrupted', detail = ?1 WHERE result = 'running'");
    update.bind(1, detail);
    update.run();
}

void StateStore::delete_audit(std::int64_t id) {
    auto remove = db_.prepare("DELETE FROM audit WHERE id = ?1");
    remove.bind(1, id);
    remove.run();
}

std::optional<AuditRecord> StateStore::last_audit_of(std::string_view client) const {
    auto select = db_.prepare(
        fmt::format("SELECT {} FROM audit WHERE client = ?1 ORDER BY id DESC LIMIT 1", kAuditColumns));
    select.bind(1, client);
    if (!select.step()) return std::nullopt;
    return audit_row(select);
}

std::vector<AuditRecord> StateStore::audit_records(std::size_t limit) const {
    auto select = db_.prepare(fmt::format("SELECT {} FROM audit ORDER BY id DESC LIMIT ?1", kAuditColumns));
    select.bind(1, limit);
    std::vector<AuditRecord> records;
    while (select.step()) records.push_back(audit_row(select));
    return records;
}

}  // namespace custode::os
