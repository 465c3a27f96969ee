#include "custode/os/backup_store.h"

#include "custode/core/error.h"
#include "custode/core/utc_time.h"

namespace custode::os {
namespace {

// Times are stored as utc_iso writes them, to the millisecond.
TimePoint time_column(const Statement& row, int column, const StateStore& store) {
    const auto time = parse_rfc3339(row.column_text(column));
    if (!time) throw SystemError("read backup record", 0, store.path().string() + ": a stored time is malformed");
    return *time;
}

std::optional<std::string> optional_time_text(const std::optional<TimePoint>& time) {
    return time ? std::optional<std::string>(utc_iso(*time)) : std::nullopt;
}

}  // namespace

BackupRecord load_backup_record(const StateStore& store, std::string_view client) {
    BackupRecord record;
    auto snapshots = store.prepare(
        "SELECT id, host, claimed, seen, unseen FROM backup_snapshots WHERE client = ?1 ORDER BY rowid");
    snapshots.bind_all(client);
    while (snapshots.step()) {
        std::optional<TimePoint> unseen;
        if (snapshots.column_optional_text(4)) unseen = time_column(snapshots, 4, store);
        record.snapshots.push_back({snapshots.column_text(0), snapshots.column_text(1), time_column(snapshots, 2, store),
                                    time_column(snapshots, 3, store), unseen});
    }
    auto look = store.prepare("SELECT at, data_read FROM backup_looks WHERE client = ?1");
    look.bind_all(client);
    if (look.step()) {
        record.last_look = time_column(look, 0, store);
        if (look.column_optional_text(1)) record.last_data_read = time_column(look, 1, store);
    }
    auto restores = store.prepare("SELECT host, at FROM backup_restores WHERE client = ?1");
    restores.bind_all(client);
    while (restores.step()) record.last_restore[restores.column_text(0)] = time_column(restores, 1, store);
    return record;
}

void save_backup_look(StateStore& store, std::string_view client, const std::vector<RecordedSnapshot>& snapshots,
                      TimePoint look) {
    store.transaction([&] {
        store.prepare("DELETE FROM backup_snapshots WHERE client = ?1").bind_all(client).run();
        auto insert = store.prepare(
            "INSERT INTO backup_snapshots (client, id, host, claimed, seen, unseen) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        for (const auto& snapshot : snapshots) {
            insert.reset();
            insert.bind_all(client, snapshot.id, snapshot.host, utc_iso(snapshot.claimed), utc_iso(snapshot.seen),
                            optional_time_text(snapshot.unseen))
                .run();
        }
        store.prepare("INSERT INTO backup_looks (client, at) VALUES (?1, ?2) ON CONFLICT (client) DO UPDATE SET at = ?2")
            .bind_all(client, utc_iso(look))
            .run();
    });
}

void save_data_read(StateStore& store, std::string_view client, TimePoint at) {
    store.prepare("UPDATE backup_looks SET data_read = ?2 WHERE client = ?1").bind_all(client, utc_iso(at)).run();
}

void save_restore_test(StateStore& store, std::string_view client, std::string_view host, TimePoint at) {
    store.prepare("INSERT INTO backup_restores (client, host, at) VALUES (?1, ?2, ?3) "
                  "ON CONFLICT (client, host) DO UPDATE SET at = ?3")
        .bind_all(client, host, utc_iso(at))
        .run();
}

}  // namespace custode::os
