/// A night on Windows-like PCs in the testbed (docs/tasks.md, "A Windows-like
/// PC in the testbed"): each PC is a namespace with a real sshd whose login
/// shell puts the mock of Windows on PATH, so `powershell.exe` is pwsh with
/// the mock module, taskkill really ends a process tree, shutdown.exe powers
/// the simulated PC off, and restic.exe is the real restic, backing up over
/// sftp into the lab's repository. custode reaches them exactly as it reaches
/// a real Windows PC: the same command lines, the script on stdin, the same
/// readings.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <optional>
#include <thread>

#include "custode/core/command_text.h"
#include "mock_pc.h"
#include "netns/support.h"
#include "support/literals.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/backup_server.h"
#include "testbed/ssh_pc.h"
#include "testbed/testbed.h"

namespace windows_night_test {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
using custode::pwsh_testing::MockPc;
namespace fs = std::filesystem;

bool process_alive(long pid) { return fs::exists(fs::path("/proc") / std::to_string(pid)); }

/// The reception's task_timeout, seconds: its Defender scan (307 s) outlasts it.
constexpr int reception_task_timeout = 45;

/// acme with two Windows-like PCs: `office` on, Maria logged on, EICAR on it;
/// `reception` asleep, its Defender scan longer than its task_timeout.
struct WindowsNight {
    TempDir dir{"ctb-winnight"};
    MockPc office_pc{"night-office"};
    MockPc reception_pc{"night-reception"};
    Testbed tb;
    testbed::Site& acme;
    SshLab lab;
    std::optional<BackupServer> backups;
    SshPc* office = nullptr;
    SshPc* reception = nullptr;
    std::optional<Custode> custode;

    explicit WindowsNight(std::string_view tag)
        : tb(tag), acme(tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"))), lab(tb, dir.path()) {
        tb.connect_port(acme);
        // A login shell is read only when a session starts: written once the PC names its shutdown.
        office = &lab.add_pc(acme, "office", ip("192.168.1.31"), {.login_shell = office_pc.login_shell()});
        reception = &lab.add_pc(acme, "reception", ip("192.168.1.32"),
                                {.sleeping = true,
                                 .boot_delay = std::chrono::milliseconds(800),
                                 .login_shell = reception_pc.login_shell()});
        office_pc.write_login_shell(office->shutdown_command());
        reception_pc.write_login_shell(reception->shutdown_command());
        office_pc.use_real_restic();
        reception_pc.use_real_restic();

        // The lab's repository lives in the client's namespace: started once custode made it.
        const auto backup_dir = dir.path() / "backups";
        NetconfOptions options{.ssh = lab.netconf_ssh(), .declare_light_hosts = false};
        options.client_extra["acme"] = fmt::format(
            "[maintenance]\ntasks = [\"antivirus\", \"disk-health\", \"disk-optimize\", \"backup\", \"empty-trash\"]\n"
            "shutdown = \"all\"\nbackup_repository = {}\nbackup_password_file = {}\n",
            toml_string(fmt::format("sftp:root@{}:{}", acme.lan_address.address().to_string(),
                                    (backup_dir / "repository").string())),
            toml_string((backup_dir / "password").string()));
        for (SshPc* pc : {office, reception}) {
            options.host_os[pc->name()] = "windows";
            std::ofstream(pc->home() / "offer.docx") << "offer from " << pc->name() << "\n";
            options.host_extra[pc->name()] = fmt::format(
                "[host.maintenance]\nbackup_sources = [{}, \"\\\\\\\\nas\\\\scans\"]\n{}", toml_string(pc->home().string()),
                // Long enough for every other task of the reception even when
                // pwsh starts slowly on a loaded machine (10 s was not, under load 10).
                pc == reception ? fmt::format("task_timeout = {}\n", reception_task_timeout) : "");
        }
        custode.emplace(provision(tb, dir.path() / "netconf", options));
        backups.emplace(tb.custode_prefix() + "acme", acme.lan_address.address(), backup_dir);
        for (SshPc* pc : {office, reception}) backups->give_access(*pc);
        // Enrolling sees every PC that is on; the reception sleeps, so wake it once for its key.
        reception->power_on();
        REQUIRE((*custode)({"enroll", "acme"}).exit_code == 0);
        reception->power_off();
    }
};

}  // namespace windows_night_test

using namespace windows_night_test;

TEST_CASE("a night on Windows-like PCs: woken, scanned, checked, optimized, backed up, emptied, killed at its timeout "
          "with nothing left, shut down or left on for a logged-on user",
          "[pwsh][windows][night]") {
    custode::pwsh_testing::pwsh_or_skip();
    require_root();
    WindowsNight night("win-night");
    const auto ran = (*night.custode)({"--json", "maintain", "acme", "--wake-wait", "6", "--ssh-wait", "10",
                                       "--off-wait", "15"});
    CHECK(ran.exit_code == 1);  // EICAR on the office PC, the reception's scan killed
    const auto run = json_of(ran.output);
    INFO("office calls:\n" << night.office_pc.calls() << "\nreception calls:\n" << night.reception_pc.calls());

    const auto& office = host_in(run, "office");
    CHECK(office.at("power") == "was_on");
    CHECK(office.at("reached") == true);
    CHECK(task_in(office, "antivirus").at("status") == "failed");
    CHECK(contains(task_in(office, "antivirus").at("findings").dump(), "eicar.com"));
    CHECK(task_in(office, "disk-health").at("status") == "ok");
    CHECK(task_in(office, "disk-health").at("summary") == "2 disks, 2 volumes healthy");
    CHECK(task_in(office, "disk-optimize").at("status") == "ok");
    CHECK(contains(task_in(office, "disk-optimize").at("findings").dump(), "D: HDD defrag: fragmentation 18% -> 2%"));
    CHECK(task_in(office, "backup").at("status") == "warning");  // the share skipped, the rest backed up
    CHECK(contains(task_in(office, "backup").at("findings").dump(), "network path over a key login"));
    CHECK(task_in(office, "empty-trash").at("status") == "ok");
    CHECK(task_in(office, "empty-trash").at("summary") == "1 item removed from the recycle bins of 1 drive");
    CHECK(office.at("shutdown") == "user_logged_on");
    CHECK(office.at("logged_on") == nlohmann::json::array({"maria"}));
    CHECK(night.office->powered());
    CHECK(night.office_pc.calls().find("shutdown.exe") == std::string::npos);

    const auto& reception = host_in(run, "reception");
    CHECK(reception.at("power") == "woken");
    CHECK(task_in(reception, "antivirus").at("status") == "timeout");
    const double killed_after = task_in(reception, "antivirus").at("seconds").get<double>();
    WARN("the reception's 307 s scan, task_timeout = " << reception_task_timeout << ", was stopped after "
                                                         << killed_after << " s");
    CHECK(killed_after >= reception_task_timeout);
    CHECK(killed_after < reception_task_timeout + 50);
    // Nothing of it left: the script's tree (taskkill /T) and the scan Defender
    // ran outside that tree (MpCmdRun -Scan -Cancel).
    const auto calls = night.reception_pc.calls();
    CHECK(contains(calls, "MpCmdRun.exe -Scan -Cancel"));
    std::ifstream scan_pid_file(night.reception_pc.dir() / "defender-scan.pid");
    long scan_pid = 0;
    REQUIRE(scan_pid_file >> scan_pid);
    CHECK_FALSE(process_alive(scan_pid));
    const auto killed = calls.find("taskkill /T /F /PID ");
    REQUIRE(killed != std::string::npos);
    CHECK_FALSE(process_alive(std::stol(calls.substr(killed + 20))));
    for (const char* task : {"disk-health", "disk-optimize", "empty-trash"})
        CHECK(task_in(reception, task).at("status") == "ok");
    CHECK(task_in(reception, "backup").at("status") == "warning");
    CHECK(reception.at("shutdown") == "confirmed_off");
    CHECK(contains(calls, "shutdown.exe /s /t 0"));
    CHECK_FALSE(night.reception->powered());

    // Real snapshots of both PCs' folders crossed the circuit into the lab.
    auto paths = night.backups->snapshot_paths();
    std::sort(paths.begin(), paths.end());
    CHECK(paths == std::vector<std::string>{night.office->home().string(), night.reception->home().string()});

    const auto id = run.at("run").get<std::int64_t>();
    const auto html = night.dir.path() / "night.html";
    CHECK((*night.custode)({"report", std::to_string(id), "--html", html.string()}).exit_code == 0);
    std::ifstream page(html);
    const std::string text((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
    CHECK(contains(text, "maria"));
    CHECK(contains(text, fmt::format("killed after {} s", reception_task_timeout)));
}

TEST_CASE("a dry run on a Windows-like PC: elevated, every program there, the repository answers, nothing changed",
          "[pwsh][windows][night]") {
    custode::pwsh_testing::pwsh_or_skip();
    require_root();
    WindowsNight night("win-dry");
    const auto ran = (*night.custode)({"--json", "maintain", "acme", "--dry-run"});
    const auto run = json_of(ran.output);
    CHECK(ran.exit_code == 1);  // the sleeping reception is not reached in a dry run
    const auto& office = host_in(run, "office");
    for (const char* task : {"antivirus", "disk-health", "disk-optimize", "backup", "empty-trash"}) {
        INFO(task);
        CHECK(task_in(office, task).at("status") == "ok");
        CHECK(task_in(office, task).at("summary") == "ready");
    }
    CHECK(contains(night.office_pc.calls(), "restic.exe --no-lock cat config"));
    CHECK(night.office_pc.calls().find("Start-MpScan") == std::string::npos);
    CHECK(fs::exists(night.office_pc.drive_path("C/$Recycle.Bin/S-1-5-21-3623811015-3361044348-30300820-1001/$RA1B2C3.docx")));
    CHECK(night.backups->snapshot_paths().empty());
    CHECK(night.reception->wakes() == 0);
}

TEST_CASE("a patching night on a Windows-like PC: woken, updates installed, restarted in the middle, back with its "
          "host key, updates finished, the other tasks, shut down",
          "[pwsh][windows][night][updates]") {
    custode::pwsh_testing::pwsh_or_skip();
    require_root();
    TempDir dir("ctb-winupdates");
    MockPc ws_pc("updates-pending");
    Testbed tb("win-upd");
    testbed::Site& acme = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
    SshLab lab(tb, dir.path());
    tb.connect_port(acme);
    SshPc& ws = lab.add_pc(acme, "ws", ip("192.168.1.41"),
                           {.sleeping = true, .boot_delay = std::chrono::milliseconds(800),
                            .login_shell = ws_pc.login_shell()});
    // After the restart Windows Update has nothing left but what failed: the restart swaps the PC's state.
    auto after = nlohmann::json::parse(std::ifstream(ws_pc.dir() / "pc.json"));
    auto& pending = after.at("windows_update").at("updates");
    pending = nlohmann::json::array();
    std::ofstream(dir.path() / "after-restart.json") << after.dump();
    ws_pc.write_login_shell(ws.shutdown_command(),
                            ws.reboot_command(std::chrono::seconds(6),
                                              fmt::format("cp {} {}", shell_quote((dir.path() / "after-restart.json").string()),
                                                          shell_quote((ws_pc.dir() / "pc.json").string()))));
    NetconfOptions options{.ssh = lab.netconf_ssh(), .declare_light_hosts = false};
    options.host_os["ws"] = "windows";
    options.client_extra["acme"] = "[maintenance]\ntasks = [\"updates\", \"empty-trash\"]\nshutdown = \"woken\"\n";
    const auto custode = provision(tb, dir.path() / "netconf", options);
    ws.power_on();
    REQUIRE(custode({"enroll", "acme"}).exit_code == 0);
    ws.power_off();

    const auto ran = custode({"--json", "maintain", "acme", "--wake-wait", "6", "--ssh-wait", "15", "--off-wait", "15",
                              "--reboot-wait", "30"});
    INFO("calls:\n" << ws_pc.calls());
    CHECK(ran.exit_code == 0);
    const auto run = json_of(ran.output);
    const auto& host = host_in(run, "ws");
    CHECK(host.at("power") == "woken");
    CHECK(host.at("reboot") == "rebooted");
    const auto& tasks = host.at("tasks");
    REQUIRE(tasks.size() == 3);
    CHECK(tasks[0].at("task") == "updates");
    CHECK(tasks[0].at("status") == "warning");  // one of them failed to install
    CHECK(tasks[0].at("reboot_required") == true);
    CHECK(contains(tasks[0].at("summary").get<std::string>(), "restart needed"));
    CHECK(contains(tasks[0].at("updates").dump(), "KB5034441"));
    CHECK(tasks[1].at("task") == "updates");
    CHECK(tasks[1].at("summary") == "up to date");
    CHECK(tasks[2].at("task") == "empty-trash");
    CHECK(tasks[2].at("status") == "ok");
    CHECK(host.at("shutdown") == "confirmed_off");
    const auto calls = ws_pc.calls();
    const auto restart = calls.find("shutdown.exe /r /t 0");
    CHECK(restart != std::string::npos);
    CHECK(calls.find("shutdown.exe /s /t 0") > restart);
    CHECK_FALSE(ws.powered());
}
