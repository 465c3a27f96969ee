/// The run's HTML report: one self-contained page (inline CSS, no script, no
/// external resources) that reads on a phone: cards, not wide tables.
/// Everything that came from a PC or from netconf is escaped.

#include <fmt/format.h>

#include "custode/core/html_text.h"
#include "custode/core/run_record.h"
#include "custode/core/utc_time.h"

namespace custode {
namespace {

std::string escape(std::string_view text) { return html_escape(text); }

/// The CSS class of a status colour: good, warn, bad or idle.
std::string_view tone(TaskStatus status) {
    switch (status) {
        case TaskStatus::ok: return "good";
        case TaskStatus::warning: return "warn";
        case TaskStatus::skipped: return "idle";
        default: return "bad";
    }
}

std::string badge(std::string_view tone, std::string_view text) {
    return fmt::format(R"(<span class="badge {}">{}</span>)", tone, escape(text));
}

std::string ok_badge(bool ok) { return ok ? badge("good", "ok") : badge("bad", "problems"); }

constexpr std::string_view kStyle = R"css(
main{max-width:860px;margin:0 auto}
h1{font-size:1.3em;margin:0 0 6px}h2{font-size:1.15em;margin:22px 0 8px}h3{font-size:1.05em;margin:0}
.card.good{border-left-color:var(--good)}.card.bad{border-left-color:var(--bad)}
.alert{background:#fdecea;border:2px solid var(--bad);border-radius:10px;padding:10px 12px;margin:10px 0}
.alert ul{margin:4px 0 0;padding-left:20px}
.error{color:var(--bad);font-weight:600}
.tasks{list-style:none;padding:0;margin:8px 0 0}
.task{border-top:1px solid #e5e7eb;padding:8px 0}
.task .head{justify-content:flex-start}
.findings{margin:4px 0;padding-left:20px}
.updates{list-style:none;margin:4px 0;padding:0}.updates li{padding:2px 0}
details summary{cursor:pointer;color:#0969da}
pre{white-space:pre-wrap;background:#f6f8fa;border-radius:6px;padding:8px;font-size:.82em;max-height:24em;overflow:auto}
)css";

/// installed good, installed_with_errors warn, failed and aborted bad.
std::string_view update_tone(const UpdateItem& update) {
    if (!update.installed) return "bad";
    return update.result == "installed_with_errors" ? "warn" : "good";
}

/// One update: KB or package, its title or from → to, its result, and whether it asks for a restart.
std::string update_html(const UpdateItem& update) {
    const auto versions = update.from.empty() ? update.to : update.from + " → " + update.to;
    const auto result = update.result.empty() ? (update.installed ? "installed" : "failed") : update.result;
    return fmt::format("<li>{} <b>{}</b> {}{}</li>", badge(update_tone(update), result), escape(update.id),
                       escape(update.title.empty() ? versions : update.title),
                       update.reboot_required ? R"( <span class="meta">· restart</span>)" : "");
}

/// The updates task's list, folded away: 40 package upgrades must not make
/// the page long on a phone. The failed ones also stay in sight above it.
std::string updates_html(const TaskResult& task) {
    if (task.updates.empty()) return "";
    std::string failed;
    std::string all;
    int installed = 0;
    int restart = 0;
    for (const auto& update : task.updates) {
        if (update.installed) ++installed;
        else failed += update_html(update);
        if (update.reboot_required) ++restart;
        all += update_html(update);
    }
    std::string html = failed.empty() ? "" : fmt::format(R"(<ul class="updates">{}</ul>)", failed);
    const auto total = static_cast<int>(task.updates.size());
    return html + fmt::format(R"(<details><summary>{} update{}: {} installed{}{}</summary><ul class="updates">{}</ul></details>)",
                              total, total == 1 ? "" : "s", installed,
                              installed < total ? fmt::format(", {} failed", total - installed) : "",
                              restart ? fmt::format(", {} ask for a restart", restart) : "", all);
}

std::string task_html(const TaskResult& task) {
    std::string html = fmt::format(R"(<li class="task"><div class="head">{} <b>{}</b> <span class="meta">{}{}</span></div>)",
                                   badge(tone(task.status), to_string(task.status)), escape(task.task),
                                   format_duration(task.seconds),
                                   task.exit_code ? fmt::format(" · exit {}", *task.exit_code) : "");
    if (!task.summary.empty()) html += fmt::format("<div>{}</div>", escape(task.summary));
    if (!task.findings.empty()) {
        html += R"(<ul class="findings">)";
        for (const auto& finding : task.findings) html += fmt::format("<li>{}</li>", escape(finding));
        html += "</ul>";
    }
    html += updates_html(task);
    if (!task.output.empty())
        html += fmt::format("<details><summary>output</summary><pre>{}</pre></details>", escape(task.output));
    return html + "</li>";
}

/// "did not wake" and "unreachable" are what the technician must see first,
/// then a restart that went wrong or is still owed.
std::string reach_badge(const HostRun& host) {
    // A PC gone after its restart is said so, whether or not the record counts it reached.
    if (host.power == PowerOutcome::did_not_wake) return badge("bad", "did not wake");
    if (is_problem(host.reboot)) return badge("bad", restart_text(host));
    if (!host.reached) return badge("bad", "unreachable");
    if (host.reboot == RebootOutcome::reboot_loop) return badge("warn", "reboot loop");
    if (restart_still_needed(host.reboot)) return badge("warn", "restart pending");
    return "";
}

std::string shutdown_text(const HostRun& host) {
    switch (host.shutdown) {
        case ShutdownOutcome::not_requested: return "no shutdown";
        case ShutdownOutcome::confirmed_off: return "shut down";
        case ShutdownOutcome::still_on: return "still on after shutdown";
        case ShutdownOutcome::failed: return "shutdown failed";
        case ShutdownOutcome::user_logged_on: return left_on_text(host.logged_on);
    }
    return "";
}

std::string power_text(PowerOutcome power) {
    switch (power) {
        case PowerOutcome::was_on: return "was on";
        case PowerOutcome::woken: return "woken";
        case PowerOutcome::did_not_wake: return "did not wake";
        case PowerOutcome::unknown: return "power unknown";
    }
    return "";
}

std::string host_html(const HostRun& host) {
    std::string html = fmt::format(
        R"(<article class="card {}"><div class="head"><h3>{}</h3><span>{} {}</span></div>)",
        host.ok() ? "good" : "bad", escape(host_label(host)), reach_badge(host), ok_badge(host.ok()));
    const auto restart = restart_line(host);
    html += fmt::format(R"(<div class="meta">{} · {} · {} · {} · {}{} · {}</div>)",
                        escape(host.ip.empty() ? "no IP" : host.ip), escape(host.mac), to_string(host.os),
                        std::string(power_text(host.power)) +
                            (host.woken_by_run ? fmt::format(", woken by interrupted run {}", *host.woken_by_run) : ""),
                        restart.empty() ? "" : escape(restart) + " · ", escape(shutdown_text(host)),
                        format_duration(host.seconds));
    if (!host.error.empty()) html += fmt::format(R"(<div class="error">{}</div>)", escape(host.error));
    if (!host.tasks.empty()) {
        html += R"(<ul class="tasks">)";
        for (const auto& task : host.tasks) html += task_html(task);
        html += "</ul>";
    }
    return html + "</article>";
}

std::string client_html(const ClientRun& client) {
    std::string html = fmt::format(R"(<section><h2>{} {}</h2>)", escape(client.client), ok_badge(client.ok()));
    if (!client.error.empty())
        html += fmt::format(R"(<div class="alert error">{}</div>)", escape(client.error));
    for (const auto& host : client.hosts) html += host_html(host);
    if (client.backup)
        html += fmt::format(R"(<div class="{}">{}</div>)", client.backup->ok() ? "meta" : "alert error",
                            escape(backup_care_line(*client.backup)));
    return html + "</section>";
}

/// The PCs that did not wake, could not be reached or still need a
/// restart, listed before anything else.
std::string attention_html(const RunRecord& record) {
    std::string items;
    for (const auto& client : record.clients) {
        if (!client.error.empty())
            items += fmt::format("<li><b>{}</b>: {}</li>", escape(client.client), escape(client.error));
        if (client.backup && !client.backup->ok())
            items += fmt::format("<li><b>{}</b>: {}</li>", escape(client.client), escape(backup_care_line(*client.backup)));
        for (const auto& host : client.hosts) {
            if (restart_still_needed(host.reboot)) {
                items += fmt::format("<li><b>{} / {}</b>: {}</li>", escape(client.client), escape(host_label(host)),
                                     escape(restart_line(host)));
                continue;
            }
            if (host.reached) continue;
            const auto why = host.power == PowerOutcome::did_not_wake ? std::string("did not wake")
                                                                       : "unreachable" + (host.error.empty() ? "" : ": " + host.error);
            items += fmt::format("<li><b>{} / {}</b>: {}</li>", escape(client.client), escape(host_label(host)),
                                 escape(why));
        }
    }
    if (items.empty()) return "";
    return fmt::format(R"(<div class="alert"><b>Needs attention</b><ul>{}</ul></div>)", items);
}

std::string header_html(const RunRecord& record) {
    const auto totals = run_totals(record);
    const auto duration = run_duration_seconds(record.started, record.finished);
    std::string html = fmt::format(R"(<header class="card {}"><div class="head"><h1>Run {} · {}</h1>{}</div>)",
                                   record.ok() ? "good" : "bad", record.id, escape(record.site),
                                   ok_badge(record.ok()));
    html += fmt::format(R"(<div class="meta">started {} · finished {}{}{}</div>)", escape(readable_utc(record.started)),
                        escape(record.interrupted        ? "never: interrupted (killed, or cut by a reboot)"
                               : record.finished.empty() ? "not yet"
                                                         : readable_utc(record.finished)),
                        duration ? " · " + format_duration(*duration) : "", record.dry_run ? " · dry run" : "");
    auto items = fmt::format(
        R"(<li>clients {}/{} ok</li><li>PCs {}/{} ok</li><li>did not wake {}</li><li>unreachable {}</li><li>tasks {} · problems {}</li>)",
        totals.clients_ok, totals.clients, totals.hosts_ok, totals.hosts, totals.did_not_wake, totals.unreached,
        totals.tasks, totals.task_problems);
    if (totals.updates_installed + totals.updates_failed + totals.restarts_needed > 0)
        items += fmt::format("<li>updates {} installed · {} failed</li><li>restarts needed {}</li>",
                             totals.updates_installed, totals.updates_failed, totals.restarts_needed);
    html += fmt::format(R"(<ul class="totals">{}</ul>)", items);
    return html + "</header>";
}

}  // namespace

std::string render_html_report(const RunRecord& record) {
    std::string html = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>custode run {} · {}</title><style>{}{}</style></head><body><main>",
        record.id, escape(record.site), card_page_css, kStyle);
    html += header_html(record);
    html += attention_html(record);
    for (const auto& client : record.clients) html += client_html(client);
    return html + "</main></body></html>\n";
}

}  // namespace custode
