/// What `custode doctor` reads of files, on scratch files (no root): the state
/// file read without leaving anything beside it, a file's mode, sysctls.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "custode/os/gateway_facts.h"
#include "custode/os/state_store.h"
#include "support/temp_dir.h"

using namespace custode;
using custode::testing::TempDir;

namespace gateway_facts_test {

std::vector<std::string> names_in(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace gateway_facts_test

using namespace gateway_facts_test;

TEST_CASE("gateway facts: the state file's schema is read without a -wal, -shm or migration", "[doctor]") {
    TempDir dir("doctor-state");
    // A path SQLite's URIs must escape.
    const auto path = dir / "state 100%#?.db";
    { os::StateStore::open(path).execute("PRAGMA user_version = 3"); }
    const auto before = names_in(dir.path());
    const auto facts = os::state_facts(path);
    CHECK(facts.path == path.string());
    CHECK(facts.exists);
    CHECK(facts.writable);
    CHECK(facts.schema_version == 3);  // read, not migrated to the latest
    CHECK(facts.error.empty());
    CHECK(names_in(dir.path()) == before);

    const auto absent = os::state_facts(dir / "sub" / "state.db");
    CHECK_FALSE(absent.exists);
    CHECK(absent.writable);  // its nearest directory is
    CHECK_FALSE(absent.schema_version);
    CHECK_FALSE(std::filesystem::exists(dir / "sub"));

    std::ofstream(dir / "garbage.db") << "not a database, but long enough to hold a header of one hundred bytes......";
    const auto garbage = os::state_facts(dir / "garbage.db");
    CHECK_FALSE(garbage.schema_version);
    CHECK(garbage.error.find("not a database") != std::string::npos);
}

TEST_CASE("gateway facts: a file's type and permission bits", "[doctor]") {
    TempDir dir("doctor-file");
    const auto key = dir / "id_ed25519";
    std::ofstream(key) << "key\n";
    REQUIRE(::chmod(key.c_str(), 0640) == 0);
    const auto facts = os::file_facts(key);
    CHECK(facts.exists);
    CHECK(facts.regular);
    CHECK(facts.mode == 0640);
    CHECK_FALSE(os::file_facts(dir.path()).regular);
    CHECK_FALSE(os::file_facts(dir / "none").exists);
}

TEST_CASE("gateway facts: sysctls by dotted name, an interface name's dots kept, a missing one left out",
          "[doctor]") {
    const auto values = os::read_int_sysctls(
        {"net.ipv4.conf.lo.arp_ignore", "net.ipv4.conf.no.such.link.arp_ignore", "net.ipv4.ip_forward"});
    CHECK(values.contains("net.ipv4.conf.lo.arp_ignore"));
    CHECK(values.contains("net.ipv4.ip_forward"));
    CHECK_FALSE(values.contains("net.ipv4.conf.no.such.link.arp_ignore"));
}
