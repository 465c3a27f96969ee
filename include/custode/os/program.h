#pragma once
/// Running another program on the gateway (sendmail, the lab's restic), bounded in time. No
/// shell: argv goes to exec as is. Expected outcomes (not installed, exit
/// code, killed at the timeout) are data; only a failure to make a pipe or
/// to fork throws.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace custode::os {

/// What becomes of the program's stdout.
enum class StandardOutput {
    with_errors,  ///< merged with stderr into `output`, its end kept (where the error is)
    kept_whole,   ///< apart, whole, in `standard_output` (a program's data: JSON); stderr alone in `output`
};

struct ProgramRun {
    bool started = false;          ///< false: exec failed (`error` says why: not installed, not executable)
    std::optional<int> exit_code;  ///< empty when killed by a signal (the timeout's, the size bound's or another)
    bool timed_out = false;        ///< killed at the timeout
    std::string output;            ///< stderr, with stdout unless kept whole; at most the last 4 KiB
    std::string standard_output;   ///< StandardOutput::kept_whole: all of stdout
    bool output_too_long = false;  ///< killed when stdout passed max_standard_output
    std::string error;             ///< why it did not start
};

/// What a program may write to a stdout kept whole before it is killed.
inline constexpr std::size_t max_standard_output = 64 * 1024 * 1024;

/// Runs `argv` (argv[0] an absolute path), writes `input` to its stdin, then
/// end of file, and waits for it at most `timeout`; then SIGKILLs it.
ProgramRun run_program(const std::vector<std::string>& argv, std::string_view input,
                       std::chrono::milliseconds timeout,
                       StandardOutput standard_output = StandardOutput::with_errors);

}  // namespace custode::os
