#pragma once
/// custode's state file: one SQLite database (WAL mode) holding the audit
/// trail, the inventory and the nightly runs. Opening it brings its schema up
/// to date through numbered, append-only migrations (docs/state.md); a file
/// written by a newer custode is refused rather than misread.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custode/os/sqlite.h"

namespace custode::os {

/// One `apply` or `remove`, for one client: who changed what, and how it went.
struct AuditRecord {
    std::int64_t id = 0;    ///< assigned by the store; ignored by append_audit
    std::string at;         ///< UTC ISO-8601 ("2024-05-01T20:30:00Z"); empty: the store's clock, now
    std::string user;       ///< who ran the command (login name)
    std::string command;    ///< "apply" | "remove"
    std::string client;
    std::string plan_json;  ///< the plan that was applied, as the `plan --json` shape
    /// "ok" | "failed" | "undone"; "running" while the command works (written
    /// before it changes anything), "interrupted" when it never finished
    std::string result;
    std::string detail;     ///< the error message, or ""

    bool operator==(const AuditRecord&) const = default;
};

class StateStore {
public:
    /// Opens (creating the file and its directory if missing) and migrates
    /// to latest_schema_version(). ":memory:" gives a throw-away store for tests.
    /// Throws SystemError naming the file when it is not a database, is
    /// locked beyond the busy timeout, or was written by a newer custode.
    static StateStore open(const std::filesystem::path& path);

    /// As open(), with `migrations` in place of the real list: a test hook
    /// to exercise migration failures and upgrades from old versions.
    static StateStore open_with_migrations(const std::filesystem::path& path,
                                           std::span<const std::string_view> migrations);

    /// The real migrations; migration i (0-based) brings the file to version i+1.
    static std::span<const std::string_view> migrations();
    static int latest_schema_version();
    /// The file's `PRAGMA user_version`.
    int schema_version() const;

    void execute(std::string_view sql) { db_.execute(sql); }
    Statement prepare(std::string_view sql) const { return db_.prepare(sql); }
    /// Commits when `body` returns, rolls back and rethrows when it throws.
    void transaction(const std::function<void()>& body) { db_.transaction(body); }
    const std::filesystem::path& path() const { return db_.path(); }

    /// Commits a write that changes nothing (the schema version, rewritten),
    /// so a command that is about to change the system learns first that the
    /// file cannot take its record: read-only, held by another writer past
    /// the busy timeout, full, damaged. Throws SystemError naming the file.
    void check_writable();

    /// Appends one record; returns its id.
    std::int64_t append_audit(const AuditRecord& record);
    /// Marks every `running` record `interrupted`, with `detail`.
    void mark_running_audits_interrupted(std::string_view detail);
    void delete_audit(std::int64_t id);
    /// The newest `limit` records, newest first.
    std::vector<AuditRecord> audit_records(std::size_t limit) const;
    /// The newest record of `client`, if any.
    std::optional<AuditRecord> last_audit_of(std::string_view client) const;

private:
    explicit StateStore(Database db) : db_(std::move(db)) {}
    void configure();
    void migrate(std::span<const std::string_view> migrations);

    Database db_;
};

}  // namespace custode::os
