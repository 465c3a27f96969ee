/// The morning message: subject, one line per client, the problems, the
/// reports; its mail form and its webhook JSON.

#include "custode/core/night_message.h"

#include <algorithm>
#include <fmt/format.h>

#include "custode/core/command_text.h"
#include "custode/core/night_message_json.h"
#include "custode/core/utc_time.h"

namespace custode {
namespace night_text {

/// Characters, not bytes: the subject is measured as a reader sees it.
std::size_t characters(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

/// The longest prefix of `text` of at most `bytes` bytes that does not cut a UTF-8 character.
std::string_view utf8_prefix(std::string_view text, std::size_t bytes) {
    if (text.size() <= bytes) return text;
    while (bytes > 0 && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) --bytes;
    return text.substr(0, bytes);
}

/// `text` cut to `most` characters, ending in "…" when cut.
std::string cut(std::string_view text, std::size_t most) {
    if (characters(text) <= most) return std::string(text);
    std::string out;
    std::size_t count = 0;
    for (std::size_t i = 0; i < text.size() && count + 1 < most; ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++count;
        out += text[i];
        while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) out += text[++i];
    }
    return out + "…";
}

/// Line breaks and control characters as spaces: a subject is one header line.
std::string one_line(std::string_view text) {
    std::string out(text);
    std::replace_if(out.begin(), out.end(), [](char c) { return static_cast<unsigned char>(c) < ' ' || c == '\x7f'; },
                    ' ');
    return out;
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

/// "2 updates failed".
std::string updates_failed_text(int failed) {
    return failed == 1 ? "1 update failed" : fmt::format("{} updates failed", failed);
}

bool has_failed_update(const TaskResult& task) {
    return std::any_of(task.updates.begin(), task.updates.end(), [](const UpdateItem& update) { return !update.installed; });
}

/// The PC is listed under "Needs you": not ok, or an update that failed (even
/// in a `warning` task: a failed security update needs the technician).
bool host_needs_you(const HostRun& host) { return !host.ok() || updates_failed(host) > 0; }

/// A task worth a line: a problem, or an updates run with a failure the
/// night did not make good (a later run after the restart may install it).
bool task_needs_you(const HostRun& host, const TaskResult& task) {
    return is_problem(task.status) || (has_failed_update(task) && updates_failed(host) > 0);
}

/// A problem task as the subject says it.
std::string task_problem(const HostRun& host, const TaskResult& task) {
    if (const int failed = updates_failed(host); has_failed_update(task) && failed > 0 &&
                                                   (task.status == TaskStatus::failed || !is_problem(task.status)))
        return updates_failed_text(failed);
    switch (task.status) {
        case TaskStatus::failed:
            if (task.task == "antivirus") return "threat found";
            if (task.task == "disk-health") return "disk failing";
            return task.task + " failed";
        case TaskStatus::timeout: return task.task + " timed out";
        default: return task.task + " error";
    }
}

/// A PC's first problem, in the order the night met them; a PC gone after
/// its restart comes before the tasks that found it gone.
std::string host_problem(const HostRun& host) {
    if (host.power == PowerOutcome::did_not_wake) return "did not wake";
    if (is_problem(host.reboot)) return restart_text(host);  // reached before it, whatever the record says after
    if (!host.reached) return "not reached";
    for (const auto& task : host.tasks)
        if (task_needs_you(host, task)) return task_problem(host, task);
    if (host.shutdown == ShutdownOutcome::still_on) return "still on after shutdown";
    if (host.shutdown == ShutdownOutcome::failed) return "shutdown failed";
    return "needs you";
}

/// Everything wrong with a PC, one line each: its error, its restart, each problem task's summary, the shutdown.
std::string host_detail(const HostRun& host) {
    std::vector<std::string> lines;
    if (!host.error.empty()) lines.push_back(host.error);
    if (restart_still_needed(host.reboot)) lines.push_back(restart_line(host));
    for (const auto& task : host.tasks)
        if (task_needs_you(host, task))
            lines.push_back(fmt::format("{} {}{}", task.task, to_string(task.status),
                                        task.summary.empty() ? "" : ": " + task.summary));
    if (host.shutdown == ShutdownOutcome::still_on) lines.emplace_back("still on after the shutdown");
    return fmt::format("{}", fmt::join(lines, "\n"));
}

/// "KB5034441 failed: 2024-01 Security Update", "openssl failed: 3.0.11-1~deb12u2".
std::string failed_update_line(const UpdateItem& update) {
    const auto what = update.title.empty() ? update.to : update.title;
    return fmt::format("{} {}{}", update.id, update.result.empty() ? "failed" : update.result,
                       what.empty() ? "" : ": " + what);
}

/// An updates task's own line about one of its updates ("KB890830 failed:
/// ..."): the failed list says it once, with the night's last result.
bool about_an_update(const TaskResult& task, const std::string& finding) {
    return std::any_of(task.updates.begin(), task.updates.end(),
                       [&](const UpdateItem& update) { return finding.starts_with(update.id + " "); });
}

/// The first max_findings_listed, then how many more the report has.
std::vector<std::string> listed_findings(std::vector<std::string> findings) {
    if (findings.size() > max_findings_listed) {
        const auto more = findings.size() - max_findings_listed;
        findings.resize(max_findings_listed);
        findings.push_back(fmt::format("… and {} more in the report", more));
    }
    return findings;
}

/// The updates that failed first, then the problem tasks' findings.
std::vector<std::string> host_findings(const HostRun& host) {
    std::vector<std::string> findings;
    for (const auto& update : updates_of(host))
        if (!update.installed) findings.push_back(failed_update_line(update));
    for (const auto& task : host.tasks)
        if (task_needs_you(host, task))
            for (const auto& finding : task.findings)
                if (!about_an_update(task, finding)) findings.push_back(finding);
    return listed_findings(std::move(findings));
}

std::string where_of(const HostRun& host) {
    std::vector<std::string> parts;
    if (!host.ip.empty()) parts.push_back(host.ip);
    if (!host.mac.empty()) parts.push_back(host.mac);
    return fmt::format("{}", fmt::join(parts, ", "));
}

/// A PC still owing a restart that is not a problem of the night: pending,
/// user_logged_on, reboot_loop (a PC that needs you says it in its detail).
bool restart_to_note(const HostRun& host) { return restart_still_needed(host.reboot) && !host_needs_you(host); }

/// What a night adds up to, for the subject and each client's line.
struct NightCounts {
    std::size_t pcs = 0;
    std::size_t bad_pcs = 0;
    std::size_t clients_not_run = 0;
    std::size_t backups_bad = 0;  ///< clients whose backup care needs the technician
    std::size_t restarts = 0;  ///< restart_to_note
    int installed = 0;         ///< updates
};

NightCounts counts_of(const std::vector<HostRun>& hosts) {
    NightCounts counts;
    for (const auto& host : hosts) {
        ++counts.pcs;
        if (host_needs_you(host)) ++counts.bad_pcs;
        if (restart_to_note(host)) ++counts.restarts;
        counts.installed += updates_installed(host);
    }
    return counts;
}

/// ", 12 updates installed, 1 restart pending": what a fine night did besides.
std::string fine_extras(const NightCounts& counts) {
    std::string extras;
    if (counts.installed > 0)
        extras += ", " + plural(static_cast<std::size_t>(counts.installed), "update", "updates") + " installed";
    if (counts.restarts > 0) extras += ", " + plural(counts.restarts, "restart", "restarts") + " pending";
    return extras;
}

/// What is wrong with a client's backups, one thing a line: the failed
/// step, the forged times (listed below as findings), the stale hosts, the
/// failed restore tests.
std::string backup_problem_detail(const BackupCare& care) {
    std::vector<std::string> lines;
    if (!care.error.empty()) lines.push_back(care.error);
    if (!care.forged.empty()) lines.push_back(plural(care.forged.size(), "snapshot", "snapshots") + " with a forged time");
    for (const auto& stale : care.stale) lines.push_back("stale: " + stale);
    for (const auto& test : care.restores)
        if (!test.ok) lines.push_back(restore_test_line(test));
    return fmt::format("{}", fmt::join(lines, "\n"));
}

std::string pcs_line(const ClientRun& client) {
    if (!client.error.empty()) return fmt::format("{}: not run — {}", client.client, one_line(client.error));
    const auto counts = counts_of(client.hosts);
    if (client.hosts.empty()) return client.client + ": no PCs";
    if (counts.bad_pcs == 0)
        return fmt::format("{}: {}{}", client.client,
                           client.hosts.size() == 1 ? std::string("1 PC fine")
                                                    : fmt::format("all {} PCs fine", client.hosts.size()),
                           fine_extras(counts));
    return fmt::format("{}: {}, {} {} you", client.client, plural(client.hosts.size(), "PC", "PCs"), counts.bad_pcs,
                       counts.bad_pcs == 1 ? "needs" : "need");
}

/// "acme: all 3 PCs fine, 2 updates installed", and whether its backups need the technician.
std::string client_line(const ClientRun& client) {
    const auto backups = client.backup && !client.backup->ok() ? std::string(", backups need you") : std::string();
    return pcs_line(client) + backups;
}

/// "2 PCs need you, 1 client not run", or "all 5 PCs fine, 12 updates installed".
std::string subject_head(const NightCounts& counts) {
    if (counts.bad_pcs == 0 && counts.clients_not_run == 0 && counts.backups_bad == 0) {
        if (counts.pcs == 0) return "no PCs to look after";
        // The restarts owed are listed after the head: the updates count gives them its room.
        auto extras = counts;
        if (extras.restarts > 0) extras.installed = 0;
        return (counts.pcs == 1 ? std::string("1 PC fine") : fmt::format("all {} PCs fine", counts.pcs)) +
               fine_extras(extras);
    }
    std::vector<std::string> parts;
    if (counts.bad_pcs > 0)
        parts.push_back(fmt::format("{} {} you", plural(counts.bad_pcs, "PC", "PCs"), counts.bad_pcs == 1 ? "needs" : "need"));
    if (counts.clients_not_run > 0) parts.push_back(plural(counts.clients_not_run, "client", "clients") + " not run");
    if (counts.backups_bad > 0) parts.push_back("backups of " + plural(counts.backups_bad, "client", "clients") + " need you");
    if (counts.restarts > 0) parts.push_back(plural(counts.restarts, "restart", "restarts") + " pending");
    return fmt::format("{}", fmt::join(parts, ", "));
}

/// The subject's list: "acme: reception did not wake, pc2 threat found; bianchi: not run",
/// as many problems as fit in `room` characters, then "+N more".
std::string subject_items(const std::vector<NightProblem>& problems, std::size_t room) {
    std::string items;
    std::string last_client;
    for (std::size_t i = 0; i < problems.size(); ++i) {
        const auto& problem = problems[i];
        const std::string item = problem.host.empty() ? problem.what : problem.host + " " + problem.what;
        const bool same_client = i > 0 && problem.client == last_client;
        const std::string added = same_client ? ", " + item : (i > 0 ? "; " : "") + problem.client + ": " + one_line(item);
        const std::size_t left = problems.size() - i - 1;
        const std::string rest = left > 0 ? fmt::format(" +{} more", left) : "";
        if (characters(items + added + rest) <= room) {
            items += added;
            last_client = problem.client;
            continue;
        }
        const std::string more = fmt::format(" +{} more", problems.size() - i);
        if (i == 0) return cut(added, room > characters(more) + 1 ? room - characters(more) : 1) + more;
        return items + more;
    }
    return items;
}

/// "  acme / ws2 (192.168.2.12, …): threat found", its detail and findings indented below.
std::string problem_lines(const NightProblem& problem) {
    const auto name = problem.host.empty() ? problem.client : problem.client + " / " + problem.host;
    std::string lines =
        fmt::format("  {}{}: {}\n", name, problem.where.empty() ? "" : " (" + problem.where + ")", problem.what);
    std::string_view detail = problem.detail;
    while (!detail.empty()) {
        const auto end = std::min(detail.find('\n'), detail.size());
        lines += fmt::format("    {}\n", detail.substr(0, end));
        detail.remove_prefix(std::min(end + 1, detail.size()));
    }
    for (const auto& finding : problem.findings) lines += fmt::format("      {}\n", finding);
    return lines;
}

std::string body_text(const RunRecord& record, const NightMessage& message) {
    std::string body;
    const auto duration = run_duration_seconds(record.started, record.finished);
    body += fmt::format("Run {} at {}{}, started {}{}.\n", record.id, record.site, record.dry_run ? " (dry run)" : "",
                        readable_utc(record.started), duration ? ", took " + format_duration(*duration) : "");
    body += "\nClients:\n";
    for (const auto& line : message.client_lines) body += "  " + line + "\n";
    if (!message.problems.empty()) {
        body += "\nNeeds you:\n";
        for (const auto& problem : message.problems) body += problem_lines(problem);
    }
    if (!message.attention.empty()) {
        body += "\nRestarts still needed:\n";
        for (const auto& item : message.attention) body += problem_lines(item);
    }
    if (!message.reports.empty()) {
        body += "\nReports:\n";
        for (const auto& report : message.reports) body += "  " + report + "\n";
    }
    return body;
}

/// A Subject header: as is when ASCII, else RFC 2047 base64 words of at most
/// 75 characters, never splitting a UTF-8 character, folded onto lines of their own.
std::string subject_header(std::string_view subject) {
    if (std::all_of(subject.begin(), subject.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; }))
        return fmt::format("Subject: {}\n", subject);
    constexpr std::size_t bytes_per_word = 39;  // 52 base64 characters: a folded line of 73
    std::vector<std::string> words;
    while (!subject.empty()) {
        const auto chunk = utf8_prefix(subject, bytes_per_word);
        words.push_back(fmt::format("=?UTF-8?B?{}?=", base64_encode(chunk)));
        subject.remove_prefix(chunk.size());
    }
    return fmt::format("Subject: {}\n", fmt::join(words, "\n "));
}

/// Mail lines stay under SMTP's 998 bytes: a longer one (a finding's path) is cut.
std::string mail_body(std::string_view body) {
    constexpr std::size_t longest = 900;
    std::string out;
    while (!body.empty()) {
        const auto end = std::min(body.find('\n'), body.size());
        const auto line = body.substr(0, end);
        out += line.size() > longest ? std::string(utf8_prefix(line, longest)) + "…" : std::string(line);
        out += '\n';
        body.remove_prefix(std::min(end + 1, body.size()));
    }
    return out;
}

}  // namespace night_text

NightMessage night_message(const RunRecord& record, const std::vector<std::string>& reports) {
    using namespace night_text;
    NightMessage message;
    message.site = record.site;
    message.run = record.id;
    message.reports = reports;
    NightCounts counts;
    for (const auto& client : record.clients) {
        message.client_lines.push_back(client_line(client));
        if (!client.error.empty()) {
            ++counts.clients_not_run;
            message.problems.push_back({client.client, "", "", "not run", one_line(client.error), {}});
        }
        if (client.backup && !client.backup->ok()) {
            ++counts.backups_bad;
            message.problems.push_back({client.client, "", "", "backups", backup_problem_detail(*client.backup),
                                        listed_findings(client.backup->forged)});
        }
        const auto of_client = counts_of(client.hosts);
        counts.pcs += of_client.pcs;
        counts.bad_pcs += of_client.bad_pcs;
        counts.restarts += of_client.restarts;
        counts.installed += of_client.installed;
        for (const auto& host : client.hosts) {
            if (restart_to_note(host))
                message.attention.push_back({client.client, host_label(host), where_of(host), restart_text(host),
                                             one_line(restart_detail(host)), {}});
            if (!host_needs_you(host)) continue;
            message.problems.push_back(
                {client.client, host_label(host), where_of(host), host_problem(host), host_detail(host), host_findings(host)});
        }
    }
    message.all_well = message.problems.empty();
    const auto head = fmt::format("custode {}{}: {}", one_line(record.site), record.dry_run ? " (dry run)" : "",
                                  subject_head(counts));
    // Problems first, then the restarts still owed; each PC is in one of them only.
    auto listed = message.problems;
    listed.insert(listed.end(), message.attention.begin(), message.attention.end());
    if (listed.empty()) {
        message.subject = cut(head, max_subject_length);
    } else {
        const auto lead = head + " — ";
        const auto room = max_subject_length > characters(lead) ? max_subject_length - characters(lead) : 0;
        message.subject = room > 10 ? lead + subject_items(listed, room) : cut(head, max_subject_length);
    }
    message.body = body_text(record, message);
    return message;
}

NightMessage test_message(std::string_view site) {
    NightMessage message;
    message.site = std::string(site);
    message.subject = night_text::cut(fmt::format("custode {}: test message", night_text::one_line(site)), max_subject_length);
    message.body = fmt::format(
        "A test of site.toml's [notify], sent by custode maintain --notify-test.\n"
        "After each scheduled night, a message like this one says which PCs need you.\n");
    return message;
}

bool should_notify(const NightMessage& message, bool always) {
    return always || !message.all_well || !message.attention.empty();
}

std::string mail_message(const NightMessage& message, const std::vector<std::string>& to) {
    std::string mail = fmt::format("To: {}\n", fmt::join(to, ", "));
    mail += night_text::subject_header(message.subject);
    mail += "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n";
    mail += "Auto-Submitted: auto-generated\n";  // RFC 3834: no vacation replies to a robot
    if (message.run != 0) mail += fmt::format("X-Custode-Run: {}\n", message.run);
    return mail + "\n" + night_text::mail_body(message.body);
}

std::string redacted_url(std::string_view url) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) return "…";
    const auto rest = url.substr(scheme_end + 3);
    const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    auto host = rest.substr(0, authority_end);
    if (const auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);  // no password
    const bool hidden = authority_end < rest.size() && rest.substr(authority_end) != "/";
    return fmt::format("{}://{}{}", url.substr(0, scheme_end), host, hidden ? "/…" : "");
}

namespace night_text {

nlohmann::json problems_json(const std::vector<NightProblem>& problems) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& problem : problems)
        list.push_back({{"client", problem.client},
                        {"host", problem.host.empty() ? nlohmann::json(nullptr) : nlohmann::json(problem.host)},
                        {"where", problem.where},
                        {"what", problem.what},
                        {"detail", problem.detail},
                        {"findings", problem.findings}});
    return list;
}

}  // namespace night_text

nlohmann::json webhook_json(const NightMessage& message) {
    const auto text = message.subject + "\n\n" + message.body;
    return {{"site", message.site},
            {"run", message.run == 0 ? nlohmann::json(nullptr) : nlohmann::json(message.run)},
            {"all_well", message.all_well},
            {"subject", message.subject},
            {"clients", message.client_lines},
            {"problems", night_text::problems_json(message.problems)},
            {"attention", night_text::problems_json(message.attention)},
            {"reports", message.reports},
            {"text", text},
            {"title", message.subject},
            {"message", message.body}};
}

}  // namespace custode
