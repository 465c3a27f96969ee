/// The lab's care of a client's repository after the night (issue 19,
/// docs/backups.md "After the night"), with the real restic on a real
/// repository owned by another account, as the lab's backup account owns
/// its repositories: retention keeps exactly what the policy says of
/// snapshots made at chosen times, everything prune writes stays that
/// account's, and the weekly reading check finds a pack file the test damages.

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

/// A backup of `source` that claims to be `host`'s at `time` (restic's --time, UTC here): returns its id.
std::string backup_at(const fs::path& repository, const fs::path& source, const std::string& host,
                      const std::string& time) {
    std::ofstream(source / "journal.txt", std::ios::app) << host << " " << time << "\n";  // new data each time
    fs::permissions(source / "journal.txt", fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
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

TEST_CASE("backup care: the real restic keeps exactly what the policy says, as the repository's owner, and the "
          "reading check finds a damaged pack",
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

    // pc1 backed up on five nights over three months; pc2 once.
    const auto september = backup_at(repository, source, "pc1", "2026-09-15 00:30:00");
    const auto october = backup_at(repository, source, "pc1", "2026-10-20 00:30:00");
    const auto nov28 = backup_at(repository, source, "pc1", "2026-11-28 00:30:00");
    const auto nov29 = backup_at(repository, source, "pc1", "2026-11-29 00:30:00");
    const auto nov30 = backup_at(repository, source, "pc1", "2026-11-30 00:30:00");
    const auto pc2 = backup_at(repository, source, "pc2", "2026-11-30 00:40:00");

    Client client{*ClientName::parse("acme"), "clients/acme.toml", "", PortLink{"p-acme"}, {}, 1500, {}, {}, {}};
    // Two days and two months: pc1 keeps the 30th and 29th (days) and October (the month before).
    client.backup = BackupSpec{repository.string(), password_file.string(), RetentionPolicy{2, 0, 2}, 100};
    auto store = os::StateStore::open(dir / "state.db");
    const auto restic = app::lab_restic();
    const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());  // as stored
    const auto care = app::care_for_backups(client, *restic, store, now);
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

    // One byte of a data pack flipped on the lab's disk: the next reading check (a week on) says so.
    const auto pack = std::find_if(fs::recursive_directory_iterator(repository / "data"), fs::recursive_directory_iterator(),
                                   [](const fs::directory_entry& entry) { return entry.is_regular_file(); });
    REQUIRE(pack != fs::recursive_directory_iterator());
    {
        std::fstream file(pack->path(), std::ios::in | std::ios::out | std::ios::binary);
        const auto middle = static_cast<std::streamoff>(fs::file_size(pack->path()) / 2);
        file.seekg(middle);
        const char byte = static_cast<char>(file.get() ^ 0xff);
        file.seekp(middle);
        file.put(byte);
    }
    const auto damaged = app::care_for_backups(client, *restic, store, now + std::chrono::days(8));
    CHECK_FALSE(damaged.ok());
    CHECK(damaged.check == "check --read-data-subset=100%");
    CHECK_THAT(damaged.error, Catch::StartsWith("restic check: exit 1: "));
    CHECK_THAT(damaged.error, Catch::Contains("Fatal: repository contains errors"));
    CHECK(os::load_backup_record(store, "acme").last_data_read == now);  // the passing check's, not this one's
}
