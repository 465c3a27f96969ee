#include "custode/os/disconnection_store.h"

namespace custode::os {

std::int64_t append_disconnection(StateStore& store, const DisconnectionRecord& record) {
    auto insert = store.prepare(
        "INSERT INTO disconnections (client, at, user, record_json, signature) VALUES (?1, ?2, ?3, ?4, ?5)");
    insert.bind_all(record.client, record.at, record.user, record.record_json, record.signature);
    insert.run();
    auto last = store.prepare("SELECT last_insert_rowid()");
    last.step();
    return last.column_int64(0);
}

std::vector<DisconnectionRecord> disconnections(const StateStore& store, std::string_view client) {
    auto select = store.prepare(
        "SELECT id, client, at, user, record_json, signature FROM disconnections "
        "WHERE ?1 = '' OR client = ?1 ORDER BY id");
    select.bind(1, client);
    std::vector<DisconnectionRecord> records;
    while (select.step())
        records.push_back({select.column_int64(0), select.column_text(1), select.column_text(2),
                           select.column_text(3), select.column_text(4), select.column_text(5)});
    return records;
}

}  // namespace custode::os
