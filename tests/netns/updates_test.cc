/// Patching nights end to end (issue 18) on simulated Linux PCs: custode's
/// own updates script runs with PATH-first fakes of apt-get, apt-mark and
/// dpkg-query (never a real upgrade: the simulated PCs share this machine's
/// disk), in sessions whose /run is the PC's own directory, so the
/// /run/reboot-required the fake apt leaves is the PC's; the restart is the
/// testbed's (SshPc::reboot_command): sshd and eth0 down, then up again.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "custode/core/command_text.h"
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
namespace fs = std::filesystem;
using namespace std::chrono_literals;

void write(const fs::path& path, const std::string& text, bool executable = false) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    if (executable) fs::permissions(path, fs::perms::owner_all, fs::perm_options::add);
}

std::string read(const fs::path& path) {
    std::ostringstream text;
    text << std::ifstream(path).rdbuf();
    return text.str();
}

/// A Debian PC's packages as the fakes see them, in `dir`: `installed` and
/// `pending` hold "package:arch version" lines (pending ones may end in
/// " restart": installing them asks for a restart), `held` package names.
struct FakeApt {
    fs::path dir;

    FakeApt(const fs::path& pc_dir, const std::string& installed, const std::string& pending, const std::string& held)
        : dir(pc_dir / "apt") {
        write(dir / "installed", installed);
        write(dir / "pending", pending);
        write(dir / "held", held);
        const auto state = shell_quote(dir.string());
        write(bin() / "apt-get", fmt::format(R"sh(#!/bin/sh
# apt-get on a simulated PC: logs its arguments; upgrade installs what is pending but held packages.
state={}
echo "apt-get $*" >>"$state/calls.log"
for word; do case "$word" in update) exit 0 ;; upgrade|dist-upgrade) mode=$word ;; esac; done
[ -n "$mode" ] || {{ echo "E: fake apt-get: no command" >&2; exit 100; }}
while read -r package version restart; do
  grep -qx "${{package%%:*}}" "$state/held" && continue
  grep -v "^$package " "$state/installed" >"$state/next"; echo "$package $version" >>"$state/next"
  mv "$state/next" "$state/installed"
  echo "Unpacking $package ($version)" >&2
  [ "$restart" = restart ] && {{ touch /run/reboot-required; echo "${{package%%:*}}" >>/run/reboot-required.pkgs; }}
done <"$state/pending"
grep -f "$state/held" "$state/pending" >"$state/next"; mv "$state/next" "$state/pending"
exit 0
)sh", state), true);
        write(bin() / "dpkg-query", fmt::format("#!/bin/sh\nawk '{{ print $1, $2, \"ii \" }}' {}/installed\n", state), true);
        write(bin() / "apt-mark", fmt::format("#!/bin/sh\n[ \"$1\" = showhold ] && cat {}/held\n", state), true);
    }

    fs::path bin() const { return dir / "bin"; }
    std::string calls() const { return read(dir / "calls.log"); }
    std::string installed() const { return read(dir / "installed"); }
};

/// The login shell of a PC under updates: its own /run (a directory of the
/// PC's, bound over /run in the session's private mount namespace) and the
/// fakes first on PATH.
fs::path write_login_shell(const fs::path& pc_dir, const FakeApt& apt) {
    const auto run = pc_dir / "run";
    fs::create_directories(run / "sshd");  // for the sshd a restart starts from inside a session
    const auto shell = pc_dir / "login-shell";
    write(shell, fmt::format("#!/bin/sh\n# A Debian PC under updates: its own /run, the fakes of apt first on PATH.\n"
                             "exec unshare --mount sh -c 'mount --bind \"$0\" /run && PATH=\"$1:$PATH\" && shift && "
                             "exec /bin/sh \"$@\"' {} {} \"$@\"\n",
                             shell_quote(run.string()), shell_quote(apt.bin().string())),
          true);
    return shell;
}

constexpr const char* restart_clears = "rm -f /run/reboot-required /run/reboot-required.pkgs";

/// One sleeping Debian PC: what it has, what is pending, its login shell.
struct DebianPc {
    fs::path dir;
    FakeApt apt;
    SshPc* pc = nullptr;

    DebianPc(SshLab& lab, Site& site, const fs::path& scratch, const std::string& name, Ipv4Address address,
             bool sleeping = true)
        : dir(scratch / "pcs-extra" / name),
          apt(dir, "bash:amd64 5.2.15-2\nlibc6:amd64 2.36-9\nfirefox-esr:amd64 115.5.0esr-1\n",
              "bash:amd64 5.2.15-2+b2\nlibc6:amd64 2.36-9+deb12u4 restart\nfirefox-esr:amd64 115.6.0esr-1\n",
              "firefox-esr\n") {
        const auto shell = write_login_shell(dir, apt);
        pc = &lab.add_pc(site, name, address, {.sleeping = sleeping, .login_shell = shell});
    }
};

std::string host_toml(const SshPc& pc, const std::string& reboot) {
    return fmt::format("[host.maintenance.commands]\nshutdown = {}\nreboot = {}\n", toml_string(pc.shutdown_command()),
                       toml_string(reboot));
}

/// Enrolling needs every PC on once; sleeping ones go back to sleep.
void enroll(const Custode& custode, const std::vector<SshPc*>& sleeping) {
    for (auto* pc : sleeping) pc->power_on();
    REQUIRE(custode({"enroll", "acme"}).exit_code == 0);
    for (auto* pc : sleeping) pc->power_off();
}

}  // namespace

TEST_CASE("updates: a Debian PC is woken, upgraded, restarted in the middle of the night, and the night goes on",
          "[updates]") {
    require_root();
    const bool host_needed_restart = fs::exists("/run/reboot-required");
    TempDir dir("ctb-updates");
    Testbed tb("upd-night");
    Site& acme = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
    SshLab lab(tb, dir.path());
    DebianPc ws1(lab, acme, dir.path(), "ws1", ip("192.168.1.21"));
    tb.connect_port(acme);
    NetconfOptions options{.ssh = lab.netconf_ssh(), .declare_light_hosts = false};
    options.client_extra["acme"] = "[maintenance]\ntasks = [\"updates\", \"empty-trash\"]\nshutdown = \"woken\"\n";
    options.host_extra["ws1"] = host_toml(*ws1.pc, ws1.pc->reboot_command(6s, restart_clears));
    const auto custode = provision(tb, dir.path() / "netconf", options);
    enroll(custode, {ws1.pc});

    const auto ran = custode({"--json", "maintain", "acme", "--wake-wait", "10", "--ssh-wait", "15", "--off-wait", "15",
                              "--reboot-wait", "30"});
    CHECK(ran.exit_code == 0);
    const auto run = json_of(ran.output);
    const auto& host = host_in(run, "ws1");
    CHECK(host.at("power") == "woken");
    CHECK(host.at("reboot") == "rebooted");
    CHECK(contains(host.at("reboot_detail").get<std::string>(), "away"));
    const auto& tasks = host.at("tasks");
    REQUIRE(tasks.size() == 3);
    // Before the restart: two packages upgraded, the held one kept, libc6 asking for the restart.
    CHECK(tasks[0].at("task") == "updates");
    CHECK(tasks[0].at("status") == "ok");
    CHECK(tasks[0].at("summary") == "2 packages upgraded; restart needed");
    CHECK(tasks[0].at("reboot_required") == true);
    CHECK(tasks[0].at("findings") == nlohmann::json::array({"held: firefox-esr"}));
    const auto& updates = tasks[0].at("updates");
    REQUIRE(updates.size() == 2);
    CHECK(updates[0].at("id") == "bash:amd64");
    CHECK(updates[0].at("from") == "5.2.15-2");
    CHECK(updates[0].at("to") == "5.2.15-2+b2");
    CHECK(updates[1].at("id") == "libc6:amd64");
    CHECK(updates[1].at("reboot_required") == true);
    // After it: nothing left, no restart asked (the restart cleared /run), and the next task ran.
    CHECK(tasks[1].at("task") == "updates");
    CHECK(tasks[1].at("summary") == "up to date");
    CHECK(tasks[1].at("reboot_required") == false);
    CHECK(tasks[2].at("task") == "empty-trash");
    CHECK(tasks[2].at("status") == "ok");
    CHECK(host.at("shutdown") == "confirmed_off");

    const auto calls = ws1.apt.calls();
    CHECK(contains(calls, "-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef "
                          "-o Dpkg::Options::=--force-confold upgrade"));
    CHECK(contains(ws1.apt.installed(), "firefox-esr:amd64 115.5.0esr-1"));  // held stays held
    CHECK_FALSE(fs::exists(ws1.dir / "run/reboot-required"));
    CHECK(fs::exists("/run/reboot-required") == host_needed_restart);  // this machine's /run never touched
}

TEST_CASE("updates: after its restart a PC with another host key is refused, one that never returns is reported, "
          "one found on is left for the technician",
          "[updates]") {
    require_root();
    TempDir dir("ctb-updates-bad");
    Testbed tb("upd-bad");
    Site& acme = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
    SshLab lab(tb, dir.path());
    DebianPc ws2(lab, acme, dir.path(), "ws2", ip("192.168.1.22"));
    DebianPc ws3(lab, acme, dir.path(), "ws3", ip("192.168.1.23"));
    DebianPc ws4(lab, acme, dir.path(), "ws4", ip("192.168.1.24"), false);
    tb.connect_port(acme);
    const auto other_key = make_ssh_key(dir.path() / "other-host-key", "ws2-reinstalled");
    const auto swap_key = fmt::format("{}; cp {} {}; cp {} {}", restart_clears,
                                      shell_quote(other_key.private_key.string()), shell_quote(ws2.pc->host_key().string()),
                                      shell_quote(other_key.public_key.string()),
                                      shell_quote(ws2.pc->host_key().string() + ".pub"));
    NetconfOptions options{.ssh = lab.netconf_ssh(), .declare_light_hosts = false};
    options.client_extra["acme"] = "[maintenance]\ntasks = [\"updates\", \"empty-trash\"]\nshutdown = \"woken\"\n";
    options.host_extra["ws2"] = host_toml(*ws2.pc, ws2.pc->reboot_command(6s, swap_key));
    options.host_extra["ws3"] = host_toml(*ws3.pc, ws3.pc->shutdown_command());  // goes down and stays down
    options.host_extra["ws4"] = host_toml(*ws4.pc, ws4.pc->reboot_command(6s, restart_clears));
    const auto custode = provision(tb, dir.path() / "netconf", options);
    enroll(custode, {ws2.pc, ws3.pc});

    const auto ran = custode({"--json", "maintain", "acme", "--wake-wait", "10", "--ssh-wait", "10", "--off-wait", "15",
                              "--reboot-wait", "8"});
    CHECK(ran.exit_code == 1);
    const auto run = json_of(ran.output);

    const auto& refused = host_in(run, "ws2");
    CHECK(refused.at("reboot") == "failed");
    CHECK(contains(refused.at("reboot_detail").get<std::string>(), "host_key_changed"));
    CHECK(contains(refused.at("error").get<std::string>(), "host_key_changed"));
    CHECK(task_in(refused, "empty-trash").at("status") == "skipped");
    CHECK(refused.at("ok") == false);

    const auto& gone = host_in(run, "ws3");
    CHECK(gone.at("reboot") == "did_not_return");
    CHECK(contains(gone.at("reboot_detail").get<std::string>(), "not back within 8 s"));
    CHECK(task_in(gone, "empty-trash").at("status") == "skipped");
    CHECK(gone.at("shutdown") == "not_requested");
    CHECK(gone.at("ok") == false);

    const auto& kept_on = host_in(run, "ws4");
    CHECK(kept_on.at("power") == "was_on");
    CHECK(kept_on.at("reboot") == "pending");
    CHECK(kept_on.at("tasks").size() == 2);
    CHECK(task_in(kept_on, "empty-trash").at("status") == "ok");
    CHECK(kept_on.at("ok") == true);
    CHECK(ws4.pc->powered());
    CHECK(fs::exists(ws4.dir / "run/reboot-required"));  // still asking: the technician decides
}
