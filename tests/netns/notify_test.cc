/// The morning message end to end (issue 14 item 4): a scheduled night on a
/// testbed site, the mail handed to the real Debian exim4 behind
/// /usr/sbin/sendmail and delivered to a mailbox of the test's own, the
/// webhook POSTed to a receiver on the gateway's loopback, and the failures
/// (a broken MTA, no MTA, a refused, failing or silent webhook) logged
/// without changing the night's exit code.
///
/// exim reads /etc/exim4/exim4.conf first: custode runs in a private mount
/// namespace where the test's own directory is bound over /etc/exim4, so
/// this machine's mail setup, spool and mailboxes are never read or touched.

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <pwd.h>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "netns/support.h"
#include "netns/units.h"
#include "support/literals.h"
#include "support/programs.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/ssh_pc.h"
#include "testbed/testbed.h"

namespace {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

/// An exim configuration of the test's own: spool and log in its directory,
/// every address delivered to the one mailbox `mail/mailbox` there (a file
/// name made from the address would be "tainted" to exim), each copy with
/// its Envelope-to. `broken`: a spool
/// exim cannot create, so sendmail exits 1 as a broken MTA would.
class MailLab {
public:
    MailLab(const fs::path& dir, bool broken) : dir_(dir) {
        require_programs({"/usr/sbin/exim4", "unshare"});
        const passwd* exim = ::getpwnam("Debian-exim");
        if (!exim) FAIL("no user Debian-exim: apt-get install exim4-daemon-light");
        for (const char* sub : {"etc", "spool", "log", "mail"}) fs::create_directories(dir_ / sub);
        // exim works as Debian-exim: it must pass through the test's 0700 temporary directory.
        for (auto up = dir_; up.has_relative_path() && up != "/tmp"; up = up.parent_path())
            fs::permissions(up, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
        for (const char* sub : {"spool", "log", "mail"})
            REQUIRE(::chown((dir_ / sub).c_str(), exim->pw_uid, exim->pw_gid) == 0);
        std::ofstream(dir_ / "etc/exim4.conf") << fmt::format(
            "primary_hostname = gateway.custode-test.invalid\n"
            "spool_directory = {0}\nlog_file_path = {1}/%slog\n"
            "exim_user = Debian-exim\nexim_group = Debian-exim\nnever_users = root\nkeep_environment =\n"
            "begin routers\neveryone:\n  driver = accept\n  transport = mailbox\n"
            "begin transports\nmailbox:\n  driver = appendfile\n  file = {2}/mailbox\n"
            "  user = Debian-exim\n  group = Debian-exim\n  mode = 0600\n  envelope_to_add\n",
            broken ? "/proc/custode-test-no-spool" : (dir_ / "spool").string(), (dir_ / "log").string(),
            (dir_ / "mail").string());
    }

    /// `argv` in a private mount namespace where this lab's etc is /etc/exim4.
    std::vector<std::string> wrap(const std::vector<std::string>& argv) const {
        std::vector<std::string> full{"unshare", "--mount", "--propagation", "slave", "--", "sh", "-c",
                                      "mount --bind \"$0\" /etc/exim4 && exec \"$@\"", (dir_ / "etc").string()};
        full.insert(full.end(), argv.begin(), argv.end());
        return full;
    }

    /// The messages delivered, read by Python's email package (an independent
    /// reader of RFC 2047 subjects): one JSON object each. exim delivers in the
    /// background after sendmail returns: waits up to 30 s for `count` of them.
    nlohmann::json messages(std::size_t count) const {
        const auto box = dir_ / "mail/mailbox";
        const auto delivered = [&] {
            const auto text = read_file(box);
            std::size_t found = 0;
            for (auto at = text.find("\nEnvelope-to: "); at != std::string::npos; at = text.find("\nEnvelope-to: ", at + 1))
                ++found;
            return found;
        };
        for (auto waited = 0ms; waited < 30s && delivered() < count; waited += 100ms) std::this_thread::sleep_for(100ms);
        UNSCOPED_INFO("mailbox " << box << ":\n" << read_file(box) << "\nexim log:\n" << read_file(dir_ / "log/mainlog"));
        const auto json = run_checked({"python3", "-c", R"(
import json, mailbox, sys
from email import policy
out = []
for message in mailbox.mbox(sys.argv[1], factory=None, create=False):
    parsed = __import__("email").message_from_bytes(message.as_bytes(), policy=policy.default)
    out.append({"to": str(parsed["To"]), "envelope_to": str(parsed["Envelope-to"]), "subject": str(parsed["Subject"]),
                "content_type": parsed.get_content_type(), "charset": parsed.get_content_charset(),
                "auto_submitted": str(parsed["Auto-Submitted"]), "body": parsed.get_content()})
print(json.dumps(out))
)",
                                       box.string()});
        return nlohmann::json::parse(json);
    }

private:
    fs::path dir_;
};

/// tests/netns/webhook_receiver.py in the gateway's namespace, on its loopback.
class WebhookReceiver {
public:
    WebhookReceiver(Testbed& tb, const fs::path& dir, std::vector<std::string> options = {})
        : log_(dir / "webhook.jsonl") {
        require_programs({"python3"});
        const auto port_file = dir / "webhook.port";
        std::vector<std::string> argv{"nsenter", "--net=/run/netns/" + tb.gateway(), "--", "python3",
                                      std::string(CUSTODE_SOURCE_DIR) + "/tests/netns/webhook_receiver.py",
                                      "--port-file", port_file.string(), "--log", log_.string()};
        argv.insert(argv.end(), options.begin(), options.end());
        pid_ = start_program(argv, {.stdout_file = dir / "webhook.out", .stderr_file = dir / "webhook.err"}).pid;
        for (auto waited = 0ms; waited < 10s && !fs::exists(port_file); waited += 50ms) std::this_thread::sleep_for(50ms);
        if (!fs::exists(port_file)) FAIL("the webhook receiver did not start: " << read_file(dir / "webhook.err"));
        port_ = read_file(port_file);
    }
    ~WebhookReceiver() {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    WebhookReceiver(const WebhookReceiver&) = delete;
    WebhookReceiver& operator=(const WebhookReceiver&) = delete;

    std::string url(const std::string& path = "/custode/SECRET-TOKEN") const {
        return fmt::format("http://127.0.0.1:{}{}", port_, path);
    }

    std::vector<nlohmann::json> requests() const {
        std::vector<nlohmann::json> out;
        std::istringstream lines(read_file(log_));
        for (std::string line; std::getline(lines, line);) out.push_back(nlohmann::json::parse(line));
        return out;
    }

private:
    fs::path log_;
    pid_t pid_ = -1;
    std::string port_;
};

/// A site with one SSH PC that is fine (pc1) and, with `ghost`, one declared
/// PC that never wakes: one problem. Provisioned and enrolled; [notify] is
/// appended to site.toml by the test.
struct NotifyNight {
    TempDir dir{"ctb-notify"};
    Testbed tb;
    Site& acme;
    SshLab lab;
    SshPc& pc1;
    fs::path netconf;
    std::vector<std::string> confinement = unit_confinement("custode-maintain.service");

    NotifyNight(std::string_view tag, bool ghost)
        : tb(tag), acme(tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"))), lab(tb, dir.path()),
          pc1(lab.add_pc(acme, "pc1", ip("192.168.1.21"))) {
        tb.connect_port(acme);
        NetconfOptions options{.ssh = lab.netconf_ssh()};
        options.client_extra["acme"] =
            std::string(ghost ? "[[host]]\nname = \"ghost\"\nmac = \"02:00:00:00:de:ad\"\nip = \"192.168.1.99\"\n"
                                "os = \"linux\"\n\n"
                              : "") +
            "[maintenance]\ntasks = [\"disk-health\"]\nshutdown = \"never\"\n";
        const auto custode = provision(tb, dir.path() / "netconf", options);
        netconf = custode.netconf;
        CHECK(custode({"enroll", "acme"}).exit_code == (ghost ? 1 : 0));  // the ghost never answers
    }

    void add_notify(const std::string& toml) const {
        std::ofstream(netconf / "site.toml", std::ios::app) << "\n[notify]\n" << toml;
    }

    /// `custode --json maintain --scheduled` in the gateway (inside `mail`'s mount namespace when given).
    CommandResult scheduled(const MailLab* mail) {
        std::vector<std::string> argv{CUSTODE_BINARY, "--netconf", netconf.string(), "--json", "maintain",
                                      "--scheduled", "--wake-wait", "3"};
        // Confined as custode-maintain.service confines it: its capability
        // bounding set must be enough for the night and for exim.
        argv.insert(argv.begin(), confinement.begin(), confinement.end());
        const auto result = tb.in_gateway(mail ? mail->wrap(argv) : argv);
        UNSCOPED_INFO("$ custode maintain --scheduled\n-> exit " << result.exit_code << "\n" << result.output);
        return result;
    }
};

const nlohmann::json& notification(const nlohmann::json& run, const std::string& channel) {
    for (const auto& sent : run.at("notifications"))
        if (sent.at("channel") == channel) return sent;
    FAIL("no " << channel << " notification in " << run.dump(2));
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("notify: a scheduled night with one problem is mailed by exim to a local mailbox and posted to a webhook",
          "[notify]") {
    require_root();
    NotifyNight night("notify-night", true);
    MailLab mail(night.dir.path() / "exim", false);
    WebhookReceiver receiver(night.tb, night.dir.path());
    night.add_notify(fmt::format("mail_to = [\"tech@example.org\", \"root\"]\nwebhook = {}\n",
                                 toml_string(receiver.url())));

    const auto ran = night.scheduled(&mail);
    CHECK(ran.exit_code == 1);  // the ghost did not wake: the night's own verdict
    const auto run = json_of(ran.output);
    INFO(run.at("notifications").dump(2));
    const std::string subject = fmt::format("custode {}: 1 PC needs you — acme: ghost did not wake", night.tb.tag());
    CHECK(notification(run, "mail").at("ok") == true);
    CHECK(notification(run, "mail").at("target") == "tech@example.org, root");
    CHECK(notification(run, "webhook").at("ok") == true);
    CHECK(notification(run, "webhook").at("detail") == "HTTP 200");
    CHECK(notification(run, "webhook").at("target") == fmt::format("{}/…", receiver.url("")));  // no token
    CHECK(contains(ran.output, "notify: mail to tech@example.org, root: sent"));

    // Delivered by the real MTA, once to each address.
    const auto messages = mail.messages(2);
    REQUIRE(messages.size() == 2);
    std::set<std::string> envelopes;
    for (const auto& message : messages) {
        envelopes.insert(message.at("envelope_to").get<std::string>());
        CHECK(message.at("subject") == subject);
        CHECK(message.at("to") == "tech@example.org, root@gateway.custode-test.invalid");  // exim qualifies "root"
        CHECK(message.at("content_type") == "text/plain");
        CHECK(message.at("charset") == "utf-8");
        CHECK(message.at("auto_submitted") == "auto-generated");
        const auto body = message.at("body").get<std::string>();
        CHECK(contains(body, "  acme: 2 PCs, 1 needs you\n"));
        CHECK(contains(body, "  acme / ghost (192.168.1.99, 02:00:00:00:de:ad): did not wake\n"));
        CHECK(contains(body, run.at("report").get<std::string>()));
    }
    CHECK(envelopes == std::set<std::string>{"tech@example.org", "root@gateway.custode-test.invalid"});

    // The webhook: one POST of JSON with the same content.
    const auto requests = receiver.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].at("method") == "POST");
    CHECK(requests[0].at("path") == "/custode/SECRET-TOKEN");
    CHECK(requests[0].at("content_type") == "application/json");
    CHECK(contains(requests[0].at("user_agent").get<std::string>(), "custode/"));
    const auto body = nlohmann::json::parse(requests[0].at("body").get<std::string>());
    CHECK(body.at("subject") == subject);
    CHECK(body.at("run") == run.at("run"));
    CHECK(body.at("clients") == nlohmann::json::array({"acme: 2 PCs, 1 needs you"}));
    REQUIRE(body.at("problems").size() == 1);
    CHECK(body.at("problems").at(0).at("host") == "ghost");
    // The night's report, then the site overview written beside it.
    const auto report_page = std::filesystem::path(run.at("report").get<std::string>());
    CHECK(body.at("reports") ==
          nlohmann::json::array({report_page.string(), (report_page.parent_path() / "overview.html").string()}));
    CHECK(contains(body.at("text").get<std::string>(), subject));

    // The stored record keeps what was sent.
    const auto id = run.at("run").get<std::int64_t>();
    const auto report = json_of(Custode{night.tb, night.netconf}({"--json", "report", std::to_string(id)}).output);
    CHECK(report.dump().find("\"detail\":\"HTTP 200\"") != std::string::npos);
}

TEST_CASE("notify: a fine night sends nothing, and a run by hand never notifies", "[notify]") {
    require_root();
    NotifyNight night("notify-quiet", false);
    WebhookReceiver receiver(night.tb, night.dir.path());
    night.add_notify(fmt::format("webhook = {}\n", toml_string(receiver.url())));
    const auto ran = night.scheduled(nullptr);
    CHECK(ran.exit_code == 0);
    CHECK(json_of(ran.output).at("notifications").empty());
    const auto by_hand = Custode{night.tb, night.netconf}({"--json", "maintain", "acme"});
    CHECK(by_hand.exit_code == 0);
    CHECK(json_of(by_hand.output).at("notifications").empty());
    CHECK(receiver.requests().empty());
}

TEST_CASE("notify: a broken MTA and a refused webhook are logged, and the night's exit code stays 0", "[notify]") {
    require_root();
    NotifyNight night("notify-broken", false);
    MailLab mail(night.dir.path() / "exim", true);
    // Port 9 (discard) on the gateway's loopback: nothing listens, the connection is refused.
    night.add_notify("mail_to = [\"tech@example.org\"]\nwebhook = \"http://127.0.0.1:9/hook\"\nalways = true\n");
    const auto ran = night.scheduled(&mail);
    CHECK(ran.exit_code == 0);  // a fine night, however the message fared
    const auto run = json_of(ran.output);
    CHECK(run.at("ok") == true);
    const auto& sent_mail = notification(run, "mail");
    CHECK(sent_mail.at("ok") == false);
    CHECK(contains(sent_mail.at("detail").get<std::string>(), "sendmail exited 1"));
    const auto& posted = notification(run, "webhook");
    CHECK(posted.at("ok") == false);
    CHECK(contains(posted.at("detail").get<std::string>(), "127.0.0.1"));
    CHECK(contains(ran.output, "notify: mail to tech@example.org: FAILED: sendmail exited 1"));
    CHECK(contains(ran.output, "notify: webhook http://127.0.0.1:9/…: FAILED: "));
    // Recorded with the run.
    const auto id = run.at("run").get<std::int64_t>();
    const auto stored = json_of(Custode{night.tb, night.netconf}({"--json", "report", std::to_string(id)}).output);
    CHECK(stored.at("notifications").size() == 2);
}

TEST_CASE("notify: --notify-test reports no MTA, an HTTP error and a silent webhook, each bounded in time",
          "[notify]") {
    require_root();
    TempDir dir{"ctb-notify-test"};
    Testbed tb("notify-test");
    const auto netconf = dir.path() / "netconf";
    fs::create_directories(netconf / "clients");
    for (const char* sub : {"failing", "silent"}) fs::create_directories(dir.path() / sub);
    WebhookReceiver failing(tb, dir.path() / "failing", {"--status", "500"});
    WebhookReceiver silent(tb, dir.path() / "silent", {"--hang"});
    const auto run_test = [&](const std::string& webhook, bool no_mta) {
        std::ofstream(netconf / "site.toml") << fmt::format(
            "[site]\nname = \"lab\"\nstate = {}\n\n[notify]\nmail_to = [\"tech@example.org\"]\nwebhook = {}\n",
            toml_string((dir.path() / "state.db").string()), toml_string(webhook));
        std::vector<std::string> argv{CUSTODE_BINARY, "--netconf", netconf.string(), "--json", "maintain", "--notify-test"};
        if (no_mta) {  // an empty /usr/sbin in a mount namespace of its own: no sendmail at all
            argv.insert(argv.begin(), {"unshare", "--mount", "--propagation", "slave", "--", "sh", "-c",
                                       "mount -t tmpfs none /usr/sbin && exec \"$@\"", "sh"});
        }
        const auto result = tb.in_gateway(argv);
        UNSCOPED_INFO("$ custode maintain --notify-test\n-> exit " << result.exit_code << "\n" << result.output);
        return result;
    };

    const auto no_mta = run_test(failing.url(), true);
    CHECK(no_mta.exit_code == 1);
    const auto answer = json_of(no_mta.output);
    CHECK(answer.at("ok") == false);
    CHECK(contains(notification(answer, "mail").at("detail").get<std::string>(),
                   "/usr/sbin/sendmail: No such file or directory (install a mail transfer agent"));
    CHECK(notification(answer, "webhook").at("detail") == "HTTP 500: receiver says no");
    REQUIRE(failing.requests().size() == 1);
    CHECK(nlohmann::json::parse(failing.requests()[0].at("body").get<std::string>()).at("subject") ==
          "custode lab: test message");

    const auto started = std::chrono::steady_clock::now();
    const auto hung = run_test(silent.url(), true);
    const auto took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    WARN("a webhook that never answers was given up after " << took << " s (bound: 10 s)");
    CHECK(hung.exit_code == 1);
    CHECK(notification(json_of(hung.output), "webhook").at("detail") == "timed out after 10 s");
    CHECK(took < 30);
}
