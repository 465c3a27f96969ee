#pragma once
/// custode-lansim run by a netns test: one runner for the simulator's own
/// tests and for the discovery tests that need slow, lossy or lying PCs.

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "custode/core/error.h"
#include "testbed/testbed.h"

extern char** environ;

namespace custode::testing {

/// A running custode-lansim. The destructor kills it (SIGKILL) if a test
/// left it running, so a failed REQUIRE never leaves a simulator behind.
class LansimProcess {
public:
    using Clock = std::chrono::steady_clock;

    LansimProcess(const std::vector<std::string>& args, const std::filesystem::path& log) {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) throw SystemError("pipe2", errno, "");
        out_ = fds[0];
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        std::vector<std::string> argv{CUSTODE_LANSIM};
        argv.insert(argv.end(), args.begin(), args.end());
        std::vector<char*> pointers;
        for (auto& arg : argv) pointers.push_back(arg.data());
        pointers.push_back(nullptr);
        const int error = ::posix_spawn(&pid_, CUSTODE_LANSIM, &actions, nullptr, pointers.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(fds[1]);
        if (error != 0) {
            ::close(out_);
            throw SystemError("posix_spawn " CUSTODE_LANSIM, error, "");
        }
    }
    LansimProcess(const LansimProcess&) = delete;
    LansimProcess& operator=(const LansimProcess&) = delete;
    ~LansimProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        ::close(out_);
    }

    /// True once it printed "ready"; false if it exited or `timeout` passed.
    bool wait_ready(Clock::duration timeout) {
        const auto deadline = Clock::now() + timeout;
        std::string seen;
        while (seen.find("ready\n") == std::string::npos) {
            pollfd entry{out_, POLLIN, 0};
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left <= 0 || ::poll(&entry, 1, static_cast<int>(left)) <= 0) return false;
            char buffer[256];
            const auto got = ::read(out_, buffer, sizeof buffer);
            if (got <= 0) return false;
            seen.append(buffer, static_cast<std::size_t>(got));
        }
        return true;
    }

    /// Sends `signal` and waits up to 5 s: the exit code, 128 + signal if it
    /// died of one, or -1 if it had to be killed.
    int stop(int signal = SIGTERM) {
        ::kill(pid_, signal);
        const auto deadline = Clock::now() + std::chrono::seconds(5);
        int status = 0;
        while (::waitpid(pid_, &status, WNOHANG) == 0) {
            if (Clock::now() > deadline) return -1;  // the destructor kills it
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

private:
    pid_t pid_ = -1;
    int out_ = -1;
};

/// Simulated PCs ("ip mac [options]" each) on the site's bridge, capturing
/// once this returns; throws when the simulator does not get ready in 5 s.
inline std::unique_ptr<LansimProcess> simulate_hosts(const testbed::Site& site, const std::vector<std::string>& specs,
                                                     const std::filesystem::path& log) {
    std::vector<std::string> args{"--interface", "br0", "--namespace", site.ns};
    for (const auto& spec : specs) {
        args.push_back("--host");
        args.push_back(spec);
    }
    auto sim = std::make_unique<LansimProcess>(args, log);
    if (!sim->wait_ready(std::chrono::seconds(5))) throw SystemError("custode-lansim did not get ready", 0, "");
    return sim;
}

}  // namespace custode::testing
