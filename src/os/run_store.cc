#include "custode/os/run_store.h"

#include <fmt/format.h>

#include "custode/core/error.h"
#include "custode/os/inventory_store.h"

namespace custode::os {
namespace {

/// Reads a stored record; the row's id wins over the JSON's (begin_run
/// stores the record before it has one).
RunRecord stored_record(std::int64_t id, const std::string& text, const std::filesystem::path& path) {
    try {
        auto record = run_record_from_json(nlohmann::json::parse(text));
        record.id = id;
        return record;
    } catch (const std::exception& error) {
        throw SystemError("read run " + std::to_string(id), 0, fmt::format("{}: {}", path.string(), error.what()));
    }
}

void insert_tasks(StateStore& store, const RunRecord& record) {
    store.prepare("DELETE FROM run_tasks WHERE run_id = ?1").bind(1, record.id).run();
    // OR REPLACE: a PC without a name, or a task listed twice, must not fail the whole run's record.
    auto insert = store.prepare(
        "INSERT OR REPLACE INTO run_tasks (run_id, client, host, task, status, exit_code, seconds, output) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    for (const auto& client : record.clients)
        for (const auto& host : client.hosts)
            for (const auto& task : host.tasks) {
                insert.bind_all(record.id, client.client, host_label(host), task.task, to_string(task.status),
                                task.exit_code, task.seconds, task.output);
                insert.run();
                insert.reset();
            }
}

}  // namespace

std::int64_t begin_run(StateStore& store, const RunRecord& record) {
    auto started = record;
    if (started.started.empty()) started.started = utc_now();
    auto insert = store.prepare(
        "INSERT INTO runs (started, status, site, dry_run, record_json) VALUES (?1, 'running', ?2, ?3, ?4)");
    insert.bind_all(started.started, started.site, started.dry_run, to_json(started).dump());
    insert.run();
    auto last = store.prepare("SELECT last_insert_rowid()");
    last.step();
    return last.column_int64(0);
}

void finish_run(StateStore& store, const RunRecord& record) {
    store.transaction([&] {
        auto update = store.prepare(
            "UPDATE runs SET finished = ?2, status = ?3, site = ?4, dry_run = ?5, record_json = ?6 WHERE id = ?1 "
            "RETURNING id");
        update.bind_all(record.id, record.finished, record.ok() ? "ok" : "problems", record.site, record.dry_run,
                        to_json(record).dump());
        if (!update.step())
            throw SystemError("finish run", 0, fmt::format("{}: no run {}", store.path().string(), record.id));
        update.reset();
        insert_tasks(store, record);
    });
}

std::vector<RunSummary> list_runs(const StateStore& store, std::optional<std::string_view> client,
                                  std::size_t limit) {
    auto select = store.prepare(
        "SELECT id, status, record_json FROM runs WHERE ?1 IS NULL OR EXISTS "
        "(SELECT 1 FROM json_each(runs.record_json, '$.clients') WHERE json_extract(value, '$.client') = ?1) "
        "ORDER BY id DESC LIMIT ?2");
    select.bind(1, client ? std::optional<std::string>(*client) : std::nullopt).bind(2, limit);
    std::vector<RunSummary> runs;
    while (select.step()) {
        const auto id = select.column_int64(0);
        const auto record = stored_record(id, select.column_text(2), store.path());
        RunSummary summary{id,     record.site,    record.started, record.finished, select.column_text(1),
                           record.dry_run, {},     run_totals(record)};
        for (const auto& run : record.clients) summary.clients.push_back(run.client);
        runs.push_back(std::move(summary));
    }
    return runs;
}

std::optional<RunRecord> load_run(const StateStore& store, std::int64_t id) {
    auto select = store.prepare("SELECT record_json FROM runs WHERE id = ?1");
    select.bind(1, id);
    if (!select.step()) return std::nullopt;
    return stored_record(id, select.column_text(0), store.path());
}

}  // namespace custode::os
