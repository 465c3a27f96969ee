/// The lab's care of a client's repository after the night (issue 19,
/// docs/backups.md "After the night"), with the real restic on a real
/// repository owned by another account, as the lab's backup account owns
/// its repositories: retention keeps exactly what the policy says of
/// snapshots made at chosen times, everything prune writes stays that
/// account's, each host's restore test passes, and once the test damages a
/// data pack the restore test and the weekly reading check both find it.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "custode/app/backup_care.h"
#include "custode/os/backup_store.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/root.h"
#include "support/temp_dir.h"

namespace {

using namespace custode;
using namespace custode::testing;
namespace fs = std::filesystem;

/// The account that owns the repository in this test: any account but root does.
constexpr std::string_view owner = "nobody";
constexpr std::string_view password = "lab-test-password";

/// restic as the repository's owner, the password on stdin.
std::string restic_as_owner(const fs::path& repository, const std::vector<std::string>& arguments) {
    std::vector<std::string> argv{"runuser", "-u", std::string(owner), "--", "restic", "--repo", repository.string(),
                                  "--no-cache"};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_checked(argv, fmt::format("{}\n", password));
}

/// restic's JSON, past the password notice it writes before it.
nlohmann::json json_after_notice(const std::string& output) { return nlohmann::json::parse(output.substr(output.find('['))); }

/// A file the repository's owner can read.
void write_readable(const fs::path& file, const std::string& text, std::ios::openmode mode = std::ios::trunc) {
    std::ofstream(file, std::ios::out | mode) << text;
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
}

/// A backup of `source` that claims to be `host`'s at `time` (restic's --time, UTC here): returns its id.
std::string backup_at(const fs::path& repository, const fs::path& source, const std::string& host,
                      const std::string& time) {
    restic_as_owner(repository, {"backup", source.string(), "--host", host, "--time", time, "--quiet"});
    const auto listed = json_after_notice(restic_as_owner(repository, {"snapshots", "--json", "--latest", "1",
                                                                           "--host", host}));
    return listed.at(0).at("id").get<std::string>();
}

std::set<std::string> snapshot_ids(const fs::path& repository) {
    std::set<std::string> ids;
    for (const auto& snapshot : json_after_notice(restic_as_owner(repository, {"snapshots", "--json"})))
        ids.insert(snapshot.at("id").get<std::string>());
    return ids;
}

std::string short_id(const std::string& id) { return id.substr(0, 8); }

}  // namespace

TEST_CASE("backup care: the real restic keeps exactly what the policy says, as the repository's owner, restores a "
          "file of each host, and finds a damaged pack",
          "[backups]") {
    require_root();
    require_programs({"restic", "runuser"});
    TempDir dir("ctb-care");
    fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    const auto repository = dir / "repository";
    const auto source = dir / "source";
    fs::create_directories(repository);
    fs::create_directories(source);
    run_checked({"chown", std::string(owner), repository.string()});
    fs::permissions(source, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    restic_as_owner(repository, {"init"});
    const auto password_file = dir / "password";
    std::ofstream(password_file) << password << "\n";
    fs::permissions(password_file, fs::perms::owner_read | fs::perms::owner_write);

    // pc1 backed up on five nights over three months, new data each time; pc2 once.
    const auto night = [&](const std::string& host, const std::string& time) {
        write_readable(source / "journal.txt", host + " " + time + "\n", std::ios::app);
        return backup_at(repository, source, host, time);
    };
    const auto september = night("pc1", "2026-09-15 00:30:00");
    const auto october = night("pc1", "2026-10-20 00:30:00");
    const auto nov28 = night("pc1", "2026-11-28 00:30:00");
    const auto nov29 = night("pc1", "2026-11-29 00:30:00");
    // On the 30th only a 3 MiB file, so the restore tests take it: its data is the repository's
    // largest pack, which the test damages below.
    fs::remove(source / "journal.txt");
    run_checked({"dd", "if=/dev/urandom", "of=" + (source / "big.bin").string(), "bs=1M", "count=3", "status=none"});
    fs::permissions(source / "big.bin", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
    const auto nov30 = backup_at(repository, source, "pc1", "2026-11-30 00:30:00");
    const auto pc2 = backup_at(repository, source, "pc2", "2026-11-30 00:40:00");

    Client client{*ClientName::parse("acme"), "clients/acme.toml", "", PortLink{"p-acme"}, {}, 1500, {}, {}, {}};
    // Two days and two months: pc1 keeps the 30th and 29th (days) and October (the month before).
    // max_age a year: the test's backups claim last month, and are taken at their word at the first look.
    client.backup = BackupSpec{repository.string(), password_file.string(), RetentionPolicy{2, 0, 2}, 100, 24 * 366};
    auto store = os::StateStore::open(dir / "state.db");
    const auto restic = app::lab_restic();
    const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());  // as stored
    const auto care = app::care_for_backups(client, *restic, store, now, 0);
    INFO(care.error);
    CHECK(care.ok());
    CHECK(care.listed);
    CHECK(care.new_snapshots == 6);
    CHECK(care.snapshots == 4);
    CHECK(care.removed == std::vector<std::string>{"pc1 " + short_id(nov28), "pc1 " + short_id(september)});
    CHECK(care.check == "check --read-data-subset=100%");
    REQUIRE(care.bytes_before);
    REQUIRE(care.bytes_after);
    CHECK(*care.bytes_after < *care.bytes_before);  // the prune freed the two snapshots' own data
    CHECK(snapshot_ids(repository) == std::set<std::string>{nov30, nov29, october, pc2});
    for (const auto& entry : fs::recursive_directory_iterator(repository)) {
        struct stat facts {};
        REQUIRE(::stat(entry.path().c_str(), &facts) == 0);
        INFO(entry.path());
        CHECK(facts.st_uid == 65534u);  // nobody's: what the PCs' rclone serves can still read it all
    }
    // Each host's latest snapshot, restored and verified: big.bin is its only file (restic names it by its whole path).
    REQUIRE(care.restores.size() == 2);
    for (const auto& test : care.restores) {
        INFO(test.detail);
        CHECK(test.ok);
        CHECK(test.file == (source / "big.bin").string());
        CHECK(test.size == 3u << 20);
    }
    CHECK(care.restores[0].snapshot == short_id(nov30));
    CHECK(care.restores[1].snapshot == short_id(pc2));

    // One byte in the middle of the largest data pack (big.bin's data) flipped on the lab's disk.
    fs::path largest;
    for (const auto& entry : fs::recursive_directory_iterator(repository / "data"))
        if (entry.is_regular_file() && (largest.empty() || entry.file_size() > fs::file_size(largest))) largest = entry.path();
    REQUIRE(fs::file_size(largest) > 3u << 20);
    {
        std::fstream file(largest, std::ios::in | std::ios::out | std::ios::binary);
        const auto middle = static_cast<std::streamoff>(fs::file_size(largest) / 2);
        file.seekg(middle);
        const char byte = static_cast<char>(file.get() ^ 0xff);
        file.seekp(middle);
        file.put(byte);
    }
    // A week on, without the reading check: the structure is sound, but the restore test's verify finds it.
    auto structure_only = client;
    structure_only.backup->check_read_percent = 0;
    const auto restored = app::care_for_backups(structure_only, *restic, store, now + std::chrono::days(8), 0);
    CHECK(restored.error.empty());
    CHECK(restored.check == "check");
    REQUIRE(restored.restores.size() == 2);
    CHECK_FALSE(restored.restores[0].ok);
    CHECK_THAT(restored.restores[0].detail, Catch::StartsWith("restic restore: exit 1: "));
    CHECK_FALSE(restored.ok());
    // And the reading check finds the damaged pack.
    const auto damaged = app::care_for_backups(client, *restic, store, now + std::chrono::days(8), 0);
    CHECK_FALSE(damaged.ok());
    CHECK(damaged.check == "check --read-data-subset=100%");
    CHECK_THAT(damaged.error, Catch::StartsWith("restic check: exit 1: "));
    CHECK_THAT(damaged.error, Catch::Contains("Fatal: repository contains errors"));
    CHECK(os::load_backup_record(store, "acme").last_data_read == now);  // the passing check's, not this one's
}
