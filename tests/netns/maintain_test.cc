/// The nightly run end to end (issue 5): real sshd on simulated Linux PCs
/// (testbed/ssh_pc.h), custode provisioning the client, enrolling the keys
/// and running `maintain` from the client's namespace. Every command that
/// could touch this machine is pointed at the PC's own home through the
/// per-host overrides; the shutdown only powers the simulated PC off.

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "netns/support.h"
#include "support/literals.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/backup_server.h"
#include "testbed/netns.h"
#include "testbed/ssh_pc.h"
#include "testbed/testbed.h"

namespace {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

/// EICAR's test file, and a ClamAV signature database that knows only it (no downloads).
constexpr std::string_view eicar = R"(X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*)";

fs::path eicar_database(const fs::path& dir) {
    write(dir / "eicar.com", std::string(eicar));
    const auto md5 = run_checked({"md5sum", (dir / "eicar.com").string()}).substr(0, 32);
    const auto database = dir / "test.hdb";
    write(database, fmt::format("{}:{}:Custode-Test-Eicar\n", md5, eicar.size()));
    fs::remove(dir / "eicar.com");
    return database;
}

/// A PC's own files: documents to back up, a trashed file, maybe EICAR.
void furnish(const SshPc& pc, bool infected) {
    write(pc.home() / "documents" / "offer.txt", "offer for " + pc.name() + "\n");
    write(pc.home() / ".local/share/Trash/files/old-offer.txt", "old\n");
    write(pc.home() / ".local/share/Trash/info/old-offer.txt.trashinfo", "[Trash Info]\nPath=/old-offer.txt\n");
    if (infected) write(pc.home() / "downloads" / "eicar.com", std::string(eicar));
}

/// Per host: scans and backups limited to its home, its own shutdown.
std::string host_settings(const SshPc& pc, const fs::path& database, const std::string& extra_commands = "") {
    return fmt::format("[host.maintenance]\nbackup_sources = [{0}]\n[host.maintenance.commands]\n"
                       "antivirus = {1}\nshutdown = {2}\n{3}",
                       toml_string((pc.home() / "documents").string()),
                       toml_string(fmt::format("clamscan -d {} --recursive --infected --no-summary --stdout -- {}",
                                               database.string(), pc.home().string())),
                       toml_string(pc.shutdown_command()), extra_commands);
}

bool sleep_marker_running() { return run_program({"pgrep", "-f", "sleep 301"}).exit_code == 0; }

/// acme with four SSH PCs and one that does not exist, provisioned and enrolled.
struct Night {
    TempDir dir{"ctb-night"};
    Testbed tb;
    Site& acme;
    SshLab lab;
    SshPc& pc1;   ///< on, infected
    SshPc& pc2;   ///< asleep: woken, maintained, shut down
    SshPc& pc3;   ///< on, but its host key changes after enrollment
    SshPc& pc4;   ///< on, its empty-trash hangs past the timeout
    std::optional<BackupServer> backups;
    std::optional<Custode> custode;

    explicit Night(std::string_view tag)
        : tb(tag), acme(tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"))), lab(tb, dir.path()),
          pc1(lab.add_pc(acme, "pc1", ip("192.168.1.21"))),
          pc2(lab.add_pc(acme, "pc2", ip("192.168.1.22"), {.sleeping = true, .boot_delay = std::chrono::milliseconds(800)})),
          pc3(lab.add_pc(acme, "pc3", ip("192.168.1.23"))),
          pc4(lab.add_pc(acme, "pc4", ip("192.168.1.24"))) {
        tb.connect_port(acme);
        const auto database = eicar_database(dir.path() / "clamav");
        NetconfOptions options{.ssh = lab.netconf_ssh()};
        options.client_extra["acme"] = fmt::format(
            "[[host]]\nname = \"ghost\"\nmac = \"02:00:00:00:de:ad\"\nip = \"192.168.1.99\"\nos = \"linux\"\n\n"
            "[maintenance]\ntasks = [\"antivirus\", \"disk-health\", \"backup\", \"empty-trash\"]\n"
            "shutdown = \"woken\"\nbackup_repository = {}\nbackup_password_file = {}\n",
            toml_string(fmt::format("sftp:root@{}:{}", acme.lan_address.address().to_string(), (dir.path() / "backups/repository").string())),
            toml_string((dir.path() / "backups/password").string()));
        for (SshPc* pc : {&pc1, &pc2, &pc3}) options.host_extra[pc->name()] = host_settings(*pc, database);
        options.host_extra["pc4"] = fmt::format(
            "[host.maintenance]\nbackup_sources = [{}]\ntask_timeout = 8\n[host.maintenance.commands]\nantivirus = {}\n"
            "empty-trash = \"sleep 301 & sleep 301\"\nshutdown = {}\n",
            toml_string((pc4.home() / "documents").string()),
            toml_string(fmt::format("clamscan -d {} --recursive --infected --no-summary --stdout -- {}",
                                    database.string(), pc4.home().string())),
            toml_string(pc4.shutdown_command()));
        custode.emplace(provision(tb, dir.path() / "netconf", options));
        backups.emplace(tb.custode_prefix() + "acme", acme.lan_address.address(), dir.path() / "backups");
        for (SshPc* pc : {&pc1, &pc2, &pc3, &pc4}) {
            backups->give_access(*pc);
            furnish(*pc, pc == &pc1);
        }
        // Enrolling sees every PC that is on; pc2 sleeps, so wake it once for its key.
        pc2.power_on();
        (*custode)({"enroll", "acme"});  // exit 1: the ghost has no answer
        pc2.power_off();
        pc3.regenerate_host_key();
    }
};

}  // namespace

TEST_CASE("maintain: a night at acme — woken, scanned, backed up, trash emptied, shut down — failures reported",
          "[maintain]") {
    require_root();
    Night night("night-full");
    const auto ran = (*night.custode)({"--json", "maintain", "acme", "--wake-wait", "6", "--ssh-wait", "10",
                                       "--off-wait", "15"});
    CHECK(ran.exit_code == 1);  // the infected PC, the changed key, the ghost and the hang
    const auto run = json_of(ran.output);
    CHECK(run.at("command") == "maintain");
    CHECK(run.at("ok") == false);

    const auto& pc1 = host_in(run, "pc1");
    CHECK(pc1.at("power") == "was_on");
    CHECK(task_in(pc1, "antivirus").at("status") == "failed");
    CHECK(task_in(pc1, "antivirus").at("exit") == 1);
    CHECK(contains(task_in(pc1, "antivirus").at("findings").dump(), "downloads/eicar.com"));
    CHECK(task_in(pc1, "disk-health").at("status") == "skipped");  // no SMART device here
    CHECK(task_in(pc1, "backup").at("status") == "ok");
    CHECK(task_in(pc1, "empty-trash").at("status") == "ok");
    CHECK(pc1.at("shutdown") == "not_requested");  // it was on before the night
    CHECK(fs::is_empty(night.pc1.home() / ".local/share/Trash/files"));
    CHECK(fs::exists(night.pc1.home() / "documents/offer.txt"));

    const auto& pc2 = host_in(run, "pc2");
    CHECK(pc2.at("power") == "woken");
    CHECK(pc2.at("reached") == true);
    CHECK(task_in(pc2, "antivirus").at("status") == "ok");
    CHECK(task_in(pc2, "backup").at("status") == "ok");
    CHECK(task_in(pc2, "empty-trash").at("status") == "ok");
    CHECK(pc2.at("shutdown") == "confirmed_off");
    CHECK(night.pc2.wakes() == 1);
    CHECK_FALSE(night.pc2.powered());

    const auto& pc3 = host_in(run, "pc3");
    CHECK(pc3.at("reached") == false);
    CHECK(contains(pc3.at("error").get<std::string>(), "host_key_changed"));

    const auto& pc4 = host_in(run, "pc4");
    CHECK(task_in(pc4, "empty-trash").at("status") == "timeout");
    // Stopped at its 8 s timeout, not when its 301 s sleep ends.
    const double timed_out_after = task_in(pc4, "empty-trash").at("seconds").get<double>();
    WARN("a task with task_timeout = 8 was stopped after " << timed_out_after << " s");
    CHECK(timed_out_after >= 8);
    CHECK(timed_out_after < 60);
    CHECK(task_in(pc4, "backup").at("status") == "ok");
    CHECK_FALSE(sleep_marker_running());  // the whole tree, background job included

    const auto& ghost = host_in(run, "ghost");
    CHECK(ghost.at("power") == "did_not_wake");

    // The backups crossed the circuit into the lab's repository.
    auto paths = night.backups->snapshot_paths();
    std::sort(paths.begin(), paths.end());
    CHECK(paths == std::vector<std::string>{(night.pc1.home() / "documents").string(),
                                            (night.pc2.home() / "documents").string(),
                                            (night.pc4.home() / "documents").string()});

    // The record is kept: runs lists it, report renders it.
    const auto id = run.at("run").get<std::int64_t>();
    const auto runs = json_of((*night.custode)({"--json", "runs"}).output);
    CHECK(runs.dump().find(fmt::format("\"run\":{}", id)) != std::string::npos);
    const auto html = night.dir.path() / "night.html";
    CHECK((*night.custode)({"report", std::to_string(id), "--html", html.string()}).exit_code == 0);
    std::ifstream page(html);
    const std::string text((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
    CHECK(contains(text, "ghost"));
    CHECK(contains(text, "eicar.com"));
    CHECK(fs::exists(run.at("report").get<std::string>()));
    const auto status = json_of((*night.custode)({"--json", "status"}).output);
    CHECK(contains(status.at("clients").at(0).at("last_run").get<std::string>(), fmt::format("run {} at", id)));
}

TEST_CASE("maintain: a dry run wakes nothing and changes nothing, but checks programs and the repository",
          "[maintain]") {
    require_root();
    Night night("night-dry");
    const auto ran = (*night.custode)({"--json", "maintain", "acme", "--dry-run", "--tasks", "antivirus,backup,empty-trash"});
    const auto run = json_of(ran.output);
    CHECK(ran.exit_code == 1);  // pc3's key, and the sleepers not reached
    const auto& pc1 = host_in(run, "pc1");
    CHECK(task_in(pc1, "antivirus").at("status") == "ok");
    CHECK(task_in(pc1, "backup").at("status") == "ok");  // the repository answered over sftp
    CHECK(task_in(pc1, "backup").at("summary") == "ready");
    CHECK(contains(host_in(run, "pc2").at("error").get<std::string>(), "dry run"));
    CHECK(night.pc2.wakes() == 0);
    CHECK(fs::exists(night.pc1.home() / ".local/share/Trash/files/old-offer.txt"));
    CHECK(night.backups->snapshot_paths().empty());
    CHECK(run.at("dry_run") == true);

    /// An identity others on the gateway could read is refused before any PC is woken.
    const std::string identity = night.lab.netconf_ssh().identity;
    fs::permissions(identity, fs::perms(0640));
    const auto refused = (*night.custode)({"maintain", "acme"});
    INFO(refused.output);
    CHECK(refused.exit_code == 2);
    CHECK(contains(refused.output, identity + " has mode 0640"));
    CHECK(contains(refused.output, "chmod 600 " + identity));
    CHECK(night.pc2.wakes() == 0);
}

TEST_CASE("maintain: two clients on the same subnet, each with a PC at the same address, keep their own host keys",
          "[maintain]") {
    require_root();
    TempDir dir{"ctb-twins"};
    Testbed tb("night-twins");
    SshLab lab(tb, dir.path());
    NetconfOptions options{.ssh = lab.netconf_ssh()};
    for (const char* name : {"acme", "bianchi"}) {
        Site& site = tb.site(name, *Ipv4Prefix::parse("192.168.1.0/24"));
        tb.connect_port(site);
        lab.add_pc(site, "pc1", ip("192.168.1.21"));  // same address, another PC, another host key
        options.client_extra[name] = "[maintenance]\ntasks = [\"disk-health\"]\nshutdown = \"never\"\n";
    }
    const auto custode = provision(tb, dir.path() / "netconf", options);
    CHECK(custode({"enroll", "acme"}).exit_code == 0);
    CHECK(custode({"enroll", "bianchi"}).exit_code == 0);  // not "changed": its own file
    const auto ran = custode({"--json", "maintain", "--all"});
    CHECK(ran.exit_code == 0);
    const auto run = json_of(ran.output);
    REQUIRE(run.at("clients").size() == 2);
    for (const auto& client : run.at("clients")) {
        INFO(client.dump(2));
        CHECK(client.at("hosts").at(0).at("reached") == true);
    }
    CHECK(fs::exists(lab.known_hosts("acme")));
    CHECK(fs::exists(lab.known_hosts("bianchi")));
}
