/// The state file under stress on the real binary (issue 13, item 3;
/// docs/reliability.md, "State file under stress"): `custode apply` of a new
/// client with its state file on a full disk, on a read-only file system,
/// held by another writer, or truncated mid-page. Each exits 3 naming the
/// file, creates nothing (the state file is checked before any change), and
/// leaves every earlier record whole. The mounts are made in a private mount
/// namespace (`unshare --mount`), never in the machine's own.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fmt/format.h>

#include "custode/os/sqlite.h"
#include "custode/os/state_store.h"
#include "netns/support.h"
#include "support/literals.h"
#include "support/programs.h"
#include "support/root.h"
#include "support/temp_dir.h"
#include "testbed/netns.h"
#include "testbed/testbed.h"

namespace state_stress_netns {

using namespace custode;
using namespace custode::testbed;
using namespace custode::testing;
namespace fs = std::filesystem;

/// acme on a port, applied and removed once, so the state file holds two
/// audit records; then acme's netconf is pending again.
struct StressLab {
    TempDir dir{"ctb-state"};
    Testbed tb;
    Site& acme;
    Custode custode;
    fs::path state;

    explicit StressLab(std::string_view tag)
        : tb(tag), acme(tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"))),
          custode{tb, (tb.connect_port(acme), tb.write_netconf(dir / "netconf"))}, state(dir / "netconf/state.db") {
        REQUIRE(custode({"apply"}).exit_code == 0);
        REQUIRE(custode({"remove", "acme"}).exit_code == 0);
        REQUIRE(audit_count(state) == 2);
    }

    std::string client_namespace() const { return tb.custode_prefix() + "acme"; }

    /// `custode --state STATE apply` in the gateway, after `setup` in a private
    /// mount namespace of its own; `after` runs there too (to copy files out).
    CommandResult apply_in_private_mounts(const fs::path& state_file, const std::string& setup,
                                          const std::string& after) {
        require_programs({"unshare", "nsenter"});
        const auto script = fmt::format("set -e; {}; set +e; {} --netconf {} --state {} apply; code=$?; {}; exit $code",
                                        setup, CUSTODE_BINARY, (dir / "netconf").string(), state_file.string(), after);
        const auto result = tb.in_gateway({"unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script});
        UNSCOPED_INFO("$ " << script << "\n-> exit " << result.exit_code << "\n" << result.output);
        return result;
    }

    static std::int64_t audit_count(const fs::path& file) {
        const auto store = os::StateStore::open(file);
        return static_cast<std::int64_t>(store.audit_records(1000).size());
    }
};

std::string integrity_of(const fs::path& file) {
    auto db = os::Database::open(file);
    auto check = db.prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    return check.column_text(0);
}


TEST_CASE("state stress: apply with the state file on a full disk exits 3 naming it and creates nothing",
          "[state][stress]") {
    require_root();
    StressLab lab("st-full");
    const auto mnt = lab.dir / "mnt";
    const auto out = lab.dir / "out";
    fs::create_directories(mnt);
    fs::create_directories(out);
    const auto ran = lab.apply_in_private_mounts(
        mnt / "state.db",
        fmt::format("mount -t tmpfs -o size=512k custode-test-full {0} && cp {1} {0}/state.db && "
                    "(dd if=/dev/zero of={0}/filler bs=4k 2>/dev/null || true)",
                    mnt.string(), lab.state.string()),
        fmt::format("cp {}/state.db {}/", mnt.string(), out.string()));
    CHECK(ran.exit_code == 3);
    CHECK(contains(ran.output, (mnt / "state.db").string()));
    CHECK(contains(ran.output, "No space left on device"));
    CHECK_FALSE(namespace_exists(lab.client_namespace()));
    CHECK(fs::is_empty(mnt));  // the tmpfs went with its mount namespace
    CHECK(integrity_of(out / "state.db") == "ok");
    CHECK(StressLab::audit_count(out / "state.db") == 2);
}

TEST_CASE("state stress: apply with the state directory read-only exits 3 naming the file and creates nothing",
          "[state][stress]") {
    require_root();
    StressLab lab("st-ro");
    const auto ro = lab.dir / "ro";
    fs::create_directories(ro);
    fs::copy_file(lab.state, ro / "state.db");
    const auto before = fs::file_size(ro / "state.db");
    // Root ignores file modes: only a read-only mount stops it.
    const auto ran = lab.apply_in_private_mounts(
        ro / "state.db", fmt::format("mount --bind {0} {0} && mount -o remount,bind,ro {0}", ro.string()),
        fmt::format("{} --state {} runs; echo runs-exit=$?", CUSTODE_BINARY, (ro / "state.db").string()));
    CHECK(ran.exit_code == 3);
    CHECK(contains(ran.output, (ro / "state.db").string()));
    CHECK(contains(ran.output, "Read-only file system"));
    // A command without the run lock meets the state file first.
    CHECK(contains(ran.output, fmt::format("state file {}: Read-only file system: its directory {} cannot be written",
                                           (ro / "state.db").string(), ro.string())));
    CHECK(contains(ran.output, "runs-exit=3"));
    CHECK_FALSE(namespace_exists(lab.client_namespace()));
    CHECK(fs::file_size(ro / "state.db") == before);
    CHECK(StressLab::audit_count(ro / "state.db") == 2);
}

TEST_CASE("state stress: apply while another writer holds the state file past the busy timeout exits 3 and creates "
          "nothing",
          "[state][stress]") {
    require_root();
    StressLab lab("st-busy");
    {
        auto other = os::Database::open(lab.state);
        other.execute("BEGIN IMMEDIATE");
        other.execute("INSERT INTO audit (at, user, command, client, result) VALUES ('t', 'u', 'apply', 'other', 'ok')");
        const auto ran = lab.custode({"apply"});
        CHECK(ran.exit_code == 3);
        CHECK(contains(ran.output, lab.state.string() + ": database is locked"));
        CHECK_FALSE(namespace_exists(lab.client_namespace()));
        other.execute("COMMIT");  // the other writer's record is kept too
    }
    CHECK(StressLab::audit_count(lab.state) == 3);
    CHECK(lab.custode({"apply"}).exit_code == 0);  // once the lock is free
    CHECK(namespace_exists(lab.client_namespace()));
    CHECK(StressLab::audit_count(lab.state) == 4);
}

TEST_CASE("state stress: apply with a state file truncated mid-page exits 3 naming it, creates nothing, and leaves it "
          "as it is",
          "[state][stress]") {
    require_root();
    StressLab lab("st-cut");
    const auto size = fs::file_size(lab.state);
    REQUIRE(size >= 3 * 4096);
    fs::resize_file(lab.state, size - 2048);  // mid-page
    const auto ran = lab.custode({"apply"});
    CHECK(ran.exit_code == 3);
    CHECK(contains(ran.output, lab.state.string() + ": database disk image is malformed"));
    CHECK_FALSE(namespace_exists(lab.client_namespace()));
    CHECK(fs::file_size(lab.state) == size - 2048);
}

}  // namespace state_stress_netns
