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
