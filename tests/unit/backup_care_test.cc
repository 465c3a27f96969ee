#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <fstream>
#include <map>

#include "custode/app/backup_care.h"
#include "custode/os/backup_store.h"
#include "support/temp_dir.h"

using namespace custode;
using namespace std::chrono;

namespace {

/// A repository as the lab's restic would show it: a listing, and scripted failures by step.
class FakeRestic final : public app::LabRestic {
public:
    std::string listing = "[]";
    /// `ls --json`'s lines for any snapshot: a directory and two files.
    std::string files = R"({"struct_type":"snapshot","id":"x"}
{"name":"docs","type":"dir","path":"/docs","struct_type":"node"}
{"name":"a.txt","type":"file","path":"/docs/a.txt","size":12,"struct_type":"node"}
{"name":"b.txt","type":"file","path":"/docs/b.txt","size":30,"struct_type":"node"}
)";
    std::optional<std::uintmax_t> restored_size;     ///< what `restore` writes; unset: the listed size
    bool restore_writes = true;                      ///< false: restore "succeeds" and writes nothing
    std::map<std::string, os::ProgramRun> failures;  ///< by the step's first argument
    std::vector<std::string> calls;                  ///< each call's arguments, joined by spaces (the scratch as SCRATCH)
    std::vector<std::uint64_t> sizes{5000, 2000};    ///< repository_bytes answers, in turn

    os::ProgramRun run(const BackupSpec& backup, const std::vector<std::string>& arguments, milliseconds) override {
        CHECK(backup.repository == "/srv/custode-backups/acme");
        auto shown = arguments;
        if (arguments.front() == "restore") {
            REQUIRE(arguments.size() == 7);
            CHECK(arguments[4] == "--target");
            shown[5] = "SCRATCH";
        }
        calls.push_back(fmt::format("{}", fmt::join(shown, " ")));
        if (const auto failure = failures.find(arguments.front()); failure != failures.end()) return failure->second;
        os::ProgramRun ran{true, 0, false, "", "", false, ""};
        if (arguments.front() == "snapshots") ran.standard_output = listing;
        if (arguments.front() == "ls") ran.standard_output = files;
        if (arguments.front() == "restore" && restore_writes) {
            const auto file = std::filesystem::path(arguments[5]) / std::filesystem::path(arguments[3]).relative_path();
            std::filesystem::create_directories(file.parent_path());
            const auto size = restored_size.value_or(arguments[3] == "/docs/a.txt" ? 12 : 30);
            std::ofstream(file) << std::string(size, 'x');
            restored.push_back(file);
        }
        return ran;
    }
    std::unique_ptr<os::RestoreScratch> restore_scratch(const BackupSpec&) override {
        return std::make_unique<os::RestoreScratch>(owner.path());
    }
    std::vector<std::filesystem::path> restored;  ///< the files restore wrote
    testing::TempDir owner{"custode-fake-repository"};  ///< whose owner the scratch gets
    std::uint64_t repository_bytes(const BackupSpec&) override {
        const auto size = sizes.front();
        if (sizes.size() > 1) sizes.erase(sizes.begin());
        return size;
    }
};

os::ProgramRun exited_with(int code, std::string errors) { return {true, code, false, std::move(errors), "", false, ""}; }

std::string care_id(char digit) { return std::string(64, digit); }

std::string listed(const std::vector<std::tuple<char, std::string, std::string>>& snapshots) {
    std::string json = "[";
    for (const auto& [digit, host, time] : snapshots)
        json += fmt::format(R"({}{{"id":"{}","hostname":"{}","time":"{}","paths":["/home"]}})", json.size() > 1 ? "," : "",
                            care_id(digit), host, time);
    return json + "]";
}

Client client_with_backup(RetentionPolicy keep = {1, 0, 0}) {
    Client client{*ClientName::parse("acme"), "clients/acme.toml", "", PortLink{"p-acme"}, {}, 1500, {}, {}, {}};
    client.backup = BackupSpec{"/srv/custode-backups/acme", "/etc/custode/acme.restic", keep, 5};
    return client;
}

/// 2026-12-07 01:00 UTC plus `days`: a night's end.
TimePoint care_night(int days) { return sys_days{year{2026} / December / 7} + hours{1} + ::days{days}; }

}  // namespace

TEST_CASE("backup care: stale locks cleared, the look recorded, retention by id, prune, and the week's reading check",
          "[backups][maintain]") {
    auto store = os::StateStore::open(":memory:");
    FakeRestic restic;
    const auto client = client_with_backup();
    restic.listing = listed({{'a', "pc1", "2026-12-05T00:30:00Z"}, {'b', "pc1", "2026-12-06T00:30:00Z"},
                             {'c', "pc1", "2026-12-07T00:30:00Z"}, {'d', "pc2", "2026-12-07T00:40:00Z"}});
    const auto care = app::care_for_backups(client, restic, store, care_night(0), 0);

    // Each host's restore test; seeded 0 the generator picks a.txt, then b.txt (std::mt19937_64 is the same everywhere).
    CHECK(restic.calls == std::vector<std::string>{"unlock", "snapshots --json",
                                                   "forget --prune " + care_id('b') + " " + care_id('a'),
                                                   "check --read-data-subset=5%",
                                                   "ls --json " + care_id('c'),
                                                   "restore " + care_id('c') + " --include /docs/a.txt --target SCRATCH --verify",
                                                   "ls --json " + care_id('d'),
                                                   "restore " + care_id('d') + " --include /docs/b.txt --target SCRATCH --verify"});
    CHECK(care.restores == std::vector<RestoreTest>{{"pc1", "cccccccc", "/docs/a.txt", 12, true, ""},
                                                    {"pc2", "dddddddd", "/docs/b.txt", 30, true, ""}});
    REQUIRE(restic.restored.size() == 2);
    for (const auto& file : restic.restored) CHECK_FALSE(std::filesystem::exists(file.parent_path().parent_path()));  // scratch gone
    CHECK(care.error.empty());
    CHECK(care.listed);
    CHECK(care.new_snapshots == 4);
    CHECK(care.snapshots == 2);
    CHECK(care.removed == std::vector<std::string>{"pc1 bbbbbbbb", "pc1 aaaaaaaa"});
    CHECK(care.bytes_before == 5000u);
    CHECK(care.bytes_after == 2000u);
    CHECK(care.check == "check --read-data-subset=5%");
    CHECK(care.forged.empty());  // a first look takes the claims at their word
    CHECK(care.ok());
    const auto record = os::load_backup_record(store, "acme");
    REQUIRE(record.snapshots.size() == 2);  // the forgotten ones leave the record at once
    CHECK(record.snapshots[0].id == care_id('c'));
    CHECK(record.snapshots[1].id == care_id('d'));
    CHECK(record.last_look == care_night(0));
    CHECK(record.last_data_read == care_night(0));
    CHECK(record.last_restore == std::map<std::string, TimePoint>{{"pc1", care_night(0)}, {"pc2", care_night(0)}});

    SECTION("the next nights check structure only, until a week has passed; nothing to remove, nothing pruned") {
        restic.calls.clear();
        restic.listing = listed({{'c', "pc1", "2026-12-07T00:30:00Z"}, {'d', "pc2", "2026-12-07T00:40:00Z"}});
        const auto next = app::care_for_backups(client, restic, store, care_night(1), 0);
        CHECK(restic.calls == std::vector<std::string>{"unlock", "snapshots --json", "check"});  // restore tests: weekly
        CHECK(next.restores.empty());
        CHECK(next.new_snapshots == 0);
        CHECK(next.snapshots == 2);
        CHECK_FALSE(next.bytes_before);
        CHECK(next.check == "check");
        restic.calls.clear();
        // A week later, started a few minutes earlier in the night: the reading check is due.
        const auto week = app::care_for_backups(client, restic, store, care_night(7) - minutes(10), 1);
        CHECK(restic.calls.at(2) == "check --read-data-subset=5%");
        CHECK(week.restores.size() == 2);
        // Nothing new in a week: both hosts' newest backups are past max_age (36 h).
        CHECK(week.stale == std::vector<std::string>{"pc1: newest backup 7 days old", "pc2: newest backup 7 days old"});
        CHECK_FALSE(week.ok());
        CHECK(next.stale.empty());
    }
    SECTION("a snapshot whose claimed time lies is reported, and retention counts it as made tonight") {
        restic.calls.clear();
        // Appeared between last night's look and tonight's, claiming a day a month back.
        restic.listing = listed({{'c', "pc1", "2026-12-07T00:30:00Z"}, {'d', "pc2", "2026-12-07T00:40:00Z"},
                                 {'e', "pc1", "2026-11-01T00:00:00Z"}});
        const auto next = app::care_for_backups(client, restic, store, care_night(1), 0);
        REQUIRE(next.forged.size() == 1);
        CHECK(next.forged[0] == "pc1 eeeeeeee claims 2026-11-01T00:00:00Z, appeared between 2026-12-07T01:00:00Z "
                                "and 2026-12-08T01:00:00Z");
        CHECK_FALSE(next.ok());
        // Newest by the lab's record, so c (the real backup of the 7th) goes, not the backdated e.
        CHECK(next.removed == std::vector<std::string>{"pc1 cccccccc"});
    }
}

TEST_CASE("backup care: a step that fails stops the care, says restic's words, and leaves the rest undone",
          "[backups][maintain]") {
    auto store = os::StateStore::open(":memory:");
    FakeRestic restic;
    const auto client = client_with_backup();
    restic.listing = listed({{'a', "pc1", "2026-12-05T00:30:00Z"}, {'b', "pc1", "2026-12-06T00:30:00Z"}});

    SECTION("unlock: nothing looked at") {
        restic.failures["unlock"] =
            exited_with(1, "Fatal: unable to open config file: no such file\n");
        const auto care = app::care_for_backups(client, restic, store, care_night(0), 0);
        CHECK(care.error == "restic unlock: exit 1: Fatal: unable to open config file: no such file");
        CHECK_FALSE(care.listed);
        CHECK(restic.calls.size() == 1);
        CHECK_FALSE(os::load_backup_record(store, "acme").last_look);
    }
    SECTION("a listing that does not read: nothing of it recorded or forgotten") {
        restic.listing = R"([{"id":"abc","hostname":"pc1","time":"2026-12-05T00:30:00Z"}])";
        const auto care = app::care_for_backups(client, restic, store, care_night(0), 0);
        CHECK(care.error == "restic snapshots: the listing does not read, nothing of it used: /0/id: not a snapshot id "
                            "(64 hex digits)");
        CHECK(restic.calls.size() == 2);
        CHECK_FALSE(os::load_backup_record(store, "acme").last_look);
    }
    SECTION("forget (a PC still holds its lock): the record keeps every snapshot, nothing checked") {
        restic.failures["forget"] = exited_with(1, "unable to create lock in backend: repository is already locked by PID 9\n");
        const auto care = app::care_for_backups(client, restic, store, care_night(0), 0);
        CHECK(care.error == "restic forget: exit 1: unable to create lock in backend: repository is already locked by PID 9");
        CHECK(care.removed.empty());
        CHECK(care.snapshots == 2);
        CHECK(restic.calls.size() == 3);
        CHECK(os::load_backup_record(store, "acme").snapshots.size() == 2);
    }
    SECTION("check: the reading check is not recorded as done, so the next night reads again") {
        restic.failures["check"] = exited_with(1, "Pack ID does not match, want 1a2b, got 3c4d\nFatal: repository contains errors\n");
        const auto care = app::care_for_backups(client, restic, store, care_night(0), 0);
        CHECK(care.error == "restic check: exit 1: Pack ID does not match, want 1a2b, got 3c4d\n"
                            "Fatal: repository contains errors");
        CHECK(care.removed.size() == 1);
        CHECK(care.restores.empty());  // nothing restored from a repository the check found wrong
        CHECK_FALSE(os::load_backup_record(store, "acme").last_data_read);
        restic.failures.clear();
        restic.calls.clear();
        restic.listing = listed({{'b', "pc1", "2026-12-06T00:30:00Z"}});
        app::care_for_backups(client, restic, store, care_night(1), 0);
        CHECK(restic.calls.at(2) == "check --read-data-subset=5%");
    }
    SECTION("a restic killed at its timeout, or not installed") {
        restic.failures["forget"] = {true, std::nullopt, true, "", "", false, ""};
        CHECK(app::care_for_backups(client, restic, store, care_night(0), 0).error == "restic forget: killed after 240 min");
        restic.failures.clear();
        restic.failures["unlock"] = {false, std::nullopt, false, "", "", false, "/usr/bin/restic: no such file"};
        CHECK(app::care_for_backups(client, restic, store, care_night(1), 0).error ==
              "restic unlock: did not start: /usr/bin/restic: no such file");
    }
}

TEST_CASE("backup care: reading checks and restore tests can be turned off, and restore tests come at their own pace",
          "[backups][maintain]") {
    auto store = os::StateStore::open(":memory:");
    FakeRestic restic;
    restic.listing = listed({{'a', "pc1", "2026-12-06T00:30:00Z"}});
    auto client = client_with_backup();
    client.backup->check_read_percent = 0;
    client.backup->restore_test_days = 0;
    app::care_for_backups(client, restic, store, care_night(0), 0);
    CHECK(restic.calls == std::vector<std::string>{"unlock", "snapshots --json", "check"});

    client.backup->restore_test_days = 2;
    restic.calls.clear();
    CHECK(app::care_for_backups(client, restic, store, care_night(1), 0).restores.size() == 1);
    CHECK(app::care_for_backups(client, restic, store, care_night(2), 0).restores.empty());
    CHECK(app::care_for_backups(client, restic, store, care_night(3), 0).restores.size() == 1);
}

TEST_CASE("backup care: a restore test that fails is the technician's, names the file, and is tried again the next night",
          "[backups][maintain]") {
    auto store = os::StateStore::open(":memory:");
    FakeRestic restic;
    const auto client = client_with_backup();
    restic.listing = listed({{'a', "pc1", "2026-12-06T00:30:00Z"}});
    const auto failing = [&](auto&& change, const std::string& detail) {
        FakeRestic broken;
        broken.listing = restic.listing;
        change(broken);
        auto scratch_store = os::StateStore::open(":memory:");
        const auto care = app::care_for_backups(client, broken, scratch_store, care_night(0), 0);
        REQUIRE(care.restores.size() == 1);
        CHECK_FALSE(care.restores[0].ok);
        CHECK(care.restores[0].detail == detail);
        CHECK_FALSE(care.ok());
        CHECK(care.error.empty());  // the care itself went through
        CHECK(os::load_backup_record(scratch_store, "acme").last_restore.empty());
        return care;
    };
    const auto damaged = failing(
        [](FakeRestic& r) {
            r.failures["restore"] = exited_with(1, "decrypting blob 338add2b failed: ciphertext verification failed\n");
        },
        "restic restore: exit 1: decrypting blob 338add2b failed: ciphertext verification failed");
    CHECK(damaged.restores[0].file == "/docs/a.txt");
    CHECK(backup_care_line(damaged) == "backups: 1 snapshot (1 new), restic check --read-data-subset=5% passed; restore "
                                       "test pc1 failed: restic restore: exit 1: decrypting blob 338add2b failed: "
                                       "ciphertext verification failed");
    failing([](FakeRestic& r) { r.restored_size = 11; }, "/docs/a.txt restored with 11 bytes, the snapshot lists 12");
    failing([](FakeRestic& r) { r.restore_writes = false; },
            "restic restore said nothing wrong, but /docs/a.txt was not restored");
    failing([](FakeRestic& r) { r.files = "{\"struct_type\":\"snapshot\"}\n"; },
            "snapshot aaaaaaaa holds no file a restore test can take");
    failing([](FakeRestic& r) { r.files = "{\"type\":\"file\",\"path\":\"/x\"}\n"; },
            "restic ls: the listing of aaaaaaaa does not read: line 1: a file without a size");

    // A pass the night after a failure: restore tests are due until one passes.
    const auto first = app::care_for_backups(client, restic, store, care_night(0), 0);
    CHECK(first.ok());
    CHECK(backup_care_line(first) == "backups: 1 snapshot (1 new), restic check --read-data-subset=5% passed, restore "
                                     "test pc1 /docs/a.txt (12 B) verified");
}

TEST_CASE("custode backups: a client without [backup] is told so, naming its file", "[backups]") {
    testing::TempDir dir("custode-backups-cli");
    Client client{*ClientName::parse("acme"), "clients/acme.toml", "", PortLink{"p-acme"}, {}, 1500, {}, {}, {}};
    CHECK_THROWS_WITH(app::client_backups(dir / "state.db", client, care_night(0)),
                      "client acme has no [backup] in clients/acme.toml: the lab does not keep its repository "
                      "(docs/backups.md)");
    client = client_with_backup();
    auto store = os::StateStore::open(dir / "state.db");
    FakeRestic restic;
    restic.listing = listed({{'a', "pc1", "2026-12-06T00:30:00Z"}});
    app::care_for_backups(client, restic, store, care_night(0), 0);
    const auto backups = app::client_backups(dir / "state.db", client, care_night(0) + hours(1));
    REQUIRE(backups.hosts.size() == 1);
    CHECK(backups.hosts[0].latest.id == care_id('a'));
    CHECK(backups.hosts[0].age == hours(25) + minutes(30));
    CHECK(backups.last_look == care_night(0));
    CHECK(backups.last_restore.at("pc1") == care_night(0));
    CHECK_FALSE(backups.last_run);  // no run record holds it: care_for_backups alone records no run
}
