#pragma once
/// Thin RAII wrappers over the SQLite C API. Every failure throws
/// custode::SystemError carrying the sqlite3_* call, errno 0, and SQLite's own
/// message prefixed by the database file's path, so the user learns which
/// file is at fault ("/var/lib/custode/state.db: file is not a database").
/// Knows nothing of custode's schema: that is os/state_store.h.

#include <chrono>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace custode::os {

/// One prepared statement. Bind indexes are 1-based (as in SQL's `?1`),
/// column indexes 0-based, as in the C API, so the SQLite docs apply as-is.
/// Must not outlive the Database that prepared it.
class Statement {
public:

    /// Integers of any width go in as SQLite's 64-bit INTEGER (bool as 0/1).
    template <std::integral T>
    Statement& bind(int index, T value) {
        return bind_int64(index, static_cast<std::int64_t>(value));
    }
    Statement& bind(int index, double value);
    /// The text is copied, so temporaries are fine.
    Statement& bind(int index, std::string_view value);
    Statement& bind(int index, std::nullptr_t);
    /// An empty optional binds NULL.
    template <class T>
    Statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind(index, nullptr);
    }
    /// Binds its arguments to ?1, ?2, ... in order.
    template <class... Values>
    Statement& bind_all(const Values&... values) {
        int index = 0;
        (bind(++index, values), ...);
        return *this;
    }

    /// Runs to the next row: true when a row is available, false when done.
    bool step();
    /// Steps to completion, for statements that return no rows.
    void run();
    /// Rewinds so the statement can run again; bindings are kept.
    void reset();

    bool is_null(int column) const;
    std::int64_t column_int64(int column) const;
    double column_double(int column) const;
    /// NULL reads as "": use is_null() where the difference matters.
    std::string column_text(int column) const;
    std::optional<std::string> column_optional_text(int column) const;

private:
    friend class Database;
    Statement(sqlite3* db, std::string_view sql, std::string path);
    Statement& bind_int64(int index, std::int64_t value);
    void check(int rc, const char* call) const;

    struct Finalize {
        void operator()(sqlite3_stmt* statement) const;
    };
    std::unique_ptr<sqlite3_stmt, Finalize> statement_;
    std::string path_;  ///< for error messages
};

/// One open database connection. Use it from one thread at a time; open one
/// per thread instead of sharing (WAL lets readers and a writer run together).
class Database {
public:
    /// Opens read-write, creating the file if missing (not its directory).
    static Database open(const std::filesystem::path& path);
    /// Opens an existing file for reading only: never creates or changes it,
    /// nor anything beside it (no lock, no -wal or -shm file).
    static Database open_read_only(const std::filesystem::path& path);

    /// Runs one or more SQL statements that return no rows.
    void execute(std::string_view sql);
    Statement prepare(std::string_view sql) const;

    /// Runs `body` in a transaction: commits when it returns, rolls back and
    /// rethrows when it throws. The outermost level is BEGIN IMMEDIATE, so a
    /// writer waits for the lock up front (busy timeout) instead of failing
    /// with SQLITE_BUSY halfway; nested calls become savepoints.
    void transaction(const std::function<void()>& body);

    bool in_transaction() const;
    std::int64_t last_insert_rowid() const;
    /// Waits up to `timeout` for another process's lock before SQLITE_BUSY.
    void set_busy_timeout(std::chrono::milliseconds timeout);
    const std::filesystem::path& path() const { return path_; }

private:
    struct Close {
        void operator()(sqlite3* db) const;
    };
    Database(std::unique_ptr<sqlite3, Close> db, std::filesystem::path path);
    /// `name`: the path, or a file: URI of it.
    static Database open_with_flags(const std::string& name, int flags, const std::filesystem::path& path);
    void rollback_quietly(bool outermost);

    std::unique_ptr<sqlite3, Close> db_;
    std::filesystem::path path_;
};

}  // namespace custode::os
