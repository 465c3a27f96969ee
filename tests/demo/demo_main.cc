/// custode-demo: builds a small fixed lab (a gateway namespace and two client
/// offices with the same LAN subnet) to try custode by hand, and removes it.
///
///   custode-demo up [--netconf-out DIR]    (idempotent: an old demo is removed first)
///   custode-demo down
///
/// `up` is a list of steps; later features (apply, scan, wake, ...) add theirs.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "custode/core/error.h"
#include "mock_pc.h"
#include "support/lansim_process.h"
#include "support/process.h"
#include "testbed/ping.h"
#include "testbed/ssh_pc.h"
#include "testbed/testbed.h"

namespace fs = std::filesystem;
using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;

namespace {

constexpr std::string_view tag = "demo";
const fs::path run_dir = "/run/custode-demo";
/// Where `up` notes the netconf directory, so `down` can remove what it wrote.
const fs::path netconf_note = run_dir / "netconf-out";

enum class Outcome { done, problem };

struct Demo {
    std::optional<Testbed> built;  ///< made by the gateway step, after the old demo is gone
    std::optional<SshLab> lab;     ///< bianchi's PCs with sshd (stopped when the demo program ends)
    fs::path netconf;
    std::vector<std::string> lines;  ///< what the current step reports
    Outcome outcome = Outcome::done;
    /// bianchi's Windows-like PC, when pwsh is installed: the mock of Windows
    /// its login shell puts on PATH (tests/pwsh, docs/tasks.md).
    std::optional<pwsh_testing::MockPc> windows;
    SshPc* reception = nullptr;

    void say(std::string line) { lines.push_back(std::move(line)); }
    Testbed& testbed() { return *built; }
};

struct Step {
    std::string title;
    std::function<void(Demo&)> run;
};

Ipv4Prefix lan() { return *Ipv4Prefix::parse("192.168.1.0/24"); }

/// bianchi's reception: a Windows-like PC (asleep), reached as custode
/// reaches a real Windows PC — its sshd's login shell puts the mock of
/// Windows on PATH, so the real task scripts run in PowerShell 7. Only when
/// pwsh is installed (./dev.sh pwsh, with the .NET SDK).
void add_windows_pc(Demo& demo, Site& site) {
    if (pwsh_testing::pwsh_program().empty()) {
        demo.say("  (no pwsh: bianchi's Windows-like PC is left out; ./dev.sh pwsh installs PowerShell 7)");
        return;
    }
    demo.windows.emplace("office-ssd");
    demo.reception = &demo.lab->add_pc(site, "reception", host_address(site.subnet, 52),
                                       {.sleeping = true, .login_shell = demo.windows->login_shell()});
    demo.windows->write_login_shell(demo.reception->shutdown_command());
    demo.windows->use_real_restic();
    demo.say(fmt::format("  full host  reception {:<14} {}  namespace {} (asleep; Windows-like: its sshd runs "
                         "PowerShell 7 with a mock of Windows)",
                         demo.reception->ip().to_string(), demo.reception->mac().to_string(), demo.reception->ns()));
}

/// One office: a control host at .1 that always answers, four light PCs, one
/// full PC with its own namespace — with sshd when `with_ssh`, plus a second,
/// sleeping one, for the night.
void build_office(Demo& demo, Site& site, bool with_ssh) {
    auto& tb = demo.testbed();
    site.control = host_address(site.subnet, 1);
    tb.add_light_hosts(site, 1, *site.control);
    tb.add_light_hosts(site, 4, host_address(site.subnet, 21));
    const FullHost pc = with_ssh ? demo.lab->add_pc(site, "pc1", host_address(site.subnet, 50)).host()
                                 : tb.add_full_host(site, "pc1", host_address(site.subnet, 50));
    demo.say(fmt::format("namespace {}: bridge br0, LAN {}", site.ns, site.subnet.to_string()));
    for (const auto& host : site.light_hosts) {
        demo.say(fmt::format("  light host {:<4} {:<14} {}{}", host.name, host.ip.to_string(), host.mac.to_string(),
                             host.ip == *site.control ? "  (control)" : ""));
    }
    demo.say(fmt::format("  full host  {:<4} {:<14} {}  namespace {}", pc.name, pc.ip.to_string(),
                         pc.mac.to_string(), pc.ns));
    if (with_ssh) {
        const auto& ws2 = demo.lab->add_pc(site, "ws2", host_address(site.subnet, 51), {.sleeping = true});
        demo.say(fmt::format("  full host  ws2  {:<14} {}  namespace {} (asleep; wakes on a magic packet)",
                             ws2.ip().to_string(), ws2.mac().to_string(), ws2.ns()));
        demo.say("  pc1 and ws2 run sshd; the login user custode has its own home in each");
        add_windows_pc(demo, site);
    }
    demo.say(fmt::format("  custode will use {} on the LAN", site.lan_address.to_string()));
}

std::string remove_files();

void step_remove_old(Demo& demo) {
    /// Before our Testbed exists: remove_all would also take its registration.
    const auto removed = Testbed::remove_all(tag);
    remove_files();  // an old state file and known_hosts would not match the new PCs
    demo.say(removed.empty() ? "nothing to remove" : fmt::format("removed {} namespace(s)", removed.size()));
}

void step_gateway(Demo& demo) {
    demo.built.emplace(tag, Naming::fixed);
    demo.lab.emplace(demo.testbed(), run_dir / "ssh");
    demo.say(fmt::format("namespace {} (stands in for the lab gateway; custode runs in it)", demo.testbed().gateway()));
}

void step_acme(Demo& demo) {
    Site& site = demo.testbed().site("acme", lan());
    site.description = "Acme Srl (demo, dedicated port)";
    const PortLink link = demo.testbed().connect_port(site);
    demo.say(fmt::format("circuit: veth {} in {} (down, for custode to take)", link.interface, demo.testbed().gateway()));
    build_office(demo, site, false);
}

void step_bianchi(Demo& demo) {
    Site& site = demo.testbed().site("bianchi", lan());
    site.description = "Studio Bianchi (demo, VXLAN)";
    const VxlanLink link = demo.testbed().connect_vxlan(site, 5001);
    demo.say(fmt::format("circuit: VXLAN vni {} port {}, underlay {} in {}: {} -> {}", link.vni, link.port,
                         link.underlay, demo.testbed().gateway(), link.local.to_string(), link.remote.to_string()));
    build_office(demo, site, true);
}

/// A ClamAV database that knows only the EICAR test file (no downloads here).
fs::path eicar_database() {
    const std::string eicar = R"(X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)";
    const auto md5 = run_checked({"sh", "-c", "printf '%s' \"$0\" | md5sum", eicar}).substr(0, 32);
    const auto database = run_dir / "clamav-test.hdb";
    std::ofstream(database) << fmt::format("{}:{}:Custode-Demo-Eicar\n", md5, eicar.size());
    return database;
}

/// bianchi's night: four tasks, backups to a restic repository on the lab
/// side, and per PC its own home to scan and back up and its own shutdown
/// (the simulated PCs share this machine's disk and kernel).
void night_settings(Demo& demo, NetconfOptions& options) {
    const auto repository = run_dir / "restic";
    const auto password = run_dir / "restic.password";
    fs::remove_all(repository);  // a previous demo's
    std::ofstream(password) << "custode-demo\n";
    run_checked({"restic", "init", "--quiet", "--repo", repository.string(), "--password-file", password.string()});
    options.ssh = demo.lab->netconf_ssh();
    options.client_extra["bianchi"] = fmt::format(
        "[maintenance]\ntasks = [\"antivirus\", \"disk-health\", \"backup\", \"empty-trash\"]\nshutdown = \"woken\"\n"
        "backup_repository = {}\nbackup_password_file = {}\n",
        toml_string(repository.string()), toml_string(password.string()));
    const auto database = eicar_database();
    for (SshPc* pc : demo.lab->pcs()) {
        std::ofstream(pc->home() / "offer.txt") << "the offer for " << pc->name() << "\n";
        if (pc == demo.reception) {  // Windows: the real scripts, no overrides
            options.host_os[pc->name()] = "windows";
            options.host_extra[pc->name()] = fmt::format("[host.maintenance]\nbackup_sources = [{}]\n",
                                                         toml_string(pc->home().string()));
            continue;
        }
        fs::create_directories(pc->home() / ".local/share/Trash/files");
        std::ofstream(pc->home() / ".local/share/Trash/files/old-draft.txt") << "old\n";
        options.host_extra[pc->name()] = fmt::format(
            "[host.maintenance]\nbackup_sources = [{0}]\n[host.maintenance.commands]\n"
            "antivirus = {1}\nshutdown = {2}\n",
            toml_string(pc->home().string()),
            toml_string(fmt::format("clamscan -d {} --recursive --infected --no-summary --stdout -- {}",
                                            database.string(), pc->home().string())),
            toml_string(pc->shutdown_command()));
    }
}

void step_netconf(Demo& demo) {
    NetconfOptions options;
    options.site_name = "demo";
    options.state = run_dir / "state.db";
    options.declare_light_hosts = false;  // the night meets only the PCs with sshd
    fs::create_directories(run_dir);
    night_settings(demo, options);
    demo.testbed().write_netconf(demo.netconf, options);
    std::ofstream(netconf_note) << demo.netconf.string() << '\n';
    demo.say(fmt::format("{}/site.toml (custode namespaces: {}<client>)", demo.netconf.string(),
                         demo.testbed().custode_prefix()));
    for (const auto& site : demo.testbed().sites()) demo.say(fmt::format("{}/clients/{}.toml", demo.netconf.string(), site.name));
}

/// Runs custode in the gateway namespace (nsenter --net: the namespaces it
/// creates must stay visible outside), reports its output and exit code.
CommandResult run_custode(Demo& demo, const std::vector<std::string>& arguments, std::initializer_list<int> expected) {
    std::vector<std::string> argv{CUSTODE_BINARY, "--netconf", demo.netconf.string()};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    demo.say("$ custode " + join_argv(arguments));
    const CommandResult result = demo.testbed().in_gateway(argv);
    std::istringstream output(result.output);
    for (std::string line; std::getline(output, line);) demo.say("  " + line);
    if (std::find(expected.begin(), expected.end(), result.exit_code) == expected.end()) {
        demo.say(fmt::format("UNEXPECTED exit {}", result.exit_code));
        demo.outcome = Outcome::problem;
    }
    return result;
}

void step_validate(Demo& demo) { run_custode(demo, {"validate"}, {0}); }

void step_apply(Demo& demo) {
    run_custode(demo, {"plan"}, {1});
    run_custode(demo, {"apply"}, {0});
    demo.testbed().settle();  // the kernel brings the links up after apply returns
}

void step_scan(Demo& demo) { run_custode(demo, {"scan"}, {0}); }

void step_wake(Demo& demo) {
    const Site& acme = demo.testbed().find_site("acme");
    const std::string mac = "02:c7:01:00:01:00", ip = "192.168.1.60";
    std::ofstream(demo.netconf / "clients" / "acme.toml", std::ios::app)
        << fmt::format("\n[[host]]\nname = \"sleepy\"\nmac = \"{}\"\nip = \"{}\"\nos = \"linux\"\n", mac, ip);
    demo.say(fmt::format("acme.toml: [[host]] sleepy {} {} (asleep; boots 1.5 s after a magic packet)", ip, mac));
    // The LAN simulator playing the sleeping PC on acme's LAN.
    LansimProcess pc({"--interface", "br0", "--namespace", acme.ns, "--host",
                      fmt::format("{} {} sleeping boot_ms=1500", ip, mac)});
    if (!pc.wait_ready(std::chrono::seconds(5))) throw SystemError("custode-lansim", 0, "did not start");
    run_custode(demo, {"wake", "acme", "sleepy", "--wait", "15"}, {0});
    pc.stop();
}

/// Before the first night: the PCs' host keys, recorded while they are on.
void step_enroll(Demo& demo) {
    run_custode(demo, {"wake", "bianchi", "--all", "--wait", "15"}, {0});
    run_custode(demo, {"enroll", "bianchi"}, {0});
    for (SshPc* pc : demo.lab->pcs())
        if (pc->name() != "pc1") pc->power_off();
    demo.say(demo.reception ? "the office closes: ws2 and reception are switched off, pc1 is left on"
                            : "the office closes: ws2 is switched off, pc1 is left on");
}

void step_night(Demo& demo) {
    run_custode(demo, {"maintain", "bianchi", "--wake-wait", "30", "--off-wait", "30"}, {0});
    run_custode(demo, {"runs"}, {0});
}

/// The end of a contract: the lab side tears acme down and writes the
/// targets; a PC of acme proves, in a signed report, that the lab is gone.
void step_disconnect(Demo& demo) {
    const auto lab_key = (demo.netconf / "proof.key").string();
    run_custode(demo, {"keygen", "--out", lab_key}, {0});
    const auto targets = (run_dir / "acme-targets.json").string();
    run_custode(demo, {"disconnect", "acme", "--targets", targets}, {0});
    demo.say("handed to the client (all in " + run_dir.string() + "): acme-targets.json, "
             "acme-isolation-check.ps1 (for a Windows PC), certificate-<id>.html (printable), "
             "acme-disconnect.json and its .minisig");
    run_custode(demo, {"disconnections", "acme"}, {0});
}

/// The client's own check on a Windows PC: isolation-check.ps1, which pwsh
/// (PowerShell 7 on Linux) stands in for here when it is installed, with
/// Windows' `arp -a` modelled from `ip neigh` (docs/isolation.md).
void step_windows_check(Demo& demo) {
    const std::string pwsh = pwsh_testing::pwsh_program();
    if (pwsh.empty()) {
        demo.say("skipped: pwsh (PowerShell 7) is not installed (./dev.sh pwsh installs it, with the .NET SDK)");
        return;
    }
    const Site& acme = demo.testbed().find_site("acme");
    const auto& pc = acme.full_hosts.front();
    const auto script = (run_dir / "acme-isolation-check.ps1").string();
    demo.say("$ (on " + pc.name + " of acme, as a Windows user would) right-click acme-isolation-check.ps1, Run with PowerShell");
    std::istringstream neighbours(run_program({"ip", "-n", pc.ns, "neigh", "show"}).output);
    demo.say("  the PC's neighbour cache before the check (ip neigh):");
    for (std::string line; std::getline(neighbours, line);) demo.say("    " + line);
    const std::string path = std::string(CUSTODE_SOURCE_DIR) + "/tests/pwsh/isolation:/usr/sbin:/usr/bin:/sbin:/bin";
    const auto result = run_program({"ip", "netns", "exec", pc.ns, "env", "PATH=" + path, pwsh, "-NoProfile",
                                     "-NonInteractive", "-File", script});
    std::istringstream output(result.output);
    for (std::string line; std::getline(output, line);) demo.say("  " + line);
    if (result.exit_code != 0) {
        demo.say(fmt::format("UNEXPECTED exit {} (0 = ISOLATED)", result.exit_code));
        demo.outcome = Outcome::problem;
    }
}

void step_isolation(Demo& demo) {
    const Site& acme = demo.testbed().find_site("acme");
    const auto& pc = acme.full_hosts.front();
    const auto client_key = (run_dir / "client.key").string();
    const auto report = (run_dir / "acme-isolation.json").string();
    run_custode(demo, {"keygen", "--out", client_key}, {0});
    const std::vector<std::string> argv{CUSTODE_BINARY, "isolation-check", "--interface", "eth0", "--namespace",
                                        pc.ns, "--targets", (run_dir / "acme-targets.json").string(), "--control",
                                        acme.control->to_string(), "--key", client_key, "--out", report};
    demo.say("$ (on " + pc.name + " of acme) custode isolation-check --interface eth0 --targets acme-targets.json ...");
    const CommandResult result = run_program(argv);
    std::istringstream output(result.output);
    for (std::string line; std::getline(output, line);) demo.say("  " + line);
    if (result.exit_code != 0) {
        demo.say(fmt::format("UNEXPECTED exit {} (0 = isolated)", result.exit_code));
        demo.outcome = Outcome::problem;
    }
    run_custode(demo, {"verify", report, "--pubkey", client_key + ".pub"}, {0});
}

/// custode check on both circuits: bianchi's is fit; acme's carrier path is
/// made narrower than its circuit on purpose (1400 bytes on the carrier's
/// side of the port), and check must say so.
void step_check(Demo& demo) {
    run_custode(demo, {"status"}, {0});
    run_custode(demo, {"check", "bianchi"}, {0});
    const Site& acme = demo.testbed().find_site("acme");
    run_checked({"ip", "-n", acme.ns, "link", "set", "uplink", "mtu", "1400"});
    demo.say("acme's carrier now carries 1400-byte packets on its side (a narrow path, for the demo)");
    run_custode(demo, {"check", "acme"}, {1});
    for (const auto& site : demo.testbed().sites()) {
        const auto ns = demo.testbed().custode_prefix() + site.name;
        const auto pc = site.full_hosts.front().ip;
        const bool answered = ping(ns, pc, std::chrono::milliseconds(2000));
        demo.say(fmt::format("ping {} from {}: {}", pc.to_string(), ns, answered ? "answered" : "NO ANSWER"));
        if (!answered) demo.outcome = Outcome::problem;
    }
}

std::vector<Step> up_steps() {
    return {
        {"Remove any previous demo", step_remove_old},
        {"Create the gateway namespace", step_gateway},
        {"Create client acme (port circuit)", step_acme},
        {"Create client bianchi (VXLAN circuit, same LAN subnet)", step_bianchi},
        {"Write the netconf", step_netconf},
        {"Validate the netconf with custode", step_validate},
        {"Provision both clients: plan, then apply", step_apply},
        {"Check: status, each circuit's acceptance test (custode check), each client's PC answers", step_check},
        {"Discover both LANs by ARP (inventory in the state file)", step_scan},
        {"Wake a sleeping PC of acme and confirm it came up", step_wake},
        {"Record the SSH host keys of bianchi's PCs (custode enroll)", step_enroll},
        {"A night at bianchi: wake, antivirus, disk health, backup, trash, shut down; report", step_night},
        {"Disconnect acme: baseline, tear down, lab-side checks, signed record", step_disconnect},
        {"From a PC of acme: prove the lab is gone (signed isolation report)", step_isolation},
        {"From a Windows PC of acme: the client's own check, acme-isolation-check.ps1", step_windows_check},
    };
}

void print_epilogue(Demo& demo) {
    const auto& tb = demo.testbed();
    std::cout << fmt::format(
        "\nThe demo is up. Try:\n"
        "  ip netns list | grep {0}\n"
        "  ip netns exec {0}acme-pc1 ip neigh        # a PC of acme\n"
        "  nsenter --net=/run/netns/{0}gw {1} --netconf {2} plan\n"
        "    (run custode in the gateway namespace with nsenter, not 'ip netns exec':\n"
        "     the namespaces it creates must stay visible outside)\n"
        "The night at bianchi: its report is {3} (open it in a browser)\n"
        "  nsenter --net=/run/netns/{0}gw {1} --netconf {2} runs\n"
        "Tear it down with: custode-demo down\n",
        tb.prefix(), CUSTODE_BINARY, demo.netconf.string(), (run_dir / "reports" / "run-1.html").string());
}

int up(const fs::path& netconf) {
    Demo demo{std::nullopt, std::nullopt, fs::absolute(netconf), {}, Outcome::done};
    const auto steps = up_steps();
    for (std::size_t i = 0; i < steps.size(); ++i) {
        std::cout << fmt::format("[{}/{}] {}\n", i + 1, steps.size(), steps[i].title) << std::flush;
        demo.lines.clear();
        steps[i].run(demo);  // a throw tears the half-built demo down (Testbed's destructor)
        for (const auto& line : demo.lines) std::cout << "      " << line << '\n';
    }
    demo.testbed().keep();
    print_epilogue(demo);
    return demo.outcome == Outcome::done ? 0 : 1;
}

/// Removes the files `up` wrote into a netconf directory, and the directory
/// when nothing else is left in it (it may be the user's own).
void remove_netconf(const fs::path& dir) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir / "clients", ec))
        if (entry.path().extension() == ".toml") fs::remove(entry.path(), ec);
    for (const char* name : {"site.toml", "state.db", "state.db-wal", "state.db-shm"}) fs::remove(dir / name, ec);
    fs::remove(dir / "clients", ec);
    fs::remove(dir, ec);
}

/// The netconf `up` wrote and everything under run_dir; returns the netconf's path.
std::string remove_files() {
    std::string netconf;
    std::ifstream(netconf_note) >> netconf;
    if (!netconf.empty()) remove_netconf(netconf);
    std::error_code ec;
    fs::remove_all(run_dir, ec);
    return netconf;
}

int down() {
    const auto removed = Testbed::remove_all(tag);
    std::cout << fmt::format("[1/2] Remove the demo namespaces\n      {}\n",
                             removed.empty() ? "none found" : fmt::format("removed: {}", fmt::join(removed, " ")));
    const auto netconf = remove_files();
    std::cout << fmt::format("[2/2] Remove the netconf and {}\n      {}\n", run_dir.string(),
                             netconf.empty() ? "none recorded" : "removed " + netconf);
    return 0;
}

int usage() {
    std::cerr << "usage: custode-demo up [--netconf-out DIR] | down\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty()) return usage();
    if (::geteuid() != 0) {
        std::cerr << "custode-demo: must run as root (it creates network namespaces)\n";
        return 3;
    }
    try {
        if (args[0] == "down" && args.size() == 1) return down();
        if (args[0] == "up" && args.size() == 1) return up(run_dir / "netconf");
        if (args[0] == "up" && args.size() == 3 && args[1] == "--netconf-out") return up(args[2]);
        return usage();
    } catch (const UsageError& error) {
        std::cerr << "custode-demo: " << error.what() << '\n';
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "custode-demo: " << error.what() << "\n(the half-built demo was removed)\n";
        return 3;
    }
}
