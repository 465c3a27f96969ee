/// Benchmark (issue 5): `custode maintain` against `ansible-playbook` on the
/// same N simulated Linux PCs with real sshd (tests/testbed/ssh_pc.h), the
/// same three short tasks, the same command texts, in one run, rounds
/// interleaved. Run as root; everything lives in namespaces this program
/// makes and goes when it ends (also on failure). bench/maintain.sh builds
/// and runs it.
///
///   custode-maintain-bench [--custode PATH] [--pcs N] [--rounds R] [--concurrency F]
///                          [--warmup 0|1] [--strategy linear|free] [--keep-dir]
///
/// Ansible runs with its fast settings: pipelining, ControlPersist, forks =
/// custode's --concurrency, no fact gathering, the Python interpreter given
/// (no discovery), strict host keys against the known_hosts custode enroll
/// wrote. Its commands are exactly those custode sends (custode::task_command
/// on the netconf custode reads), as `ansible.builtin.shell` tasks.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "custode/app/netconf_source.h"
#include "custode/core/netconf.h"
#include "custode/core/tasks.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "testbed/netns.h"
#include "testbed/ssh_pc.h"
#include "testbed/testbed.h"

namespace {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;
namespace chr = std::chrono;

// ---- small helpers --------------------------------------------------------------

void write_file(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string toml_string(const std::string& text) { return nlohmann::json(text).dump(); }

double seconds_since(chr::steady_clock::time_point start) {
    return chr::duration<double>(chr::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const auto n = values.size();
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string load_average() {
    std::string text = read_file("/proc/loadavg");
    std::istringstream words(text);
    std::string a, b, c;
    words >> a >> b >> c;
    return a + " " + b + " " + c;
}

/// Frames the kernel dropped because a CPU's backlog was full (softnet_stat's 2nd column, all CPUs).
long backlog_drops() {
    std::ifstream in("/proc/net/softnet_stat");
    std::string line;
    long total = 0;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string processed, dropped;
        if (words >> processed >> dropped) total += std::stol(dropped, nullptr, 16);
    }
    return total;
}

/// One timed program: wall time and the peak RSS wait4 reports (the largest
/// of the process and the descendants it waited for).
struct Timed {
    long drops = 0;  ///< backlog drops on the machine meanwhile (any cause)
    int exit_code = -1;
    double wall = 0;
    double max_rss_mb = 0;
    double cpu = 0;  ///< user + system seconds of the process and the descendants it waited for
};

Timed run_timed(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                const fs::path& out, const fs::path& err) {
    const long drops_before = backlog_drops();
    const auto start = chr::steady_clock::now();
    const pid_t pid = start_program(argv, {.stdout_file = out, .stderr_file = err, .environment = env}).pid;
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0)
        if (errno != EINTR) throw std::runtime_error(std::string("wait4: ") + std::strerror(errno));
    Timed timed;
    timed.wall = seconds_since(start);
    timed.exit_code = exit_code_of(status);
    timed.max_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
    timed.drops = backlog_drops() - drops_before;
    auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    timed.cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    return timed;
}

/// Pids whose command line mentions `needle` (the ssh ControlPersist masters
/// of one Ansible run: their control path is in a directory we made).
std::vector<pid_t> pids_mentioning(const std::string& needle) {
    std::vector<pid_t> pids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        auto cmdline = read_file(entry.path() / "cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (cmdline.find(needle) != std::string::npos) pids.push_back(static_cast<pid_t>(std::stol(name)));
    }
    return pids;
}

void kill_pids(const std::vector<pid_t>& pids) {
    for (const pid_t pid : pids)
        if (pid != ::getpid()) ::kill(pid, SIGTERM);
}

// ---- what one round measured ----------------------------------------------------

struct Round {
    Timed custode;
    Timed ansible;
    bool custode_ok = false;
    bool ansible_ok = false;
    std::string custode_problem;
    std::string ansible_problem;
    double custode_client_s = -1;  ///< custode's own "seconds" for the client: link check to last PC done
    double custode_host_mean_s = -1;  ///< mean per-PC seconds (connect + 3 tasks), from the JSON
};

struct Options {
    std::string custode = CUSTODE_BINARY;
    int pcs = 100;
    int rounds = 3;
    int concurrency = 32;
    int warmup = 1;
    std::string strategy = "linear";
    bool keep_dir = false;
};

Options parse_options(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
            return argv[++i];
        };
        if (arg == "--custode") options.custode = value();
        else if (arg == "--pcs") options.pcs = std::stoi(value());
        else if (arg == "--rounds") options.rounds = std::stoi(value());
        else if (arg == "--concurrency") options.concurrency = std::stoi(value());
        else if (arg == "--warmup") options.warmup = std::stoi(value());
        else if (arg == "--strategy") options.strategy = value();
        else if (arg == "--keep-dir") options.keep_dir = true;
        else if (arg == "--cleanup") {  // what a killed run left (bench/maintain.sh's trap)
            for (const auto& ns : Testbed::remove_all("bench-maintain")) std::cerr << "removed " << ns << "\n";
            std::exit(0);
        }
        else if (arg == "-h" || arg == "--help") {
            std::cout << "custode-maintain-bench [--custode PATH] [--pcs N] [--rounds R] [--concurrency F]\n"
                         "                       [--warmup 0|1] [--strategy linear|free] [--keep-dir]\n";
            std::exit(0);
        } else {
            throw std::invalid_argument("unknown argument " + arg);
        }
    }
    if (options.pcs < 1 || options.pcs > 500) throw std::invalid_argument("--pcs: 1..500");
    if (options.rounds < 1) throw std::invalid_argument("--rounds: at least 1");
    if (options.concurrency < 1) throw std::invalid_argument("--concurrency: at least 1");
    if (options.strategy != "linear" && options.strategy != "free")
        throw std::invalid_argument("--strategy: linear or free");
    return options;
}

const std::vector<std::string> task_names{"disk-health", "empty-trash", "antivirus"};

/// A ClamAV database that knows only EICAR's test file (no downloads, loads in milliseconds).
fs::path eicar_database(const fs::path& dir) {
    constexpr std::string_view eicar = R"(X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)";
    write_file(dir / "eicar.com", std::string(eicar));
    const auto md5 = run_checked({"md5sum", (dir / "eicar.com").string()}).substr(0, 32);
    fs::remove(dir / "eicar.com");
    const auto database = dir / "test.hdb";
    write_file(database, fmt::format("{}:{}:Custode-Test-Eicar\n", md5, eicar.size()));
    return database;
}

/// Each PC's home: a document (for the scan) and one trashed file (for
/// empty-trash), put back before every tool's run so both do the same work.
void furnish(const SshPc& pc) {
    write_file(pc.home() / "documents" / "offer.txt", "offer for " + pc.name() + "\n");
    write_file(pc.home() / ".local/share/Trash/files/old-offer.txt", "old\n");
    write_file(pc.home() / ".local/share/Trash/info/old-offer.txt.trashinfo", "[Trash Info]\nPath=/old-offer.txt\n");
}

/// PCs whose trashed file is still there (empty-trash did not run on them).
int trash_left(const std::vector<SshPc*>& pcs) {
    int left = 0;
    for (const SshPc* pc : pcs)
        if (fs::exists(pc->home() / ".local/share/Trash/files/old-offer.txt")) ++left;
    return left;
}

/// custode's JSON: every host reached and ok, every task ok or skipped.
bool check_custode(const fs::path& out, int pcs, std::string& problem, Round& round) {
    nlohmann::json run;
    try {
        const auto text = read_file(out);
        run = nlohmann::json::parse(text.substr(text.find('{')));
    } catch (const std::exception& error) {
        problem = std::string("no JSON: ") + error.what();
        return false;
    }
    const auto& client = run.at("clients").at(0);
    const auto& hosts = client.at("hosts");
    int ok_hosts = 0;
    double host_sum = 0;
    std::map<std::string, int> statuses;
    for (const auto& host : hosts) {
        if (host.at("ok") == true && host.at("reached") == true && host.at("tasks").size() == task_names.size())
            ++ok_hosts;
        else if (problem.empty())
            problem = "host " + host.at("name").get<std::string>() + ": " + host.dump();
        host_sum += host.at("seconds").get<double>();
        for (const auto& task : host.at("tasks"))
            ++statuses[task.at("task").get<std::string>() + "=" + task.at("status").get<std::string>()];
    }
    round.custode_client_s = client.at("seconds").get<double>();
    round.custode_host_mean_s = hosts.empty() ? 0 : host_sum / static_cast<double>(hosts.size());
    if (ok_hosts != pcs && problem.empty()) problem = fmt::format("{} of {} hosts ok", ok_hosts, pcs);
    if (run.at("ok") != true && problem.empty()) problem = "run not ok";
    if (!problem.empty()) {
        std::string seen;
        for (const auto& [what, count] : statuses) seen += fmt::format(" {}x{}", what, count);
        problem += " (tasks:" + seen + ")";
    }
    return problem.empty() && static_cast<int>(hosts.size()) == pcs;
}

/// ansible's recap: every host ok=3 failed=0 unreachable=0.
bool check_ansible(const fs::path& out, int pcs, std::string& problem) {
    const std::regex recap(R"(^(\S+)\s+:\s+ok=(\d+)\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+))");
    std::ifstream in(out);
    std::string line;
    int good = 0;
    int seen = 0;
    while (std::getline(in, line)) {
        std::smatch match;
        if (!std::regex_search(line, match, recap)) continue;
        ++seen;
        if (std::stoi(match[2]) == static_cast<int>(task_names.size()) && match[3] == "0" && match[4] == "0")
            ++good;
        else if (problem.empty())
            problem = line;
    }
    if (seen != pcs && problem.empty()) problem = fmt::format("recap lists {} of {} hosts", seen, pcs);
    return good == pcs && seen == pcs;
}

int run_benchmark(const Options& options) {
    if (::geteuid() != 0) throw std::runtime_error("run as root");
    if (!fs::exists(options.custode)) throw std::runtime_error("no custode at " + options.custode);
    const auto ansible = run_program({"sh", "-c", "command -v ansible-playbook"});
    if (!ansible.ok()) throw std::runtime_error("ansible-playbook is not installed (apt-get install ansible)");
    const std::string ansible_playbook = ansible.output.substr(0, ansible.output.find('\n'));
    const std::string custode = fs::canonical(options.custode).string();

    TempDir dir("custode-bench-maintain");
    if (options.keep_dir) dir.keep();
    std::cout << "work directory: " << dir.path().string() << (options.keep_dir ? " (kept)" : "") << "\n";
    std::cout << "load average before (1, 5, 15 min): " << load_average() << "\n" << std::flush;

    // ---- the site and its PCs ----
    Testbed tb("bench-maintain");
    const bool wide = options.pcs > 230;
    testbed::Site& acme = tb.site("acme", *Ipv4Prefix::parse(wide ? "10.77.0.0/23" : "192.168.1.0/24"));
    if (wide) acme.lan_address = Ipv4Prefix(host_address(acme.subnet, 510), 23);
    tb.connect_port(acme);
    SshLab lab(tb, dir.path());
    const auto started = chr::steady_clock::now();
    std::vector<SshPc*> pcs;
    for (int i = 1; i <= options.pcs; ++i)
        pcs.push_back(&lab.add_pc(acme, fmt::format("pc{}", i), host_address(acme.subnet, static_cast<std::uint32_t>(10 + i))));
    const double pcs_seconds = seconds_since(started);
    std::cout << fmt::format("{} PCs (namespace + sshd each) started in {:.1f} s ({:.0f} ms per PC)\n", options.pcs,
                             pcs_seconds, 1000 * pcs_seconds / options.pcs)
              << std::flush;
    for (SshPc* pc : pcs) furnish(*pc);

    // ---- netconf: the three tasks, never shut down, scans limited to each PC's home ----
    const auto database = eicar_database(dir.path() / "clamav");
    NetconfOptions netconf_options{.ssh = lab.netconf_ssh()};
    netconf_options.client_extra["acme"] = fmt::format(
        "[maintenance]\ntasks = [{}]\nshutdown = \"never\"\ntask_timeout = 300\n",
        fmt::format("{}, {}, {}", toml_string(task_names[0]), toml_string(task_names[1]), toml_string(task_names[2])));
    for (SshPc* pc : pcs)
        netconf_options.host_extra[pc->name()] = fmt::format(
            "[host.maintenance]\n[host.maintenance.commands]\nantivirus = {}\n",
            toml_string(fmt::format("clamscan -d {} --recursive --infected --no-summary --stdout -- {}",
                                    database.string(), pc->home().string())));
    const auto netconf = tb.write_netconf(dir.path() / "netconf", netconf_options);
    auto custode_cli = [&](const std::vector<std::string>& args) {
        std::vector<std::string> argv{custode, "--netconf", netconf.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return tb.in_gateway(argv);
    };
    if (const auto applied = custode_cli({"-q", "apply"}); !applied.ok())
        throw std::runtime_error("custode apply: " + applied.output);
    {
        // A scan first, as a technician would: its paced ARP fills the neighbour
        // table. Enroll then connects to every PC at once; a burst of 100 ARP
        // broadcasts flooded to 100 veth ports can overflow the kernel's
        // per-CPU backlog (net.core.netdev_max_backlog, 1000) and lose some, so
        // a PC left unreachable is enrolled again (the others read "same").
        custode_cli({"-q", "scan", "acme"});
        const auto enroll_start = chr::steady_clock::now();
        int attempts = 0;
        for (;;) {
            ++attempts;
            const auto enrolled = custode_cli({"-q", "enroll", "acme"});
            if (enrolled.ok()) break;
            if (attempts == 3) throw std::runtime_error("custode enroll: " + enrolled.output);
        }
        std::cout << fmt::format("custode enroll of {} PCs: {:.1f} s ({} attempt{})\n", options.pcs,
                                 seconds_since(enroll_start), attempts, attempts == 1 ? "" : "s");
    }

    // ---- the commands custode sends, per host, for Ansible ----
    const auto load = app::load_netconf_directory(netconf);
    if (!load.ok()) throw std::runtime_error("netconf does not load: " + load.diagnostics.front().message);
    const Client* client = load.netconf.find("acme");
    if (client == nullptr) throw std::runtime_error("no client acme in netconf");
    std::vector<MaintenanceTask> tasks;
    for (const auto& name : task_names) tasks.push_back(*parse_maintenance_task(name));

    const auto ansible_dir = dir.path() / "ansible";
    std::string inventory = fmt::format(
        "all:\n  vars:\n    ansible_user: {}\n    ansible_ssh_private_key_file: {}\n"
        "    ansible_python_interpreter: /usr/bin/python3\n  hosts:\n",
        toml_string(lab.user()), toml_string(lab.identity().string()));
    std::string first_commands;
    for (const auto& host : client->hosts) {
        if (!host.ip) throw std::runtime_error("host without ip: " + host.name);
        const auto settings = TaskSettings::merge(client->maintenance.settings, host.settings);
        inventory += fmt::format("    {}:\n      ansible_host: {}\n", host.name, host.ip->to_string());
        for (const auto task : tasks) {
            const auto command = task_command(host.os, task, settings).command;
            std::string var(to_string(task));
            std::replace(var.begin(), var.end(), '-', '_');
            // !unsafe: the text goes to the shell as is, never through Jinja.
            inventory += fmt::format("      cmd_{}: !unsafe {}\n", var, nlohmann::json(command).dump());
            if (&host == &client->hosts.front()) first_commands += fmt::format("  {}: {}\n", to_string(task), command);
        }
    }
    write_file(ansible_dir / "inventory.yml", inventory);
    std::string playbook = "- hosts: all\n  gather_facts: false\n  strategy: " + options.strategy + "\n  tasks:\n";
    for (const auto task : tasks) {
        std::string var(to_string(task));
        std::replace(var.begin(), var.end(), '-', '_');
        playbook += fmt::format("    - name: {}\n      ansible.builtin.shell: \"{{{{ cmd_{} }}}}\"\n", to_string(task), var);
    }
    write_file(ansible_dir / "playbook.yml", playbook);
    write_file(ansible_dir / "ansible.cfg",
               fmt::format("[defaults]\ninventory = {0}/inventory.yml\nforks = {1}\ngathering = explicit\n"
                           "host_key_checking = True\ninterpreter_python = /usr/bin/python3\nretry_files_enabled = False\n"
                           "nocolor = True\nlocal_tmp = {0}/local_tmp\n\n[ssh_connection]\npipelining = True\n"
                           // -F /dev/null: no ssh config, as custode reads none; the known_hosts custode enroll wrote.
                           "ssh_args = -F /dev/null -o ControlMaster=auto -o ControlPersist=60s -o BatchMode=yes "
                           "-o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile={2} "
                           "-o GlobalKnownHostsFile=/dev/null\n",
                           ansible_dir.string(), options.concurrency, lab.known_hosts("acme").string()));
    fs::create_directories(ansible_dir / "home");
    fs::create_directories(ansible_dir / "local_tmp");

    std::cout << "\nthe commands both tools send (pc1's; the antivirus path differs per PC):\n" << first_commands;

    const std::string client_ns = tb.custode_prefix() + "acme";
    const std::string gateway_ns = tb.gateway();
    const std::string task_list = task_names[0] + "," + task_names[1] + "," + task_names[2];

    auto run_custode = [&](Round& round, const std::string& tag) {
        for (SshPc* pc : pcs) furnish(*pc);
        const auto out = dir.path() / ("custode-" + tag + ".json");
        const auto err = dir.path() / ("custode-" + tag + ".err");
        round.custode = run_timed({"nsenter", "--net=/run/netns/" + gateway_ns, "--", custode, "--json", "--netconf",
                                   netconf.string(), "maintain", "acme", "--concurrency",
                                   std::to_string(options.concurrency), "--tasks", task_list},
                                  {}, out, err);
        round.custode_ok = check_custode(out, options.pcs, round.custode_problem, round);
        if (round.custode.exit_code != 0 && round.custode_problem.empty())
            round.custode_problem = fmt::format("exit {}: {}", round.custode.exit_code, read_file(err).substr(0, 400));
        round.custode_ok = round.custode_ok && round.custode.exit_code == 0;
        if (const int left = trash_left(pcs); left > 0) {
            round.custode_ok = false;
            round.custode_problem += fmt::format(" trash not emptied on {} PCs", left);
        }
    };
    auto run_ansible = [&](Round& round, const std::string& tag) {
        for (SshPc* pc : pcs) furnish(*pc);
        // A fresh control directory each run: no master connection survives from an earlier run.
        const auto control = ansible_dir / ("cp-" + tag);
        fs::create_directories(control);
        const auto out = dir.path() / ("ansible-" + tag + ".out");
        const auto err = dir.path() / ("ansible-" + tag + ".err");
        round.ansible = run_timed({"nsenter", "--net=/run/netns/" + client_ns, "--", ansible_playbook,
                                   (ansible_dir / "playbook.yml").string()},
                                  {{"ANSIBLE_CONFIG", (ansible_dir / "ansible.cfg").string()},
                                   {"HOME", (ansible_dir / "home").string()},
                                   {"ANSIBLE_LOCAL_TEMP", (ansible_dir / "local_tmp").string()},
                                   {"ANSIBLE_SSH_CONTROL_PATH_DIR", control.string()},
                                   {"ANSIBLE_NOCOLOR", "1"},
                                   {"SSH_AUTH_SOCK", ""}},
                                  out, err);
        round.ansible_ok = check_ansible(out, options.pcs, round.ansible_problem) && round.ansible.exit_code == 0;
        if (round.ansible.exit_code != 0 && round.ansible_problem.empty())
            round.ansible_problem = fmt::format("exit {}: {}", round.ansible.exit_code, read_file(err).substr(0, 400));
        kill_pids(pids_mentioning(control.string()));  // the ControlPersist masters of this run
        if (const int left = trash_left(pcs); left > 0) {
            round.ansible_ok = false;
            round.ansible_problem += fmt::format(" trash not emptied on {} PCs", left);
        }
    };

    auto alone = [&](const std::vector<std::string>& args) {
        std::vector<double> walls;
        for (int i = 0; i < 3; ++i) {
            const auto start = chr::steady_clock::now();
            custode_cli(args);
            walls.push_back(seconds_since(start));
        }
        return median(walls);
    };

    for (int i = 0; i < options.warmup; ++i) {
        std::cout << "\nwarm-up (not counted): custode's first run fills the inventory, Ansible's compiles its modules\n"
                  << std::flush;
        Round warm;
        run_custode(warm, "warmup");
        run_ansible(warm, "warmup");
        std::cout << fmt::format("  custode {:.2f} s ({}), ansible {:.2f} s ({})\n", warm.custode.wall,
                                 warm.custode_ok ? "ok" : "FAILED: " + warm.custode_problem, warm.ansible.wall,
                                 warm.ansible_ok ? "ok" : "FAILED: " + warm.ansible_problem)
                  << std::flush;
    }

    const double scan_alone = alone({"-q", "scan", "acme"});
    const double status_alone = alone({"-q", "status", "acme"});

    std::cout << fmt::format("\n{} PCs, 3 tasks each ({}), concurrency = forks = {}, ansible strategy {}\n",
                             options.pcs, task_list, options.concurrency, options.strategy);
    std::cout << fmt::format("{:>5} {:>7} {:>11} {:>11} {:>7} {:>12} {:>12} {:>11} {:>8} {:>10}\n", "round", "first",
                             "custode s", "ansible s", "ratio", "custode MB", "ansible MB", "cu client s", "both ok", "drops c/a")
              << std::flush;
    std::vector<Round> rounds;
    for (int r = 1; r <= options.rounds; ++r) {
        Round round;
        const bool custode_first = r % 2 == 1;  // alternate the order
        const auto tag = std::to_string(r);
        if (custode_first) {
            run_custode(round, tag);
            run_ansible(round, tag);
        } else {
            run_ansible(round, tag);
            run_custode(round, tag);
        }
        std::cout << fmt::format("{:>5} {:>7} {:>11.2f} {:>11.2f} {:>7.3f} {:>12.1f} {:>12.1f} {:>11.2f} {:>8} {:>10}\n", r,
                                 custode_first ? "custode" : "ansible", round.custode.wall, round.ansible.wall,
                                 round.custode.wall / round.ansible.wall, round.custode.max_rss_mb,
                                 round.ansible.max_rss_mb, round.custode_client_s,
                                 round.custode_ok && round.ansible_ok ? "yes" : "NO",
                                 fmt::format("{}/{}", round.custode.drops, round.ansible.drops))
                  << std::flush;
        if (!round.custode_ok) std::cout << "      custode FAILED: " << round.custode_problem << "\n";
        if (!round.ansible_ok) std::cout << "      ansible FAILED: " << round.ansible_problem << "\n";
        rounds.push_back(round);
    }

    std::vector<double> custode_walls, ansible_walls, custode_rss, ansible_rss, clients, host_means, custode_cpu,
        ansible_cpu;
    int counted = 0;
    for (const auto& round : rounds) {
        if (!round.custode_ok || !round.ansible_ok) continue;  // a failed run does not count
        ++counted;
        custode_walls.push_back(round.custode.wall);
        ansible_walls.push_back(round.ansible.wall);
        custode_rss.push_back(round.custode.max_rss_mb);
        ansible_rss.push_back(round.ansible.max_rss_mb);
        clients.push_back(round.custode_client_s);
        custode_cpu.push_back(round.custode.cpu);
        ansible_cpu.push_back(round.ansible.cpu);
        host_means.push_back(round.custode_host_mean_s);
    }
    std::cout << fmt::format("\nmedians over {} of {} rounds where both succeeded on all {} PCs:\n", counted,
                             options.rounds, options.pcs);
    if (counted == 0) {
        std::cout << "  none\n";
        return 1;
    }
    const double c = median(custode_walls);
    const double a = median(ansible_walls);
    const double peak = *std::max_element(custode_rss.begin(), custode_rss.end());
    std::cout << fmt::format("  custode maintain   wall {:.2f} s   peak RSS {:.1f} MB (max over rounds {:.1f} MB)\n", c,
                             median(custode_rss), peak);
    std::cout << fmt::format("  ansible-playbook   wall {:.2f} s   peak RSS {:.1f} MB (largest single process)\n", a,
                             median(ansible_rss));
    std::cout << fmt::format("  CPU on the controller side (user + system, the tool and the children it reaped; not the "
                             "PCs' side, not Ansible's ControlPersist masters): custode {:.1f} s, ansible {:.1f} s\n",
                             median(custode_cpu), median(ansible_cpu));
    std::cout << fmt::format("  ratio custode / ansible: {:.3f} (target <= 0.5): {}\n", c / a, c / a <= 0.5 ? "met" : "NOT met");
    std::cout << fmt::format("  custode peak RSS <= 100 MB: {}\n", peak <= 100 ? "met" : "NOT met");
    std::cout << fmt::format("  inside custode's wall: the client's work (link check, ARP scan, SSH, tasks) {:.2f} s; "
                             "the rest (start, netconf, state file, record, HTML report, JSON) {:.2f} s; "
                             "per PC (connect + 3 tasks) mean {:.2f} s\n",
                             median(clients), c - median(clients), median(host_means));
    std::cout << fmt::format("  custode's fixed costs measured alone (medians of 3): 'custode scan acme' {:.2f} s, "
                             "'custode status' (the link check and more) {:.2f} s\n",
                             scan_alone, status_alone);
    std::cout << "load average after (1, 5, 15 min): " << load_average() << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return run_benchmark(parse_options(argc, argv));
    } catch (const std::invalid_argument& error) {
        std::cerr << "custode-maintain-bench: " << error.what() << "\n";
        return 2;
    } catch (const std::exception& error) {
        std::cerr << "custode-maintain-bench: " << error.what() << "\n";
        return 3;
    }
}
