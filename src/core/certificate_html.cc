/// The disconnection certificate's page. It is read by people who are not
/// technicians, printed on A4 and opened on phones: sections in plain words,
/// the machine details in monospace where they must be copied exactly.

#include "custode/core/certificate_html.h"

#include <fmt/format.h>

#include "custode/core/html_text.h"

namespace custode {
namespace {

constexpr std::string_view kStyle = R"css(
:root{color-scheme:light;--good:#1b7f3b;--bad:#c0261b;--idle:#6b6f76}
*{box-sizing:border-box}
body{margin:0;padding:12px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f4f6;color:#1f2328;overflow-wrap:anywhere}
main{max-width:860px;margin:0 auto}
h1{font-size:1.35em;margin:0}h2{font-size:1.1em;margin:0 0 6px}
.sub{color:#57606a;margin:2px 0 8px}
section,header{background:#fff;border-radius:10px;padding:12px;margin:10px 0;box-shadow:0 1px 3px #0002;border-left:6px solid var(--idle)}
header.good{border-left-color:var(--good)}header.bad{border-left-color:var(--bad)}
.badge{display:inline-block;padding:2px 10px;border-radius:999px;color:#fff;font-weight:600}
.badge.good{background:var(--good)}.badge.bad{background:var(--bad)}
dl{display:grid;grid-template-columns:minmax(7em,max-content) 1fr;gap:2px 12px;margin:0}
dt{color:#57606a}dd{margin:0}
ul.checks,ul.machines{list-style:none;padding:0;margin:0}
ul.checks li,ul.machines li{border-top:1px solid #e5e7eb;padding:6px 0}
.ok{color:var(--good);font-weight:600}.fail{color:var(--bad);font-weight:600}
code,pre{font-family:ui-monospace,"Cascadia Mono",Consolas,monospace;font-size:.88em}
code{background:#f6f8fa;border-radius:4px;padding:0 3px}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;border-radius:6px;padding:8px;margin:6px 0}
.alert{background:#fdecea;border:2px solid var(--bad);border-radius:10px;padding:10px 12px}
footer{color:#57606a;font-size:.85em;margin:10px 2px}
@page{size:A4;margin:14mm}
@media print{body{background:#fff;padding:0;font-size:11pt}section,header{box-shadow:none;border:1px solid #ccc;border-left-width:6px}
header,dl,li,pre,p{break-inside:avoid}pre{background:none;border:1px solid #ddd}h2{break-after:avoid}}
)css";

std::string e(std::string_view text) { return html_escape(text); }

std::string row(std::string_view term, std::string_view value) {
    return fmt::format("<dt>{}</dt><dd>{}</dd>", e(term), e(value));
}

/// "2026-12-06T21:00:00Z" as "2026-12-06 21:00:00 UTC".
std::string readable_utc(std::string time) {
    if (time.size() > 10 && time[10] == 'T') time[10] = ' ';
    if (!time.empty() && time.back() == 'Z') time.replace(time.size() - 1, 1, " UTC");
    return time;
}

std::string verdict_text(std::string_view verdict) {
    if (verdict == "disconnected") return "Disconnected: every lab-side check passed";
    if (verdict == "leftovers") return "Torn down, but a lab-side check failed: something of the client is left";
    return "The teardown failed: the connection may still be in place";
}

std::string header_html(const DisconnectionCertificate& c) {
    const bool good = c.verdict == "disconnected";
    std::string html = fmt::format(R"(<header class="{}"><h1>Disconnection certificate</h1>)", good ? "good" : "bad");
    html += R"(<p class="sub">Certificato di disconnessione</p>)";
    html += fmt::format(R"(<p><span class="badge {}">{}</span> {}</p>)", good ? "good" : "bad", e(c.verdict),
                        e(verdict_text(c.verdict)));
    html += fmt::format("<dl>{}{}{}{}{}</dl></header>",
                        row("Client", c.client_description.empty() ? c.client
                                                                   : c.client + " (" + c.client_description + ")"),
                        row("Lab", c.site), row("Technician", c.technician.empty() ? "not known" : c.technician),
                        row("Certificate", c.id), row("Finished", readable_utc(c.finished_utc)));
    return html;
}

std::string what_html(const DisconnectionCertificate& c) {
    std::string ports;
    for (const auto& port : c.ports_returned) ports += (ports.empty() ? "" : ", ") + port;
    return fmt::format(
        "<section><h2>What was disconnected, and when</h2><dl>{}{}{}{}{}{}{}</dl></section>",
        row("Connection", c.circuit_kind + ": " + c.circuit), row("Namespace", c.namespace_name),
        row("Bridge", c.bridge), row("Ports returned", ports.empty() ? "none" : ports),
        row("Started", readable_utc(c.started_utc)), row("Finished (UTC)", readable_utc(c.finished_utc)),
        row("Finished (lab time)", c.finished_local));
}

std::string checks_html(const DisconnectionCertificate& c) {
    std::string html = "<section><h2>Checks made in the lab after the teardown</h2><ul class=\"checks\">";
    for (const auto& check : c.checks)
        html += fmt::format(R"(<li><span class="{}">{}</span> <b>{}</b><br>{}</li>)", check.ok ? "ok" : "fail",
                            check.ok ? "passed" : "FAILED", e(check.name), e(check.detail));
    return html + "</ul></section>";
}

std::string machines_html(const DisconnectionCertificate& c) {
    std::string html =
        "<section><h2>Lab machines that must no longer answer</h2>"
        "<p>From any PC of the office none of these may answer any more.</p><ul class=\"machines\">";
    for (const auto& machine : c.lab_machines)
        html += fmt::format("<li><b>{}</b> <code>{}</code>{}<br>{}</li>", e(machine.name), e(machine.ip),
                            machine.mac.empty() ? "" : fmt::format(" MAC <code>{}</code>", e(machine.mac)),
                            e(machine.baseline));
    return html + "</ul></section>";
}

/// Windows' arp -a prints MACs with dashes.
std::string windows_mac(std::string mac) {
    for (auto& ch : mac)
        if (ch == ':') ch = '-';
    return mac;
}

std::string yourself_html(const DisconnectionCertificate& c) {
    std::string pings, arps;
    for (const auto& machine : c.lab_machines) {
        if (!machine.on_client_lan) continue;
        pings += fmt::format("ping -n 3 {}\n", machine.ip);
        if (!machine.mac.empty()) arps += fmt::format("arp -a | findstr /i {}\n", windows_mac(machine.mac));
    }
    std::string html = "<section><h2>Check it yourself</h2>";
    html += fmt::format(
        "<p><b>The simplest way:</b> on any PC of the office, right-click <code>{}</code> and choose "
        "<i>Run with PowerShell</i> (<i>Esegui con PowerShell</i>). Nothing to install, no administrator "
        "needed. It must say <b>ISOLATED / ISOLATO</b>, and it writes a report beside itself.</p>",
        e(c.script_file));
    if (!pings.empty())
        html += fmt::format(
            "<p><b>By hand</b>, in a Command Prompt (<code>cmd</code>): every ping must fail (<i>Request timed "
            "out</i> or <i>Destination host unreachable</i>), and the <code>arp</code> lines must print "
            "nothing. (A PC of yours that now uses one of these addresses answers its ping: that is not the "
            "lab, and the <code>arp</code> line shows another MAC.)</p><pre>{}{}</pre>",
            e(pings), e(arps));
    html += fmt::format(
        "<p>A technician can run the same check on Linux: <code>custode isolation-check --interface IF "
        "--targets {}</code>.</p></section>",
        e(c.targets_file));
    return html;
}

std::string signature_html(const DisconnectionCertificate& c) {
    std::string html = "<section><h2>Signature</h2>";
    if (c.signature.empty())
        return html + fmt::format(
                          R"(<p class="alert">The record <code>{}</code> is <b>not signed</b>: the lab had no )"
                          "signing key when this certificate was made.</p></section>",
                          e(c.record_file));
    html += fmt::format(
        "<p>The lab's record of this disconnection, <code>{}</code>, is signed with the lab's key "
        "<b>{}</b>. Its public key:</p><pre>{}</pre><p>Anyone can verify the record with "
        "minisign (free, for Windows, macOS and Linux):</p><pre>minisign -Vm {} -P {}</pre>"
        "<p>The signature (<code>{}.minisig</code>):</p><pre>{}</pre></section>",
        e(c.record_file), e(c.key_id), e(c.public_key), e(c.record_file), e(c.public_key), e(c.record_file),
        e(c.signature));
    return html;
}

}  // namespace

std::string certificate_file_name(std::string_view id) { return fmt::format("certificate-{}.html", id); }

std::string render_certificate_html(const DisconnectionCertificate& c) {
    return fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Disconnection certificate {}</title><style>{}</style></head><body><main>{}{}{}{}{}{}"
        "<footer>Made by custode on the lab gateway when the connection was torn down.</footer>"
        "</main></body></html>\n",
        e(c.id), kStyle, header_html(c), what_html(c), checks_html(c), machines_html(c), yourself_html(c),
        signature_html(c));
}

}  // namespace custode
