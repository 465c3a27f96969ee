#pragma once
/// custode-lansim (the LAN simulator) run by a netns test or the demo.

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace custode::testing {

/// A running custode-lansim. The destructor kills it (SIGKILL) if it was
/// left running, so a failed REQUIRE never leaves a simulator behind.
class LansimProcess {
public:
    using Clock = std::chrono::steady_clock;

    /// Starts custode-lansim with `args`; its stderr goes to `log`, or to ours when empty.
    explicit LansimProcess(const std::vector<std::string>& args, const std::filesystem::path& log = {});
    LansimProcess(const LansimProcess&) = delete;
    LansimProcess& operator=(const LansimProcess&) = delete;
    ~LansimProcess();

    /// True once it printed "ready"; false if it exited or `timeout` passed.
    bool wait_ready(Clock::duration timeout);

    /// Sends `signal` and waits up to 5 s: the exit code, 128 + signal if it
    /// died of one, or -1 if it had to be killed.
    int stop(int signal = SIGTERM);

private:
    pid_t pid_ = -1;
    int out_ = -1;
};

}  // namespace custode::testing
