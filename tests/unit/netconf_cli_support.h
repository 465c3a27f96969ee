#pragma once
/// Runs the built custode binary for end-to-end netconf tests.

#include <array>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace custode::testing {

struct CustodeRun {
    int exit_code = -1;
    std::string output;
};

/// Runs `command` through the shell and captures its stdout.
inline CustodeRun run_shell(const std::string& command) {
    CustodeRun run;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return run;
    std::array<char, 4096> buffer{};
    std::size_t count = 0;
    while ((count = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.output.append(buffer.data(), count);
    const int status = ::pclose(pipe);
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    return run;
}

/// Runs `[environment] custode <arguments>` through the shell; stdout, plus
/// stderr when `merge_stderr`, is captured (stderr otherwise goes to /dev/null).
inline CustodeRun run_custode(const std::string& arguments, bool merge_stderr, const std::string& environment = "") {
    return run_shell(environment + " '" + CUSTODE_BINARY + "' " + arguments + (merge_stderr ? " 2>&1" : " 2>/dev/null"));
}

}  // namespace custode::testing
