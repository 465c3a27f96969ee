#pragma once
/// Running another program on the gateway (sendmail), bounded in time. No
/// shell: argv goes to exec as is. Expected outcomes (not installed, exit
/// code, killed at the timeout) are data; only a failure to make a pipe or
/// to fork throws.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace custode::os {

struct ProgramRun {
    bool started = false;          ///< false: exec failed (`error` says why: not installed, not executable)
    std::optional<int> exit_code;  ///< empty when killed by a signal (the timeout's or another)
    bool timed_out = false;        ///< killed at the timeout
    std::string output;            ///< stdout and stderr together, at most the last 4 KiB
    std::string error;             ///< why it did not start
};

/// Runs `argv` (argv[0] an absolute path), writes `input` to its stdin, then
/// end of file, and waits for it at most `timeout`; then SIGKILLs it.
ProgramRun run_program(const std::vector<std::string>& argv, std::string_view input,
                       std::chrono::milliseconds timeout);

}  // namespace custode::os
