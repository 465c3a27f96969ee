/// The overview's page: a header, the 30-night grid in a box of its own that
/// scrolls sideways on a phone (client names held at its left edge), then a
/// card per client. Each cell says its state in a symbol, a hidden text and
/// its title, not in colour alone.

#include <array>
#include <fmt/format.h>

#include "custode/core/html_text.h"
#include "custode/core/site_overview.h"
#include "custode/core/utc_time.h"

namespace custode {
namespace overview_html {

std::string e(std::string_view text) { return html_escape(text); }

constexpr std::string_view kStyle = R"css(
main{max-width:1240px;margin:0 auto}
h1{font-size:1.3em;margin:0 0 4px}h2{font-size:1.15em;margin:22px 0 8px}h3{font-size:1.05em;margin:0}
.card.good{border-left-color:var(--good)}.card.warn{border-left-color:var(--warn)}.card.bad{border-left-color:var(--bad)}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:0 0 8px;padding:0;list-style:none;font-size:.9em}
.legend li{display:flex;align-items:center;gap:5px}
.gridbox{overflow-x:auto;background:#fff;border-radius:10px;box-shadow:0 1px 3px #0002;max-width:100%}
table.grid{border-collapse:separate;border-spacing:3px;font-size:.8em}
.grid th{font-weight:600;color:#57606a;text-align:center;line-height:1.15;min-width:26px}
.grid th small{display:block;font-weight:400}
.grid th.name{position:sticky;left:0;z-index:1;background:#fff;text-align:left;color:#1f2328;font-size:1.1em;padding:0 8px 0 6px;white-space:nowrap;overflow-wrap:normal;box-shadow:4px 0 4px -3px #0003}
.cell{display:flex;align-items:center;justify-content:center;width:26px;height:26px;border-radius:5px;font-weight:700;font-size:15px;color:#fff;text-decoration:none;position:relative}
.cell.ok{background:var(--good)}.cell.attention{background:var(--warn)}.cell.failed{background:var(--bad)}
.cell.no_run{background:#fff;color:#8c959f;border:1px dashed #c4c9cf}
a.cell:hover,a.cell:focus{outline:3px solid #0969da;outline-offset:1px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(290px,1fr));gap:0 12px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0 0}
dt{color:#57606a}dd{margin:0}
.bad-text{color:var(--bad);font-weight:600}.warn-text{color:var(--warn);font-weight:600}
ul.threats{margin:2px 0 0;padding-left:18px}
)css";

std::string_view tone(NightState state) {
    switch (state) {
        case NightState::ok: return "good";
        case NightState::attention: return "warn";
        case NightState::failed: return "bad";
        case NightState::no_run: return "idle";
    }
    return "idle";
}

std::string badge(std::string_view tone, std::string_view text) {
    return fmt::format(R"(<span class="badge {}">{}</span>)", tone, e(text));
}

/// "2026-11-29T01:30:00Z" as "2026-11-29 01:30 UTC".
std::string readable_time(std::string_view time) {
    if (time.size() < 16 || time[10] != 'T') return std::string(time);
    return fmt::format("{} {} UTC", time.substr(0, 10), time.substr(11, 5));
}

constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/// A column head: the day, and under it the month in the first column and
/// wherever the month changes from the column before.
std::string night_head(const std::string& date, std::string_view before) {
    const auto day = date.size() == 10 ? std::stoi(date.substr(8, 2)) : 0;
    const auto month = date.size() == 10 ? std::stoi(date.substr(5, 2)) : 0;
    const bool show_month = (before.size() < 7 || before.substr(0, 7) != std::string_view(date).substr(0, 7)) &&
                            month >= 1 && month <= 12;
    return fmt::format(R"(<th scope="col" title="night of {0}">{1}<small>{2}</small></th>)", e(date), day,
                       show_month ? kMonths[static_cast<std::size_t>(month - 1)] : "&nbsp;");
}

std::string cell_html(const std::string& client, const OverviewNight& night) {
    const auto state = night.verdict.state;
    std::string title = fmt::format("{} · night of {}: {}", client, night.date, night_state_text(state));
    if (!night.verdict.detail.empty()) title += " — " + night.verdict.detail;
    if (night.run != 0) title += fmt::format(" (run {}{})", night.run, night.runs > 1 ? fmt::format(", newest of {}", night.runs) : "");
    if (night.run != 0 && night.href.empty()) title += "; no report file";
    const auto inner = fmt::format(R"({}<span class="sr">{}</span>)", night_symbol(state), night_state_text(state));
    if (night.href.empty())
        return fmt::format(R"(<td><span class="cell {}" title="{}">{}</span></td>)", to_string(state), e(title), inner);
    return fmt::format(R"(<td><a class="cell {}" href="{}" title="{}">{}</a></td>)", to_string(state), e(night.href),
                       e(title), inner);
}

std::string grid_html(const SiteOverview& overview) {
    std::string html = R"(<section><h2>Last 30 nights <small class="meta">newest first</small></h2><ul class="legend">)";
    for (const auto state : {NightState::ok, NightState::attention, NightState::failed, NightState::no_run})
        html += fmt::format(R"(<li><span class="cell {}" aria-hidden="true">{}</span>{}</li>)", to_string(state),
                            night_symbol(state), night_state_text(state));
    html += R"(</ul><div class="gridbox" role="region" aria-label="clients by night" tabindex="0"><table class="grid"><thead><tr><th scope="col" class="name">client</th>)";
    for (std::size_t i = 0; i < overview.nights.size(); ++i)
        html += night_head(overview.nights[i], i == 0 ? "" : overview.nights[i - 1]);
    html += "</tr></thead><tbody>";
    for (const auto& client : overview.clients) {
        html += fmt::format(R"(<tr><th scope="row" class="name">{}</th>)", e(client.facts.name));
        for (const auto& night : client.nights) html += cell_html(client.facts.name, night);
        html += "</tr>";
    }
    return html + "</tbody></table></div></section>";
}

/// The client's newest night with a run; nullptr when none in the window.
const OverviewNight* last_night(const ClientOverview& client) {
    for (const auto& night : client.nights)
        if (night.run != 0) return &night;
    return nullptr;
}

std::string link_html(const ClientFacts& facts) {
    switch (facts.link_health) {
        case LinkHealth::up: return e(facts.link);
        case LinkHealth::problem: return fmt::format(R"(<span class="bad-text">{}</span>)", e(facts.link));
        case LinkHealth::unknown: return fmt::format(R"(<span class="meta">{}</span>)", e(facts.link));
    }
    return e(facts.link);
}

std::string scan_html(const ClientFacts& facts, std::string_view generated) {
    if (facts.last_scan.empty()) return R"(<span class="warn-text">never</span>)";
    const auto at = parse_utc_seconds(facts.last_scan);
    const auto now = parse_utc_seconds(generated);
    return e(readable_time(facts.last_scan)) + (at && now ? fmt::format(" ({} ago)", age_text(*now - *at)) : "");
}

std::string backup_html(const ClientOverview& client) {
    if (client.backups.empty()) return R"(<span class="meta">no backup task</span>)";
    const auto& oldest = client.backups.front();
    const auto pcs = client.backups.size();
    if (!oldest.seconds)
        return fmt::format(R"(<span class="bad-text">{}: none in 30 nights</span>{})", e(oldest.host),
                           pcs > 1 ? fmt::format(" ({} PCs with backups)", pcs) : "");
    return fmt::format("{} ago{}", age_text(*oldest.seconds),
                       pcs > 1 ? fmt::format(" (oldest of {} PCs: {})", pcs, e(oldest.host)) : " (" + e(oldest.host) + ")");
}

/// "2 open" in the tone's colour, then one line per item.
std::string counted_list(std::string_view tone_class, std::string_view word, const std::vector<std::string>& items) {
    std::string html = fmt::format(R"(<span class="{}">{} {}</span><ul class="threats">)", tone_class, items.size(), word);
    for (const auto& item : items) html += "<li>" + e(item) + "</li>";
    return html + "</ul>";
}

std::string threats_html(const ClientOverview& client) {
    if (client.threats.empty()) return "none";
    return counted_list("bad-text", "open", client.threats);
}

std::string client_card(const ClientOverview& client, std::string_view generated) {
    const auto* night = last_night(client);
    const bool bad = client.facts.link_health == LinkHealth::problem || !client.threats.empty() ||
                     (night && night->verdict.state == NightState::failed);
    const bool warn = night && night->verdict.state == NightState::attention;
    const auto card_tone = bad ? "bad" : warn ? "warn" : night ? "good" : "idle";
    std::string html = fmt::format(R"(<article class="card {}"><div class="head"><h3>{}</h3>{}</div>)", card_tone,
                                   e(client.facts.name),
                                   night ? badge(tone(night->verdict.state),
                                                 fmt::format("{} {}", night->date, night_state_text(night->verdict.state)))
                                         : badge("idle", "no run in 30 nights"));
    if (!client.facts.description.empty()) html += fmt::format(R"(<div class="meta">{}</div>)", e(client.facts.description));
    html += "<dl>";
    html += fmt::format("<dt>link</dt><dd>{}</dd>", link_html(client.facts));
    html += fmt::format("<dt>last scan</dt><dd>{}</dd>", scan_html(client.facts, generated));
    html += fmt::format("<dt>PCs known</dt><dd>{}</dd>", client.facts.pcs_known);
    html += fmt::format("<dt>last backup</dt><dd>{}</dd>", backup_html(client));
    html += fmt::format("<dt>threats</dt><dd>{}</dd>", threats_html(client));
    if (!client.restarts.empty())
        html += fmt::format("<dt>restarts</dt><dd>{}</dd>", counted_list("warn-text", "pending", client.restarts));
    if (night && night->verdict.state != NightState::ok && !night->verdict.detail.empty())
        html += fmt::format("<dt>last night</dt><dd>{}</dd>", e(night->verdict.detail));
    return html + "</dl></article>";
}

/// The newest night any client ran, counted by state.
std::string header_html(const SiteOverview& overview) {
    std::string html = fmt::format(R"(<header class="card"><h1>{} at a glance</h1><div class="meta">{} clients · written {}</div>)",
                                   e(overview.site), overview.clients.size(), e(readable_time(overview.generated)));
    for (std::size_t i = 0; i < overview.nights.size(); ++i) {
        std::array<int, 4> counts{};
        bool any = false;
        for (const auto& client : overview.clients) {
            const auto& night = client.nights.at(i);
            any = any || night.run != 0;
            ++counts.at(static_cast<std::size_t>(night.verdict.state));
        }
        if (!any) continue;
        html += fmt::format(R"(<ul class="totals"><li>night of {}</li>)", e(overview.nights[i]));
        for (const auto state : {NightState::ok, NightState::attention, NightState::failed, NightState::no_run})
            html += fmt::format("<li>{} {}</li>", counts.at(static_cast<std::size_t>(state)), night_state_text(state));
        html += "</ul>";
        break;
    }
    return html + "</header>";
}

}  // namespace overview_html

std::string render_overview_html(const SiteOverview& overview) {
    namespace page = overview_html;
    std::string html = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>custode · {} at a glance</title><style>{}{}</style></head><body><main>",
        page::e(overview.site), card_page_css, page::kStyle);
    html += page::header_html(overview);
    html += page::grid_html(overview);
    html += R"(<section><h2>Clients</h2><div class="cards">)";
    for (const auto& client : overview.clients) html += page::client_card(client, overview.generated);
    return html + "</div></section></main></body></html>\n";
}

}  // namespace custode
