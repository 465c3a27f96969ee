#include <catch2/catch.hpp>

#include "custode/core/restic_listing.h"

namespace {

using namespace custode;
using namespace std::chrono;

const std::string id_a = "104595d7d5438788626cb2c1c83b5a5d0e47ba8627209a7210b0f2692ade9915";
const std::string id_b = "2bee6c2246264a51bf28e371a32eeae8da8f2d4087992563d30936ff11838db4";

}  // namespace

TEST_CASE("restic's snapshot listing reads as restic 0.14 writes it, times in any offset", "[backups][restic]") {
    // `restic snapshots --json` of a repository a PC in UTC+1 and one with a --time backup wrote.
    const auto listing = read_snapshot_listing(R"([
      {"time":"2026-01-02T03:04:05Z","tree":"98c4a25e51378ece89f33315deea357c4af670cff4b86c77392e77f6a4a9477f",
       "paths":["/tmp/rr/d"],"hostname":"pc2","username":"root","id":")" + id_b + R"(","short_id":"2bee6c22"},
      {"time":"2026-12-07T21:31:55.503969685+01:00","tree":"98c4a25e51378ece89f33315deea357c4af670cff4b86c77392e77f6a4a9477f",
       "paths":["C:\\Users"],"hostname":"PC-RECEPTION","username":"PC-RECEPTION\\admin","tags":["t1"],
       "id":")" + id_a + R"(","short_id":"104595d7"}])");
    REQUIRE(listing.ok());
    REQUIRE(listing.snapshots.size() == 2);
    CHECK(listing.snapshots[0] == ListedSnapshot{id_b, "pc2", sys_days{year{2026} / January / 2} + 3h + 4min + 5s});
    CHECK(listing.snapshots[1].host == "PC-RECEPTION");
    CHECK(listing.snapshots[1].time == sys_days{year{2026} / December / 7} + 20h + 31min + 55s + 503969685ns);
    CHECK(read_snapshot_listing("[]").ok());
    CHECK(read_snapshot_listing("[]").snapshots.empty());
}

TEST_CASE("a snapshot listing that does not read names the place and trusts nothing of it", "[backups][restic]") {
    const auto entry = [](const std::string& id, const std::string& host, const std::string& time) {
        return R"({"id":")" + id + R"(","hostname":")" + host + R"(","time":")" + time + R"("})";
    };
    const auto good = entry(id_a, "pc1", "2026-12-07T12:00:00Z");
    const std::vector<std::pair<std::string, std::string>> cases{
        {"not json", "/: not JSON"},
        {R"({"id":"x"})", "/: not a list of snapshots"},
        {"[" + good + ", 3]", "/1: not an object"},
        {"[" + good + "," + entry("abc", "pc1", "2026-12-07T12:00:00Z") + "]", "/1/id: not a snapshot id (64 hex digits)"},
        {"[" + entry(std::string(63, 'a') + "A", "pc1", "2026-12-07T12:00:00Z") + "]", "/0/id: not a snapshot id (64 hex digits)"},
        {"[" + entry(id_a, "", "2026-12-07T12:00:00Z") + "]", "/0/hostname: not a host name"},
        {"[" + entry(id_a, "pc1", "yesterday") + "]", "/0/time: not an RFC 3339 time"},
        {R"([{"id":")" + id_a + R"(","hostname":"pc1","time":5}])", "/0/time: not an RFC 3339 time"},
        {R"([{"id":")" + id_a + R"(","time":"2026-12-07T12:00:00Z"}])", "/0/hostname: not a host name"},
    };
    for (const auto& [json, error] : cases) {
        INFO(json);
        const auto listing = read_snapshot_listing(json);
        CHECK(listing.error == error);
        CHECK(listing.snapshots.empty());
    }
}

TEST_CASE("restic's ls listing gives the snapshot's regular files, and a restore test takes one it can restore exactly",
          "[backups][restic]") {
    // `restic ls --json` of a restic 0.14 snapshot of /tmp/rt/d (abridged: the fields custode reads, and some).
    const auto listing = read_file_listing(
        R"({"time":"2026-12-08T00:08:26Z","paths":["/tmp/rt/d"],"hostname":"pc1","id":"b1c0","struct_type":"snapshot"}
{"name":"d","type":"dir","path":"/d","uid":0,"mode":2147484141,"struct_type":"node"}
{"name":"a","type":"file","path":"/d/a","uid":0,"size":3,"mode":420,"struct_type":"node"}
{"name":"link","type":"symlink","path":"/d/link","linktarget":"a","struct_type":"node"}
{"name":"big.bin","type":"file","path":"/d/sub/big.bin","size":100000,"struct_type":"node"}
)");
    REQUIRE(listing.ok());
    CHECK(listing.files == std::vector<ListedFile>{{"/d/a", 3}, {"/d/sub/big.bin", 100000}});
    CHECK(read_file_listing("").files.empty());
    CHECK(read_file_listing("{}\nnot json\n").error == "line 2: not a JSON object");
    CHECK(read_file_listing(R"({"type":"file","path":"d/a","size":3})").error == "line 1: a file without an absolute path");
    CHECK(read_file_listing(R"({"type":"file","path":"/d/a","size":-3})").error == "line 1: a file without a size");

    const std::vector<ListedFile> files{{"/d/report[1].pdf", 10}, {"/d/a*", 10}, {"/d/huge.iso", max_restore_test_bytes + 1},
                                        {"/d/x", 1},           {"/d/y", max_restore_test_bytes}, {"C:\\odd", 1}};
    CHECK(choose_restore_file(files, 0) == ListedFile{"/d/x", 1});
    CHECK(choose_restore_file(files, 1) == ListedFile{"/d/y", max_restore_test_bytes});
    CHECK(choose_restore_file(files, 2) == ListedFile{"/d/x", 1});
    CHECK_FALSE(choose_restore_file({{"/d/[", 1}}, 0));
    CHECK_FALSE(choose_restore_file({}, 7));
}
