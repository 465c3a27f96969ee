#include <catch2/catch.hpp>

#include "custode/core/utc_time.h"

using namespace custode;
using namespace std::chrono;
using TimePoint = system_clock::time_point;

TEST_CASE("RFC 3339 times: fractions, offsets both ways, and what is not one", "[backups][restic]") {
    const auto base = sys_days{year{2026} / December / 7} + 12h;
    CHECK(parse_rfc3339("2026-12-07T12:00:00Z") == base);
    CHECK(parse_rfc3339("2026-12-07T12:00:00.5Z") == base + 500ms);
    CHECK(parse_rfc3339("2026-12-07T13:30:00+01:30") == base);
    CHECK(parse_rfc3339("2026-12-07T07:00:00-05:00") == base);
    CHECK(parse_rfc3339("2026-12-07T00:30:00.000000001-11:30") == base + 1ns);
    CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == TimePoint{});
    CHECK(parse_rfc3339("2199-12-31T23:59:59Z") == sys_days{year{2200} / January / 1} - 1s);
    for (const auto* bad : {"", "2026-12-07", "2026-12-07T12:00:00", "2026-12-07 12:00:00Z", "2026-02-30T12:00:00Z",
                            "2026-12-07T24:00:00Z", "2026-12-07T12:60:00Z", "2026-12-07T12:00:00.Z",
                            "2026-12-07T12:00:00.1234567890Z", "2026-12-07T12:00:00+0100", "2026-12-07T12:00:00+24:00",
                            "2026-12-07T12:00:00ZZ", "2026-12-07T12:00:00+01:00 ", "+026-12-07T12:00:00Z",
                            "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
        INFO(bad);
        CHECK_FALSE(parse_rfc3339(bad));
    }
}
