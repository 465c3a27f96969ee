/// The `updates` task on Linux (its script and how its output reads), its
/// netconf settings, and the per-task timeouts. The Windows script is tested
/// under PowerShell (tests/pwsh), the restart sequence in maintain_test.cc,
/// the netconf keys in netconf_test.cc.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "custode/core/tasks.h"

using namespace custode;
using namespace std::chrono_literals;

namespace {

TaskReading read_apt(int exit_code, std::string_view out, std::string_view err = "") {
    return read_task_result(HostOs::linux_, "updates", exit_code, out, err);
}

}  // namespace

TEST_CASE("updates on Linux: the script upgrades non-interactively, keeps local configuration and held packages",
          "[updates]") {
    TaskSettings settings;
    const auto command = task_command(HostOs::linux_, MaintenanceTask::updates, settings).command;
    CHECK(command.find("DEBIAN_FRONTEND=noninteractive") != std::string::npos);
    CHECK(command.find("--force-confold") != std::string::npos);
    CHECK(command.find("--force-confdef") != std::string::npos);
    CHECK(command.find("DPkg::Lock::Timeout=300") != std::string::npos);
    CHECK(command.find("allow-change-held") == std::string::npos);
    CHECK(command.find("\"$@\" upgrade") != std::string::npos);
    settings.apt_upgrade = AptUpgrade::dist_upgrade;
    CHECK(task_command(HostOs::linux_, MaintenanceTask::updates, settings).command.find("\"$@\" dist-upgrade") !=
          std::string::npos);
}

TEST_CASE("updates on Linux: upgraded and added packages, held ones and the restart request are read", "[updates]") {
    const auto reading = read_apt(0, "custode-held firefox-esr\n"
                                     "custode-upgraded libc6:amd64 2.36-9 2.36-9+deb12u4\n"
                                     "custode-upgraded openssl:amd64 3.0.11-1 3.0.13-1\n"
                                     "custode-added linux-image-6.1.0-18-amd64:amd64 6.1.76-1\n"
                                     "custode-reboot-required yes\n"
                                     "custode-reboot-package libc6\n"
                                     "custode-reboot-package linux-image-6.1.0-18-amd64\n");
    CHECK(reading.status == TaskStatus::ok);
    CHECK(reading.summary == "2 packages upgraded, 1 added; restart needed");
    CHECK(reading.findings == std::vector<std::string>{"held: firefox-esr"});
    CHECK(reading.reboot_required);
    REQUIRE(reading.updates.size() == 3);
    CHECK(reading.updates[0] == UpdateItem{"libc6:amd64", "", "2.36-9", "2.36-9+deb12u4", true, true, "installed"});
    CHECK_FALSE(reading.updates[1].reboot_required);
    CHECK(reading.updates[2].from.empty());
    CHECK(reading.updates[2].reboot_required);
    CHECK(reboot_request(reading.updates) ==
          std::vector<std::string>{"libc6:amd64", "linux-image-6.1.0-18-amd64:amd64"});
}

TEST_CASE("updates on Linux: nothing pending is up to date, a held dpkg lock and apt errors fail with apt's words",
          "[updates]") {
    const auto fine = read_apt(0, "custode-reboot-required no\n");
    CHECK(fine.status == TaskStatus::ok);
    CHECK(fine.summary == "up to date");
    CHECK_FALSE(fine.reboot_required);

    const auto locked = read_apt(100, "custode-reboot-required no\n",
                                 "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 (unattended-upgr)\n"
                                 "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?\n");
    CHECK(locked.status == TaskStatus::failed);
    CHECK(locked.summary == "dpkg is locked by another process (waited 300 s); up to date");
    CHECK(locked.findings.size() == 2);

    const auto broken = read_apt(100, "custode-upgraded bash:amd64 5.2.15-2 5.2.15-2+b2\ncustode-reboot-required no\n",
                                 "W: something\nE: Sub-process /usr/bin/dpkg returned an error code (1)\n");
    CHECK(broken.status == TaskStatus::failed);
    CHECK(broken.summary == "apt-get failed (exit 100): E: Sub-process /usr/bin/dpkg returned an error code (1); "
                            "1 package upgraded");
    CHECK(broken.updates.size() == 1);  // what dpkg changed before it failed

    CHECK(read_apt(127, "", "apt-get not found: the updates task needs Debian or Ubuntu\n").status == TaskStatus::error);
    // Cut short before its last line: not read as a success.
    CHECK(read_apt(0, "custode-upgraded bash:amd64 1 2\n").status == TaskStatus::error);
    // Lines of another shape are not trusted.
    const auto odd = read_apt(0, "custode-upgraded only-two\ncustode-reboot-required yes please\ncustode-reboot-required no\n");
    CHECK(odd.updates.empty());
    CHECK_FALSE(odd.reboot_required);
}

TEST_CASE("updates: the restart commands never force, and exit 10 naming who is logged on", "[updates]") {
    const TaskSettings settings;
    const auto linux_reboot = reboot_command(HostOs::linux_, settings);
    CHECK(linux_reboot.task == "reboot");
    CHECK(linux_reboot.command.find("who") != std::string::npos);
    CHECK(linux_reboot.command.find("exit 10") != std::string::npos);
    CHECK(linux_reboot.command.find("systemctl reboot") != std::string::npos);
    const auto windows_reboot = reboot_command(HostOs::windows, settings);
    CHECK(windows_reboot.input.size() > 0);  // the script goes on stdin
    TaskSettings overridden;
    overridden.commands["reboot"] = "sim-reboot";
    CHECK(reboot_command(HostOs::linux_, overridden).command.ends_with("sim-reboot"));
    CHECK(read_task_result(HostOs::linux_, "reboot", 0, "", "").summary == "reboot scheduled");
}

TEST_CASE("per-task timeouts: a task's own entry, else task_timeout, else two hours", "[updates]") {
    TaskSettings settings;
    CHECK(task_timeout_of(settings, "updates") == 7200s);
    settings.task_timeout = 600;
    CHECK(task_timeout_of(settings, "updates") == 600s);
    settings.task_timeouts["updates"] = 14400;
    CHECK(task_timeout_of(settings, "updates") == 14400s);
    CHECK(task_timeout_of(settings, "antivirus") == 600s);
    CHECK(task_command(HostOs::linux_, MaintenanceTask::updates, settings).timeout == 14400s);
    TaskSettings host;
    host.task_timeouts["updates"] = 60;
    const auto merged = TaskSettings::merge(settings, host);
    CHECK(merged.task_timeouts.at("updates") == 60);
}
