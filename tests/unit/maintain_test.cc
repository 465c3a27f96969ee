/// The nightly sequence on a fake system: which PCs are woken, reached,
/// worked on and shut down, and what the record says when things go wrong.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include <fmt/format.h>

#include "custode/app/maintain.h"
#include "custode/core/run_record_json.h"
#include "custode/os/run_store.h"
#include "support/temp_dir.h"

using namespace custode;
using namespace std::chrono_literals;

namespace {

/// How one PC behaves on the fake LAN.
struct FakePc {
    Ipv4Address ip;
    bool awake = false;        ///< answers the scan
    bool wakes = true;         ///< a magic packet brings it up
    bool powers_off = true;    ///< goes quiet after the shutdown command
    int unreachable_tries = 0; ///< connects refused before sshd listens
    std::optional<os::SshFailure> refuses;  ///< every connect fails so
    bool comes_back = true;        ///< answers ARP again after a restart
    int restarts = 0;              ///< wait_on calls for it: restarts seen through
    std::optional<os::SshFailure> refuses_after_restart;  ///< e.g. another host key
};

struct Shared {
    std::mutex mutex;
    std::map<std::string, FakePc> pcs;            ///< by MAC
    std::map<std::string, std::vector<std::string>> commands;  ///< by IP, in order
    std::map<std::string, int> connects;          ///< by IP
    std::vector<std::string> woken, scanned;
    std::function<os::SshCommandResult(const std::string&)> answer;
    std::atomic<int> open_sessions{0}, most_sessions{0};
    os::Clock::time_point now = os::Clock::time_point{} + 1h;
    BackupCare backup_care;                   ///< what care_for_backups answers
    std::vector<std::string> cared;           ///< the clients whose backups were cared for
    std::size_t commands_before_care = 0;     ///< PC commands sent when the care began
};

class FakeSession final : public os::SshSession {
public:
    FakeSession(Shared& shared, std::string ip) : shared_(shared), ip_(std::move(ip)) {
        const int open = ++shared_.open_sessions;
        int most = shared_.most_sessions;
        while (open > most && !shared_.most_sessions.compare_exchange_weak(most, open)) {}
    }
    ~FakeSession() override { --shared_.open_sessions; }

    /// The command and its input are recorded and answered as one text.
    os::SshCommandResult run(const std::string& command, const std::string& input, std::chrono::milliseconds) override {
        const auto text = sent_text(command, input);
        {
            const std::lock_guard lock(shared_.mutex);
            shared_.commands[ip_].push_back(text);
        }
        return shared_.answer(text);
    }

    static std::string sent_text(const std::string& command, const std::string& input) {
        return input.empty() ? command : command + "\n" + input;
    }

private:
    Shared& shared_;
    std::string ip_;
};

class FakeMaintenanceSystem final : public app::MaintenanceSystem {
public:
    explicit FakeMaintenanceSystem(Shared& shared) : shared_(shared) {}
    std::string link_problem_text;

    std::string link_problem(const Client&) override { return link_problem_text; }

    std::vector<app::LanHost> scan(const Client& client) override {
        const std::lock_guard lock(shared_.mutex);
        shared_.scanned.push_back(client.name.str());
        std::vector<app::LanHost> live;
        for (const auto& [mac, pc] : shared_.pcs)
            if (pc.awake) live.push_back({pc.ip, *MacAddress::parse(mac)});
        return live;
    }

    std::vector<app::WakeResult> wake(const Client&, const std::vector<app::WakeTarget>& targets,
                                      std::chrono::milliseconds) override {
        const std::lock_guard lock(shared_.mutex);
        std::vector<app::WakeResult> results;
        for (const auto& target : targets) {
            auto& pc = shared_.pcs.at(target.mac.to_string());
            shared_.woken.push_back(target.name);
            pc.awake = pc.wakes;
            results.push_back({target, pc.wakes, 1.5, pc.wakes ? std::optional(pc.ip) : std::nullopt});
        }
        return results;
    }

    std::vector<app::WakeResult> wait_on(const Client&, const std::vector<app::WakeTarget>& targets,
                                         std::chrono::milliseconds) override {
        const std::lock_guard lock(shared_.mutex);
        std::vector<app::WakeResult> results;
        for (const auto& target : targets) {
            auto& pc = shared_.pcs.at(target.mac.to_string());
            ++pc.restarts;
            results.push_back({target, pc.comes_back, 40, pc.comes_back ? std::optional(pc.ip) : std::nullopt});
        }
        return results;
    }

    os::SshConnectResult connect(const Client&, Ipv4Address ip) override {
        const std::lock_guard lock(shared_.mutex);
        ++shared_.connects[ip.to_string()];
        for (auto& [mac, pc] : shared_.pcs) {
            if (pc.ip != ip) continue;
            if (pc.refuses) return os::SshError{*pc.refuses, "refused by the fake"};
            if (pc.restarts > 0 && pc.refuses_after_restart)
                return os::SshError{*pc.refuses_after_restart, "refused by the fake after its restart"};
            if (pc.unreachable_tries > 0) {
                --pc.unreachable_tries;
                return os::SshError{os::SshFailure::unreachable, "connection refused"};
            }
            return std::make_unique<FakeSession>(shared_, ip.to_string());
        }
        return os::SshError{os::SshFailure::unreachable, "no such PC"};
    }

    std::vector<bool> wait_off(const Client&, const std::vector<app::LanHost>& hosts, std::chrono::milliseconds) override {
        const std::lock_guard lock(shared_.mutex);
        std::vector<bool> off;
        for (const auto& host : hosts) off.push_back(shared_.pcs.at(host.mac.to_string()).powers_off);
        return off;
    }

    BackupCare care_for_backups(const Client& client) override {
        const std::lock_guard lock(shared_.mutex);
        shared_.cared.push_back(client.name.str());
        for (const auto& [ip, sent] : shared_.commands) shared_.commands_before_care += sent.size();
        return shared_.backup_care;
    }

    os::Clock::time_point now() override {
        const std::lock_guard lock(shared_.mutex);
        return shared_.now;
    }
    void pause(std::chrono::milliseconds how_long) override {
        const std::lock_guard lock(shared_.mutex);
        shared_.now += how_long;
    }

private:
    Shared& shared_;
};

os::SshCommandResult exited(int code, std::string out = "", std::string err = "") {
    return {code, std::move(out), std::move(err), false, 0.5};
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

/// Overridden commands keep the fake's answers independent of the profiles.
TaskSettings test_commands() {
    TaskSettings settings;
    settings.commands = {{"antivirus", "fake-antivirus"}, {"backup", "fake-backup"}, {"shutdown", "fake-poweroff"}};
    return settings;
}

Client make_client(const std::vector<std::pair<std::string, std::string>>& hosts) {
    Client client{*ClientName::parse("acme"), "clients/acme.toml", "", PortLink{"p-acme"}, {}, 1500, {}, {}, {}};
    client.maintenance.tasks = {MaintenanceTask::antivirus};
    client.maintenance.settings = test_commands();
    for (const auto& [name, mac] : hosts) {
        HostSpec host;
        host.name = name;
        host.mac = *MacAddress::parse(mac);
        host.os = HostOs::linux_;
        client.hosts.push_back(host);
    }
    return client;
}

const std::string mac1 = "00:11:22:33:44:01", mac2 = "00:11:22:33:44:02", mac3 = "00:11:22:33:44:03";
const auto ip1 = *Ipv4Address::parse("192.168.1.21"), ip2 = *Ipv4Address::parse("192.168.1.22"),
           ip3 = *Ipv4Address::parse("192.168.1.23");

const HostRun& host_named(const ClientRun& run, std::string_view name) {
    const auto found = std::find_if(run.hosts.begin(), run.hosts.end(), [&](const HostRun& h) { return h.name == name; });
    REQUIRE(found != run.hosts.end());
    return *found;
}

struct Night {
    Shared shared;
    FakeMaintenanceSystem system{shared};
    app::MaintainOptions options;

    Night() {
        options.ssh_wait = 10s;
        options.ssh_retry = 2s;
        shared.answer = [](const std::string&) { return exited(0); };
    }
    ClientRun run(const Client& client) { return app::maintain_clients({&client}, system, options).front(); }
};

}  // namespace

TEST_CASE("the night: the awake PC is worked on and left on, the woken one shut down, the dead one reported",
          "[maintain]") {
    Night night;
    night.shared.pcs = {{mac1, {ip1, true}}, {mac2, {ip2, false}}, {mac3, {ip3, false, false}}};
    const auto client = make_client({{"pc1", mac1}, {"pc2", mac2}, {"pc3", mac3}});
    const auto run = night.run(client);

    CHECK(night.shared.woken == std::vector<std::string>{"pc2", "pc3"});
    const auto& pc1 = host_named(run, "pc1");
    CHECK(pc1.power == PowerOutcome::was_on);
    CHECK(pc1.reached);
    REQUIRE(pc1.tasks.size() == 1);
    CHECK(pc1.tasks[0].task == "antivirus");
    CHECK(pc1.tasks[0].status == TaskStatus::ok);
    CHECK(pc1.shutdown == ShutdownOutcome::not_requested);  // policy "woken": it was on before us

    const auto& pc2 = host_named(run, "pc2");
    CHECK(pc2.power == PowerOutcome::woken);
    CHECK(pc2.ip == "192.168.1.22");
    CHECK(pc2.shutdown == ShutdownOutcome::confirmed_off);
    const auto& sent = night.shared.commands.at("192.168.1.22");
    REQUIRE(sent.size() == 2);
    CHECK(contains(sent[0], "fake-antivirus"));
    CHECK(contains(sent[1], "fake-poweroff"));

    const auto& pc3 = host_named(run, "pc3");
    CHECK(pc3.power == PowerOutcome::did_not_wake);
    CHECK_FALSE(pc3.reached);
    CHECK(pc3.tasks.empty());
    CHECK(night.shared.connects.count("192.168.1.23") == 0);
    CHECK_FALSE(run.ok());
}

TEST_CASE("a task past its timeout is recorded as timeout and its announced process tree killed", "[maintain]") {
    Night night;
    night.shared.pcs = {{mac1, {ip1, true}}};
    night.shared.answer = [](const std::string& command) {
        if (contains(command, "fake-antivirus")) {
            os::SshCommandResult timed_out{{}, "", "custode-pid 4242\n", true, 2.0};
            timed_out.stderr_head = timed_out.stderr_text;  // as the session keeps it
            return timed_out;
        }
        return exited(0);
    };
    const auto client = make_client({{"pc1", mac1}});
    const auto run = night.run(client);
    const auto& pc1 = host_named(run, "pc1");
    REQUIRE(pc1.tasks.size() == 1);
    CHECK(pc1.tasks[0].status == TaskStatus::timeout);
    const auto& sent = night.shared.commands.at("192.168.1.21");
    REQUIRE(sent.size() == 2);
    CHECK(sent[1] == kill_command(HostOs::linux_, "antivirus", 4242).command);
    CHECK_FALSE(run.ok());
}

TEST_CASE("a task cut at the output cap is an error, not a timeout, and its announced process tree is killed",
          "[maintain]") {
    Night night;
    night.shared.pcs = {{mac1, {ip1, true}}};
    night.shared.answer = [](const std::string& command) {
        if (contains(command, "fake-antivirus")) {
            os::SshCommandResult cut{{}, "xxxx", "custode-pid 4242\n", false, 0.8};
            cut.output_cut = true;
            cut.stderr_head = "custode-pid 4242\n";
            cut.output_bytes = (16u << 20) + 1;
            return cut;
        }
        return exited(0);
    };
    const auto run = night.run(make_client({{"pc1", mac1}}));
    const auto& pc1 = host_named(run, "pc1");
    REQUIRE(pc1.tasks.size() == 1);
    CHECK(pc1.tasks[0].status == TaskStatus::error);
    CHECK_THAT(pc1.tasks[0].summary, Catch::Contains("16 MiB of output"));
    const auto& sent = night.shared.commands.at("192.168.1.21");
    REQUIRE(sent.size() == 2);
    CHECK(sent[1] == kill_command(HostOs::linux_, "antivirus", 4242).command);
    CHECK_FALSE(run.ok());
}

TEST_CASE("a task that flooded stderr is still killed by the pid line at the head of its stderr", "[maintain]") {
    Night night;
    night.shared.pcs = {{mac1, {ip1, true}}};
    night.shared.answer = [](const std::string& command) {
        if (contains(command, "fake-antivirus")) {
            // The tail (what output_limit keeps) lost the pid line long ago.
            os::SshCommandResult flooded{{}, "", "flood\nflood\n", true, 2.0};
            flooded.stderr_head = "custode-pid 77\nflood\n";
            return flooded;
        }
        return exited(0);
    };
    const auto run = night.run(make_client({{"pc1", mac1}}));
    const auto& pc1 = host_named(run, "pc1");
    REQUIRE(pc1.tasks.size() == 1);
    CHECK(pc1.tasks[0].status == TaskStatus::timeout);
    CHECK_THAT(pc1.tasks[0].summary, !Catch::Contains("never announced"));
    const auto& sent = night.shared.commands.at("192.168.1.21");
    REQUIRE(sent.size() == 2);
    CHECK(sent[1] == kill_command(HostOs::linux_, "antivirus", 77).command);
}

TEST_CASE("task outcomes come from the task's exit codes: clamscan's 1 is a finding", "[maintain]") {
    Night night;
    night.shared.pcs = {{mac1, {ip1, true}}};
    night.shared.answer = [](const std::string& command) {
        if (contains(command, "fake-antivirus")) return exited(1, "/home/a/eicar.com: Eicar-Test-Signature FOUND\n");
        return exited(0);
    };
    const auto client = make_client({{"pc1", mac1}});
    const auto run = night.run(client);
    const auto& pc1 = host_named(run, "pc1");
    REQUIRE(pc1.tasks.size() == 1);
    CHECK(pc1.tasks[0].status == TaskStatus::failed);
    CHECK(pc1.tasks[0].exit_code == 1);
    CHECK(contains(pc1.tasks[0].output, "eicar.com"));
}

TEST_CASE("a woken PC whose sshd is slow to start is retried until it answers", "[maintain]") {
    Night night;
    FakePc slow{ip1, false};
    slow.unreachable_tries = 3;
    night.shared.pcs = {{mac1, slow}};
    const auto client = make_client({{"pc1", mac1}});
    const auto run = night.run(client);
    const auto& pc1 = host_named(run, "pc1");
    CHECK(pc1.reached);
    CHECK(night.shared.connects.at("192.168.1.21") == 4);
}

TEST_CASE("an unreachable PC is given up after the SSH wait — a changed host key is not retried", "[maintain]") {
    Night night;
    FakePc never{ip1, true};
    never.unreachable_tries = 1000;
    FakePc changed{ip2, true};
    changed.refuses = os::SshFailure::host_key_changed;
    night.shared.pcs = {{mac1, never}, {mac2, changed}};
    const auto client = make_client({{"pc1", mac1}, {"pc2", mac2}});
    const auto run = night.run(client);
    CHECK(night.shared.connects.at("192.168.1.21") == 6);  // at 0, 2, ... 10 s of a 10 s wait
    CHECK(night.shared.connects.at("192.168.1.22") == 1);
    CHECK(contains(host_named(run, "pc2").error, "host_key_changed"));
    CHECK_FALSE(host_named(run, "pc1").reached);
    CHECK_FALSE(run.ok());
}

TEST_CASE("a client whose link is down is reported and not scanned", "[maintain]") {
    Night night;
    night.system.link_problem_text = "the circuit has no carrier";
    const auto client = make_client({{"pc1", mac1}});
    const auto run = night.run(client);
    CHECK(run.error == "the circuit has no carrier");
    CHECK(night.shared.scanned.empty());
    CHECK_FALSE(run.ok());
}

TEST_CASE("a dry run wakes nothing, shuts nothing down and only sends checks", "[maintain]") {
    Night night;
    night.options.dry_run = true;
    night.shared.pcs = {{mac1, {ip1, true}}, {mac2, {ip2, false}}};
    auto client = make_client({{"pc1", mac1}, {"pc2", mac2}});
    client.maintenance.shutdown = ShutdownPolicy::all;
    const auto run = night.run(client);
    CHECK(night.shared.woken.empty());
    const auto& sent = night.shared.commands.at("192.168.1.21");
    REQUIRE(sent.size() == 1);
    CHECK(contains(sent[0], "command -v"));
    CHECK(host_named(run, "pc1").tasks.at(0).summary == "ready");
    CHECK(host_named(run, "pc1").shutdown == ShutdownOutcome::not_requested);
    CHECK(contains(host_named(run, "pc2").error, "dry run"));
}

TEST_CASE("backups: a client with [backup] has its repository cared for once its PCs are done, and its outcome counts",
          "[maintain][backups]") {
    Night night;
    night.shared.pcs = {{mac1, {ip1, true}}, {mac2, {ip2, false}}};
    auto client = make_client({{"pc1", mac1}, {"pc2", mac2}});
    std::vector<std::string> progress;
    std::mutex progress_mutex;
    const auto tell = [&](const std::string& line) {
        const std::lock_guard hold(progress_mutex);
        progress.push_back(line);
    };

    SECTION("no [backup]: the lab leaves the repository alone") {
        const auto run = night.run(client);
        CHECK(night.shared.cared.empty());
        CHECK_FALSE(run.backup);
        CHECK(run.ok());
    }
    client.backup = BackupSpec{"/srv/custode-backups/acme", "/etc/custode/acme.restic", {}, 5};
    SECTION("after every PC's tasks and shutdown, and in the record") {
        night.shared.backup_care.listed = true;
        night.shared.backup_care.snapshots = 9;
        night.shared.backup_care.new_snapshots = 2;
        night.shared.backup_care.check = "check";
        const auto run = app::maintain_clients({&client}, night.system, night.options, tell).front();
        CHECK(night.shared.cared == std::vector<std::string>{"acme"});
        std::size_t sent = 0;
        for (const auto& [ip, commands] : night.shared.commands) sent += commands.size();
        CHECK(sent == 3);  // pc1's antivirus, pc2's antivirus and shutdown
        CHECK(night.shared.commands_before_care == sent);
        REQUIRE(run.backup);
        CHECK(run.backup->snapshots == 9);
        CHECK(run.ok());
        CHECK(std::find(progress.begin(), progress.end(),
                        "acme: backups: 9 snapshots (2 new), restic check passed") != progress.end());
    }
    SECTION("a failed care makes the client's night need attention, its PCs still ok") {
        night.shared.backup_care.error = "restic check: exit 1: Fatal: repository contains errors";
        const auto run = night.run(client);
        REQUIRE(run.backup);
        CHECK(host_named(run, "pc1").ok());
        CHECK(host_named(run, "pc2").ok());
        CHECK_FALSE(run.ok());
    }
    SECTION("a dry run changes nothing on the lab either") {
        night.options.dry_run = true;
        const auto run = night.run(client);
        CHECK(night.shared.cared.empty());
        CHECK_FALSE(run.backup);
    }
}

TEST_CASE("shutdown policies: all shuts down what was on, never leaves the woken on", "[maintain]") {
    SECTION("all") {
        Night night;
        night.shared.pcs = {{mac1, {ip1, true}}};
        auto client = make_client({{"pc1", mac1}});
        client.maintenance.shutdown = ShutdownPolicy::all;
        const auto run = night.run(client);
        CHECK(host_named(run, "pc1").shutdown == ShutdownOutcome::confirmed_off);
    }
    SECTION("never") {
        Night night;
        night.shared.pcs = {{mac1, {ip1, false}}};
        auto client = make_client({{"pc1", mac1}});
        client.maintenance.shutdown = ShutdownPolicy::never;
        const auto run = night.run(client);
    const auto& pc1 = host_named(run, "pc1");
        CHECK(pc1.power == PowerOutcome::woken);
        CHECK(pc1.shutdown == ShutdownOutcome::not_requested);
    }
    SECTION("a PC someone is logged on to is left on, naming them, and that is no failure") {
        Night night;
        night.shared.pcs = {{mac1, {ip1, false}}};
        night.shared.answer = [](const std::string& command) {
            if (!contains(command, "fake-poweroff")) return exited(0);
            return exited(shutdown_user_logged_on_exit,
                          R"({"shutdown":"skipped","reason":"user_logged_on","users":["maria","luca"]})" "\n",
                          "not shut down: logged on: maria, luca\n");
        };
        const auto run = night.run(make_client({{"pc1", mac1}}));
        const auto& pc1 = host_named(run, "pc1");
        CHECK(pc1.shutdown == ShutdownOutcome::user_logged_on);
        CHECK(pc1.logged_on == std::vector<std::string>{"maria", "luca"});
        CHECK(pc1.ok());
        CHECK(run.ok());
    }
    SECTION("shutdown_force sends the forced shutdown, the default one never is") {
        Night night;
        night.shared.pcs = {{mac1, {ip1, false}}};
        auto client = make_client({{"pc1", mac1}});
        client.maintenance.settings.commands.erase("shutdown");
        client.hosts[0].os = HostOs::windows;
        client.maintenance.shutdown_force = true;
        const auto forced = night.run(client);
        CHECK(host_named(forced, "pc1").shutdown == ShutdownOutcome::confirmed_off);
        const auto& sent = night.shared.commands[ip1.to_string()];
        REQUIRE_FALSE(sent.empty());
        const auto forced_command = shutdown_command(HostOs::windows, {}, ForceShutdown::yes);
        const auto default_command = shutdown_command(HostOs::windows, {});
        CHECK(sent.back() == FakeSession::sent_text(forced_command.command, forced_command.input));
        CHECK(sent.back() != FakeSession::sent_text(default_command.command, default_command.input));
    }
    SECTION("a shutdown that fails with another code is a failure") {
        Night night;
        night.shared.pcs = {{mac1, {ip1, false}}};
        night.shared.answer = [](const std::string& command) {
            return contains(command, "fake-poweroff") ? exited(1190, "", "already scheduled\n") : exited(0);
        };
        const auto run = night.run(make_client({{"pc1", mac1}}));
        CHECK(host_named(run, "pc1").shutdown == ShutdownOutcome::failed);
        CHECK_FALSE(run.ok());
    }
    SECTION("a PC that stays on after the command is reported still on") {
        Night night;
        FakePc stubborn{ip1, false};
        stubborn.powers_off = false;
        night.shared.pcs = {{mac1, stubborn}};
        const auto run = night.run(make_client({{"pc1", mac1}}));
        CHECK(host_named(run, "pc1").shutdown == ShutdownOutcome::still_on);
        CHECK_FALSE(run.ok());
    }
}

TEST_CASE("the --tasks option replaces each client's list, in its order", "[maintain]") {
    Night night;
    night.options.tasks = std::vector{MaintenanceTask::backup, MaintenanceTask::antivirus};
    night.shared.pcs = {{mac1, {ip1, true}}};
    const auto run = night.run(make_client({{"pc1", mac1}}));
    const auto& pc1 = host_named(run, "pc1");
    REQUIRE(pc1.tasks.size() == 2);
    CHECK(pc1.tasks[0].task == "backup");
    CHECK(pc1.tasks[1].task == "antivirus");
}

TEST_CASE("the concurrency limit holds over all clients", "[maintain]") {
    Night night;
    night.options.concurrency = 2;
    night.shared.answer = [](const std::string&) {
        std::this_thread::sleep_for(5ms);  // long enough for the workers to overlap
        return exited(0);
    };
    std::vector<std::pair<std::string, std::string>> hosts;
    for (int i = 1; i <= 8; ++i) {
        const auto mac = fmt::format("00:11:22:33:45:{:02x}", i);
        night.shared.pcs[mac] = {*Ipv4Address::parse(fmt::format("192.168.1.{}", 30 + i)), true};
        hosts.emplace_back(fmt::format("pc{}", i), mac);
    }
    const auto a = make_client(hosts);
    auto b = make_client(hosts);
    b.name = *ClientName::parse("bianchi");
    const auto runs = app::maintain_clients({&a, &b}, night.system, night.options);
    CHECK(runs.size() == 2);
    CHECK(night.shared.most_sessions == 2);
    for (const auto& run : runs) CHECK(run.ok());
}

namespace {

/// A run that a kill cut after it had woken pc2 (and sent pc3 a magic
/// packet): its `running` row as the run itself left it.
std::int64_t leave_interrupted_run(os::StateStore& store) {
    RunRecord cut;
    cut.site = "lab";
    cut.started = "2026-12-06T21:00:00Z";
    cut.id = os::begin_run(store, cut);
    ClientRun acme;
    acme.client = "acme";
    for (const auto& [name, mac, power] : {std::tuple{"pc2", mac2, PowerOutcome::woken},
                                           std::tuple{"pc3", mac3, PowerOutcome::did_not_wake}}) {
        HostRun host;
        host.name = name;
        host.mac = mac;
        host.power = power;
        acme.hosts.push_back(host);
    }
    cut.clients.push_back(acme);
    os::save_run_progress(store, cut);
    return cut.id;
}

}  // namespace

TEST_CASE("interrupted runs: the next run marks it interrupted and shuts down what it woke, never what was on",
          "[maintain]") {
    const custode::testing::TempDir dir("custode-interrupted");
    auto store = os::StateStore::open(dir / "state.db");
    const auto cut = leave_interrupted_run(store);
    Night night;
    // pc1 was on before either run; pc2 is still on since the cut run woke it; pc3 woke late.
    night.shared.pcs = {{mac1, {ip1, true}}, {mac2, {ip2, true}}, {mac3, {ip3, true}}};
    Netconf netconf;
    netconf.site.name = "lab";
    auto client = make_client({{"pc1", mac1}, {"pc2", mac2}, {"pc3", mac3}});
    std::vector<std::string> said;
    std::mutex said_mutex;  // progress comes from any thread: the PCs are worked on in parallel
    const auto progress = [&](const std::string& line) {
        const std::lock_guard lock(said_mutex);
        said.push_back(line);
    };

    SECTION("policy woken") {
        const auto run = app::recorded_run(netconf, store, night.system, {&client}, night.options, {dir.path(), {}},
                                           progress);
        const auto& acme = run.record.clients.at(0);
        CHECK(host_named(acme, "pc1").power == PowerOutcome::was_on);
        CHECK_FALSE(host_named(acme, "pc1").woken_by_run);
        CHECK(host_named(acme, "pc1").shutdown == ShutdownOutcome::not_requested);
        for (const char* name : {"pc2", "pc3"}) {
            INFO(name);
            CHECK(host_named(acme, name).power == PowerOutcome::was_on);  // on when this run began
            CHECK(host_named(acme, name).woken_by_run == cut);
            CHECK(host_named(acme, name).shutdown == ShutdownOutcome::confirmed_off);
        }
        CHECK(night.shared.woken.empty());
        CHECK(std::count(said.begin(), said.end(),
                         fmt::format("run {} was interrupted (killed, or cut by a reboot): marked so", cut)) == 1);

        const auto runs = os::list_runs(store, std::nullopt, 10);
        REQUIRE(runs.size() == 2);
        CHECK(runs[1].id == cut);
        CHECK(runs[1].status == "interrupted");
        CHECK(runs[1].finished.empty());
        CHECK(runs[0].status == "ok");
        const auto old = os::load_run(store, cut);
        REQUIRE(old);
        CHECK(old->interrupted);
        CHECK_FALSE(old->ok());
        CHECK(woken_macs(*old, "acme") == std::vector<std::string>{mac2, mac3});
        CHECK(to_json(*old).at("interrupted") == true);
        CHECK(run_record_from_json(to_json(run.record)).clients.at(0).hosts.at(1).woken_by_run == cut);

        // Marked once: the run after that finds nothing left running, and its own last run was not cut.
        said.clear();
        night.shared.pcs[mac2].awake = true;
        const auto again = app::recorded_run(netconf, store, night.system, {&client}, night.options, {dir.path(), {}},
                                             progress);
        CHECK(host_named(again.record.clients.at(0), "pc2").shutdown == ShutdownOutcome::not_requested);
        CHECK(std::none_of(said.begin(), said.end(), [](const std::string& line) { return contains(line, "interrupted"); }));
    }
    SECTION("policy never leaves them on") {
        client.maintenance.shutdown = ShutdownPolicy::never;
        const auto run = app::recorded_run(netconf, store, night.system, {&client}, night.options, {dir.path(), {}},
                                           progress);
        CHECK(host_named(run.record.clients.at(0), "pc2").woken_by_run == cut);
        CHECK(host_named(run.record.clients.at(0), "pc2").shutdown == ShutdownOutcome::not_requested);
        CHECK(os::list_runs(store, std::nullopt, 10).at(1).status == "interrupted");
    }
}

TEST_CASE("interrupted runs: a run keeps the PCs it wakes in its running row before it works on them", "[maintain]") {
    const custode::testing::TempDir dir("custode-wakes");
    auto store = os::StateStore::open(dir / "state.db");
    Night night;
    night.shared.pcs = {{mac1, {ip1, true}}, {mac2, {ip2, false}}, {mac3, {ip3, false, false}}};
    Netconf netconf;
    auto client = make_client({{"pc1", mac1}, {"pc2", mac2}, {"pc3", mac3}});
    std::optional<RunRecord> seen;  // the running row, read by another connection while the first task runs
    std::mutex seen_mutex;          // PCs' tasks run in parallel
    night.shared.answer = [&](const std::string&) {
        const std::lock_guard hold(seen_mutex);
        if (!seen) seen = os::load_run(os::StateStore::open(dir / "state.db"), 1);
        return exited(0);
    };
    SECTION("recorded while the run goes on") {
        app::recorded_run(netconf, store, night.system, {&client}, night.options, {dir.path(), {}});
        REQUIRE(seen);
        CHECK(os::list_runs(store, std::nullopt, 1).at(0).status == "problems");  // pc3 never woke
        REQUIRE(seen->clients.size() == 1);
        const auto& acme = seen->clients[0];
        REQUIRE(acme.hosts.size() == 2);  // not pc1: it was on
        CHECK(host_named(acme, "pc2").power == PowerOutcome::woken);
        CHECK(host_named(acme, "pc3").power == PowerOutcome::did_not_wake);
    }
    SECTION("named before the magic packets go out") {
        std::vector<ClientRun> told;
        app::maintain_clients({&client}, night.system, night.options, {}, [&](const ClientRun& run) { told.push_back(run); });
        REQUIRE(told.size() == 2);
        for (const auto& name : {"pc2", "pc3"}) CHECK(host_named(told[0], name).power == PowerOutcome::did_not_wake);
        CHECK(host_named(told[1], "pc2").power == PowerOutcome::woken);
        CHECK(host_named(told[1], "pc3").power == PowerOutcome::did_not_wake);
    }
}

TEST_CASE("interrupted runs: a PC a finished run woke and someone turned on again is left on", "[maintain]") {
    const custode::testing::TempDir dir("custode-finished");
    auto store = os::StateStore::open(dir / "state.db");
    Night night;
    night.shared.pcs = {{mac2, {ip2, false}}};
    Netconf netconf;
    auto client = make_client({{"pc2", mac2}});
    const auto first = app::recorded_run(netconf, store, night.system, {&client}, night.options, {dir.path(), {}});
    REQUIRE(host_named(first.record.clients.at(0), "pc2").power == PowerOutcome::woken);
    night.shared.pcs[mac2].awake = true;  // someone switched it on after the night
    const auto second = app::recorded_run(netconf, store, night.system, {&client}, night.options, {dir.path(), {}});
    const auto& pc2 = host_named(second.record.clients.at(0), "pc2");
    CHECK(pc2.power == PowerOutcome::was_on);
    CHECK_FALSE(pc2.woken_by_run);
    CHECK(pc2.shutdown == ShutdownOutcome::not_requested);
}

// ---- updates and the restart they need ----------------------------------------

namespace {

/// What the Linux profile's updates script prints when libc6 was upgraded and asks for a restart.
const std::string libc_needs_restart =
    "custode-upgraded libc6:amd64 2.36-9 2.36-9+deb12u4\ncustode-reboot-required yes\ncustode-reboot-package libc6\n";
const std::string nothing_to_do = "custode-reboot-required no\n";

/// A client whose PCs run `updates` then `antivirus`, with the fake's commands.
Client updating_client(const std::vector<std::pair<std::string, std::string>>& hosts) {
    auto client = make_client(hosts);
    client.maintenance.tasks = {MaintenanceTask::updates, MaintenanceTask::antivirus};
    client.maintenance.settings.commands["updates"] = "fake-updates";
    client.maintenance.settings.commands["reboot"] = "fake-reboot";
    return client;
}

/// The updates' answers in turn (the last one repeats); everything else exits 0.
std::function<os::SshCommandResult(const std::string&)> updates_answers(std::vector<std::string> outputs,
                                                                      std::function<os::SshCommandResult()> reboot = {}) {
    auto calls = std::make_shared<std::size_t>(0);
    return [=](const std::string& command) {
        if (contains(command, "fake-updates")) {
            const auto& out = outputs.at(std::min(*calls, outputs.size() - 1));
            ++*calls;
            return exited(0, out);
        }
        if (reboot && contains(command, "fake-reboot")) return reboot();
        return exited(0);
    };
}

std::vector<std::string> sent_words(const Night& night, const std::string& ip) {
    std::vector<std::string> words;
    for (const auto& text : night.shared.commands.at(ip))
        for (const auto* word : {"fake-updates", "fake-reboot", "fake-antivirus", "fake-poweroff"})
            if (contains(text, word)) words.emplace_back(word);
    return words;
}

}  // namespace

TEST_CASE("updates: a woken PC that needs a restart is restarted, runs updates again, then the other tasks and its shutdown",
          "[maintain][updates]") {
    Night night;
    night.shared.pcs = {{mac2, {ip2, false}}};
    night.shared.answer = updates_answers({libc_needs_restart, nothing_to_do});
    const auto run = night.run(updating_client({{"pc2", mac2}}));
    const auto& pc2 = host_named(run, "pc2");
    CHECK(sent_words(night, "192.168.1.22") ==
          std::vector<std::string>{"fake-updates", "fake-reboot", "fake-updates", "fake-antivirus", "fake-poweroff"});
    CHECK(pc2.reboot == RebootOutcome::rebooted);
    CHECK(contains(pc2.reboot_detail, "away"));
    REQUIRE(pc2.tasks.size() == 3);
    CHECK(pc2.tasks[0].reboot_required);
    REQUIRE(pc2.tasks[0].updates.size() == 1);
    CHECK(pc2.tasks[0].updates[0].id == "libc6:amd64");
    CHECK(pc2.tasks[0].updates[0].reboot_required);
    CHECK_FALSE(pc2.tasks[1].reboot_required);
    CHECK(pc2.shutdown == ShutdownOutcome::confirmed_off);
    CHECK(night.shared.pcs.at(mac2).restarts == 1);
    CHECK(run.ok());
}

TEST_CASE("updates: the same updates asking again after tonight's restart are a reboot loop, not a second restart",
          "[maintain][updates]") {
    Night night;
    night.shared.pcs = {{mac2, {ip2, false}}};
    night.shared.answer = updates_answers({libc_needs_restart});  // every time the same
    const auto run = night.run(updating_client({{"pc2", mac2}}));
    const auto& pc2 = host_named(run, "pc2");
    CHECK(pc2.reboot == RebootOutcome::reboot_loop);
    CHECK(sent_words(night, "192.168.1.22") ==
          std::vector<std::string>{"fake-updates", "fake-reboot", "fake-updates", "fake-antivirus", "fake-poweroff"});
    CHECK(night.shared.pcs.at(mac2).restarts == 1);
    CHECK(pc2.ok());  // the night went on; the loop is for the technician to read, not a failed night

    SECTION("other updates asking after the restart wait for the next night") {
        Night other;
        other.shared.pcs = {{mac2, {ip2, false}}};
        other.shared.answer = updates_answers(
            {libc_needs_restart, "custode-upgraded linux-image-amd64 6.1.1 6.1.2\ncustode-reboot-required yes\n"
                                 "custode-reboot-package linux-image-amd64\n"});
        const auto again = other.run(updating_client({{"pc2", mac2}}));
        CHECK(host_named(again, "pc2").reboot == RebootOutcome::pending);
        CHECK(other.shared.pcs.at(mac2).restarts == 1);
    }
}

TEST_CASE("updates: a PC found on is not restarted unless netconf says if_needed, and never with reboot = never",
          "[maintain][updates]") {
    Night night;
    night.shared.pcs = {{mac1, {ip1, true}}};
    night.shared.answer = updates_answers({libc_needs_restart, nothing_to_do});
    auto client = updating_client({{"pc1", mac1}});
    SECTION("default: someone may be using it") {
        const auto pc1_run = night.run(client);
        const auto& pc1 = host_named(pc1_run, "pc1");
        CHECK(pc1.reboot == RebootOutcome::pending);
        CHECK(contains(pc1.reboot_detail, "on before the night"));
        CHECK(sent_words(night, "192.168.1.21") == std::vector<std::string>{"fake-updates", "fake-antivirus"});
        CHECK(pc1.ok());
    }
    SECTION("reboot = if_needed") {
        client.maintenance.settings.reboot = RebootPolicy::if_needed;
        const auto pc1_run = night.run(client);
        const auto& pc1 = host_named(pc1_run, "pc1");
        CHECK(pc1.reboot == RebootOutcome::rebooted);
        CHECK(pc1.shutdown == ShutdownOutcome::not_requested);
    }
    SECTION("reboot = never on a woken PC") {
        night.shared.pcs[mac1].awake = false;
        client.maintenance.settings.reboot = RebootPolicy::never;
        const auto pc1_run = night.run(client);
        const auto& pc1 = host_named(pc1_run, "pc1");
        CHECK(pc1.reboot == RebootOutcome::pending);
        CHECK(pc1.reboot_detail == "reboot = never");
        CHECK(night.shared.pcs.at(mac1).restarts == 0);
    }
}

TEST_CASE("updates: a PC someone is logged on to is not restarted, and the night goes on with it", "[maintain][updates]") {
    Night night;
    night.shared.pcs = {{mac2, {ip2, false}}};
    night.shared.answer = updates_answers({libc_needs_restart},
                                          [] { return exited(shutdown_user_logged_on_exit, R"({"users":["maria"]})"); });
    const auto pc2_run = night.run(updating_client({{"pc2", mac2}}));
        const auto& pc2 = host_named(pc2_run, "pc2");
    CHECK(pc2.reboot == RebootOutcome::user_logged_on);
    CHECK(pc2.logged_on == std::vector<std::string>{"maria"});
    CHECK(pc2.reboot_detail == "not restarted: maria logged on");
    CHECK(night.shared.pcs.at(mac2).restarts == 0);
    CHECK(sent_words(night, "192.168.1.22") ==
          std::vector<std::string>{"fake-updates", "fake-reboot", "fake-antivirus", "fake-poweroff"});
    CHECK(pc2.ok());
}

TEST_CASE("updates: a restarted PC that does not come back is did_not_return, its other tasks listed as not run",
          "[maintain][updates]") {
    Night night;
    night.shared.pcs = {{mac2, {ip2, false}}};
    night.shared.pcs[mac2].comes_back = false;
    night.shared.answer = updates_answers({libc_needs_restart});
    const auto run = night.run(updating_client({{"pc2", mac2}}));
    const auto& pc2 = host_named(run, "pc2");
    CHECK(pc2.reboot == RebootOutcome::did_not_return);
    REQUIRE(pc2.tasks.size() == 2);
    CHECK(pc2.tasks[1].task == "antivirus");
    CHECK(pc2.tasks[1].status == TaskStatus::skipped);
    CHECK(pc2.shutdown == ShutdownOutcome::not_requested);
    CHECK(sent_words(night, "192.168.1.22") == std::vector<std::string>{"fake-updates", "fake-reboot"});
    CHECK_FALSE(pc2.ok());
    CHECK_FALSE(run.ok());
}

TEST_CASE("updates: after its restart a PC with another host key is refused, and one that never went down is a failed restart",
          "[maintain][updates]") {
    Night night;
    night.shared.pcs = {{mac2, {ip2, false}}};
    night.shared.answer = updates_answers({libc_needs_restart});
    SECTION("another host key") {
        night.shared.pcs[mac2].refuses_after_restart = os::SshFailure::host_key_changed;
        const auto pc2_run = night.run(updating_client({{"pc2", mac2}}));
        const auto& pc2 = host_named(pc2_run, "pc2");
        CHECK(pc2.reboot == RebootOutcome::failed);
        CHECK(contains(pc2.reboot_detail, "host_key_changed"));
        CHECK(contains(pc2.error, "host_key_changed"));
        CHECK_FALSE(pc2.ok());
    }
    SECTION("still answering ARP: it did not restart") {
        night.shared.pcs[mac2].powers_off = false;
        const auto pc2_run = night.run(updating_client({{"pc2", mac2}}));
        const auto& pc2 = host_named(pc2_run, "pc2");
        CHECK(pc2.reboot == RebootOutcome::failed);
        CHECK(contains(pc2.reboot_detail, "did not restart"));
        CHECK(night.shared.pcs.at(mac2).restarts == 0);
    }
    SECTION("a reboot channel that hangs is not waited on: ARP decides") {
        night.shared.answer = updates_answers({libc_needs_restart, nothing_to_do}, [] {
            return os::SshCommandResult{{}, "", "", true, 60.0};  // timed out, no exit status
        });
        const auto pc2_run = night.run(updating_client({{"pc2", mac2}}));
        const auto& pc2 = host_named(pc2_run, "pc2");
        CHECK(pc2.reboot == RebootOutcome::rebooted);
    }
    SECTION("a reboot command that fails") {
        night.shared.answer = updates_answers({libc_needs_restart}, [] { return exited(1, "", "systemctl: access denied"); });
        const auto pc2_run = night.run(updating_client({{"pc2", mac2}}));
        const auto& pc2 = host_named(pc2_run, "pc2");
        CHECK(pc2.reboot == RebootOutcome::failed);
        CHECK(contains(pc2.reboot_detail, "access denied"));
        CHECK(pc2.shutdown == ShutdownOutcome::confirmed_off);  // still up: the night went on and shut it down
    }
}

TEST_CASE("updates: a dry run never restarts", "[maintain][updates]") {
    Night night;
    night.options.dry_run = true;
    night.shared.pcs = {{mac1, {ip1, true}}};
    night.shared.answer = updates_answers({libc_needs_restart});
    const auto pc1_run = night.run(updating_client({{"pc1", mac1}}));
        const auto& pc1 = host_named(pc1_run, "pc1");
    CHECK(pc1.reboot == RebootOutcome::not_needed);
    CHECK(night.shared.pcs.at(mac1).restarts == 0);
}
