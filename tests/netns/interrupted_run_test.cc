/// A maintenance run killed mid-night (issue 13, item 2; docs/maintenance.md,
/// "Interrupted runs"): real sshd on simulated PCs (testbed/ssh_pc.h), the
/// custode binary killed by SIGKILL while it works on a PC it woke. The next
/// run records the first as `interrupted`, with the PC it woke, and shuts
/// that PC down under the policy `woken`; the PC that was on stays on. The
/// shutdown only powers the simulated PC off (SshPc::shutdown_command).

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fmt/format.h>
#include <sys/wait.h>
#include <thread>

#include "netns/support.h"
#include "support/literals.h"
#include "support/process.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/netns.h"
#include "testbed/ssh_pc.h"
#include "testbed/testbed.h"

namespace interrupted_run {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

/// One empty-trash per PC, harmless here: pc1's does nothing, pc2's marks
/// its first run and then hangs there (the moment to kill custode); later
/// runs find the mark and return at once.
std::string host_commands(const SshPc& pc, const std::string& empty_trash) {
    return fmt::format("[host.maintenance.commands]\nempty-trash = {}\nshutdown = {}\n", toml_string(empty_trash),
                       toml_string(pc.shutdown_command()));
}


TEST_CASE("interrupted: maintain killed by SIGKILL after waking a PC — the next run records it interrupted and shuts "
          "that PC down, not the one that was on",
          "[maintain][interrupted]") {
    require_root();
    TempDir dir{"ctb-cut"};
    Testbed tb("night-cut");
    Site& acme = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
    SshLab lab(tb, dir.path());
    SshPc& pc1 = lab.add_pc(acme, "pc1", ip("192.168.1.21"));
    SshPc& pc2 = lab.add_pc(acme, "pc2", ip("192.168.1.22"), {.sleeping = true, .boot_delay = 800ms});
    tb.connect_port(acme);
    const auto mark = pc2.home() / "first-night-started";
    NetconfOptions options{.ssh = lab.netconf_ssh()};
    options.client_extra["acme"] = "[maintenance]\ntasks = [\"empty-trash\"]\nshutdown = \"woken\"\n";
    const std::string emptied = R"(echo '{"trash_dirs":0,"items":0,"failed":0}')";
    options.host_extra["pc1"] = host_commands(pc1, emptied);
    options.host_extra["pc2"] =
        host_commands(pc2, fmt::format("test -e {0} || {{ touch {0}; sleep 302; }}; {1}", mark.string(), emptied));
    const auto custode = provision(tb, dir / "netconf", options);
    pc2.power_on();  // enroll records the keys of the PCs that are on
    REQUIRE(custode({"enroll", "acme"}).exit_code == 0);
    pc2.power_off();

    // The first night, killed once it works on the PC it woke.
    const auto log = dir / "first-night.log";
    const auto first = start_program({"nsenter", "--net=" + std::string(netns_dir) + "/" + tb.gateway(), "--",
                                      CUSTODE_BINARY, "--netconf", custode.netconf.string(), "maintain", "acme"},
                                     {.stdout_file = log, .stderr_file = log});
    const auto started = std::chrono::steady_clock::now();
    while (!fs::exists(mark) && std::chrono::steady_clock::now() - started < 120s) std::this_thread::sleep_for(100ms);
    const bool reached = fs::exists(mark);
    const auto during = custode({"--json", "runs"});  // read while it runs
    ::kill(first.pid, SIGKILL);
    int status = 0;
    ::waitpid(first.pid, &status, 0);
    UNSCOPED_INFO("first night:\n" << read_file(log));
    REQUIRE(reached);
    CHECK(exit_code_of(status) == 128 + SIGKILL);
    WARN(fmt::format("pc2 reached by the first night in {:.1f} s",
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));
    const auto running = json_of(during.output).at("runs");
    REQUIRE(running.size() == 1);
    CHECK(running[0].at("status") == "running");
    CHECK(pc1.powered());
    CHECK(pc2.powered());  // woken, and nobody shut it down

    // The next night.
    const auto second = custode({"--json", "maintain", "acme"});
    CHECK(second.exit_code == 0);
    CHECK(contains(second.output, "run 1 was interrupted"));
    const auto run = json_of(second.output);
    const auto& kept_on = host_in(run, "pc1");
    CHECK(kept_on.at("power") == "was_on");
    CHECK(kept_on.at("woken_by_run").is_null());
    CHECK(kept_on.at("shutdown") == "not_requested");
    const auto& woken = host_in(run, "pc2");
    CHECK(woken.at("power") == "was_on");
    CHECK(woken.at("woken_by_run") == 1);
    CHECK(woken.at("shutdown") == "confirmed_off");
    CHECK(pc1.powered());
    CHECK_FALSE(pc2.powered());

    // The history: run 1 interrupted, with the PC it woke.
    const auto runs = json_of(custode({"--json", "runs"}).output).at("runs");
    REQUIRE(runs.size() == 2);
    CHECK(runs[1].at("run") == 1);
    CHECK(runs[1].at("status") == "interrupted");
    CHECK(runs[0].at("status") == "ok");
    const auto report = custode({"--json", "report", "1"});
    const auto cut = json_of(report.output);
    CHECK(cut.at("interrupted") == true);
    CHECK(cut.at("finished") == "");
    CHECK(host_in(cut, "pc2").at("power") == "woken");
    CHECK(cut.at("clients").at(0).at("hosts").size() == 1);  // only the PC it woke: pc1 was on
    CHECK(contains(custode({"report", "1"}).output, "→ interrupted (killed, or cut by a reboot)"));
    CHECK(contains(custode({"report", "2"}).output, "power was_on (woken by interrupted run 1), shutdown confirmed_off"));
    const auto html = dir / "run-1.html";
    CHECK(custode({"report", "1", "--html", html.string()}).exit_code == 0);
    CHECK(contains(read_file(html), "interrupted (killed, or cut by a reboot)"));
}

}  // namespace interrupted_run
