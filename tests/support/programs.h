#pragma once
/// The programs the tests and the demo run, and the Debian package of each:
/// a missing one fails the test with the package to install (dev.sh's list),
/// never a skip and never a bare "No such file or directory".

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace custode::testing {

/// The Debian package that ships `program` (as dev.sh installs it), if known.
std::optional<std::string_view> debian_package_of(std::string_view program);

/// The full path of `program` in PATH (or as given when it holds a '/'), if executable.
std::optional<std::string> find_program(std::string_view program);

/// "PROGRAM not found: apt-get install PACKAGE (./dev.sh deps installs it)".
std::string missing_program_message(std::string_view program);

/// Throws SystemError with missing_program_message() for the first program not found.
void require_programs(std::initializer_list<std::string_view> programs);

}  // namespace custode::testing
