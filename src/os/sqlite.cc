#include "custode/os/sqlite.h"

#include <cctype>
#include <cstring>
#include <fmt/format.h>
#include <sqlite3.h>
#include <string_view>

#include "custode/core/error.h"
#include "custode/os/fault_injection.h"

namespace custode::os {
namespace {

/// Result codes whose cause is the file system, where errno says more.
bool is_system_failure(int extended_code) {
    switch (extended_code & 0xff) {
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_READONLY:
        case SQLITE_FULL: return true;
        default: return false;
    }
}

/// SQLite's words for the last failure on `db`, prefixed by the file, and the
/// system's cause when there is one: SQLite says "disk I/O error" or "unable
/// to open database file" for a full disk or a read-only file system alike.
std::string failure_text(sqlite3* db, const std::string& path, const std::string& words) {
    std::string text = path + ": " + words;
    const int system_errno = sqlite3_system_errno(db);
    if (system_errno != 0 && is_system_failure(sqlite3_extended_errcode(db)))
        text += fmt::format(" ({})", std::strerror(system_errno));
    if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_BUSY) text += " (another process held its write lock past the wait)";
    return text;
}

[[noreturn]] void fail(sqlite3* db, const std::string& path, const char* call) {
    if (db == nullptr) throw SystemError(call, 0, path + ": out of memory");
    throw SystemError(call, 0, failure_text(db, path, sqlite3_errmsg(db)));
}

/// A prepared statement whose tail holds more than whitespace and `;` would
/// silently drop that SQL; refuse it instead.
bool only_blanks(const char* tail) {
    for (; tail != nullptr && *tail != '\0'; ++tail)
        if (*tail != ';' && *tail != ' ' && *tail != '\n' && *tail != '\t' && *tail != '\r') return false;
    return true;
}

constexpr const char* kSavepoint = "custode_nested";

}  // namespace

// ---- Statement ---------------------------------------------------------------

void Statement::Finalize::operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }

Statement::Statement(sqlite3* db, std::string_view sql, std::string path) : path_(std::move(path)) {
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, &tail);
    statement_.reset(raw);
    if (rc != SQLITE_OK) fail(db, path_, "sqlite3_prepare_v2");
    if (raw == nullptr) throw SystemError("sqlite3_prepare_v2", 0, path_ + ": empty SQL statement");
    const std::string rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
    if (!only_blanks(rest.c_str()))
        throw SystemError("sqlite3_prepare_v2", 0, path_ + ": more than one SQL statement: " + rest);
}

void Statement::check(int rc, const char* call) const {
    if (rc != SQLITE_OK) fail(sqlite3_db_handle(statement_.get()), path_, call);
}

Statement& Statement::bind_int64(int index, std::int64_t value) {
    check(sqlite3_bind_int64(statement_.get(), index, value), "sqlite3_bind_int64");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    check(sqlite3_bind_double(statement_.get(), index, value), "sqlite3_bind_double");
    return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
    check(sqlite3_bind_text64(statement_.get(), index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
          "sqlite3_bind_text64");
    return *this;
}

Statement& Statement::bind(int index, std::nullptr_t) {
    check(sqlite3_bind_null(statement_.get(), index), "sqlite3_bind_null");
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(statement_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(sqlite3_db_handle(statement_.get()), path_, "sqlite3_step");
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    // The error (if any) of the last step was already thrown by step().
    sqlite3_reset(statement_.get());
}


bool Statement::is_null(int column) const { return sqlite3_column_type(statement_.get(), column) == SQLITE_NULL; }

std::int64_t Statement::column_int64(int column) const { return sqlite3_column_int64(statement_.get(), column); }

double Statement::column_double(int column) const { return sqlite3_column_double(statement_.get(), column); }

std::string Statement::column_text(int column) const {
    const auto* text = sqlite3_column_text(statement_.get(), column);
    if (text == nullptr) return {};
    const int size = sqlite3_column_bytes(statement_.get(), column);
    return {reinterpret_cast<const char*>(text), static_cast<std::size_t>(size)};
}

std::optional<std::string> Statement::column_optional_text(int column) const {
    if (is_null(column)) return std::nullopt;
    return column_text(column);
}

// ---- Database ----------------------------------------------------------------

void Database::Close::operator()(sqlite3* db) const {
    // close_v2 waits for any statement still alive, so destruction order is free.
    sqlite3_close_v2(db);
}

Database::Database(std::unique_ptr<sqlite3, Close> db, std::filesystem::path path)
    : db_(std::move(db)), path_(std::move(path)) {}

Database Database::open(const std::filesystem::path& path) {
    return open_with_flags(path.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, path);
}

Database Database::open_read_only(const std::filesystem::path& path) {
    // Plain SQLITE_OPEN_READONLY would leave -wal and -shm files beside a WAL
    // database (a reader cannot remove them); immutable takes no lock and
    // reads only the file, as the last connection to close left it.
    std::string uri = "file:";
    for (const unsigned char c : path.string()) {
        if (std::isalnum(c) || std::string_view("/-._~").find(static_cast<char>(c)) != std::string_view::npos)
            uri += static_cast<char>(c);
        else
            uri += fmt::format("%{:02X}", c);
    }
    return open_with_flags(uri + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, path);
}

Database Database::open_with_flags(const std::string& name, int flags, const std::filesystem::path& path) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
    std::unique_ptr<sqlite3, Close> db(raw);  // open_v2 allocates a handle even when it fails
    if (rc != SQLITE_OK) fail(raw, path.string(), "sqlite3_open_v2");
    sqlite3_extended_result_codes(raw, 1);
    return Database(std::move(db), path);
}

void Database::execute(std::string_view sql) {
    const std::string text(sql);  // sqlite3_exec wants a terminated string
    char* message = nullptr;
    const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return;
    const std::string detail = message != nullptr ? message : sqlite3_errmsg(db_.get());
    sqlite3_free(message);
    throw SystemError("sqlite3_exec", 0, failure_text(db_.get(), path_.string(), detail));
}

Statement Database::prepare(std::string_view sql) const { return Statement(db_.get(), sql, path_.string()); }

void Database::transaction(const std::function<void()>& body) {
    const bool outermost = !in_transaction();
    execute(outermost ? std::string("BEGIN IMMEDIATE") : std::string("SAVEPOINT ") + kSavepoint);
    try {
        body();
        execute(outermost ? std::string("COMMIT") : std::string("RELEASE ") + kSavepoint);
        if (outermost) count_system_change();
    } catch (...) {
        rollback_quietly(outermost);
        throw;
    }
}

void Database::rollback_quietly(bool outermost) {
    // SQLite rolls back by itself after some errors (full disk, I/O): then
    // there is nothing left to undo. A failing rollback must not hide the
    // exception that caused it.
    if (!in_transaction()) return;
    try {
        if (outermost)
            execute("ROLLBACK");
        else
            execute(std::string("ROLLBACK TO ") + kSavepoint + "; RELEASE " + kSavepoint);
    } catch (const SystemError&) {
    }
}

bool Database::in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

void Database::set_busy_timeout(std::chrono::milliseconds timeout) {
    const int rc = sqlite3_busy_timeout(db_.get(), static_cast<int>(timeout.count()));
    if (rc != SQLITE_OK) fail(db_.get(), path_.string(), "sqlite3_busy_timeout");
}

}  // namespace custode::os
