#pragma once
/// Running other programs (iproute2, the custode binary) from tests, with
/// their output captured. No shell unless asked for: argv goes to exec as is.

#include <string>
#include <string_view>
#include <vector>

namespace custode::testbed {

/// What a finished program left behind.
struct CommandResult {
    int exit_code = -1;  ///< the exit status, or 128 + signal when it was killed
    std::string output;  ///< stdout and stderr, interleaved as written

    bool ok() const { return exit_code == 0; }
};

/// Runs `argv` (argv[0] looked up in PATH), writes `input` to its stdin, and
/// waits for it. Throws SystemError only when it cannot be started.
CommandResult run_program(const std::vector<std::string>& argv, std::string_view input = {});

/// Like run_program, but a non-zero exit throws SystemError carrying the output.
std::string run_checked(const std::vector<std::string>& argv, std::string_view input = {});

/// `argv` joined with spaces, for messages.
std::string join_argv(const std::vector<std::string>& argv);

}  // namespace custode::testbed
