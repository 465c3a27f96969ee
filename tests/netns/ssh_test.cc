/// SSH to client PCs (issue 5): the libssh adapter and `custode enroll`
/// against real OpenSSH servers on simulated PCs (testbed/ssh_pc.h), used
/// from inside the client namespace custode provisions, as maintenance will.

#include <catch2/catch.hpp>

#include <chrono>
#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <span>
#include <sstream>
#include <string>
#include <thread>

#include "custode/core/address.h"
#include "custode/os/digest.h"
#include "custode/os/netns.h"
#include "custode/os/ssh.h"
#include "netns/support.h"
#include "support/literals.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/ssh_pc.h"
#include "testbed/testbed.h"

namespace {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point start) {
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
}

/// ssh-keygen's own fingerprint of a public key file: "SHA256:...".
std::string keygen_fingerprint(const std::filesystem::path& public_key) {
    const auto output = run_checked({"ssh-keygen", "-l", "-E", "sha256", "-f", public_key.string()});
    std::istringstream words(output);
    std::string bits, fingerprint;
    words >> bits >> fingerprint;
    return fingerprint;
}

/// The site, the lab's SSH side and custode's netconf, provisioned: the
/// client namespace custode made is where the SSH connections start.
struct SshSite {
    Testbed tb;
    TempDir dir{"ctb-ssh"};
    Site& acme;
    SshLab lab;

    explicit SshSite(std::string_view tag)
        : tb(tag), acme(tb.site("acme", prefix("192.168.1.0/24"))), lab(tb, dir.path()) {
        tb.connect_port(acme);
    }

    Custode provision() {
        return custode::testing::provision(tb, dir.path() / "netconf", {.ssh = lab.netconf_ssh()});
    }

    std::string client_ns() const { return tb.custode_prefix() + "acme"; }

    os::SshOptions options(std::chrono::seconds connect_timeout = std::chrono::seconds(5)) const {
        os::SshOptions options;
        options.user = SshLab::user();
        options.identity = lab.identity().string();
        options.known_hosts = lab.known_hosts("acme").string();
        options.connect_timeout = connect_timeout;
        return options;
    }

    /// ssh_connect from inside the client's namespace.
    os::SshConnectResult connect(Ipv4Address address, const os::SshOptions& options) const {
        const auto ns = os::NamespaceFd::open_named(client_ns());
        return os::in_namespace(ns, [&] { return os::ssh_connect(address, options); });
    }
};

os::SshSession& session_of(os::SshConnectResult& result) {
    if (const auto* error = std::get_if<os::SshError>(&result)) FAIL("ssh_connect: " << error->message);
    return *std::get<std::unique_ptr<os::SshSession>>(result);
}

std::optional<os::SshFailure> failure_of(const os::SshConnectResult& result) {
    if (const auto* error = std::get_if<os::SshError>(&result)) {
        UNSCOPED_INFO("ssh_connect: " << error->message);
        return error->failure;
    }
    return std::nullopt;
}

const nlohmann::json& host_named(const nlohmann::json& document, const std::string& name) {
    for (const auto& host : document.at("hosts"))
        if (host.at("name") == name) return host;
    FAIL("no host " << name << " in " << document.dump());
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("ssh: enroll records new keys, says same on rerun, refuses a changed key unless --replace", "[ssh]") {
    require_root();
    SshSite site("ssh-enroll");
    SshPc& pc1 = site.lab.add_pc(site.acme, "pc1", ip("192.168.1.21"));
    SshPc& pc2 = site.lab.add_pc(site.acme, "pc2", ip("192.168.1.22"));
    const auto custode = site.provision();

    const auto first = custode({"--json", "enroll", "acme"});
    REQUIRE(first.exit_code == 0);
    auto document = json_of(first.output);
    CHECK(document.at("command") == "enroll");
    CHECK(document.at("ok") == true);
    CHECK(document.at("client") == "acme");
    for (SshPc* pc : {&pc1, &pc2}) {
        const auto& host = host_named(document, pc->name());
        CHECK(host.at("status") == "new");
        CHECK(host.at("ip") == pc->ip().to_string());
        CHECK(host.at("key_type") == "ssh-ed25519");
        CHECK(host.at("fingerprint") == keygen_fingerprint(pc->host_key().string() + ".pub"));
        CHECK(contains(read_file(site.lab.known_hosts("acme")), pc->ip().to_string() + " " + pc->host_public_key() + "\n"));
    }
    CHECK(std::filesystem::status(site.lab.known_hosts("acme")).permissions() ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));

    const auto again = custode({"enroll", "acme"});
    CHECK(again.exit_code == 0);
    CHECK(std::regex_search(again.output, std::regex("pc1 +192\\.168\\.1\\.21 +ssh-ed25519 SHA256:[A-Za-z0-9+/]{43} +same")));
    const auto recorded = read_file(site.lab.known_hosts("acme"));

    // The adapter trusts what enroll recorded.
    {
        auto connected = site.connect(pc1.ip(), site.options());
        CHECK(session_of(connected).run("echo ok", {}, std::chrono::seconds(5)).stdout_text == "ok\n");
    }

    pc1.regenerate_host_key();
    CHECK(failure_of(site.connect(pc1.ip(), site.options())) == os::SshFailure::host_key_changed);
    const auto changed = custode({"--json", "enroll", "acme"});
    CHECK(changed.exit_code == 1);
    document = json_of(changed.output);
    CHECK(document.at("ok") == false);
    CHECK(host_named(document, "pc1").at("status") == "changed");
    CHECK(host_named(document, "pc1").at("fingerprint") == keygen_fingerprint(pc1.host_key().string() + ".pub"));
    CHECK(host_named(document, "pc2").at("status") == "same");
    CHECK(read_file(site.lab.known_hosts("acme")) == recorded);

    const auto replaced = custode({"--json", "enroll", "acme", "pc1", "--replace"});
    CHECK(replaced.exit_code == 0);
    document = json_of(replaced.output);
    REQUIRE(document.at("hosts").size() == 1);
    CHECK(host_named(document, "pc1").at("status") == "replaced");
    CHECK(contains(read_file(site.lab.known_hosts("acme")), "192.168.1.21 " + pc1.host_public_key() + "\n"));
    CHECK(contains(read_file(site.lab.known_hosts("acme")), "192.168.1.22 " + pc2.host_public_key() + "\n"));
    CHECK(failure_of(site.connect(pc1.ip(), site.options())) == std::nullopt);

    // Without sshd: unreachable, exit 1, the others still enrolled.
    pc2.stop_sshd();
    const auto down = custode({"--json", "enroll", "acme", "--timeout", "2"});
    CHECK(down.exit_code == 1);
    CHECK(host_named(json_of(down.output), "pc2").at("status") == "unreachable");
    CHECK(host_named(json_of(down.output), "pc1").at("status") == "same");
}

TEST_CASE("ssh: run collects exit code and both streams, strict host keys, timeouts and unreachable PCs", "[ssh]") {
    require_root();
    SshSite site("ssh-run");
    SshPc& pc = site.lab.add_pc(site.acme, "pc1", ip("192.168.1.21"));
    SshPc& other = site.lab.add_pc(site.acme, "pc2", ip("192.168.1.22"));
    const auto custode = site.provision();

    // Unknown host: refused before authenticating, whether the file is
    // missing or lists only others.
    auto strict = site.options();
    strict.known_hosts = (site.dir.path() / "other_known_hosts").string();
    CHECK(failure_of(site.connect(pc.ip(), strict)) == os::SshFailure::host_key_unknown);
    os::record_known_host(strict.known_hosts, other.ip(), 22, {"ssh-ed25519", pc.host_public_key().substr(12), ""});
    CHECK(failure_of(site.connect(pc.ip(), strict)) == os::SshFailure::host_key_unknown);

    REQUIRE(custode({"enroll", "acme"}).exit_code == 0);

    SECTION("exit code, stdout, stderr; the home is the PC's own") {
        auto connected = site.connect(pc.ip(), site.options());
        auto& session = session_of(connected);
        const auto result = session.run("echo hi; echo err >&2; exit 3", {}, std::chrono::seconds(10));
        CHECK(result.exit_code == 3);
        CHECK(result.stdout_text == "hi\n");
        CHECK(result.stderr_text == "err\n");
        CHECK_FALSE(result.timed_out);
        const auto home = session.run("cd && pwd && id -u", {}, std::chrono::seconds(10));
        CHECK(home.exit_code == 0);
        CHECK(home.stdout_text == pc.home().string() + "\n0\n");
    }
    SECTION("output is bounded to its last bytes") {
        auto options = site.options();
        options.output_limit = 100;
        auto connected = site.connect(pc.ip(), options);
        const auto result = session_of(connected).run("seq 1 10000", {}, std::chrono::seconds(10));
        CHECK(result.exit_code == 0);
        CHECK(result.stdout_text.size() == 100);
        CHECK(result.stdout_text.ends_with("9999\n10000\n"));
    }
    SECTION("a command past its timeout: abandoned in time, its process tree killed on a new channel") {
        auto connected = site.connect(pc.ip(), site.options());
        auto& session = session_of(connected);
        const auto started = SteadyClock::now();
        const auto result = session.run("echo custode-pid $$ >&2; sleep 30 & sleep 30", {}, std::chrono::seconds(1));
        const auto took = seconds_since(started);
        CHECK(result.timed_out);
        CHECK_FALSE(result.exit_code);
        WARN("a command with a 1 s timeout was abandoned after " << took << " s");
        CHECK(took >= 1.0);
        CHECK(took < 15.0);  // not the 30 s the command would take
        std::smatch pid;
        REQUIRE(std::regex_search(result.stderr_text, pid, std::regex("custode-pid ([0-9]+)")));
        const auto sid = pid[1].str();
        const auto before = session.run("pgrep -c -s " + sid, {}, std::chrono::seconds(5));
        CHECK(before.exit_code == 0);  // the sleeps (and the shell, unless it exec'd the last one)
        const auto killed = session.run("pkill -KILL -s " + sid, {}, std::chrono::seconds(5));
        CHECK(killed.exit_code == 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        // Killed processes may linger as zombies until the machine's init reaps them.
        const auto after = session.run("pgrep --runstates RSD -s " + sid, {}, std::chrono::seconds(5));
        INFO("left: " << session.run("ps -o pid,stat,args -s " + sid, {}, std::chrono::seconds(5)).stdout_text);
        CHECK(after.exit_code == 1);  // nothing left
        CHECK(after.stdout_text.empty());
    }
    SECTION("a command that reads its input gets EOF at once, not the timeout") {
        // restic asks for a password on stdin when none is given: it must
        // fail there and then, not hang for the task's two hours.
        auto connected = site.connect(pc.ip(), site.options());
        const auto result = session_of(connected).run("cat; echo input-closed", {}, std::chrono::seconds(20));
        CHECK_FALSE(result.timed_out);
        CHECK(result.exit_code == 0);
        CHECK(result.stdout_text == "input-closed\n");
        WARN("a command reading stdin ended after " << result.seconds << " s");
    }
    SECTION("the input reaches the command whole, then EOF, whatever its size") {
        // A Windows script travels this way (never on the command line):
        // 3 MB is many SSH windows' worth.
        std::string input;
        for (int line = 0; input.size() < 3'000'000; ++line) input += fmt::format("line {} of the script\n", line);
        auto connected = site.connect(pc.ip(), site.options());
        const auto result = session_of(connected).run("sha256sum", input, std::chrono::seconds(60));
        CHECK_FALSE(result.timed_out);
        CHECK(result.exit_code == 0);
        const std::span bytes(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
        CHECK(result.stdout_text == os::sha256_hex(bytes) + "  -\n");
    }
    SECTION("keepalives keep a quiet command's session going") {
        auto options = site.options();
        options.keepalive = std::chrono::seconds(1);
        auto connected = site.connect(pc.ip(), options);
        const auto result = session_of(connected).run("sleep 2.5; echo done", {}, std::chrono::seconds(10));
        CHECK(result.exit_code == 0);
        CHECK(result.stdout_text == "done\n");
    }
    SECTION("no sshd: refused at once; powered off: unreachable within the connect timeout") {
        other.stop_sshd();
        auto started = SteadyClock::now();
        CHECK(failure_of(site.connect(other.ip(), site.options(std::chrono::seconds(60)))) == os::SshFailure::unreachable);
        const auto refused_after = seconds_since(started);
        WARN("no sshd: refused after " << refused_after << " s");
        CHECK(refused_after < 30.0);  // at once, not at the 60 s connect timeout
        other.power_off();
        started = SteadyClock::now();
        CHECK(failure_of(site.connect(other.ip(), site.options(std::chrono::seconds(2)))) == os::SshFailure::unreachable);
        const auto took = seconds_since(started);
        CHECK(took < 40.0);  // 2 s, or the kernel's ARP failure (about 3 s), whichever first: never a hang
        WARN("powered-off PC: unreachable after " << took << " s");
    }
    SECTION("a wrong key is refused") {
        const auto stranger = make_ssh_key(site.dir.path() / "stranger" / "id_ed25519");
        auto options = site.options();
        options.identity = stranger.private_key.string();
        CHECK(failure_of(site.connect(pc.ip(), options)) == os::SshFailure::auth_refused);
    }
}

TEST_CASE("ssh: a sleeping PC woken by custode wake answers over SSH and the test shutdown puts it back to sleep", "[ssh]") {
    require_root();
    SshSite site("ssh-wake");
    SshPc& pc = site.lab.add_pc(site.acme, "pc1", ip("192.168.1.21"), {.sleeping = true, .boot_delay = std::chrono::milliseconds(800)});
    const auto custode = site.provision();
    CHECK_FALSE(pc.sshd_running());
    os::record_known_host(site.lab.known_hosts("acme").string(), pc.ip(), 22, {"ssh-ed25519", pc.host_public_key().substr(12), ""});
    CHECK(failure_of(site.connect(pc.ip(), site.options(std::chrono::seconds(1)))) == os::SshFailure::unreachable);

    const auto wake_and_connect = [&] {
        const auto started = SteadyClock::now();
        REQUIRE(custode({"wake", "acme", "pc1", "--wait", "15"}).exit_code == 0);
        // ARP answers once the link is up; sshd follows within moments.
        os::SshConnectResult connected = os::SshError{os::SshFailure::unreachable, "not tried"};
        for (int i = 0; i < 30 && failure_of(connected); ++i) {
            connected = site.connect(pc.ip(), site.options(std::chrono::seconds(2)));
            if (failure_of(connected)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        WARN("woke and answered SSH after " << seconds_since(started) << " s");
        return connected;
    };

    auto connected = wake_and_connect();
    CHECK(pc.wakes() == 1);
    auto& session = session_of(connected);
    CHECK(session.run("echo awake", {}, std::chrono::seconds(5)).stdout_text == "awake\n");

    // The shutdown is delayed: the command returns while the PC is still up.
    const auto shutdown = session.run(pc.shutdown_command(), {}, std::chrono::seconds(60));
    CHECK(shutdown.exit_code == 0);
    WARN("the delayed shutdown command returned after " << shutdown.seconds << " s");
    CHECK(shutdown.seconds < 30.0);
    for (int i = 0; i < 50 && pc.sshd_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK_FALSE(pc.sshd_running());
    CHECK(failure_of(site.connect(pc.ip(), site.options(std::chrono::seconds(1)))) == os::SshFailure::unreachable);

    auto again = wake_and_connect();
    CHECK(pc.wakes() == 2);
    CHECK(session_of(again).run("echo back", {}, std::chrono::seconds(5)).stdout_text == "back\n");
}
