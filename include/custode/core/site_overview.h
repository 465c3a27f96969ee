#pragma once
/// The site at a glance (`custode overview`, and overview.html after each
/// scheduled night): every client × the last 30 nights, and per client its
/// link, last scan, PCs known, oldest backup and open threats. Pure: app/
/// reads the store, the live links and the clock into the inputs below.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/run_record.h"

namespace custode {

inline constexpr int overview_nights = 30;

/// One cell of the grid.
enum class NightState {
    ok,         ///< the client and every PC ok
    attention,  ///< worked on, but a PC did not wake, was unreachable or failed a task
    failed,     ///< not worked on (link down, no host keys) or no PC reached
    no_run,     ///< no run took the client that night (dry runs do not count)
};
/// "ok", "attention", "failed", "no_run" (the JSON form).
std::string_view to_string(NightState state);
/// "ok", "needs attention", "failed", "no run" (what a reader sees).
std::string_view night_state_text(NightState state);
/// The cell's symbol, for the page and the text output: ✓ ! ✕ ·
std::string_view night_symbol(NightState state);

/// What a night of one client came to, and why in a few words.
struct NightVerdict {
    NightState state = NightState::no_run;
    std::string detail;  ///< "2 of 5 PCs need attention: reception, ws2"; the client's error; "3 PCs ok"
};
NightVerdict night_verdict(const ClientRun& client);

/// The night a run started in: nights run from noon to noon, local time,
/// and are named by the date they begin ("2026-12-06" for 01:30 on the 7th).
std::string night_of(std::chrono::local_seconds started);

/// A run as the overview reads it.
struct OverviewRun {
    RunRecord record;
    std::chrono::local_seconds started_local;  ///< record.started in the gateway's time zone
    std::string report_href;                   ///< its HTML report, relative to the overview; "" when there is none
};

/// How the client's link is, as the app read it.
enum class LinkHealth { up, problem, unknown };

/// What the app knows of a client besides its runs.
struct ClientFacts {
    std::string name;
    std::string description;
    LinkHealth link_health = LinkHealth::unknown;
    std::string link;       ///< "up", what is wrong ("the circuit has no carrier"), or why it was not read
    std::string last_scan;  ///< UTC ISO 8601; "" when never scanned
    int pcs_known = 0;      ///< hosts in the inventory
};

struct OverviewNight {
    std::string date;  ///< "2026-12-06"
    NightVerdict verdict;
    std::int64_t run = 0;  ///< the newest run that night; 0 when none
    int runs = 0;          ///< runs that took the client that night
    std::string href;      ///< that run's report; "" when none
};

/// A PC's newest backup that made a snapshot (task ok or warning).
struct BackupAge {
    std::string host;
    std::optional<double> seconds;  ///< its age; nullopt: none in the window
};

struct ClientOverview {
    ClientFacts facts;
    std::vector<OverviewNight> nights;  ///< newest first, overview_nights of them
    std::vector<BackupAge> backups;     ///< each PC that had a backup task, the oldest (or missing) first
    std::vector<std::string> threats;   ///< "reception: Win.Test.EICAR: C:\\Users\\x\\a.exe", one per open finding
    std::vector<std::string> restarts;  ///< "ws2: needs a restart (logged on: maria)", one per PC still owing one
};

struct SiteOverview {
    std::string site;
    std::string generated;            ///< UTC ISO 8601
    std::vector<std::string> nights;  ///< dates, newest first
    std::vector<ClientOverview> clients;
};

/// The model. `runs` in any order; a client's cell shows its newest run of
/// that night. A PC's threats are the findings of its newest antivirus task
/// that concluded (ok clears them, failed opens them; warning, error,
/// timeout and skipped leave them as they were). A PC still owes a restart
/// when its newest run with an `updates` task left one owed.
SiteOverview site_overview(std::string site, std::vector<ClientFacts> clients, const std::vector<OverviewRun>& runs,
                           std::chrono::local_seconds now_local, std::chrono::sys_seconds now_utc);

/// An age as people read it: "40 min", "5 h", "3 days".
std::string age_text(double seconds);

/// One self-contained page (inline CSS, no script, nothing external) that
/// reads at a phone's width: the grid scrolls sideways in its own box with
/// the client names held at its left edge. Every name is HTML-escaped.
std::string render_overview_html(const SiteOverview& overview);

}  // namespace custode
