/// The site at a glance: the rules of the model (nights, cells, backups,
/// threats), the page, the app's reading of the store, and the page a
/// scheduled night leaves beside its run report.

#include <catch2/catch.hpp>

#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "custode/app/netconf_source.h"
#include "custode/app/overview.h"
#include "custode/core/html_text.h"
#include "custode/os/inventory_store.h"
#include "custode/os/run_store.h"
#include "fake_link_system.h"
#include "unit/netconf_cli_support.h"
#include "unit/sample_overview.h"
#include "support/temp_dir.h"

using namespace custode;
using namespace custode::testing;
namespace chr = std::chrono;

namespace overview_test {

const ClientOverview& client_of(const SiteOverview& overview, std::string_view name) {
    for (const auto& client : overview.clients)
        if (client.facts.name == name) return client;
    FAIL("no client " << name);
    throw std::logic_error("unreachable");
}

/// The page's <td> for `client` on the night `back` nights before the newest.
std::string cell_html(const std::string& html, std::string_view client, int back) {
    const auto row = html.find(fmt::format(R"(<th scope="row" class="name">{}</th>)", client));
    REQUIRE(row != std::string::npos);
    auto at = row;
    for (int i = 0; i <= back; ++i) at = html.find("<td>", at + 1);
    return html.substr(at, html.find("</td>", at) - at + 5);
}

chr::local_seconds local(int day, int hour, int minute) {
    return as_local(chr::sys_days(chr::year(2026) / chr::December / day) + chr::hours(hour) + chr::minutes(minute));
}


TEST_CASE("overview: a night runs from noon to noon and is named by the date it begins", "[overview]") {
    CHECK(night_of(local(7, 1, 30)) == "2026-12-06");
    CHECK(night_of(local(7, 11, 59)) == "2026-12-06");
    CHECK(night_of(local(7, 12, 0)) == "2026-12-07");
    CHECK(night_of(local(6, 20, 30)) == "2026-12-06");
    CHECK(night_of(local(1, 3, 0)) == "2026-11-30");
}

TEST_CASE("overview: a cell is ok, needs attention or failed by the client's run", "[overview]") {
    CHECK(night_verdict({"acme", "", 1, {overview_pc("a", true), overview_pc("b", true)}}).state == NightState::ok);
    CHECK(night_verdict({"acme", "", 1, {}}).state == NightState::ok);  // nothing to do is done

    const auto attention = night_verdict({"acme", "", 1, {overview_pc("a", true), overview_pc("b", false)}});
    CHECK(attention.state == NightState::attention);
    CHECK(attention.detail == "1 of 2 PCs need attention: b");

    ClientRun backups{"acme", "", 1, {overview_pc("a", true)}, BackupCare{}};
    backups.backup->listed = true;
    backups.backup->snapshots = 3;
    backups.backup->error = "restic check: exit 1: Fatal: repository contains errors";
    CHECK(night_verdict(backups).state == NightState::attention);
    CHECK(night_verdict(backups).detail ==
          "backups: 3 snapshots (0 new); needs attention: restic check: exit 1: Fatal: repository contains errors");
    backups.hosts.push_back(overview_pc("b", false));
    CHECK(night_verdict(backups).detail ==
          "1 of 2 PCs need attention: b; backups: 3 snapshots (0 new); needs attention: restic check: exit 1: Fatal: "
          "repository contains errors");
    backups.backup->error.clear();
    backups.hosts.pop_back();
    CHECK(night_verdict(backups).state == NightState::ok);

    const auto link = night_verdict({"acme", "the circuit has no carrier", 1, {}});
    CHECK(link.state == NightState::failed);
    CHECK(link.detail == "the circuit has no carrier");

    auto asleep = overview_pc("a", true);
    asleep.reached = false;
    asleep.power = PowerOutcome::did_not_wake;
    auto gone = asleep;
    gone.name = "b";
    CHECK(night_verdict({"acme", "", 1, {asleep, gone}}).state == NightState::failed);
    // One reached of two: worked on, but not all ok.
    CHECK(night_verdict({"acme", "", 1, {asleep, overview_pc("b", true)}}).state == NightState::attention);
}

TEST_CASE("overview: 30 nights newest first, gaps as no run, the newest run of a night wins, dry runs ignored",
          "[overview]") {
    const auto overview = sample_overview();
    REQUIRE(overview.nights.size() == 30);
    CHECK(overview.nights.front() == "2026-12-06");
    CHECK(overview.nights.back() == "2026-11-07");
    CHECK(overview.generated == "2026-12-07T08:00:00Z");

    const auto& acme = client_of(overview, "acme");
    REQUIRE(acme.nights.size() == 30);
    CHECK(acme.nights[0].verdict.state == NightState::ok);
    CHECK(acme.nights[2].verdict.state == NightState::attention);
    CHECK(acme.nights[12].verdict.state == NightState::no_run);
    CHECK(acme.nights[12].run == 0);
    CHECK(acme.nights[12].href.empty());
    CHECK(acme.nights[29].verdict.state == NightState::ok);
    // The run of night 0 is the newest (id 130); each night back is one less.
    CHECK(acme.nights[0].run == 130);
    CHECK(acme.nights[0].href == "run-130.html");
    CHECK(acme.nights[5].run == 125);

    const auto& bianchi = client_of(overview, "bianchi");
    for (int back = 0; back < 4; ++back) CHECK(bianchi.nights[back].verdict.state == NightState::failed);
    CHECK(bianchi.nights[6].verdict.state == NightState::attention);

    const auto& rossi = client_of(overview, "rossi");
    CHECK(rossi.nights[8].verdict.state == NightState::ok);
    CHECK(rossi.nights[9].verdict.state == NightState::no_run);

    // verdi ran only dry: no night.
    const auto& verdi = client_of(overview, "verdi");
    for (const auto& night : verdi.nights) CHECK(night.verdict.state == NightState::no_run);

    // Two runs in one night: the later one's outcome and report; a run older than the window is left out.
    std::vector<OverviewRun> runs = {overview_run(1, 3, {{"acme", "link down", 1, {}}}),
                                     overview_run(2, 3, {{"acme", "", 1, {overview_pc("pc", true)}}}),
                                     overview_run(3, 30, {{"acme", "", 1, {}}})};
    runs[1].started_local += chr::hours(6);  // 07:30, still the same night
    const auto two = site_overview("lab", {{"acme", "", LinkHealth::up, "up", "", 1}}, runs, as_local(overview_now()),
                                   overview_now());
    const auto& night = two.clients.front().nights[3];
    CHECK(night.verdict.state == NightState::ok);
    CHECK(night.run == 2);
    CHECK(night.runs == 2);
    CHECK(night.href == "run-2.html");
    int with_runs = 0;
    for (const auto& any : two.clients.front().nights) with_runs += any.run != 0;
    CHECK(with_runs == 1);
}

TEST_CASE("overview: each PC's newest snapshot, the one without any first", "[overview]") {
    const auto overview = sample_overview();
    const auto& acme = client_of(overview, "acme");
    REQUIRE(acme.backups.size() == 3);
    // ws3's backups failed the last 6 nights: its newest snapshot is night 6's, 01:30 on Dec 1.
    CHECK(acme.backups[0].host == "ws3");
    REQUIRE(acme.backups[0].seconds);
    CHECK(*acme.backups[0].seconds == Approx((6 * 24 + 6.5) * 3600));
    REQUIRE(acme.backups[1].seconds);
    CHECK(*acme.backups[1].seconds == Approx(6.5 * 3600));
    CHECK(client_of(overview, "bianchi").backups.empty());

    const auto never = site_overview("lab", {{"acme", "", LinkHealth::up, "up", "", 1}},
                                     {overview_run(1, 0, {{"acme", "", 1, {overview_pc("a", true, {backup_task(false)}),
                                                                           overview_pc("b", true, {backup_task(true)})}}})},
                                     as_local(overview_now()), overview_now());
    REQUIRE(never.clients.front().backups.size() == 2);
    CHECK(never.clients.front().backups[0].host == "a");
    CHECK_FALSE(never.clients.front().backups[0].seconds);
    CHECK(age_text(40 * 60) == "40 min");
    CHECK(age_text(5 * 3600 + 100) == "5 h");
    CHECK(age_text(3 * 86400 + 7200) == "3 days");
}

TEST_CASE("overview: a threat stays open until an antivirus task on that PC comes back clean", "[overview]") {
    const auto overview = sample_overview();
    CHECK(client_of(overview, "bianchi").threats ==
          std::vector<std::string>{"ws2: Win.Test.EICAR_HDB-1: C:\\Users\\maria\\Downloads\\eicar.com"});
    CHECK(client_of(overview, "acme").threats.empty());

    auto found = sample_task("antivirus", TaskStatus::failed, 1, 9, "1 infected file");
    found.findings = {"/home/a/eicar.com: Eicar FOUND"};
    const auto broken = sample_task("antivirus", TaskStatus::error, 2, 9, "clamscan exit 2");
    const auto clean = sample_task("antivirus", TaskStatus::ok, 0, 9, "clean");
    auto runs_of = [&](std::vector<TaskResult> scans) {
        std::vector<OverviewRun> runs;
        int back = static_cast<int>(scans.size());
        for (auto& scan : scans)
            runs.push_back(overview_run(100 - back, back, {{"acme", "", 1, {overview_pc("pc", true, {scan})}}})), --back;
        return site_overview("lab", {{"acme", "", LinkHealth::up, "up", "", 1}}, runs, as_local(overview_now()),
                             overview_now())
            .clients.front()
            .threats;
    };
    CHECK(runs_of({found}) == std::vector<std::string>{"pc: /home/a/eicar.com: Eicar FOUND"});
    CHECK(runs_of({found, broken}).size() == 1);  // a scan that did not finish clears nothing
    CHECK(runs_of({found, clean}).empty());
    CHECK(runs_of({clean, found}).size() == 1);
}

TEST_CASE("overview: a restart stays owed until a later updates night on that PC needs none", "[overview]") {
    auto restarts_of = [&](std::vector<std::pair<bool, RebootOutcome>> nights) {
        std::vector<OverviewRun> runs;
        int back = static_cast<int>(nights.size());
        for (const auto& [updates, reboot] : nights) {
            auto pc = overview_pc("ws2", true, {sample_task(updates ? "updates" : "antivirus", TaskStatus::ok, 0, 9, "")});
            pc.reboot = reboot;
            pc.logged_on = {"maria"};
            runs.push_back(overview_run(100 - back, back, {{"acme", "", 1, {pc}}})), --back;
        }
        return site_overview("lab", {{"acme", "", LinkHealth::up, "up", "", 1}}, runs, as_local(overview_now()),
                             overview_now())
            .clients.front()
            .restarts;
    };
    const std::vector<std::string> owed{"ws2: needs a restart (logged on: maria)"};
    CHECK(restarts_of({{true, RebootOutcome::user_logged_on}}) == owed);
    // A night without the updates task says nothing of the restart.
    CHECK(restarts_of({{true, RebootOutcome::user_logged_on}, {false, RebootOutcome::not_needed}}) == owed);
    CHECK(restarts_of({{true, RebootOutcome::user_logged_on}, {true, RebootOutcome::rebooted}}).empty());
    CHECK(restarts_of({{true, RebootOutcome::pending}, {true, RebootOutcome::not_needed}}).empty());
    CHECK(restarts_of({{true, RebootOutcome::not_needed}, {true, RebootOutcome::reboot_loop}}) ==
          std::vector<std::string>{"ws2: reboot loop"});
    CHECK(sample_overview().clients.front().restarts.empty());

    auto overview = sample_overview();
    overview.clients.front().restarts = {"ws3: needs a restart (logged on: <anna>)"};
    const auto html = render_overview_html(overview);
    CHECK(html.find(R"(<dt>restarts</dt><dd><span class="warn-text">1 pending</span><ul class="threats"><li>ws3: needs a )"
                    R"(restart (logged on: &lt;anna&gt;)</li></ul></dd>)") != std::string::npos);
    CHECK(render_overview_html(sample_overview()).find("<dt>restarts</dt>") == std::string::npos);
}

TEST_CASE("overview: the page links each cell to its night's report and says each state in text", "[overview][html]") {
    const auto html = render_overview_html(sample_overview());
    CHECK(html.find("<!DOCTYPE html>") == 0);
    CHECK(html.find("name=\"viewport\"") != std::string::npos);

    const auto newest = cell_html(html, "acme", 0);
    CHECK(newest.find(R"(href="run-130.html")") != std::string::npos);
    CHECK(newest.find("night of 2026-12-06: ok") != std::string::npos);
    CHECK(newest.find(R"(<span class="sr">ok</span>)") != std::string::npos);

    const auto attention = cell_html(html, "acme", 2);
    CHECK(attention.find(R"(href="run-128.html")") != std::string::npos);
    CHECK(attention.find("needs attention") != std::string::npos);
    CHECK(attention.find("1 of 3 PCs need attention: office-2") != std::string::npos);

    const auto gap = cell_html(html, "acme", 12);
    CHECK(gap.find("href") == std::string::npos);
    CHECK(gap.find(R"(<span class="sr">no run</span>)") != std::string::npos);

    const auto failed = cell_html(html, "bianchi", 1);
    CHECK(failed.find(R"(href="run-129.html")") != std::string::npos);
    CHECK(failed.find("failed — the circuit has no carrier") != std::string::npos);

    // Client cards: link, scan, PCs, backup, threats.
    CHECK(html.find("the circuit has no carrier</span>") != std::string::npos);
    CHECK(html.find("6 days ago (oldest of 3 PCs: ws3)") != std::string::npos);
    CHECK(html.find("1 open</span>") != std::string::npos);
    CHECK(html.find("Win.Test.EICAR_HDB-1: C:\\Users\\maria\\Downloads\\eicar.com") != std::string::npos);
    CHECK(html.find("2026-12-07 01:31 UTC (6 h ago)") != std::string::npos);
}

TEST_CASE("overview: names, descriptions and findings are escaped, and nothing is loaded from elsewhere",
          "[overview][html]") {
    auto overview = sample_overview();
    overview.site = "lab <i>";
    overview.clients.front().facts.name = "a<b>&\"c";
    overview.clients.front().nights.front().href = "run-1.html\" onclick=\"x";
    const auto html = render_overview_html(overview);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("&lt;script&gt;x&lt;/script&gt;") != std::string::npos);
    CHECK(html.find("&lt;b&gt;Verdi&lt;/b&gt; &quot;new&quot; &amp;") != std::string::npos);
    CHECK(html.find("a&lt;b&gt;&amp;&quot;c") != std::string::npos);
    CHECK(html.find("a<b>") == std::string::npos);
    CHECK(html.find("lab &lt;i&gt;") != std::string::npos);
    CHECK(html.find("run-1.html&quot; onclick=&quot;x") != std::string::npos);
    for (const auto* outside : {"src=", "url(", "@import", "http:", "https:", "<link"})
        CHECK(html.find(outside) == std::string::npos);
    CHECK(url_path("../my reports/#1/run-2.html") == "../my%20reports/%231/run-2.html");
}

TEST_CASE("overview: the app reads the store, links a report only where its file is, and says why a link is unknown",
          "[overview][app]") {
    namespace fs = std::filesystem;
    const TempDir scratch("custode-overview");
    const auto& dir = scratch.path();
    fs::create_directories(dir / "netconf/clients");
    std::ofstream(dir / "netconf/site.toml") << "[site]\nname = \"lab\"\n";
    std::ofstream(dir / "netconf/clients/acme.toml")
        << "description = \"Acme\"\n[link]\nkind = \"port\"\ninterface = \"eth9\"\n[lan]\nsubnet = \"192.168.1.0/24\"\n"
           "address = \"192.168.1.250/24\"\n";
    auto load = app::load_netconf_directory(dir / "netconf");
    REQUIRE(load.ok());

    auto store = os::StateStore::open(":memory:");
    const auto now = chr::floor<chr::seconds>(chr::system_clock::now());
    for (const int hours_ago : {50, 26}) {
        RunRecord run;
        run.site = "lab";
        run.started = utc_iso_seconds(now - chr::hours(hours_ago));
        run.finished = run.started;
        run.clients.push_back({"acme", "", 1, {overview_pc("pc1", true)}});
        run.id = os::begin_run(store, run);
        os::finish_run(store, run);
    }
    RunRecord old;  // 40 days ago: outside the window
    old.started = utc_iso_seconds(now - chr::days(40));
    old.clients.push_back({"acme", "", 1, {}});
    old.id = os::begin_run(store, old);
    os::finish_run(store, old);
    Inventory inventory;
    inventory.hosts.push_back({*MacAddress::parse("00:11:22:33:44:55"), std::nullopt, "", "pc1", "", ""});
    os::save_scan(store, "acme", inventory, {"2026-12-06T01:31:00Z", 900, 1, true});

    fs::create_directories(dir / "reports");
    std::ofstream(dir / "reports/run-2.html") << "report";  // run 1's report is gone
    const app::OverviewFiles files{dir / "site/overview.html", dir / "reports"};

    FakeLinkSystem links;
    const auto overview = app::read_site_overview(load.netconf, &store, &links, files, now);
    REQUIRE(overview.clients.size() == 1);
    const auto& acme = overview.clients.front();
    CHECK(acme.facts.description == "Acme");
    CHECK(acme.facts.link_health == LinkHealth::problem);
    CHECK_THAT(acme.facts.link, Catch::StartsWith("not provisioned: no namespace cu-acme"));
    CHECK(acme.facts.last_scan == "2026-12-06T01:31:00Z");
    CHECK(acme.facts.pcs_known == 1);
    std::vector<std::pair<std::int64_t, std::string>> cells;
    for (const auto& night : acme.nights)
        if (night.run != 0) cells.emplace_back(night.run, night.href);
    CHECK(cells == std::vector<std::pair<std::int64_t, std::string>>{{2, "../reports/run-2.html"}, {1, ""}});

    const auto unread = app::read_site_overview(load.netconf, nullptr, nullptr, files, now);
    CHECK(unread.clients.front().facts.link_health == LinkHealth::unknown);
    CHECK(unread.clients.front().facts.pcs_known == 0);
}

TEST_CASE("overview: a scheduled night writes overview.html beside its run report", "[overview][cli]") {
    namespace fs = std::filesystem;
    const TempDir scratch("custode-overview-night");
    const auto& dir = scratch.path();
    fs::create_directories(dir / "clients");
    // A window open now (an hour ago to two hours ahead); no host keys
    // recorded, so the night records the client as not worked on and touches no link.
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    std::ofstream(dir / "site.toml") << "[site]\nname = \"lab\"\nnamespace_prefix = \"covw-\"\nstate = \""
                                     << (dir / "var/state.db").string() << "\"\n[ssh]\nidentity = \""
                                     << (dir / "id").string() << "\"\nknown_hosts = \""
                                     << (dir / "known_hosts").string() << "\"\n";
    std::ofstream(dir / "clients/acme.toml")
        << "[link]\nkind = \"port\"\ninterface = \"eth9\"\n[lan]\nsubnet = \"192.168.1.0/24\"\n"
           "address = \"192.168.1.250/24\"\n[maintenance]\nwindow = \""
        << fmt::format("{:02}:00-{:02}:00", (local.tm_hour + 23) % 24, (local.tm_hour + 2) % 24)
        << "\"\ntasks = [\"antivirus\"]\n";
    std::ofstream(dir / "id") << "not a key: no PC is reached\n";
    fs::permissions(dir / "id", fs::perms::owner_read | fs::perms::owner_write);  // private, as custode demands

    const auto night = run_custode("--netconf " + dir.string() + " maintain --scheduled", true);
    INFO(night.output);
    CHECK(night.exit_code == 1);  // the client was not worked on
    const auto reports = dir / "var/reports";
    REQUIRE(fs::exists(reports / "run-1.html"));
    REQUIRE(fs::exists(reports / "overview.html"));
    CHECK_THAT(night.output, Catch::Contains("overview " + (reports / "overview.html").string()));
    std::ifstream page(reports / "overview.html");
    const std::string html((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
    CHECK(html.find(R"(href="run-1.html")") != std::string::npos);
    CHECK(html.find("no SSH host keys recorded") != std::string::npos);

    // The command itself, as text and JSON, and the page where the user asks.
    fs::create_directories(dir / "elsewhere");
    const auto json_run = run_custode("--json --netconf " + dir.string() + " overview --html " +
                                          (dir / "elsewhere/site.html").string(), false);
    REQUIRE(json_run.exit_code == 0);
    const auto json = nlohmann::json::parse(json_run.output);
    CHECK(json.at("command") == "overview");
    CHECK(json.at("nights").size() == 30);
    const auto& cells = json.at("clients").at(0).at("nights");
    int failed = 0;
    for (const auto& cell : cells)
        if (cell.at("state") == "failed") {
            ++failed;
            CHECK(cell.at("report") == "../var/reports/run-1.html");
        }
    CHECK(failed == 1);
    CHECK(fs::exists(dir / "elsewhere/site.html"));
    const auto text = run_custode("--netconf " + dir.string() + " overview", false);
    CHECK(text.exit_code == 0);
    CHECK_THAT(text.output, Catch::Contains("acme") && Catch::Contains("✕"));
}

}  // namespace overview_test
