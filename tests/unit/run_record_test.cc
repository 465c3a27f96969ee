#include <catch2/catch.hpp>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <unistd.h>

#include "custode/core/run_record.h"
#include "custode/core/run_record_json.h"
#include "custode/core/tasks.h"
#include "custode/core/utc_time.h"
#include "custode/os/run_store.h"
#include "custode/os/sqlite.h"
#include "netconf_cli_support.h"
#include "support/temp_dir.h"
#include "unit/sample_run.h"

using namespace custode;
using custode::testing::read_file;
using custode::testing::sample_run;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

/// A path under /tmp for this process, removed (with SQLite's -wal/-shm) when the test ends.
struct ScratchPath {
    fs::path path;
    explicit ScratchPath(std::string_view name)
        : path(fs::temp_directory_path() / fmt::format("custode-run-record-{}-{}", ::getpid(), name)) {
        clean();
    }
    ~ScratchPath() { clean(); }
    void clean() const {
        for (const auto* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
    }
    std::string str() const { return path.string(); }
};

}  // namespace

// ---------------------------------------------------------------- model

TEST_CASE("a PC is ok when reached, its tasks are ok, warning or skipped, and it shut down if asked", "[report]") {
    auto run = sample_run();
    auto& reception = run.clients[0].hosts[0];
    CHECK_FALSE(reception.ok());  // the failed backup
    reception.tasks[2].status = TaskStatus::skipped;
    CHECK(reception.ok());  // a warning and a skip are fine
    reception.shutdown = ShutdownOutcome::still_on;
    CHECK_FALSE(reception.ok());
    reception.shutdown = ShutdownOutcome::not_requested;
    CHECK(reception.ok());
    for (const auto status : {TaskStatus::failed, TaskStatus::error, TaskStatus::timeout}) {
        reception.tasks[0].status = status;
        CHECK_FALSE(reception.ok());
    }
    CHECK_FALSE(run.clients[0].hosts[1].ok());  // did not wake
    CHECK(run.clients[1].hosts[0].ok());
    CHECK_FALSE(run.clients[1].hosts[1].ok());  // unreachable

    run.clients[1].hosts.pop_back();
    CHECK(run.clients[1].ok());
    run.clients[1].error = "link down";
    CHECK_FALSE(run.clients[1].ok());
    CHECK_FALSE(run.ok());
    run.clients = {ClientRun{"empty", "", 0, {}}};
    CHECK(run.ok());
}

TEST_CASE("run totals count PCs, wake failures, unreachable PCs and problems", "[report]") {
    const auto totals = run_totals(sample_run());
    CHECK(totals.clients == 2);
    CHECK(totals.clients_ok == 0);
    CHECK(totals.hosts == 4);
    CHECK(totals.hosts_ok == 1);
    CHECK(totals.did_not_wake == 1);
    CHECK(totals.unreached == 2);
    CHECK(totals.tasks == 5);
    CHECK(totals.task_problems == 1);
    CHECK(totals.problems == 3);
}

TEST_CASE("enum names read back, unknown names do not", "[report]") {
    for (const auto power : {PowerOutcome::was_on, PowerOutcome::woken, PowerOutcome::did_not_wake, PowerOutcome::unknown})
        CHECK(parse_power_outcome(to_string(power)) == power);
    for (const auto shutdown : {ShutdownOutcome::not_requested, ShutdownOutcome::confirmed_off,
                                ShutdownOutcome::still_on, ShutdownOutcome::failed, ShutdownOutcome::user_logged_on})
        CHECK(parse_shutdown_outcome(to_string(shutdown)) == shutdown);
    CHECK_FALSE(parse_power_outcome("asleep"));
    CHECK_FALSE(parse_shutdown_outcome(""));
}

TEST_CASE("UTC times and durations", "[report]") {
    CHECK(parse_utc_seconds("1970-01-01T00:00:00Z") == Approx(0));
    CHECK(parse_utc_seconds("2026-11-29T01:30:00Z") == Approx(1795915800));
    CHECK(parse_utc_seconds("2026-11-29T01:30:00.250Z") == Approx(1795915800.25));
    CHECK_FALSE(parse_utc_seconds("2026-11-29T01:30:00"));
    CHECK_FALSE(parse_utc_seconds("2026-02-30T01:30:00Z"));
    CHECK_FALSE(parse_utc_seconds(""));
    CHECK(run_duration_seconds("2026-11-29T01:30:00Z", "2026-11-29T02:45:30Z") == Approx(4530));
    CHECK_FALSE(run_duration_seconds("2026-11-29T01:30:00Z", ""));
    CHECK(format_duration(0.42) == "0.4 s");
    CHECK(format_duration(42) == "42 s");
    CHECK(format_duration(185.5) == "3 min 06 s");
    CHECK(format_duration(4530) == "1 h 15 min");
}

// ---------------------------------------------------------------- JSON

TEST_CASE("the run record's JSON has the maintain shape and reads back whole", "[report]") {
    const auto run = sample_run();
    const auto json = to_json(run);
    CHECK(json["run"] == 7);
    CHECK(json["ok"] == false);
    const auto& task = json["clients"][0]["hosts"][0]["tasks"][2];
    CHECK(json["clients"][0]["client"] == "acme");
    CHECK(json["clients"][0]["hosts"][0]["name"] == "reception");
    CHECK(task["task"] == "backup");
    CHECK(task["status"] == "failed");
    CHECK(task["exit"] == 1);
    CHECK(task["seconds"] == 61);
    CHECK(json["clients"][0]["hosts"][1]["power"] == "did_not_wake");

    const auto again = run_record_from_json(nlohmann::json::parse(json.dump()));
    CHECK(to_json(again) == json);
    CHECK(again.clients[0].hosts[0].tasks[1].findings == run.clients[0].hosts[0].tasks[1].findings);
    CHECK(again.clients[1].hosts[0].os == HostOs::linux_);

    auto no_exit = run;
    no_exit.clients[0].hosts[0].tasks[0].exit_code.reset();
    const auto null_exit = to_json(no_exit);
    CHECK(null_exit["clients"][0]["hosts"][0]["tasks"][0]["exit"].is_null());
    CHECK_FALSE(run_record_from_json(null_exit).clients[0].hosts[0].tasks[0].exit_code);
}

TEST_CASE("the lab's backup care is in the record, its JSON, the HTML report and the metrics, and decides the client",
          "[report][backups]") {
    auto run = sample_run();
    run.clients.push_back({"bianchi", "", 5, {}});  // no PCs: only its backups decide
    auto& client = run.clients.back();
    REQUIRE(client.ok());
    CHECK(to_json(run)["clients"][2]["backup"].is_null());  // no [backup]: the lab left the repository alone
    BackupCare care;
    care.listed = true;
    care.snapshots = 14;
    care.new_snapshots = 2;
    care.removed = {"pc1 1a2b3c4d", "pc1 5e6f7a8b"};
    care.bytes_before = 900u << 20;
    care.bytes_after = 600u << 20;
    care.check = "check --read-data-subset=5%";
    care.seconds = 12.5;
    client.backup = care;
    CHECK(backup_care_line(care) ==
          "backups: 14 snapshots (2 new), 2 removed, 300.0 MiB freed, restic check --read-data-subset=5% passed");
    CHECK(client.ok());
    const auto json = to_json(run);
    CHECK(json["clients"][2]["backup"]["removed"] == nlohmann::json{"pc1 1a2b3c4d", "pc1 5e6f7a8b"});
    CHECK(json["clients"][2]["backup"]["bytes_after"] == 600u << 20);
    CHECK(json["clients"][2]["backup"]["ok"] == true);
    CHECK(to_json(run_record_from_json(nlohmann::json::parse(json.dump()))) == json);
    CHECK(contains(render_html_report(run), "backups: 14 snapshots (2 new)"));
    CHECK(contains(render_prometheus_metrics(run), "custode_backup_ok{client=\"bianchi\"} 1\n"));
    CHECK(contains(render_prometheus_metrics(run), "custode_backup_snapshots_removed{client=\"bianchi\"} 2\n"));

    client.backup->forged = {"pc1 9c9c9c9c claims 2026-01-01T00:00:00Z, appeared between 2026-12-06T01:00:00Z and "
                             "2026-12-07T01:00:00Z"};
    CHECK_FALSE(client.ok());
    client.backup->forged.clear();
    client.backup->error = "restic check: exit 1: Pack ID does not match\nFatal: repository contains errors";
    CHECK_FALSE(client.ok());
    CHECK(to_json(run)["clients"][2]["ok"] == false);
    const auto html = render_html_report(run);
    const auto attention = html.substr(html.find("Needs attention"));
    CHECK(contains(attention, "<b>bianchi</b>: backups: 14 snapshots (2 new), 2 removed, 300.0 MiB freed; needs "
                              "attention: restic check: exit 1: Pack ID does not match"));
    CHECK(contains(render_prometheus_metrics(run), "custode_backup_ok{client=\"bianchi\"} 0\n"));
    CHECK_FALSE(contains(render_prometheus_metrics(run), "custode_backup_ok{client=\"acme\"}"));

    BackupCare unlisted;
    unlisted.error = "restic unlock: exit 1: Fatal: unable to open config file";
    CHECK(backup_care_line(unlisted) == "backups: needs attention: restic unlock: exit 1: Fatal: unable to open config file");
}

TEST_CASE("a bad run record names the field at fault", "[report]") {
    auto json = to_json(sample_run());
    json["clients"][1]["hosts"][0]["tasks"][1]["status"] = "fine";
    CHECK_THROWS_WITH(run_record_from_json(json),
                      Catch::Contains("clients[1].hosts[0].tasks[1].status: unknown value 'fine'"));
    json = to_json(sample_run());
    json["clients"][0]["hosts"][1].erase("name");
    CHECK_THROWS_WITH(run_record_from_json(json), Catch::Contains("clients[0].hosts[1].name: missing"));
    json = to_json(sample_run());
    json["clients"][0]["seconds"] = "long";
    CHECK_THROWS_WITH(run_record_from_json(json), Catch::Contains("clients[0].seconds: wrong type"));
    CHECK_THROWS_WITH(run_record_from_json(nlohmann::json::array()), Catch::Contains("record: expected an object"));
}

// ---------------------------------------------------------------- HTML

TEST_CASE("the HTML report shows every client, PC, task and status, and escapes what came from the PCs",
          "[report]") {
    auto run = sample_run();
    run.clients[1].hosts[0].tasks[0].summary = "<b>bold</b> \"quoted\"";
    const auto html = render_html_report(run);
    CHECK(contains(html, "<meta name=\"viewport\""));
    CHECK(contains(html, "<style>"));
    for (const auto* text : {"acme", "rossi", "reception", "office-2", "studio", "nas-pc", "antivirus", "disk-health",
                             "backup", ">ok<", ">warning<", ">failed<", ">skipped<", "did not wake", "unreachable",
                             "host key changed", "12 reallocated sectors", "Run 7", "lab", "2026-11-29 01:30:00 UTC",
                             "1 h 15 min", "PCs 1/4 ok", "Needs attention", "<details>"})
        CHECK(contains(html, text));
    // Nothing from the wire runs or loads: no script, no external resources.
    CHECK_FALSE(contains(html, "<script"));
    CHECK(contains(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"));
    CHECK(contains(html, "&lt;b&gt;bold&lt;/b&gt; &quot;quoted&quot;"));
    CHECK_FALSE(contains(html, "http://"));
    CHECK_FALSE(contains(html, "https://"));
    CHECK_FALSE(contains(html, "<table"));
}

// ---------------------------------------------------------------- metrics

namespace {

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

/// Reads the exposition text back, unescaping label values; fails the test on
/// a line that does not parse or a sample without HELP and TYPE before it.
std::vector<Sample> parse_metrics(const std::string& text) {
    static const std::regex sample_line(R"(^([a-z_]+)(?:\{(.*)\})? (\S+)$)");
    static const std::regex label(R"re(([a-z_]+)="((?:[^"\\]|\\.)*)",?)re");
    std::vector<Sample> samples;
    std::map<std::string, int> described;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        INFO(line);
        if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
            described[line.substr(7, line.find(' ', 7) - 7)] += 1;
            continue;
        }
        std::smatch match;
        REQUIRE(std::regex_match(line, match, sample_line));
        Sample sample{match[1], {}, std::stod(match[3])};
        CHECK(described[sample.name] == 2);
        const std::string labels = match[2];
        for (std::sregex_iterator it(labels.begin(), labels.end(), label), end; it != end; ++it) {
            std::string value;
            const std::string raw = (*it)[2];
            for (std::size_t i = 0; i < raw.size(); ++i)
                value += raw[i] == '\\' ? (raw[++i] == 'n' ? '\n' : raw[i]) : raw[i];
            sample.labels[(*it)[1]] = value;
        }
        samples.push_back(std::move(sample));
    }
    return samples;
}

std::optional<double> value_of(const std::vector<Sample>& samples, std::string_view name,
                               const std::map<std::string, std::string>& labels = {}) {
    for (const auto& sample : samples) {
        if (sample.name != name) continue;
        bool all = true;
        for (const auto& [key, value] : labels) all = all && sample.labels.count(key) && sample.labels.at(key) == value;
        if (all) return sample.value;
    }
    return std::nullopt;
}

}  // namespace

TEST_CASE("the metrics are node_exporter textfile lines with the run's values", "[report]") {
    const auto samples = parse_metrics(render_prometheus_metrics(sample_run()));
    CHECK(value_of(samples, "custode_run_id") == 7);
    CHECK(value_of(samples, "custode_run_ok") == 0);
    CHECK(value_of(samples, "custode_run_duration_seconds") == Approx(4530));
    CHECK(value_of(samples, "custode_run_timestamp_seconds") == Approx(1795920330));
    CHECK(value_of(samples, "custode_host_reached", {{"client", "acme"}, {"host", "office-2"}}) == 0);
    CHECK(value_of(samples, "custode_host_woken", {{"client", "acme"}, {"host", "reception"}}) == 1);
    CHECK(value_of(samples, "custode_host_did_not_wake", {{"client", "acme"}, {"host", "office-2"}}) == 1);
    const std::map<std::string, std::string> backup = {{"client", "acme"}, {"host", "reception"}, {"task", "backup"}};
    auto failed = backup;
    failed["status"] = "failed";
    auto ok = backup;
    ok["status"] = "ok";
    CHECK(value_of(samples, "custode_task_status", failed) == 1);
    CHECK(value_of(samples, "custode_task_status", ok) == 0);
    CHECK(value_of(samples, "custode_task_duration_seconds", backup) == 61);
    const auto statuses = std::count_if(samples.begin(), samples.end(),
                                        [](const Sample& sample) { return sample.name == "custode_task_status"; });
    CHECK(statuses == 5 * 6);  // every task, one line per status
}

TEST_CASE("a PC left on for a logged-on user is ok, and JSON, HTML and metrics say who", "[report]") {
    auto run = sample_run();
    auto& reception = run.clients[0].hosts[0];
    reception.tasks[2].status = TaskStatus::ok;
    reception.shutdown = ShutdownOutcome::user_logged_on;
    reception.logged_on = {"maria", "<luca>"};
    CHECK(reception.ok());

    const auto json = to_json(run);
    CHECK(json["clients"][0]["hosts"][0]["shutdown"] == "user_logged_on");
    CHECK(json["clients"][0]["hosts"][0]["logged_on"] == nlohmann::json{"maria", "<luca>"});
    CHECK(json["clients"][0]["hosts"][1]["logged_on"] == nlohmann::json::array());
    CHECK(run_record_from_json(json).clients[0].hosts[0].logged_on == reception.logged_on);

    const auto html = render_html_report(run);
    CHECK_THAT(html, Catch::Contains("left on: maria, &lt;luca&gt; logged on"));
    const auto samples = parse_metrics(render_prometheus_metrics(run));
    CHECK(value_of(samples, "custode_host_user_logged_on", {{"client", "acme"}, {"host", "reception"}}) == 1);
    CHECK(value_of(samples, "custode_host_user_logged_on", {{"client", "acme"}, {"host", "office-2"}}) == 0);
    CHECK(value_of(samples, "custode_host_ok", {{"client", "acme"}, {"host", "reception"}}) == 1);
}

TEST_CASE("a skipped shutdown names who kept the PC on, any other ending names no one", "[report][tasks]") {
    const std::string out = "noise\n{\"shutdown\":\"skipped\",\"reason\":\"user_logged_on\",\"users\":[\"maria\",\"\",3]}\n";
    CHECK(users_keeping_on(shutdown_user_logged_on_exit, out) == std::vector<std::string>{"maria"});
    CHECK(users_keeping_on(shutdown_user_logged_on_exit, "no JSON at all\n") == std::vector<std::string>{});
    CHECK_FALSE(users_keeping_on(0, out));
    CHECK_FALSE(users_keeping_on(1, out));
    CHECK_FALSE(users_keeping_on(std::nullopt, out));
}

TEST_CASE("metric label values are escaped", "[report]") {
    auto run = sample_run();
    run.clients[0].hosts[0].name = "odd \"pc\"\\\nname";
    const auto text = render_prometheus_metrics(run);
    CHECK(contains(text, R"(host="odd \"pc\"\\\nname")"));
    const auto samples = parse_metrics(text);
    CHECK(value_of(samples, "custode_host_woken", {{"host", "odd \"pc\"\\\nname"}}) == 1);
}

// ---------------------------------------------------------------- store

TEST_CASE("the run store keeps a run from begin to finish and lists it", "[report][state]") {
    auto store = os::StateStore::open(":memory:");
    auto run = sample_run();
    auto begun = run;
    begun.finished.clear();
    for (auto& client : begun.clients) client.hosts.clear();
    run.id = os::begin_run(store, begun);
    CHECK(run.id == 1);
    auto listed = os::list_runs(store, std::nullopt, 10);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].status == "running");
    CHECK(listed[0].started == "2026-11-29T01:30:00Z");
    CHECK(listed[0].clients == std::vector<std::string>{"acme", "rossi"});

    os::finish_run(store, run);
    os::finish_run(store, run);  // again: replaces, does not duplicate
    const auto loaded = os::load_run(store, run.id);
    REQUIRE(loaded);
    CHECK(to_json(*loaded) == to_json(run));
    auto count = store.prepare("SELECT count(*), sum(status = 'failed') FROM run_tasks WHERE run_id = ?1");
    count.bind(1, run.id).step();
    CHECK(count.column_int64(0) == 5);
    CHECK(count.column_int64(1) == 1);

    auto clean = sample_run();
    clean.clients.erase(clean.clients.begin());
    clean.clients[0].hosts.pop_back();
    clean.id = os::begin_run(store, clean);
    os::finish_run(store, clean);
    listed = os::list_runs(store, std::nullopt, 10);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].id == clean.id);
    CHECK(listed[0].status == "ok");
    CHECK(listed[1].status == "problems");
    CHECK(listed[1].totals.hosts_ok == 1);
    CHECK(listed[1].totals.hosts == 4);
    CHECK(os::list_runs(store, "acme", 10).size() == 1);
    CHECK(os::list_runs(store, "rossi", 10).size() == 2);
    CHECK(os::list_runs(store, "nobody", 10).empty());
    CHECK(os::list_runs(store, std::nullopt, 1).size() == 1);
    CHECK_FALSE(os::load_run(store, 99));

    clean.id = 99;
    CHECK_THROWS_WITH(os::finish_run(store, clean), Catch::Contains("no run 99"));
}

TEST_CASE("a version 4 state file with an old runs row migrates and still lists it", "[report][state]") {
    const ScratchPath file("v4.db");
    {
        auto old = os::StateStore::open_with_migrations(file.path, os::StateStore::migrations().first(4));
        old.execute("INSERT INTO runs (started, finished, status) VALUES ('2026-01-01T00:00:00Z', "
                    "'2026-01-01T00:10:00Z', 'ok')");
    }
    auto store = os::StateStore::open(file.path);
    CHECK(store.schema_version() == os::StateStore::latest_schema_version());
    const auto runs = os::list_runs(store, std::nullopt, 10);
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].status == "ok");
    CHECK(runs[0].finished == "2026-01-01T00:10:00Z");
    const auto record = os::load_run(store, runs[0].id);
    REQUIRE(record);
    CHECK(record->started == "2026-01-01T00:00:00Z");
    CHECK(record->clients.empty());
}

// ---------------------------------------------------------------- CLI

TEST_CASE("custode runs and report read the state file", "[report][cli]") {
    using custode::testing::run_custode;
    const ScratchPath state("cli.db");
    const ScratchPath html("report.html");
    const ScratchPath metrics("custode.prom");
    {
        auto store = os::StateStore::open(state.path);
        auto run = sample_run();
        run.id = os::begin_run(store, run);
        os::finish_run(store, run);
    }
    const auto with_state = " --state " + state.str();

    const auto runs = run_custode("runs" + with_state, false);
    CHECK(runs.exit_code == 0);
    CHECK(contains(runs.output, "problems"));
    CHECK(contains(runs.output, "1/4"));
    CHECK(contains(runs.output, "acme,rossi"));
    const auto runs_json = nlohmann::json::parse(run_custode("runs acme --json" + with_state, false).output);
    CHECK(runs_json["command"] == "runs");
    CHECK(runs_json["runs"][0]["run"] == 1);
    CHECK(runs_json["runs"][0]["seconds"] == 4530);
    CHECK(run_custode("runs nobody --json" + with_state, false).output.find("\"runs\": []") != std::string::npos);

    const auto text = run_custode("report 1" + with_state, false);
    CHECK(text.exit_code == 0);
    CHECK(contains(text.output, "office-2"));
    CHECK(contains(text.output, "did not wake"));
    const auto json = nlohmann::json::parse(run_custode("report 1 --json" + with_state, false).output);
    CHECK(json["command"] == "report");
    CHECK(json["clients"][0]["hosts"][0]["tasks"][2]["status"] == "failed");

    const auto files = run_custode("report 1 --html " + html.str() + " --metrics " + metrics.str() + with_state, false);
    CHECK(files.exit_code == 0);
    CHECK(contains(files.output, html.str()));
    CHECK(contains(read_file(html.path), "office-2"));
    CHECK(contains(read_file(metrics.path), "custode_run_id{site=\"lab\"} 1"));

    const auto unknown = run_custode("report 42" + with_state, true);
    CHECK(unknown.exit_code == 2);
    CHECK(contains(unknown.output, "no run 42"));
    CHECK(run_custode("report seven" + with_state, true).exit_code == 2);
}

// ---------------------------------------------------------------- updates and restarts

namespace {

/// rossi/studio with an updates task of `packages` upgrades, `failed` of them failed.
RunRecord updated_run(int packages, int failed, RebootOutcome reboot, std::string detail = "") {
    auto run = sample_run();
    auto& studio = run.clients[1].hosts[0];
    studio.tasks.push_back(testing::sample_updates(packages, failed));
    studio.reboot = reboot;
    studio.reboot_detail = std::move(detail);
    return run;
}

std::size_t count_of(const std::string& text, std::string_view part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
    return count;
}

}  // namespace

TEST_CASE("reboot outcome names read back, unknown names do not", "[report]") {
    for (const auto outcome : reboot_outcomes) CHECK(parse_reboot_outcome(to_string(outcome)) == outcome);
    CHECK(reboot_outcomes.size() == 7);
    CHECK_FALSE(parse_reboot_outcome("restarted"));
}

TEST_CASE("a restart that did not come back or failed is a problem, one still owed is not", "[report]") {
    auto run = sample_run();
    auto& studio = run.clients[1].hosts[0];
    const std::map<RebootOutcome, std::pair<bool, bool>> expected = {
        // outcome: {the PC ok, a restart still needed}
        {RebootOutcome::not_needed, {true, false}},     {RebootOutcome::rebooted, {true, false}},
        {RebootOutcome::pending, {true, true}},         {RebootOutcome::user_logged_on, {true, true}},
        {RebootOutcome::reboot_loop, {true, true}},     {RebootOutcome::did_not_return, {false, true}},
        {RebootOutcome::failed, {false, true}}};
    for (const auto& [outcome, want] : expected) {
        INFO(to_string(outcome));
        studio.reboot = outcome;
        CHECK(studio.ok() == want.first);
        CHECK(is_problem(outcome) == !want.first);
        CHECK(restart_still_needed(outcome) == want.second);
    }
}

TEST_CASE("the updates and the restart read back from the record's JSON", "[report]") {
    auto run = updated_run(3, 1, RebootOutcome::user_logged_on, "maria logged on");
    run.clients[1].hosts[0].logged_on = {"maria"};
    auto& windows = run.clients[0].hosts[0];
    auto kb = testing::sample_task("updates", TaskStatus::warning, 3, 600, "1 update installed; 1 failed");
    kb.updates = {{"KB5034441", "2024-01 Security Update", "", "", true, true, "installed"},
                  {"KB890830", "Malicious Software Removal Tool", "", "", false, false, "failed"}};
    kb.reboot_required = true;
    windows.tasks.push_back(kb);
    windows.reboot = RebootOutcome::rebooted;
    windows.reboot_detail = "away 1 min 40 s";

    const auto json = to_json(run);
    const auto& studio = json["clients"][1]["hosts"][0];
    CHECK(studio["reboot"] == "user_logged_on");
    CHECK(studio["reboot_detail"] == "maria logged on");
    const auto& updates = studio["tasks"][2];
    CHECK(updates["task"] == "updates");
    CHECK(updates["reboot_required"] == true);
    REQUIRE(updates["updates"].size() == 3);
    CHECK(updates["updates"][0] == nlohmann::json{{"id", "pkg1:amd64"}, {"title", ""}, {"from", "1.0-1"},
                                                  {"to", "1.0-2"}, {"installed", true}, {"reboot_required", true},
                                                  {"result", "installed"}});
    CHECK(updates["updates"][2]["installed"] == false);
    // Other tasks keep the shape they had.
    CHECK_FALSE(studio["tasks"][0].contains("updates"));
    CHECK(json["clients"][0]["hosts"][1]["reboot"] == "not_needed");

    const auto again = run_record_from_json(nlohmann::json::parse(json.dump()));
    CHECK(to_json(again) == json);
    CHECK(again.clients[0].hosts[0].tasks[3].updates == kb.updates);
    CHECK(again.clients[0].hosts[0].reboot == RebootOutcome::rebooted);
    CHECK(again.clients[1].hosts[0].reboot == RebootOutcome::user_logged_on);

    // A record stored before the updates task existed reads as no restart needed.
    auto old = json;
    old["clients"][1]["hosts"][0].erase("reboot");
    old["clients"][1]["hosts"][0].erase("reboot_detail");
    CHECK(run_record_from_json(old).clients[1].hosts[0].reboot == RebootOutcome::not_needed);
    old["clients"][1]["hosts"][0]["reboot"] = "later";
    CHECK_THROWS_WITH(run_record_from_json(old), Catch::Contains("clients[1].hosts[0].reboot: unknown value 'later'"));
}

TEST_CASE("totals count the updates installed and failed and the restarts still needed", "[report]") {
    auto run = updated_run(5, 2, RebootOutcome::pending);
    run.clients[0].hosts[0].reboot = RebootOutcome::rebooted;
    const auto totals = run_totals(run);
    CHECK(totals.updates_installed == 3);
    CHECK(totals.updates_failed == 2);
    CHECK(totals.restarts_needed == 1);
    CHECK(updates_installed(run.clients[1].hosts[0]) == 3);
    CHECK(updates_failed(run.clients[1].hosts[0]) == 2);
    CHECK(updates_installed(run.clients[0].hosts[0]) == 0);

    // updates runs again after the restart: what failed before and installed then counts installed, once.
    auto& studio = run.clients[1].hosts[0];
    auto again = testing::sample_task("updates", TaskStatus::ok, 0, 30, "1 package upgraded");
    again.updates = {{"pkg5:amd64", "", "1.0-1", "1.0-2", true, false, "installed"}};
    studio.tasks.push_back(again);
    CHECK(updates_installed(studio) == 4);
    CHECK(updates_failed(studio) == 1);
    REQUIRE(updates_of(studio).size() == 5);
    CHECK(updates_of(studio)[4].installed);
    CHECK(updates_of(studio)[0].id == "pkg1:amd64");
}

TEST_CASE("the HTML report folds a PC's updates away, keeps the failed ones in sight and says how its restart ended",
          "[report]") {
    auto run = updated_run(40, 1, RebootOutcome::rebooted, "away 1 min 40 s");
    const auto html = render_html_report(run);
    // 40 upgrades: one list inside a collapsed <details>, the failed one also above it.
    CHECK(contains(html, "<details><summary>40 updates: 39 installed, 1 failed, 1 ask for a restart</summary>"));
    CHECK(count_of(html, "<b>pkg40:amd64</b>") == 2);
    CHECK(count_of(html, "<b>pkg39:amd64</b>") == 1);
    CHECK(contains(html, R"(<span class="badge bad">failed</span> <b>pkg40:amd64</b> 1.0-1 → 1.0-2)"));
    CHECK(contains(html, R"(<span class="badge good">installed</span> <b>pkg1:amd64</b> 1.0-1 → 1.0-2 <span class="meta">· restart</span>)"));
    CHECK(contains(html, "restarted (away 1 min 40 s)"));
    CHECK(contains(html, "<li>updates 39 installed · 1 failed</li><li>restarts needed 0</li>"));
    CHECK_FALSE(contains(html, "<details open"));
    CHECK_FALSE(contains(html, "<table"));
    // The folded list costs bytes, not height: about 170 bytes an update.
    const auto without = render_html_report(sample_run()).size();
    CHECK(html.size() - without < 40 * 200);

    // A Windows update: its KB and title.
    auto windows = sample_run();
    auto kb = testing::sample_task("updates", TaskStatus::warning, 3, 600, "1 update installed; 1 failed");
    kb.updates = {{"KB5034441", "2024-01 <Security> Update", "", "", true, true, "installed"},
                  {"KB890830", "Removal Tool", "", "", true, false, "installed_with_errors"}};
    windows.clients[0].hosts[0].tasks.push_back(kb);
    const auto kb_html = render_html_report(windows);
    CHECK(contains(kb_html, "<b>KB5034441</b> 2024-01 &lt;Security&gt; Update"));
    CHECK(contains(kb_html, R"(<span class="badge warn">installed_with_errors</span> <b>KB890830</b>)"));
    CHECK(contains(kb_html, "<summary>2 updates: 2 installed, 1 ask for a restart</summary>"));
}

TEST_CASE("the HTML report shows each restart outcome beside the shutdown, those still owed under Needs attention",
          "[report]") {
    const std::map<RebootOutcome, std::pair<std::string, std::string>> expected = {
        // outcome: {badge, text on the PC's line}
        {RebootOutcome::pending, {R"(<span class="badge warn">restart pending</span>)", "needs a restart (policy never)"}},
        {RebootOutcome::user_logged_on,
         {R"(<span class="badge warn">restart pending</span>)", "needs a restart (logged on: maria, &lt;luca&gt;)"}},
        {RebootOutcome::reboot_loop, {R"(<span class="badge warn">reboot loop</span>)", "reboot loop (policy never)"}},
        {RebootOutcome::did_not_return,
         {R"(<span class="badge bad">did not come back after its restart</span>)",
          "did not come back after its restart (policy never)"}},
        {RebootOutcome::failed, {R"(<span class="badge bad">restart failed</span>)", "restart failed (policy never)"}}};
    for (const auto& [outcome, want] : expected) {
        INFO(to_string(outcome));
        auto run = updated_run(2, 0, outcome, "policy never");
        run.clients[1].hosts[0].logged_on = {"maria", "<luca>"};
        const auto html = render_html_report(run);
        CHECK(contains(html, want.first));
        CHECK(contains(html, want.second + " · no shutdown · "));
        CHECK(contains(html, "<li><b>rossi / studio</b>: " + want.second + "</li>"));
        CHECK(contains(html, "<li>restarts needed 1</li>"));
    }
    // A PC the record counts unreached after it did not come back: one item, for the restart.
    auto gone = updated_run(2, 0, RebootOutcome::did_not_return, "not back within 600 s");
    gone.clients[1].hosts[0].reached = false;
    const auto gone_html = render_html_report(gone);
    CHECK(contains(gone_html, R"(<span class="badge bad">did not come back after its restart</span>)"));
    CHECK(count_of(gone_html, "<li><b>rossi / studio</b>") == 1);

    const auto quiet = render_html_report(updated_run(2, 0, RebootOutcome::not_needed));
    CHECK_FALSE(contains(quiet, "rossi / studio"));
    CHECK_FALSE(contains(quiet, "restart pending"));
    CHECK(contains(quiet, "<li>restarts needed 0</li>"));
    CHECK_FALSE(contains(render_html_report(sample_run()), "restarts needed"));
}

TEST_CASE("the metrics count each PC's updates and say which restarts are still owed", "[report]") {
    auto run = updated_run(5, 2, RebootOutcome::user_logged_on);
    const std::map<std::string, std::string> studio = {{"client", "rossi"}, {"host", "studio"}};
    const std::map<std::string, std::string> reception = {{"client", "acme"}, {"host", "reception"}};
    auto samples = parse_metrics(render_prometheus_metrics(run));
    CHECK(value_of(samples, "custode_updates_installed", studio) == 3);
    CHECK(value_of(samples, "custode_updates_failed", studio) == 2);
    CHECK(value_of(samples, "custode_updates_installed", reception) == 0);
    CHECK(value_of(samples, "custode_reboot_pending", studio) == 1);
    CHECK(value_of(samples, "custode_reboot_pending", reception) == 0);
    auto outcome = studio;
    outcome["outcome"] = "user_logged_on";
    CHECK(value_of(samples, "custode_host_reboot", outcome) == 1);
    outcome["outcome"] = "not_needed";
    CHECK(value_of(samples, "custode_host_reboot", outcome) == 0);
    const auto lines = std::count_if(samples.begin(), samples.end(),
                                     [](const Sample& sample) { return sample.name == "custode_host_reboot"; });
    CHECK(lines == 4 * 7);  // every PC, one line per outcome

    for (const auto reboot : reboot_outcomes) {
        INFO(to_string(reboot));
        samples = parse_metrics(render_prometheus_metrics(updated_run(1, 0, reboot)));
        CHECK(value_of(samples, "custode_reboot_pending", studio) == (restart_still_needed(reboot) ? 1 : 0));
    }
    samples = parse_metrics(render_prometheus_metrics(updated_run(1, 0, RebootOutcome::pending)));
    CHECK(value_of(samples, "custode_reboot_pending", studio) == 1);
    samples = parse_metrics(render_prometheus_metrics(updated_run(1, 0, RebootOutcome::rebooted)));
    CHECK(value_of(samples, "custode_reboot_pending", studio) == 0);
}

TEST_CASE("custode report prints each PC's restart and updates", "[report][cli]") {
    using custode::testing::run_custode;
    const ScratchPath state("updates.db");
    {
        auto store = os::StateStore::open(state.path);
        auto run = updated_run(4, 1, RebootOutcome::did_not_return, "not back within 600 s");
        run.id = os::begin_run(store, run);
        os::finish_run(store, run);
    }
    const auto text = run_custode("report 1 --state " + state.str(), false);
    CHECK(text.exit_code == 0);
    CHECK(contains(text.output, "power was_on, shutdown not_requested, reboot did_not_return (not back within 600 s), "
                                "updates 3 installed, 1 failed, 45 s"));
    CHECK(contains(text.output, "power woken, shutdown confirmed_off, 4 min 20 s"));  // no updates task: as before
}
