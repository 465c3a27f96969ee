#include "testbed/process.h"

#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "custode/core/error.h"
#include "testbed/programs.h"

extern char** environ;

namespace custode::testbed {
namespace {

/// Closes the descriptor it holds; -1 means none.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

struct Pipe {
    Fd read, write;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw SystemError("pipe2", errno, "");
    return {Fd(fds[0]), Fd(fds[1])};
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

pid_t spawn(const std::vector<std::string>& argv, const Pipe& in, const Pipe& out) {
    FileActions actions;
    posix_spawn_file_actions_adddup2(actions.get(), in.read.get(), STDIN_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int error = posix_spawnp(&pid, args[0], actions.get(), nullptr, args.data(), environ);
    if (error == ENOENT) throw SystemError("posix_spawnp " + argv[0], error, missing_program_message(argv[0]));
    if (error != 0) throw SystemError("posix_spawnp " + argv[0], error, "");
    return pid;
}

/// Feeds `input` and drains the output at the same time, so neither side can
/// block the other on a full pipe.
std::string exchange(Fd& to_child, Fd& from_child, std::string_view input) {
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
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
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

std::string join_argv(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& arg : argv) {
        if (!text.empty()) text += ' ';
        text += arg;
    }
    return text;
}

}  // namespace custode::testbed
