#include <catch2/catch.hpp>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <unistd.h>

#include "mock_pc.h"
#include "support/temp_dir.h"

namespace custode::pwsh_testing {
namespace {

namespace fs = std::filesystem;
using custode::testing::read_file;

/// Exit code CTest reads as "not run" (SKIP_RETURN_CODE in CMakeLists.txt).
constexpr int skip_exit = 77;

}  // namespace

std::string pwsh_or_skip() {
    if (auto pwsh = pwsh_program(); !pwsh.empty()) return pwsh;
    std::cerr << "not run: pwsh (PowerShell 7) not found. With the .NET SDK installed, ./dev.sh test (or ./dev.sh pwsh) "
                 "installs it into .tools/pwsh; then re-run cmake.\n";
    std::exit(skip_exit);
}

std::string pwsh_test_file(const std::string& relative) {
    const fs::path path = fs::path(CUSTODE_PWSH_TESTS) / relative;
    REQUIRE(fs::exists(path));
    return read_file(path);
}

std::string fixture_file(const std::string& relative) {
    const fs::path path = fs::path(CUSTODE_FIXTURES) / relative;
    REQUIRE(fs::exists(path));
    return read_file(path);
}

std::vector<std::string> non_empty_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

}  // namespace custode::pwsh_testing
