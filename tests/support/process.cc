#include "support/process.h"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

#include "custode/core/error.h"
#include "custode/os/unique_fd.h"
#include "support/programs.h"

extern char** environ;

namespace custode::testing {
namespace {

using os::UniqueFd;

struct Pipe {
    UniqueFd read, write;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw SystemError("pipe2", errno, "");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

/// Owns a posix_spawn_file_actions_t.
class FileActions {
public:
    FileActions() { posix_spawn_file_actions_init(&actions_); }
    FileActions(const FileActions&) = delete;
    FileActions& operator=(const FileActions&) = delete;
    ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }
    posix_spawn_file_actions_t* get() { return &actions_; }

private:
    posix_spawn_file_actions_t actions_;
};

/// argv as exec wants it: pointers into the strings, ending in nullptr.
std::vector<char*> exec_args(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    return args;
}

/// posix_spawnp with `actions`; a program not installed fails naming its package.
pid_t spawn(const std::vector<std::string>& argv, FileActions& actions, char* const* envp) {
    auto args = exec_args(argv);
    pid_t pid = 0;
    const int error = posix_spawnp(&pid, args[0], actions.get(), nullptr, args.data(), envp);
    if (error == ENOENT) throw SystemError("posix_spawnp " + argv[0], error, missing_program_message(argv[0]));
    if (error != 0) throw SystemError("posix_spawnp " + argv[0], error, "");
    return pid;
}

pid_t spawn(const std::vector<std::string>& argv, const Pipe& in, const Pipe& out) {
    FileActions actions;
    posix_spawn_file_actions_adddup2(actions.get(), in.read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), STDERR_FILENO);
    return spawn(argv, actions, environ);
}

/// This process's environment with `overrides` set ("NAME=value" strings).
std::vector<std::string> environment_with(const std::map<std::string, std::string>& overrides) {
    std::vector<std::string> entries;
    for (char** entry = environ; *entry; ++entry) {
        const std::string_view text(*entry);
        if (!overrides.contains(std::string(text.substr(0, text.find('='))))) entries.emplace_back(text);
    }
    for (const auto& [name, value] : overrides) entries.push_back(name + "=" + value);
    return entries;
}

/// Feeds `input` and drains the output at the same time, so neither side can
/// block the other on a full pipe.
std::string exchange(UniqueFd& to_child, UniqueFd& from_child, std::string_view input) {
    ::fcntl(to_child.get(), F_SETFL, O_NONBLOCK);
    if (input.empty()) to_child.reset();
    std::string output;
    char buffer[65536];
    while (from_child.get() >= 0) {
        pollfd fds[2] = {{from_child.get(), POLLIN, 0}, {to_child.get(), POLLOUT, 0}};
        if (::poll(fds, to_child.get() >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR) continue;
            throw SystemError("poll", errno, "");
        }
        if (to_child.get() >= 0 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
            const ssize_t n = ::write(to_child.get(), input.data(), input.size());
            if (n > 0) input.remove_prefix(static_cast<std::size_t>(n));
            if (n < 0 && errno != EAGAIN && errno != EINTR) input = {};  // the child stopped reading
            if (input.empty()) to_child.reset();
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::read(from_child.get(), buffer, sizeof buffer);
            if (n > 0) output.append(buffer, static_cast<std::size_t>(n));
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) from_child.reset();
        }
    }
    return output;
}

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw SystemError("waitpid", errno, "");
    }
    return exit_code_of(status);
}

/// A write to a child that died must fail with EPIPE, not kill the test.
void ignore_sigpipe() {
    static const bool done = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
    (void)done;
}

}  // namespace

CommandResult run_program(const std::vector<std::string>& argv, std::string_view input) {
    if (argv.empty()) throw SystemError("run_program", EINVAL, "empty argv");
    ignore_sigpipe();
    Pipe in = make_pipe();
    Pipe out = make_pipe();
    const pid_t pid = spawn(argv, in, out);
    in.read.reset();
    out.write.reset();
    CommandResult result;
    result.output = exchange(in.write, out.read, input);
    result.exit_code = wait_for(pid);
    return result;
}

std::string run_checked(const std::vector<std::string>& argv, std::string_view input) {
    CommandResult result = run_program(argv, input);
    if (!result.ok()) {
        throw SystemError(join_argv(argv), 0,
                          "exit " + std::to_string(result.exit_code) + ": " + result.output);
    }
    return std::move(result.output);
}

CommandResult run_shell(const std::string& command) { return run_program({"sh", "-c", command}); }

std::string join_argv(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& arg : argv) {
        if (!text.empty()) text += ' ';
        text += arg;
    }
    return text;
}

StartedProgram start_program(const std::vector<std::string>& argv, const StartOptions& options) {
    if (argv.empty()) throw SystemError("start_program", EINVAL, "empty argv");
    FileActions actions;
    posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO,
                                     options.stdin_file.empty() ? "/dev/null" : options.stdin_file.c_str(), O_RDONLY, 0);
    Pipe out;
    if (options.stdout_file.empty()) {
        out = make_pipe();
        posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), STDOUT_FILENO);
    } else {
        posix_spawn_file_actions_addopen(actions.get(), STDOUT_FILENO, options.stdout_file.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    if (!options.stderr_file.empty()) {
        posix_spawn_file_actions_addopen(actions.get(), STDERR_FILENO, options.stderr_file.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    StartedProgram started;
    if (options.environment.empty()) {
        started.pid = spawn(argv, actions, environ);
    } else {
        auto entries = environment_with(options.environment);
        started.pid = spawn(argv, actions, exec_args(entries).data());
    }
    if (out.read.get() >= 0) {
        out.write.reset();
        started.output = out.read.release();
    }
    return started;
}

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

}  // namespace custode::testing
