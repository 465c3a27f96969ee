#pragma once
/// Runs the built custode binary for end-to-end CLI tests.

#include <string>

#include "support/process.h"

namespace custode::testing {

/// Runs `[environment] custode <arguments>` through the shell; stdout, plus
/// stderr when `merge_stderr`, is captured (stderr otherwise goes to /dev/null).
inline CommandResult run_custode(const std::string& arguments, bool merge_stderr, const std::string& environment = "") {
    return run_shell(environment + " '" + CUSTODE_BINARY + "' " + arguments + (merge_stderr ? " 2>&1" : " 2>/dev/null"));
}

/// A netconf directory under tests/fixtures/netconf.
inline std::string fixture_dir(const char* name) { return std::string(CUSTODE_FIXTURES) + "/netconf/" + name; }

}  // namespace custode::testing
