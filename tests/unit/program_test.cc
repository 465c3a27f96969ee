#include <catch2/catch.hpp>

#include "custode/os/program.h"

namespace {

using namespace custode;
using namespace std::chrono_literals;

os::ProgramRun shell(const std::string& script, std::string_view input = {},
                     os::StandardOutput standard_output = os::StandardOutput::with_errors,
                     std::chrono::milliseconds timeout = 10s) {
    return os::run_program({"/bin/sh", "-c", script}, input, timeout, standard_output);
}

}  // namespace

TEST_CASE("run_program: input in, stdout and stderr merged, the exit code", "[program]") {
    const auto run = shell("cat; echo err >&2; exit 3", "in\n");
    CHECK(run.started);
    CHECK(run.exit_code == 3);
    CHECK_FALSE(run.timed_out);
    CHECK(run.output == "in\nerr\n");
    CHECK(run.standard_output.empty());
}

TEST_CASE("run_program: merged output keeps its last 4 KiB, where the error is", "[program]") {
    const auto run = shell("head -c 100000 /dev/zero | tr '\\0' x; echo; echo the error >&2");
    CHECK(run.exit_code == 0);
    REQUIRE(run.output.size() == 4096);
    CHECK(run.output.ends_with("x\nthe error\n"));
}

TEST_CASE("run_program: stdout kept whole and apart from stderr", "[program]") {
    const auto run = shell("cat; head -c 3000000 /dev/zero | tr '\\0' y; echo warning >&2", "[",
                           os::StandardOutput::kept_whole);
    CHECK(run.exit_code == 0);
    CHECK(run.output == "warning\n");
    REQUIRE(run.standard_output.size() == 3000001);
    CHECK(run.standard_output.front() == '[');
    CHECK(run.standard_output.find_first_not_of('y', 1) == std::string::npos);
    CHECK_FALSE(run.output_too_long);
}

TEST_CASE("run_program: a stdout past its bound kills the program and says so", "[program]") {
    const auto run = shell("exec head -c " + std::to_string(os::max_standard_output + 100000) + " /dev/zero", {},
                           os::StandardOutput::kept_whole);
    CHECK(run.output_too_long);
    CHECK_FALSE(run.timed_out);
    CHECK_FALSE(run.exit_code);
    CHECK(run.standard_output.size() > os::max_standard_output);
}

TEST_CASE("run_program: killed at the timeout, and a program that is not there", "[program]") {
    const auto slow = shell("echo started; exec sleep 30", {}, os::StandardOutput::kept_whole, 200ms);
    CHECK(slow.timed_out);
    CHECK_FALSE(slow.exit_code);
    CHECK(slow.standard_output == "started\n");

    const auto missing = os::run_program({"/nonexistent/restic", "snapshots"}, {}, 1s, os::StandardOutput::kept_whole);
    CHECK_FALSE(missing.started);
    CHECK(missing.error == "/nonexistent/restic: No such file or directory");
}
