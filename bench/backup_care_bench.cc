/// Benchmark helper (issue 19): one run of the lab's care of a repository
/// (app::care_for_backups: unlock, listing, record, retention by id, forget,
/// prune, check, a restore test per host) with a fresh state file, as the
/// first night that cares for it. Prints its seconds and outcome on one line;
/// bench/backup_care.sh times it against the restic commands a technician
/// would run instead.
///
///   custode-backup-care-bench REPOSITORY PASSWORD_FILE

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <iostream>

#include "custode/app/backup_care.h"
#include "support/temp_dir.h"

int main(int argc, char** argv) {
    using namespace custode;
    if (argc != 3) {
        std::cerr << "usage: custode-backup-care-bench REPOSITORY PASSWORD_FILE\n";
        return 2;
    }
    testing::TempDir dir("custode-bench-care");
    Client client{*ClientName::parse("bench"), "clients/bench.toml", "", PortLink{"p-bench"}, {}, 1500, {}, {}, {}};
    client.backup = BackupSpec{argv[1], argv[2], RetentionPolicy{}, 5};
    client.backup->max_age_hours = 24 * 366;  // the bench's snapshots claim past days
    auto store = os::StateStore::open(dir / "state.db");
    const auto restic = app::lab_restic();
    const auto started = std::chrono::steady_clock::now();
    const auto care = app::care_for_backups(client, *restic, store, std::chrono::system_clock::now(), 0);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << fmt::format("{:.3f} {} {}\n", seconds, care.ok() ? "ok" : "failed", backup_care_line(care));
    return care.ok() ? 0 : 1;
}
