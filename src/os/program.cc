/// run_program: posix_spawn with its stdin on a socket (so a writer whose
/// reader died gets EPIPE, not SIGPIPE) and its output on a pipe, watched
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
    char buffer[4096];
    const ssize_t n = ::read(from.get(), buffer, sizeof buffer);
    if (n > 0) {
        output.append(buffer, static_cast<std::size_t>(n));
        keep_tail(output);
        return true;
    }
    return n < 0 && (errno == EAGAIN || errno == EINTR);
}

/// What is left in the pipe now, without waiting for its end.
void drain(const UniqueFd& from, std::string& output) {
    if (from.get() < 0) return;
    char buffer[4096];
    ssize_t n = 0;
    while ((n = ::read(from.get(), buffer, sizeof buffer)) > 0) output.append(buffer, static_cast<std::size_t>(n));
    keep_tail(output);
}

int remaining_ms(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
}

}  // namespace program_detail

ProgramRun run_program(const std::vector<std::string>& argv, std::string_view input,
                       std::chrono::milliseconds timeout) {
    using namespace program_detail;
    ProgramRun run;
    int sockets[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0) throw SystemError("socketpair", errno, "");
    UniqueFd to_child(sockets[0]), child_stdin(sockets[1]);
    int pipes[2];
    if (::pipe2(pipes, O_CLOEXEC) != 0) throw SystemError("pipe2", errno, "");
    UniqueFd from_child(pipes[0]), child_output(pipes[1]);

    FileActions actions;
    posix_spawn_file_actions_adddup2(actions.get(), child_stdin.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), child_output.get(), STDOUT_FILENO);
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
    ::fcntl(to_child.get(), F_SETFL, O_NONBLOCK);
    ::fcntl(from_child.get(), F_SETFL, O_NONBLOCK);
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
        pollfd fds[3] = {{exited.get(), POLLIN, 0}, {from_child.get(), POLLIN, 0}, {to_child.get(), POLLOUT, 0}};
        const nfds_t count = input.empty() ? 2 : 3;
        const int ready = ::poll(fds, count, remaining_ms(deadline));
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
        }
        if (count == 3 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            const ssize_t n = ::send(to_child.get(), input.data(), input.size(), MSG_NOSIGNAL);
            if (n > 0) input.remove_prefix(static_cast<std::size_t>(n));
            if (n < 0 && errno != EAGAIN && errno != EINTR) input = {};  // it stopped reading: its exit says why
            if (input.empty()) ::shutdown(to_child.get(), SHUT_WR);
        }
        if ((fds[0].revents & POLLIN) && ::waitpid(pid, &status, WNOHANG) == pid) break;
    }
    drain(from_child, run.output);
    if (!run.timed_out && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
    return run;
}

}  // namespace custode::os
