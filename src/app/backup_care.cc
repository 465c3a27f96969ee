#include "custode/app/backup_care.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <random>

#include "custode/core/backup_retention.h"
#include "custode/core/restic_listing.h"
#include "custode/core/error.h"
#include "custode/os/backup_store.h"
#include "custode/os/files.h"
#include "custode/os/lab_restic.h"
#include "custode/os/run_store.h"

namespace custode::app {
namespace {

namespace chr = std::chrono;

// Generous bounds: a stuck restic must not hold the night's end forever,
// but a prune or a reading check of a large repository takes its time.
constexpr chr::minutes unlock_timeout{5};
constexpr chr::minutes listing_timeout{10};
constexpr chr::hours prune_timeout{4};
constexpr chr::hours check_timeout{8};
constexpr chr::minutes restore_timeout{30};

/// How far back `custode backups` looks for the last night that cared for a client's backups.
constexpr std::size_t recent_runs_searched = 30;

/// What the report keeps of restic's words: its last lines, where the error is.
constexpr std::size_t kept_words = 1000;

/// restic's own words: its stderr (where --quiet leaves only errors), else the end of its stdout.
std::string restic_words(const os::ProgramRun& ran) {
    std::string words = ran.output.empty() ? ran.standard_output : ran.output;
    while (!words.empty() && (words.back() == '\n' || words.back() == ' ')) words.pop_back();
    return words.size() <= kept_words ? words : words.substr(words.size() - kept_words);
}

/// Empty when restic did what was asked; otherwise what the report says.
std::string failure_of(const os::ProgramRun& ran, std::string_view step, chr::milliseconds timeout) {
    if (!ran.started) return fmt::format("restic {}: did not start: {}", step, ran.error);
    if (ran.timed_out)
        return fmt::format("restic {}: killed after {} min", step, chr::duration_cast<chr::minutes>(timeout).count());
    if (ran.output_too_long) return fmt::format("restic {}: killed: it wrote more than 64 MiB", step);
    if (ran.exit_code == 0) return "";
    const auto how = ran.exit_code ? fmt::format("exit {}", *ran.exit_code) : std::string("killed by a signal");
    return fmt::format("restic {}: {}: {}", step, how, restic_words(ran));
}

class Care {
public:
    Care(const Client& client, LabRestic& restic, os::StateStore& store, chr::system_clock::time_point now,
         std::uint64_t random)
        : client_(client), backup_(*client.backup), restic_(restic), store_(store), now_(now), random_(random) {}

    void run(BackupCare& care);

private:
    /// Runs one restic step; false (and care.error set) when it failed.
    bool step(BackupCare& care, const std::vector<std::string>& arguments, chr::milliseconds timeout,
              os::ProgramRun* result = nullptr) {
        auto ran = restic_.run(backup_, arguments, timeout);
        care.error = failure_of(ran, arguments.front(), timeout);
        if (result) *result = std::move(ran);
        return care.error.empty();
    }
    std::optional<std::vector<RecordedSnapshot>> look(BackupCare& care, const os::BackupRecord& record);
    std::optional<std::vector<RecordedSnapshot>> apply_retention(BackupCare& care,
                                                                 const std::vector<RecordedSnapshot>& looked);
    bool check(BackupCare& care, const os::BackupRecord& record);
    RestoreTest restore_test(const RecordedSnapshot& snapshot);
    std::chrono::hours max_age() const { return std::chrono::hours(backup_.max_age_hours); }

    const Client& client_;
    const BackupSpec& backup_;
    LabRestic& restic_;
    os::StateStore& store_;
    const chr::system_clock::time_point now_;
    std::mt19937_64 random_;
};

void Care::run(BackupCare& care) {
    // Stale locks only: a lock of a restic still running (a PC's late backup) stays, and then forget says so.
    if (!step(care, {"unlock"}, unlock_timeout)) return;
    const auto record = os::load_backup_record(store_, client_.name.str());
    const auto looked = look(care, record);
    if (!looked) return;
    const auto kept = apply_retention(care, *looked);
    if (!kept || !check(care, record)) return;
    if (backup_.restore_test_days == 0) return;
    // Each host's newest snapshot after retention, by the time the lab trusts.
    for (const auto& host : host_backups(*kept, now_, max_age())) {
        const auto last = record.last_restore.find(host.host);
        const auto last_passed = last == record.last_restore.end() ? std::nullopt : std::optional(last->second);
        if (!periodic_due(last_passed, now_, std::chrono::days(backup_.restore_test_days))) continue;
        care.restores.push_back(restore_test(host.latest));
        if (care.restores.back().ok) os::save_restore_test(store_, client_.name.str(), host.host, now_);
    }
}

/// The listing, read and recorded as this look: the snapshots new tonight,
/// and those among them whose own time lies.
std::optional<std::vector<RecordedSnapshot>> Care::look(BackupCare& care, const os::BackupRecord& record) {
    os::ProgramRun listed;
    if (!step(care, {"snapshots", "--json"}, listing_timeout, &listed)) return std::nullopt;
    const auto listing = read_snapshot_listing(listed.standard_output);
    if (!listing.ok()) {
        care.error = "restic snapshots: the listing does not read, nothing of it used: " + listing.error;
        return std::nullopt;
    }
    auto looked = record_look(record.snapshots, listing.snapshots, record.last_look, now_);
    os::save_backup_look(store_, client_.name.str(), looked, now_);
    care.listed = true;
    care.snapshots = static_cast<int>(looked.size());
    for (const auto& host : host_backups(looked, now_, max_age()))
        if (host.stale) care.stale.push_back(stale_line(host));
    for (const auto& snapshot : looked) {
        if (snapshot.seen != now_) continue;
        ++care.new_snapshots;
        if (time_forged_by(snapshot) > forged_time_tolerance) care.forged.push_back(forged_time_line(snapshot));
    }
    return looked;
}

/// forget what the policy leaves out, by id (never by the PCs' times), and
/// prune in the same restic: every restic opens the repository anew (its key
/// derivation alone about half a second), so one run, not two. Should it fail,
/// the record keeps every snapshot until the next look sees what is gone.
/// Returns the snapshots kept, none when the step failed.
std::optional<std::vector<RecordedSnapshot>> Care::apply_retention(BackupCare& care,
                                                                   const std::vector<RecordedSnapshot>& looked) {
    const auto plan = plan_retention(looked, backup_.keep);
    if (plan.remove.empty()) return looked;
    care.bytes_before = restic_.repository_bytes(backup_);
    std::vector<std::string> forget{"forget", "--prune"};
    forget.insert(forget.end(), plan.remove.begin(), plan.remove.end());
    if (!step(care, forget, prune_timeout)) return std::nullopt;
    std::map<std::string, const RecordedSnapshot*> by_id;
    for (const auto& snapshot : looked) by_id.emplace(snapshot.id, &snapshot);
    std::vector<RecordedSnapshot> kept;
    for (const auto& id : plan.keep) kept.push_back(*by_id.at(id));
    for (const auto& id : plan.remove) care.removed.push_back(snapshot_label(*by_id.at(id)));
    os::save_backup_look(store_, client_.name.str(), kept, now_);
    care.snapshots = static_cast<int>(kept.size());
    care.bytes_after = restic_.repository_bytes(backup_);
    return kept;
}

bool Care::check(BackupCare& care, const os::BackupRecord& record) {
    const bool read = backup_.check_read_percent > 0 && periodic_due(record.last_data_read, now_, reading_check_every);
    std::vector<std::string> arguments{"check"};
    if (read) arguments.push_back(fmt::format("--read-data-subset={}%", backup_.check_read_percent));
    care.check = fmt::format("{}", fmt::join(arguments, " "));
    if (!step(care, arguments, check_timeout)) return false;
    if (read) os::save_data_read(store_, client_.name.str(), now_);
    return true;
}

/// One file of `snapshot`, chosen at random, restored into a scratch
/// directory with `--verify` (restic compares each restored blob with the
/// hash the snapshot records for it), then found there at its listed size.
RestoreTest Care::restore_test(const RecordedSnapshot& snapshot) {
    RestoreTest test{snapshot.host, snapshot.id.substr(0, 8), "", 0, false, ""};
    const auto failed = [&](std::string detail) {
        test.detail = std::move(detail);
        return test;
    };
    const auto listed = restic_.run(backup_, {"ls", "--json", snapshot.id}, listing_timeout);
    if (auto failure = failure_of(listed, "ls", listing_timeout); !failure.empty()) return failed(std::move(failure));
    const auto listing = read_file_listing(listed.standard_output);
    if (!listing.ok()) return failed(fmt::format("restic ls: the listing of {} does not read: {}", test.snapshot, listing.error));
    const auto chosen = choose_restore_file(listing.files, random_());
    if (!chosen) return failed(fmt::format("snapshot {} holds no file a restore test can take", test.snapshot));
    test.file = chosen->path;
    test.size = chosen->size;
    const auto scratch = restic_.restore_scratch(backup_);
    const auto restored = restic_.run(backup_,
                                      {"restore", snapshot.id, "--include", chosen->path, "--target",
                                       scratch->path().string(), "--verify"},
                                      restore_timeout);
    if (auto failure = failure_of(restored, "restore", restore_timeout); !failure.empty()) return failed(std::move(failure));
    const auto file = scratch->path() / std::filesystem::path(chosen->path).relative_path();
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error))
        return failed(fmt::format("restic restore said nothing wrong, but {} was not restored", chosen->path));
    const auto size = std::filesystem::file_size(file, error);
    if (size != chosen->size)
        return failed(fmt::format("{} restored with {} bytes, the snapshot lists {}", chosen->path, size, chosen->size));
    test.ok = true;
    return test;
}

class GatewayRestic final : public LabRestic {
public:
    os::ProgramRun run(const BackupSpec& backup, const std::vector<std::string>& arguments,
                       chr::milliseconds timeout) override {
        os::require_private_secret(backup.password_file, "backup.password_file");
        const auto text = os::read_text_file(backup.password_file);
        const auto password = std::string_view(text).substr(0, text.find('\n'));  // restic's own rule: the first line
        return os::run_lab_restic(backup.repository, password, arguments, timeout);
    }
    std::uint64_t repository_bytes(const BackupSpec& backup) override { return os::directory_bytes(backup.repository); }
    std::unique_ptr<os::RestoreScratch> restore_scratch(const BackupSpec& backup) override {
        return std::make_unique<os::RestoreScratch>(backup.repository);
    }
};

}  // namespace

std::unique_ptr<LabRestic> lab_restic() { return std::make_unique<GatewayRestic>(); }

BackupCare care_for_backups(const Client& client, LabRestic& restic, os::StateStore& store,
                            chr::system_clock::time_point now, std::uint64_t random) {
    const auto started = chr::steady_clock::now();
    BackupCare care;
    try {
        Care(client, restic, store, now, random).run(care);
    } catch (const std::exception& error) {  // the state file, the password file, the repository directory
        care.error = error.what();
    }
    care.seconds = chr::duration<double>(chr::steady_clock::now() - started).count();
    return care;
}

bool ClientBackups::ok() const {
    return std::none_of(hosts.begin(), hosts.end(), [](const HostBackups& host) { return host.stale; }) &&
           (!last_care || last_care->ok());
}

ClientBackups client_backups(const std::filesystem::path& state, const Client& client,
                             chr::system_clock::time_point now) {
    if (!client.backup)
        throw UsageError(fmt::format("client {} has no [backup] in {}: the lab does not keep its repository "
                                     "(docs/backups.md)",
                                     client.name.str(), client.file));
    const auto store = os::StateStore::open(state);
    auto record = os::load_backup_record(store, client.name.str());
    ClientBackups backups{client.name.str(),
                          *client.backup,
                          record.last_look,
                          record.last_data_read,
                          host_backups(record.snapshots, now, chr::hours(client.backup->max_age_hours)),
                          std::move(record.last_restore),
                          std::nullopt,
                          std::nullopt};
    // The newest run that reached this client's backups; a run without them (a dry run, a circuit down) is passed over.
    for (const auto& run : os::list_runs(store, client.name.str(), recent_runs_searched)) {
        const auto loaded = os::load_run(store, run.id);
        if (!loaded) continue;
        for (const auto& cared : loaded->clients)
            if (cared.client == backups.client && cared.backup) {
                backups.last_run = run.id;
                backups.last_care = cared.backup;
                return backups;
            }
    }
    return backups;
}

}  // namespace custode::app
