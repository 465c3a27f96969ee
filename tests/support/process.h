#pragma once
/// Running other programs (iproute2, the custode binary, the LAN simulator)
/// from tests, the demo and the bench, with their output captured. No shell
/// unless asked for: argv goes to exec as is. A program that is not installed
/// fails naming its Debian package (support/programs.h).

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace custode::testing {

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

/// Runs `command` with `sh -c` (redirections and quoting are the command's own).
CommandResult run_shell(const std::string& command);

/// `argv` joined with spaces, for messages.
std::string join_argv(const std::vector<std::string>& argv);

/// Where a program started in the background writes; its stdin is /dev/null.
struct StartOptions {
    std::filesystem::path stdin_file;   ///< empty: /dev/null
    std::filesystem::path stdout_file;  ///< empty: a pipe, read from StartedProgram::output
    std::filesystem::path stderr_file;  ///< empty: this process's stderr
    std::map<std::string, std::string> environment;  ///< set on top of this process's
};

/// A program started by start_program: the caller waits for it (exit_code_of).
struct StartedProgram {
    pid_t pid = -1;
    int output = -1;  ///< the read end of its stdout when piped (the caller closes it), else -1
};

/// Starts `argv` (argv[0] looked up in PATH) without waiting for it. Throws
/// SystemError when it cannot be started.
StartedProgram start_program(const std::vector<std::string>& argv, const StartOptions& options = {});

/// A wait status as an exit code: the exit status, or 128 + signal when it was killed.
int exit_code_of(int status);

}  // namespace custode::testing
