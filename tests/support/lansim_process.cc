#include "support/lansim_process.h"

#include <poll.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "support/process.h"

namespace custode::testing {

LansimProcess::LansimProcess(const std::vector<std::string>& args, const std::filesystem::path& log) {
    std::vector<std::string> argv{CUSTODE_LANSIM};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto started = start_program(argv, {.stderr_file = log});
    pid_ = started.pid;
    out_ = started.output;
}

LansimProcess::~LansimProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_);
}

bool LansimProcess::wait_ready(Clock::duration timeout) {
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

int LansimProcess::stop(int signal) {
    ::kill(pid_, signal);
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (Clock::now() > deadline) return -1;  // the destructor kills it
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    pid_ = -1;
    return exit_code_of(status);
}

}  // namespace custode::testing
