/// The morning message's wording (core/night_message) and its sending rules
/// (app/notify) on a fake sender: what the technician reads on the phone.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "custode/app/notify.h"
#include "custode/core/night_message.h"
#include "custode/core/night_message_json.h"
#include "sample_run.h"

using namespace custode;
using namespace custode::testing;

namespace {

const std::vector<std::string> reports{"/var/lib/custode/reports/run-7.html"};

HostRun fine_host(std::string name, std::string ip) {
    auto host = sample_host(std::move(name), std::move(ip), "52:54:00:00:00:01", PowerOutcome::was_on);
    host.tasks.push_back(sample_task("antivirus", TaskStatus::ok, 0, 30, "clean"));
    return host;
}

RunRecord night(std::vector<ClientRun> clients) {
    RunRecord run;
    run.id = 7;
    run.site = "lab";
    run.started = "2026-12-07T01:30:00Z";
    run.finished = "2026-12-07T01:33:05Z";
    run.clients = std::move(clients);
    return run;
}

/// acme: reception did not wake, pc1 fine; bianchi: ws2 infected, ws3 fine.
RunRecord two_problems() {
    auto reception = sample_host("reception", "192.168.1.21", "00:11:22:33:44:55", PowerOutcome::did_not_wake);
    reception.error = "did not wake within 300 s";
    auto ws2 = fine_host("ws2", "192.168.2.12");
    ws2.tasks.front() = sample_task("antivirus", TaskStatus::failed, 1, 40, "2 threats found");
    ws2.tasks.front().findings = {"C:\\Users\\anna\\Downloads\\eicar.com", "C:\\Users\\anna\\tmp\\x.exe"};
    return night({{"acme", "", 10, {reception, fine_host("pc1", "192.168.1.22")}},
                  {"bianchi", "", 10, {ws2, fine_host("ws3", "192.168.2.13")}}});
}

/// Records what it was asked to send; answers with `mail` and `webhook`.
class FakeSender final : public app::NotifySender {
public:
    os::Delivery mail{true, "sent"};
    os::Delivery webhook{true, "HTTP 200"};
    bool throw_on_mail = false;
    std::vector<std::string> mails;
    std::vector<std::pair<std::string, std::string>> posts;

    os::Delivery send_mail(const std::string& message) override {
        if (throw_on_mail) throw std::runtime_error("pipe2: Too many open files");
        mails.push_back(message);
        return mail;
    }
    os::Delivery post_json(const std::string& url, const std::string& json) override {
        posts.emplace_back(url, json);
        return webhook;
    }
};

NotifySettings both_channels(bool always = false) {
    NotifySettings settings;
    settings.mail_to = {"tech@example.org", "root"};
    settings.webhook = "https://hooks.example.org/services/T000/SECRET";
    settings.always = always;
    return settings;
}

}  // namespace

TEST_CASE("notify: a night with nothing wrong says all is fine in the subject", "[notify]") {
    const auto message = night_message(night({{"acme", "", 10, {fine_host("pc1", "192.168.1.21"), fine_host("pc2", "192.168.1.22")}},
                                              {"bianchi", "", 10, {fine_host("ws1", "192.168.2.11"), fine_host("ws2", "192.168.2.12"),
                                                                   fine_host("ws3", "192.168.2.13")}}}),
                                       reports);
    CHECK(message.all_well);
    CHECK(message.subject == "custode lab: all 5 PCs fine");
    CHECK(message.client_lines == std::vector<std::string>{"acme: all 2 PCs fine", "bianchi: all 3 PCs fine"});
    CHECK(message.problems.empty());
    CHECK_THAT(message.body, Catch::Contains("Run 7 at lab, started 2026-12-07 01:30:00 UTC, took 3 min 05 s."));
    CHECK_THAT(message.body, Catch::Contains("Reports:\n  /var/lib/custode/reports/run-7.html\n"));
    CHECK_THAT(message.body, !Catch::Contains("Needs you"));
}

TEST_CASE("notify: one PC that did not wake is named in the subject, its client line and a problem", "[notify]") {
    auto office = sample_host("office-2", "192.168.1.22", "00:11:22:33:44:66", PowerOutcome::did_not_wake);
    office.error = "did not wake within 300 s";
    const auto message = night_message(night({{"acme", "", 10, {fine_host("pc1", "192.168.1.21"), office}}}), reports);
    CHECK_FALSE(message.all_well);
    CHECK(message.subject == "custode lab: 1 PC needs you — acme: office-2 did not wake");
    CHECK(message.client_lines == std::vector<std::string>{"acme: 2 PCs, 1 needs you"});
    REQUIRE(message.problems.size() == 1);
    CHECK(message.problems[0].where == "192.168.1.22, 00:11:22:33:44:66");
    CHECK_THAT(message.body, Catch::Contains("Needs you:\n  acme / office-2 (192.168.1.22, 00:11:22:33:44:66): did not wake\n"
                                             "    did not wake within 300 s\n"));
}

TEST_CASE("notify: problems across clients are grouped by client, each with what and where", "[notify]") {
    const auto message = night_message(two_problems(), reports);
    CHECK(message.subject == "custode lab: 2 PCs need you — acme: reception did not wake; bianchi: ws2 threat found");
    CHECK(message.client_lines == std::vector<std::string>{"acme: 2 PCs, 1 needs you", "bianchi: 2 PCs, 1 needs you"});
    REQUIRE(message.problems.size() == 2);
    CHECK(message.problems[1].what == "threat found");
    CHECK(message.problems[1].detail == "antivirus failed: 2 threats found");
    CHECK_THAT(message.body, Catch::Contains("  bianchi / ws2 (192.168.2.12, 52:54:00:00:00:01): threat found\n"
                                             "    antivirus failed: 2 threats found\n"
                                             "      C:\\Users\\anna\\Downloads\\eicar.com\n"));

    // Two problems on one client: one group, then the other client.
    auto record = two_problems();
    auto& pc1 = record.clients[0].hosts[1];
    pc1.tasks.push_back(sample_task("backup", TaskStatus::timeout, std::nullopt, 7200, ""));
    CHECK(night_message(record, reports).subject ==
          "custode lab: 3 PCs need you — acme: reception did not wake, pc1 backup timed out; bianchi: ws2 threat found");
}

TEST_CASE("notify: a client that did not run at all is said so, with why", "[notify]") {
    auto record = two_problems();
    record.clients.push_back({"verdi", "the circuit has no carrier", 0, {}});
    const auto message = night_message(record, reports);
    CHECK(message.subject ==
          "custode lab: 2 PCs need you, 1 client not run — acme: reception did not wake; bianchi: ws2 threat found; "
          "verdi: not run");
    CHECK(message.client_lines.back() == "verdi: not run — the circuit has no carrier");
    CHECK_THAT(message.body, Catch::Contains("  verdi: not run\n    the circuit has no carrier\n"));

    const auto alone = night_message(night({{"verdi", "not provisioned: no namespace cu-verdi\n(custode apply)", 0, {}}}), {});
    CHECK(alone.subject == "custode lab: 1 client not run — verdi: not run");
    CHECK(alone.client_lines == std::vector<std::string>{"verdi: not run — not provisioned: no namespace cu-verdi (custode apply)"});
}

TEST_CASE("notify: backups that need the technician are a problem of their client, its PCs fine", "[notify][backups]") {
    auto record = night({{"acme", "", 10, {fine_host("pc1", "192.168.1.21")}}});
    record.clients[0].backup = BackupCare{};
    record.clients[0].backup->listed = true;
    CHECK(night_message(record, {}).all_well);
    record.clients[0].backup->error = "restic check: exit 1: Pack ID does not match\nFatal: repository contains errors";
    const auto message = night_message(record, {});
    CHECK_FALSE(message.all_well);
    CHECK(message.subject == "custode lab: backups of 1 client need you — acme: backups");
    CHECK(message.client_lines == std::vector<std::string>{"acme: 1 PC fine, backups need you"});
    CHECK_THAT(message.body, Catch::Contains("  acme: backups\n    restic check: exit 1: Pack ID does not match\n"
                                             "    Fatal: repository contains errors\n"));

    record.clients[0].backup->error.clear();
    record.clients[0].backup->forged = {"pc1 9c9c9c9c claims 2026-01-01T00:00:00Z, appeared by 2026-12-07T01:00:00Z"};
    record.clients[0].backup->stale = {"pc2: newest backup 3 days old"};
    const auto forged = night_message(record, {});
    CHECK_THAT(forged.body, Catch::Contains("  acme: backups\n    1 snapshot with a forged time\n    stale: pc2: newest "
                                            "backup 3 days old\n      pc1 9c9c9c9c claims"));
}

TEST_CASE("notify: a long subject keeps whole items and counts the rest", "[notify]") {
    std::vector<HostRun> hosts;
    for (int i = 1; i <= 12; ++i) {
        auto host = sample_host("workstation-" + std::to_string(i), "", "", PowerOutcome::did_not_wake);
        hosts.push_back(host);
    }
    const auto message = night_message(night({{"acme", "", 10, hosts}}), reports);
    CHECK(message.subject.starts_with("custode lab: 12 PCs need you — acme: workstation-1 did not wake, "));
    CHECK_THAT(message.subject, Catch::EndsWith(", workstation-2 did not wake +10 more"));
    // Measured in characters: the dash counts once.
    const auto length = message.subject.size() - 2;  // "—" is 3 bytes in UTF-8
    CHECK(length <= max_subject_length);
    REQUIRE(message.problems.size() == 12);  // the body has them all

    // One item longer than the room is cut with an ellipsis, and the rest counted.
    auto long_name = sample_host(std::string(63, 'w'), "", "", PowerOutcome::did_not_wake);
    RunRecord one = night({{"acme", std::string(), 1, {long_name, long_name}}});
    one.site = std::string(40, 's');
    const auto cut = night_message(one, {}).subject;
    CHECK_THAT(cut, Catch::EndsWith("… +2 more"));
    CHECK(cut.size() - 2 - 2 <= max_subject_length);  // "—" and "…" 3 bytes each
}

TEST_CASE("notify: one PC fine, and no PCs at all, read naturally", "[notify]") {
    CHECK(night_message(night({{"acme", "", 1, {fine_host("pc1", "192.168.1.21")}}}), {}).subject == "custode lab: 1 PC fine");
    const auto empty = night_message(night({{"acme", "", 1, {}}}), {});
    CHECK(empty.subject == "custode lab: no PCs to look after");
    CHECK(empty.client_lines == std::vector<std::string>{"acme: no PCs"});
}

TEST_CASE("notify: the webhook JSON carries the same content and a text for Slack-style receivers", "[notify]") {
    const auto message = night_message(two_problems(), reports);
    const auto json = webhook_json(message);
    CHECK(json.at("site") == "lab");
    CHECK(json.at("run") == 7);
    CHECK(json.at("all_well") == false);
    CHECK(json.at("subject") == message.subject);
    CHECK(json.at("clients").size() == 2);
    CHECK(json.at("problems").size() == 2);
    CHECK(json.at("problems").at(0).at("client") == "acme");
    CHECK(json.at("problems").at(0).at("host") == "reception");
    CHECK(json.at("problems").at(0).at("what") == "did not wake");
    CHECK(json.at("problems").at(1).at("findings").size() == 2);
    CHECK(json.at("reports") == nlohmann::json(reports));
    CHECK(json.at("text") == message.subject + "\n\n" + message.body);
    CHECK(json.at("title") == message.subject);
    CHECK(json.at("message") == message.body);
}

TEST_CASE("notify: the mail has its recipients, an encoded subject and UTF-8 text", "[notify]") {
    const auto message = night_message(two_problems(), reports);
    const auto mail = mail_message(message, {"tech@example.org", "root"});
    CHECK(mail.starts_with("To: tech@example.org, root\nSubject: =?UTF-8?B?"));
    CHECK_THAT(mail, Catch::Contains("\nContent-Type: text/plain; charset=UTF-8\n"));
    CHECK_THAT(mail, Catch::Contains("\nAuto-Submitted: auto-generated\n"));
    CHECK_THAT(mail, Catch::Contains("\nX-Custode-Run: 7\n\n" + message.body.substr(0, 20)));
    // Each encoded word within RFC 2047's 75 characters, on its own folded line.
    const auto headers = mail.substr(0, mail.find("\n\n"));
    std::size_t start = 0;
    while (start < headers.size()) {
        const auto end = std::min(headers.find('\n', start), headers.size());
        CHECK(end - start <= 78);
        start = end + 1;
    }
    // ASCII subjects stay readable as they are.
    const auto plain = mail_message(test_message("lab"), {"root"});
    CHECK_THAT(plain, Catch::Contains("\nSubject: custode lab: test message\n"));
    CHECK_THAT(plain, !Catch::Contains("X-Custode-Run"));
}

TEST_CASE("notify: a webhook URL is shown without its path, query or password", "[notify]") {
    CHECK(redacted_url("https://hooks.slack.com/services/T000/B000/XXXX") == "https://hooks.slack.com/…");
    CHECK(redacted_url("https://user:pw@ntfy.example.org:8443/custode?auth=x") == "https://ntfy.example.org:8443/…");
    CHECK(redacted_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080");
    CHECK(redacted_url("http://127.0.0.1:8080/") == "http://127.0.0.1:8080");
}

TEST_CASE("notify: nothing is sent when all is well, unless always", "[notify]") {
    const auto fine = night({{"acme", "", 1, {fine_host("pc1", "192.168.1.21")}}});
    FakeSender sender;
    CHECK(app::notify_night(both_channels(), fine, reports, sender).empty());
    CHECK(sender.mails.empty());
    CHECK(sender.posts.empty());

    const auto sent = app::notify_night(both_channels(true), fine, reports, sender);
    REQUIRE(sent.size() == 2);
    CHECK(sender.mails.size() == 1);
    CHECK(sender.posts.size() == 1);
}

TEST_CASE("notify: a night with problems goes to every channel, one result each", "[notify]") {
    FakeSender sender;
    const auto sent = app::notify_night(both_channels(), two_problems(), reports, sender);
    REQUIRE(sent.size() == 2);
    CHECK(sent[0].channel == "mail");
    CHECK(sent[0].target == "tech@example.org, root");
    CHECK(sent[0].ok);
    CHECK(sent[1].channel == "webhook");
    CHECK(sent[1].target == "https://hooks.example.org/…");  // the token stays out of logs and records
    CHECK(sent[1].detail == "HTTP 200");
    REQUIRE(sender.posts.size() == 1);
    CHECK(sender.posts[0].first == "https://hooks.example.org/services/T000/SECRET");
    CHECK(nlohmann::json::parse(sender.posts[0].second).at("subject") ==
          "custode lab: 2 PCs need you — acme: reception did not wake; bianchi: ws2 threat found");
    CHECK_THAT(sender.mails.at(0), Catch::StartsWith("To: tech@example.org, root\n"));

    // Only the channels configured.
    NotifySettings webhook_only;
    webhook_only.webhook = "http://127.0.0.1:9/";
    FakeSender other;
    CHECK(app::notify_night(webhook_only, two_problems(), reports, other).size() == 1);
    CHECK(other.mails.empty());
}

TEST_CASE("notify: a channel that fails or throws is a result, and the other still goes", "[notify]") {
    FakeSender sender;
    sender.throw_on_mail = true;
    sender.webhook = {false, "HTTP 500: oops"};
    const auto sent = app::notify_night(both_channels(), two_problems(), reports, sender);
    REQUIRE(sent.size() == 2);
    CHECK_FALSE(sent[0].ok);
    CHECK(sent[0].detail == "pipe2: Too many open files");
    CHECK_FALSE(sent[1].ok);
    CHECK(app::notification_line(sent[1]) == "webhook https://hooks.example.org/…: FAILED: HTTP 500: oops");
    CHECK(app::notification_line({"mail", "root", true, "sent"}) == "mail to root: sent");
}

namespace {

/// acme: reception and pc1 fine, with `installed` updates between them; bianchi: ws2 and ws3 fine.
RunRecord updated_night(int installed) {
    auto reception = fine_host("reception", "192.168.1.21");
    auto pc1 = fine_host("pc1", "192.168.1.22");
    reception.tasks.push_back(sample_updates(installed - 1, 0));
    pc1.tasks.push_back(sample_updates(1, 0));
    return night({{"acme", "", 10, {reception, pc1}},
                  {"bianchi", "", 10, {fine_host("ws2", "192.168.2.12"), fine_host("ws3", "192.168.2.13")}}});
}

}  // namespace

TEST_CASE("notify: a fine night with updates says how many were installed", "[notify]") {
    const auto message = night_message(updated_night(12), reports);
    CHECK(message.all_well);
    CHECK(message.subject == "custode lab: all 4 PCs fine, 12 updates installed");
    CHECK(message.client_lines ==
          std::vector<std::string>{"acme: all 2 PCs fine, 12 updates installed", "bianchi: all 2 PCs fine"});
    CHECK_FALSE(should_notify(message, false));
}

TEST_CASE("notify: a PC that did not come back after its restart, or whose restart failed, needs you", "[notify]") {
    auto record = updated_night(12);
    auto& reception = record.clients[0].hosts[0];
    reception.reboot = RebootOutcome::did_not_return;
    reception.reboot_detail = "not back within 600 s";
    reception.tasks.push_back(sample_task("backup", TaskStatus::error, std::nullopt, 0, "the PC did not come back"));
    auto message = night_message(record, reports);
    CHECK_FALSE(message.all_well);
    // Before the tasks it made fail.
    CHECK(message.subject == "custode lab: 1 PC needs you — acme: reception did not come back after its restart");
    REQUIRE(message.problems.size() == 1);
    CHECK(message.problems[0].detail ==
          "did not come back after its restart (not back within 600 s)\nbackup error: the PC did not come back");

    // Counted unreached after it (its session gone): still named for the restart.
    reception.reached = false;
    CHECK(night_message(record, reports).subject ==
          "custode lab: 1 PC needs you — acme: reception did not come back after its restart");

    reception.reboot = RebootOutcome::failed;
    reception.reboot_detail = "came back with another host key";
    message = night_message(record, reports);
    CHECK(message.subject == "custode lab: 1 PC needs you — acme: reception restart failed");
    CHECK_THAT(message.body, Catch::Contains("  acme / reception (192.168.1.21, 52:54:00:00:00:01): restart failed\n"
                                             "    restart failed (came back with another host key)\n"));
}

TEST_CASE("notify: failed updates are a problem line naming them, even in a warning task", "[notify]") {
    auto record = updated_night(12);
    auto& ws2 = record.clients[1].hosts[0];
    auto kb = sample_task("updates", TaskStatus::warning, 3, 600, "1 update installed; 2 failed");
    kb.updates = {{"KB5034441", "2024-01 Security Update", "", "", true, false, "installed"},
                  {"KB890830", "Malicious Software Removal Tool", "", "", false, false, "failed"},
                  {"KB5034122", "2024-01 Cumulative Update", "", "", false, false, "aborted"}};
    // The Windows reading's own findings about them: said once, not twice.
    kb.findings = {"KB890830 failed: Malicious Software Removal Tool", "KB5034122 aborted (download): 2024-01 Cumulative Update"};
    ws2.tasks.push_back(kb);
    REQUIRE(ws2.ok());  // a warning: the night's exit code stays 0
    const auto message = night_message(record, reports);
    CHECK_FALSE(message.all_well);
    CHECK(message.subject == "custode lab: 1 PC needs you — bianchi: ws2 2 updates failed");
    CHECK(message.client_lines[1] == "bianchi: 2 PCs, 1 needs you");
    REQUIRE(message.problems.size() == 1);
    CHECK(message.problems[0].detail == "updates warning: 1 update installed; 2 failed");
    CHECK(message.problems[0].findings ==
          std::vector<std::string>{"KB890830 failed: Malicious Software Removal Tool",
                                   "KB5034122 aborted: 2024-01 Cumulative Update"});

    // A failed apt run on Linux: the task failed, its failed package named.
    auto linux_night = updated_night(12);
    linux_night.clients[0].hosts[1].tasks.back() = sample_updates(3, 1);
    const auto apt = night_message(linux_night, reports);
    CHECK(apt.subject == "custode lab: 1 PC needs you — acme: pc1 1 update failed");
    CHECK(apt.problems.at(0).findings == std::vector<std::string>{"pkg3:amd64 failed: 1.0-2"});

    // Installed when updates ran again after the restart: nothing failed in the end.
    auto made_good = updated_night(12);
    auto& ws3 = made_good.clients[1].hosts[1];
    ws3.tasks.push_back(kb);
    auto after = sample_task("updates", TaskStatus::ok, 0, 300, "2 updates installed");
    after.updates = {{"KB890830", "Malicious Software Removal Tool", "", "", true, false, "installed"},
                     {"KB5034122", "2024-01 Cumulative Update", "", "", true, false, "installed"}};
    ws3.tasks.push_back(after);
    ws3.reboot = RebootOutcome::rebooted;
    const auto fine = night_message(made_good, reports);
    CHECK(fine.problems.empty());
    CHECK(fine.subject == "custode lab: all 4 PCs fine, 15 updates installed");
}

TEST_CASE("notify: restarts still owed are listed apart, and make the message go", "[notify]") {
    auto record = updated_night(12);
    auto& ws2 = record.clients[1].hosts[0];
    ws2.reboot = RebootOutcome::user_logged_on;
    ws2.logged_on = {"maria"};
    auto& ws3 = record.clients[1].hosts[1];
    ws3.reboot = RebootOutcome::reboot_loop;
    ws3.reboot_detail = "KB5034441 asked again after tonight's restart";
    ws2.reboot_detail = "not restarted: maria logged on";  // the record's words: who is in the line already
    const auto message = night_message(record, reports);
    CHECK(message.all_well);  // nothing went wrong tonight
    CHECK(should_notify(message, false));
    // The updates count leaves the subject to the restarts; the client lines keep it.
    CHECK(message.subject == "custode lab: all 4 PCs fine, 2 restarts pending — bianchi: ws2 needs a restart (logged "
                             "on: maria), ws3 reboot loop");
    CHECK(message.client_lines ==
          std::vector<std::string>{"acme: all 2 PCs fine, 12 updates installed", "bianchi: all 2 PCs fine, 2 restarts pending"});
    CHECK(message.problems.empty());
    REQUIRE(message.attention.size() == 2);
    CHECK(message.attention[1].detail == "KB5034441 asked again after tonight's restart");
    CHECK_THAT(message.body, Catch::Contains("\nRestarts still needed:\n"
                                             "  bianchi / ws2 (192.168.2.12, 52:54:00:00:00:01): needs a restart (logged on: maria)\n"
                                             "  bianchi / ws3 (192.168.2.13, 52:54:00:00:00:01): reboot loop\n"
                                             "    KB5034441 asked again after tonight's restart\n"));
    const auto json = webhook_json(message);
    CHECK(json.at("attention").size() == 2);
    CHECK(json.at("attention").at(0).at("what") == "needs a restart (logged on: maria)");

    // With a problem too: the problem first, the restart after, each PC named once.
    auto both = two_problems();
    both.clients[1].hosts[1].reboot = RebootOutcome::pending;
    const auto mixed = night_message(both, reports);
    CHECK(mixed.subject == "custode lab: 2 PCs need you, 1 restart pending — acme: reception did not wake; bianchi: "
                           "ws2 threat found +1 more");  // the cap: the body lists it
    CHECK_THAT(mixed.body, Catch::Contains("\nRestarts still needed:\n  bianchi / ws3 (192.168.2.13, 52:54:00:00:00:01): "
                                           "needs a restart\n"));
    // A PC that needs you for something else says its restart in its detail, not twice.
    both.clients[1].hosts[0].reboot = RebootOutcome::pending;
    const auto once = night_message(both, reports);
    CHECK(once.attention.size() == 1);
    CHECK(once.problems[1].detail == "needs a restart\nantivirus failed: 2 threats found");

    // The subject cap holds: many restarts are counted, not listed.
    std::vector<HostRun> hosts;
    for (int i = 1; i <= 12; ++i) {
        auto host = fine_host("workstation-" + std::to_string(i), "");
        host.reboot = RebootOutcome::pending;
        hosts.push_back(host);
    }
    const auto many = night_message(night({{"acme", "", 10, hosts}}), reports);
    CHECK_THAT(many.subject, Catch::EndsWith(" more"));
    CHECK(many.subject.size() - 2 <= max_subject_length);
    CHECK(many.attention.size() == 12);
}
