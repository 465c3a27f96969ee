/// tests/support itself: what the other tests rely on.

#include <catch2/catch.hpp>

#include <filesystem>

#include "custode/core/error.h"
#include "support/process.h"
#include "support/programs.h"
#include "support/temp_dir.h"

using namespace custode;
using namespace custode::testing;

TEST_CASE("support: a missing program fails naming its Debian package", "[support]") {
    CHECK(missing_program_message("restic") == "restic not found: apt-get install restic (./dev.sh deps installs it)");
    CHECK_THROWS_WITH(run_program({"custode-no-such-program"}),
                      Catch::Contains("custode-no-such-program not found in PATH"));
    CHECK_THROWS_AS(start_program({"custode-no-such-program"}), SystemError);
}

TEST_CASE("support: run_program captures stdout and stderr and the exit code", "[support]") {
    const auto result = run_program({"sh", "-c", "cat; echo err >&2; exit 3"}, "in\n");
    CHECK(result.exit_code == 3);
    CHECK(result.output == "in\nerr\n");
    CHECK(run_shell("echo out").output == "out\n");
    CHECK_THROWS_AS(run_checked({"false"}), SystemError);
}

TEST_CASE("support: a TempDir is removed at scope exit unless kept", "[support]") {
    std::filesystem::path removed, kept;
    {
        TempDir dir("custode-support-test");
        removed = dir.path();
        std::filesystem::create_directories(dir / "a/b");
        CHECK(std::filesystem::is_directory(removed / "a/b"));
    }
    CHECK_FALSE(std::filesystem::exists(removed));
    {
        TempDir dir("custode-support-test");
        kept = dir.path();
        dir.keep();
    }
    CHECK(std::filesystem::is_directory(kept));
    std::filesystem::remove_all(kept);
}
