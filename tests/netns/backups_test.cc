/// Backups a client PC cannot delete (issue 19): the lab's repository is
/// served by `rclone serve restic --append-only` behind a forced command on
/// the key the PCs hold (docs/backups.md). A simulated Linux PC backs up
/// night after night through custode's own backup task (backup_lab), while
/// everything that would delete, from that PC's own credentials, is refused
/// and changes nothing in the repository.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "custode/core/command_text.h"
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

/// Every file of the repository with its size: what "changes nothing" compares.
std::map<std::string, std::uintmax_t> files_of(const fs::path& repository) {
    std::map<std::string, std::uintmax_t> files;
    for (const auto& entry : fs::recursive_directory_iterator(repository))
        if (entry.is_regular_file()) files[fs::relative(entry.path(), repository).string()] = entry.file_size();
    return files;
}

std::size_t files_under(const std::map<std::string, std::uintmax_t>& files, std::string_view dir) {
    return static_cast<std::size_t>(std::count_if(
        files.begin(), files.end(), [&](const auto& file) { return file.first.starts_with(std::string(dir) + "/"); }));
}

/// acme with one Linux PC, pc1, backing up its documents each night through
/// the lab's append-only account. With `lab_care`, the client file has a
/// [backup] too: the lab keeps the repository, with a root-only copy of its password.
struct AppendOnlySite {
    TempDir dir;
    Testbed tb;
    Site& acme;
    SshLab lab;
    SshPc& pc1;
    Custode custode;
    BackupServer backups;

    AppendOnlySite(std::string_view tag, const std::string& testbed, bool lab_care)
        : dir(tag), tb(testbed), acme(tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"))), lab(tb, dir.path()),
          pc1(lab.add_pc(acme, "pc1", ip("192.168.1.21"))), custode(provisioned(lab_care)),
          backups(tb.custode_prefix() + "acme", lab_address(), dir.path() / "backups", BackupAccess::append_only) {
        backups.give_access(pc1);
        if (lab_care) {
            fs::copy_file(backups.password_file(), lab_password());
            fs::permissions(lab_password(), fs::perms::owner_read | fs::perms::owner_write);
        }
        fs::create_directories(pc1.home() / "documents");
        REQUIRE(custode({"enroll", "acme"}).exit_code == 0);
    }

    Ipv4Address lab_address() const { return acme.lan_address.address(); }
    fs::path lab_password() const { return dir.path() / "lab-password"; }

private:
    /// The netconf, applied: the BackupServer's sshd needs the client's namespace, so it comes after.
    Custode provisioned(bool lab_care) {
        tb.connect_port(acme);
        const auto backups_dir = dir.path() / "backups";  // BackupServer's: its repository and password
        NetconfOptions options{.ssh = lab.netconf_ssh(), .declare_light_hosts = false};
        options.client_extra["acme"] = fmt::format(
            "[maintenance]\ntasks = [\"backup\"]\nshutdown = \"never\"\nbackup_lab = {}\nbackup_password_file = {}\n",
            toml_string(BackupServer::lab_for_pcs(lab_address())), toml_string((backups_dir / "password").string()));
        if (lab_care)
            options.client_extra["acme"] += fmt::format("[backup]\nrepository = {}\npassword_file = {}\n",
                                                        toml_string((backups_dir / "repository").string()),
                                                        toml_string(lab_password().string()));
        options.host_extra["pc1"] =
            fmt::format("[host.maintenance]\nbackup_sources = [{}]\n", toml_string((pc1.home() / "documents").string()));
        return provision(tb, dir.path() / "netconf", options);
    }
};

/// A night of only the backup; its task's status.
std::string backup_night(const Custode& custode) {
    const auto ran = custode({"--json", "maintain", "acme", "--ssh-wait", "10"});
    INFO(ran.output);
    CHECK(ran.exit_code == 0);
    return task_in(host_in(json_of(ran.output), "pc1"), "backup").at("status");
}

}  // namespace

TEST_CASE("backups: a PC backs up night after night through the lab's append-only account, and nothing it holds "
          "can delete or overwrite a snapshot",
          "[backups]") {
    require_root();
    AppendOnlySite site("ctb-backups", "bak-append", false);
    const auto& custode = site.custode;
    auto& pc1 = site.pc1;
    auto& backups = site.backups;
    const auto lab_address = site.lab_address();
    std::ofstream(pc1.home() / "documents/invoice.txt") << "night one\n";

    CHECK(backup_night(custode) == "ok");
    REQUIRE(backups.snapshot_paths().size() == 1);
    const auto after_first = files_of(backups.repository());
    CHECK(files_under(after_first, "locks") == 0);  // the PC's own lock removed: restic may delete locks

    // From the PC, with its credentials: what ransomware there would try.
    const std::string repository = fmt::format(
        "--repo rclone:custode-lab: --option rclone.program={} --password-file {}",
        shell_quote("ssh -o BatchMode=yes " + BackupServer::lab_for_pcs(lab_address)),
        shell_quote(backups.password_file().string()));
    const auto on_pc = [&](const std::string& command) { return run(pc1.ns(), command); };
    const auto snapshots = on_pc("restic " + repository + " snapshots --json");
    REQUIRE(snapshots.ok());  // the PC reads its repository: the refusals below are the server's
    const auto snapshot_id = nlohmann::json::parse(snapshots.output).at(0).at("id").get<std::string>();
    const auto forget = on_pc("restic " + repository + " forget --prune " + snapshot_id);
    INFO(forget.output);
    CHECK_FALSE(forget.ok());  // after restic's own retries, about 50 s
    CHECK(contains(forget.output, "403 Forbidden"));  // refused by the server, not failing on the PC
    const auto data_file = std::find_if(after_first.begin(), after_first.end(),
                                        [](const auto& file) { return file.first.starts_with("data/"); });
    REQUIRE(data_file != after_first.end());
    const auto destination = fmt::format("root@{}", lab_address.to_string());
    const auto sftp_rm = on_pc(fmt::format("printf 'rm {0}\\n' | sftp -b - -P 2222 {1}",
                                           (backups.repository() / data_file->first).string(), destination));
    CHECK_FALSE(sftp_rm.ok());
    on_pc(fmt::format("ssh -p 2222 {} rm -rf {} </dev/null", destination, shell_quote(backups.repository().string())));
    CHECK(files_of(backups.repository()) == after_first);  // nothing deleted, nothing overwritten
    CHECK(backups.snapshot_paths().size() == 1);

    // The next nights go on as before.
    std::ofstream(pc1.home() / "documents/invoice.txt") << "night two\n";
    CHECK(backup_night(custode) == "ok");
    CHECK(backup_night(custode) == "ok");
    CHECK(backups.snapshot_paths().size() == 3);
    const auto after_third = files_of(backups.repository());
    for (const auto& [file, size] : after_first) {
        INFO(file);
        CHECK((after_third.contains(file) && after_third.at(file) == size));  // what was there is still there
    }
}

TEST_CASE("backups: after each night the lab keeps the client's repository itself: retention, prune and check, "
          "and the PC's next backup goes on",
          "[backups]") {
    require_root();
    AppendOnlySite site("ctb-lab-care", "bak-care", true);
    const auto& custode = site.custode;
    auto& pc1 = site.pc1;
    auto& backups = site.backups;

    const auto night = [&](const std::string& text) {
        std::ofstream(pc1.home() / "documents/invoice.txt") << text;
        const auto ran = custode({"--json", "maintain", "acme", "--ssh-wait", "10"});
        INFO(ran.output);
        CHECK(ran.exit_code == 0);
        const auto run = json_of(ran.output);
        CHECK(task_in(host_in(run, "pc1"), "backup").at("status") == "ok");
        return run.at("clients").at(0).at("backup");
    };
    // The first night: one snapshot, new to the lab, and the week's reading check.
    const auto first = night("night one\n");
    CHECK(first.at("ok") == true);
    CHECK(first.at("snapshots") == 1);
    CHECK(first.at("new_snapshots") == 1);
    CHECK(first.at("removed").empty());
    CHECK(first.at("check") == "check --read-data-subset=5%");
    REQUIRE(first.at("restores").size() == 1);  // and pc1's weekly restore test: its one file, verified
    CHECK(first.at("restores").at(0).at("ok") == true);
    CHECK(first.at("restores").at(0).at("file") == (pc1.home() / "documents/invoice.txt").string());
    CHECK(first.at("restores").at(0).at("size") == std::string("night one\n").size());
    // The second, the same day: keep_daily keeps that day's newest, so the first goes.
    const auto second = night("night two\n");
    CHECK(second.at("ok") == true);
    CHECK(second.at("new_snapshots") == 1);
    CHECK(second.at("snapshots") == 1);
    CHECK(second.at("removed").size() == 1);
    CHECK(second.at("check") == "check");
    CHECK(second.at("restores").empty());
    CHECK(backups.snapshot_paths().size() == 1);
    // What prune rewrote the PC's append-only account still reads and adds to.
    const auto third = night("night three\n");
    CHECK(third.at("ok") == true);
    CHECK(third.at("removed").size() == 1);
    CHECK(backups.snapshot_paths().size() == 1);

    // What the technician asks the next morning.
    const auto asked = custode({"--json", "backups", "acme"});
    INFO(asked.output);
    CHECK(asked.exit_code == 0);
    const auto answer = json_of(asked.output);
    CHECK(answer.at("ok") == true);
    REQUIRE(answer.at("hosts").size() == 1);
    const auto& host = answer.at("hosts").at(0);
    CHECK(host.at("snapshots") == 1);
    CHECK(host.at("stale") == false);
    CHECK(host.at("age_seconds").get<long>() < 600);
    CHECK(host.at("last_restore_test").is_string());
    CHECK(answer.at("last_care").at("removed").size() == 1);
    CHECK(answer.at("last_reading_check").is_string());
    const auto text = custode({"backups", "acme"});
    CHECK(text.exit_code == 0);
    CHECK(contains(text.output, "keep 7 daily, 4 weekly, 6 monthly, stale after 36 h"));
    CHECK(contains(text.output, "backups: 1 snapshot (1 new), 1 removed"));
}
