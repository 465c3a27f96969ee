#include "custode/os/run_store.h"

#include <fmt/format.h>

#include "custode/core/error.h"
#include "custode/core/run_record_json.h"
#include "custode/os/inventory_store.h"

namespace custode::os {
namespace {

/// The columns row_record reads, in its order.
constexpr std::string_view kRecordColumns = "id, started, COALESCE(finished, ''), site, dry_run, record_json";

/// The record of one runs row. The row's id wins over the JSON's (begin_run
/// stores the record before it has one); rows from before migration 5 have
/// no record and read as their columns alone.
RunRecord row_record(const Statement& row, const std::filesystem::path& path) {
    const auto id = row.column_int64(0);
    const auto text = row.column_text(5);
    RunRecord record;
    try {
        if (text != "{}") record = run_record_from_json(nlohmann::json::parse(text));
    } catch (const std::exception& error) {
        throw SystemError("read run " + std::to_string(id), 0, fmt::format("{}: {}", path.string(), error.what()));
    }
    record.id = id;
    if (text == "{}") {
        record.started = row.column_text(1);
        record.finished = row.column_text(2);
        record.site = row.column_text(3);
        record.dry_run = row.column_int64(4) != 0;
    }
    return record;
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

void save_run_progress(StateStore& store, const RunRecord& record) {
    store.transaction([&] {
        auto update = store.prepare("UPDATE runs SET record_json = ?2 WHERE id = ?1 AND status = 'running'");
        update.bind_all(record.id, to_json(record).dump());
        update.run();
    });
}

std::vector<std::int64_t> mark_interrupted_runs(StateStore& store) {
    std::vector<std::int64_t> ids;
    store.transaction([&] {
        std::vector<RunRecord> cut;
        auto select = store.prepare(fmt::format("SELECT {} FROM runs WHERE status = 'running' ORDER BY id", kRecordColumns));
        while (select.step()) cut.push_back(row_record(select, store.path()));
        auto update = store.prepare("UPDATE runs SET status = 'interrupted', record_json = ?2 WHERE id = ?1");
        for (auto& record : cut) {
            record.interrupted = true;
            update.bind_all(record.id, to_json(record).dump());
            update.run();
            update.reset();
            insert_tasks(store, record);
            ids.push_back(record.id);
        }
    });
    return ids;
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
    auto select = store.prepare(fmt::format(
        "SELECT {}, status FROM runs WHERE ?1 IS NULL OR EXISTS "
        "(SELECT 1 FROM json_each(runs.record_json, '$.clients') WHERE json_extract(value, '$.client') = ?1) "
        "ORDER BY id DESC LIMIT ?2",
        kRecordColumns));
    select.bind(1, client ? std::optional<std::string>(*client) : std::nullopt).bind(2, limit);
    std::vector<RunSummary> runs;
    while (select.step()) {
        const auto record = row_record(select, store.path());
        RunSummary summary{record.id, record.site,    record.started, record.finished, select.column_text(6),
                           record.dry_run, {},        run_totals(record)};
        for (const auto& run : record.clients) summary.clients.push_back(run.client);
        runs.push_back(std::move(summary));
    }
    return runs;
}

std::optional<RunRecord> load_run(const StateStore& store, std::int64_t id) {
    auto select = store.prepare(fmt::format("SELECT {} FROM runs WHERE id = ?1", kRecordColumns));
    select.bind(1, id);
    if (!select.step()) return std::nullopt;
    return row_record(select, store.path());
}

std::vector<RunRecord> load_runs_since(const StateStore& store, std::string_view since) {
    auto select = store.prepare(fmt::format("SELECT {} FROM runs WHERE started >= ?1 ORDER BY id", kRecordColumns));
    select.bind(1, since);
    std::vector<RunRecord> runs;
    while (select.step()) runs.push_back(row_record(select, store.path()));
    return runs;
}

}  // namespace custode::os
