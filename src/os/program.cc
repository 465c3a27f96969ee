/// run_program: posix_spawn with its stdin on a socket (so a writer whose
/// reader died gets EPIPE, not SIGPIPE) and its output on a pipe (stdout on
/// a second one when it is kept whole), watched
/// with a pidfd until it exits or the time is up. The program's own
/// children may keep the output open (an MTA's background delivery): the
/// exit, not the end of the output, ends the wait.

#include "custode/os/program.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

#include "custode/core/error.h"
#include "custode/os/unique_fd.h"

extern char** environ;

namespace custode::os {
namespace program_detail {

/// What the result keeps of the output: its end, where the error is.
constexpr std::size_t kept_output = 4096;

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

void keep_tail(std::string& output) {
    if (output.size() > kept_output) output.erase(0, output.size() - kept_output);
}

/// Reads what is there now; false at the end of the output or on an error.
bool read_some(const UniqueFd& from, std::string& output) {
    char buffer[65536];
    const ssize_t n = ::read(from.get(), buffer, sizeof buffer);
    if (n > 0) {
        output.append(buffer, static_cast<std::size_t>(n));
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

/// What is left in the pipe now, without waiting for its end.
void drain(const UniqueFd& from, std::string& output) {
    if (from.get() < 0) return;
    char buffer[65536];
    ssize_t n = 0;
    while ((n = ::read(from.get(), buffer, sizeof buffer)) > 0) output.append(buffer, static_cast<std::size_t>(n));
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
}

}  // namespace program_detail

ProgramRun run_program(const std::vector<std::string>& argv, std::string_view input,
                       std::chrono::milliseconds timeout, StandardOutput standard_output) {
    using namespace program_detail;
    ProgramRun run;
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) throw SystemError("socketpair", errno, "");
    UniqueFd to_child(sockets[0]), child_stdin(sockets[1]);
    int pipes[2];
    if (::pipe2(pipes, O_CLOEXEC) != 0) throw SystemError("pipe2", errno, "");
    UniqueFd from_child(pipes[0]), child_output(pipes[1]);
    UniqueFd from_child_stdout, child_stdout;
    const bool kept_whole = standard_output == StandardOutput::kept_whole;
    if (kept_whole) {
        if (::pipe2(pipes, O_CLOEXEC) != 0) throw SystemError("pipe2", errno, "");
        from_child_stdout = UniqueFd(pipes[0]);
        child_stdout = UniqueFd(pipes[1]);
    }

    FileActions actions;
    posix_spawn_file_actions_adddup2(actions.get(), child_stdin.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), kept_whole ? child_stdout.get() : child_output.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), child_output.get(), STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    if (const int error = ::posix_spawn(&pid, args[0], actions.get(), nullptr, args.data(), environ); error != 0) {
        run.error = fmt::format("{}: {}", argv[0], std::strerror(error));
        return run;
    }
    run.started = true;
    child_stdin.reset();
    child_output.reset();
    child_stdout.reset();
    ::fcntl(to_child.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(from_child.get(), F_SETFL, O_NONBLOCK);
    if (kept_whole) ::fcntl(from_child_stdout.get(), F_SETFL, O_NONBLOCK);
    // The syscall: glibc 2.36's <sys/pidfd.h> declares pidfd_open without extern "C".
    UniqueFd exited(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (exited.get() < 0) {
        const int error = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw SystemError("pidfd_open", error, "");
    }
    if (input.empty()) ::shutdown(to_child.get(), SHUT_WR);

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (true) {
        // poll skips a negative fd: an output at its end, an input all written.
        pollfd fds[4] = {{exited.get(), POLLIN, 0},
                         {from_child.get(), POLLIN, 0},
                         {from_child_stdout.get(), POLLIN, 0},
                         {input.empty() ? -1 : to_child.get(), POLLOUT, 0}};
        const int ready = ::poll(fds, 4, remaining_ms(deadline));
        if (ready < 0 && errno != EINTR) throw SystemError("poll", errno, "");
        if (ready == 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            run.timed_out = true;
            break;
        }
        if (ready < 0) continue;
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!read_some(from_child, run.output)) from_child.reset();
            keep_tail(run.output);
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!read_some(from_child_stdout, run.standard_output)) from_child_stdout.reset();
            if (run.standard_output.size() > max_standard_output) {
                run.output_too_long = true;
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                break;
            }
        }
        if (fds[3].revents & (POLLOUT | POLLERR | POLLHUP)) {
            const ssize_t n = ::send(to_child.get(), input.data(), input.size(), MSG_NOSIGNAL);
            if (n > 0) input.remove_prefix(static_cast<std::size_t>(n));
            if (n < 0 && errno != EAGAIN && errno != EINTR) input = {};  // it stopped reading: its exit says why
            if (input.empty()) ::shutdown(to_child.get(), SHUT_WR);
        }
        if ((fds[0].revents & POLLIN) && ::waitpid(pid, &status, WNOHANG) == pid) break;
    }
    drain(from_child, run.output);
    keep_tail(run.output);
    if (!run.output_too_long) drain(from_child_stdout, run.standard_output);
    if (!run.timed_out && !run.output_too_long && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    return run;
}

}  // namespace custode::os
