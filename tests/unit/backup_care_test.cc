#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <map>

#include "custode/app/backup_care.h"
#include "custode/os/backup_store.h"

using namespace custode;
using namespace std::chrono;

namespace {

/// A repository as the lab's restic would show it: a listing, and scripted failures by step.
class FakeRestic final : public app::LabRestic {
public:
    std::string listing = "[]";
    std::map<std::string, os::ProgramRun> failures;  ///< by the step's first argument
    std::vector<std::string> calls;                  ///< each call's arguments, joined by spaces
    std::vector<std::uint64_t> sizes{5000, 2000};    ///< repository_bytes answers, in turn

    os::ProgramRun run(const BackupSpec& backup, const std::vector<std::string>& arguments, milliseconds) override {
        CHECK(backup.repository == "/srv/custode-backups/acme");
        calls.push_back(fmt::format("{}", fmt::join(arguments, " ")));
        if (const auto failure = failures.find(arguments.front()); failure != failures.end()) return failure->second;
        os::ProgramRun ran{true, 0, false, "", "", false, ""};
        if (arguments.front() == "snapshots") ran.standard_output = listing;
        return ran;
    }
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
    const auto care = app::care_for_backups(client, restic, store, care_night(0));

    CHECK(restic.calls == std::vector<std::string>{"unlock", "snapshots --json",
                                                   "forget " + care_id('b') + " " + care_id('a'), "prune",
                                                   "check --read-data-subset=5%"});
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

    SECTION("the next nights check structure only, until a week has passed; nothing to remove, nothing pruned") {
        restic.calls.clear();
        restic.listing = listed({{'c', "pc1", "2026-12-07T00:30:00Z"}, {'d', "pc2", "2026-12-07T00:40:00Z"}});
        const auto next = app::care_for_backups(client, restic, store, care_night(1));
        CHECK(restic.calls == std::vector<std::string>{"unlock", "snapshots --json", "check"});
        CHECK(next.new_snapshots == 0);
        CHECK(next.snapshots == 2);
        CHECK_FALSE(next.bytes_before);
        CHECK(next.check == "check");
        restic.calls.clear();
        // A week later, started a few minutes earlier in the night: the reading check is due.
        app::care_for_backups(client, restic, store, care_night(7) - minutes(10));
        CHECK(restic.calls.back() == "check --read-data-subset=5%");
    }
    SECTION("a snapshot whose claimed time lies is reported, and retention counts it as made tonight") {
        restic.calls.clear();
        // Appeared between last night's look and tonight's, claiming a day a month back.
        restic.listing = listed({{'c', "pc1", "2026-12-07T00:30:00Z"}, {'d', "pc2", "2026-12-07T00:40:00Z"},
                                 {'e', "pc1", "2026-11-01T00:00:00Z"}});
        const auto next = app::care_for_backups(client, restic, store, care_night(1));
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
        const auto care = app::care_for_backups(client, restic, store, care_night(0));
        CHECK(care.error == "restic unlock: exit 1: Fatal: unable to open config file: no such file");
        CHECK_FALSE(care.listed);
        CHECK(restic.calls.size() == 1);
        CHECK_FALSE(os::load_backup_record(store, "acme").last_look);
    }
    SECTION("a listing that does not read: nothing of it recorded or forgotten") {
        restic.listing = R"([{"id":"abc","hostname":"pc1","time":"2026-12-05T00:30:00Z"}])";
        const auto care = app::care_for_backups(client, restic, store, care_night(0));
        CHECK(care.error == "restic snapshots: the listing does not read, nothing of it used: /0/id: not a snapshot id "
                            "(64 hex digits)");
        CHECK(restic.calls.size() == 2);
        CHECK_FALSE(os::load_backup_record(store, "acme").last_look);
    }
    SECTION("forget (a PC still holds its lock): the record keeps every snapshot, nothing pruned or checked") {
        restic.failures["forget"] = exited_with(1, "unable to create lock in backend: repository is already locked by PID 9\n");
        const auto care = app::care_for_backups(client, restic, store, care_night(0));
        CHECK(care.error == "restic forget: exit 1: unable to create lock in backend: repository is already locked by PID 9");
        CHECK(care.removed.empty());
        CHECK(care.snapshots == 2);
        CHECK(restic.calls.size() == 3);
        CHECK(os::load_backup_record(store, "acme").snapshots.size() == 2);
    }
    SECTION("check: the reading check is not recorded as done, so the next night reads again") {
        restic.failures["check"] = exited_with(1, "Pack ID does not match, want 1a2b, got 3c4d\nFatal: repository contains errors\n");
        const auto care = app::care_for_backups(client, restic, store, care_night(0));
        CHECK(care.error == "restic check: exit 1: Pack ID does not match, want 1a2b, got 3c4d\n"
                            "Fatal: repository contains errors");
        CHECK(care.removed.size() == 1);
        CHECK_FALSE(os::load_backup_record(store, "acme").last_data_read);
        restic.failures.clear();
        restic.calls.clear();
        restic.listing = listed({{'b', "pc1", "2026-12-06T00:30:00Z"}});
        app::care_for_backups(client, restic, store, care_night(1));
        CHECK(restic.calls.back() == "check --read-data-subset=5%");
    }
    SECTION("a restic killed at its timeout, or not installed") {
        restic.failures["prune"] = {true, std::nullopt, true, "", "", false, ""};
        CHECK(app::care_for_backups(client, restic, store, care_night(0)).error == "restic prune: killed after 240 min");
        restic.failures.clear();
        restic.failures["unlock"] = {false, std::nullopt, false, "", "", false, "/usr/bin/restic: no such file"};
        CHECK(app::care_for_backups(client, restic, store, care_night(1)).error ==
              "restic unlock: did not start: /usr/bin/restic: no such file");
    }
}

TEST_CASE("backup care: reading checks can be turned off", "[backups][maintain]") {
    auto store = os::StateStore::open(":memory:");
    FakeRestic restic;
    auto client = client_with_backup();
    client.backup->check_read_percent = 0;
    app::care_for_backups(client, restic, store, care_night(0));
    CHECK(restic.calls.back() == "check");
}
