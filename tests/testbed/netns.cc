#include "testbed/netns.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sched.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

#include "custode/core/error.h"
#include "support/process.h"

namespace custode::testbed {
using namespace custode::testing;
namespace fs = std::filesystem;
namespace {

std::string netns_path(const std::string& ns) { return std::string(netns_dir) + "/" + ns; }

void enter(const std::string& ns) {
    const int fd = ::open(netns_path(ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw SystemError("open " + netns_path(ns), errno, "");
    const int result = ::setns(fd, CLONE_NEWNET);
    const int error = errno;
    ::close(fd);
    if (result != 0) throw SystemError("setns " + ns, error, "");
}

struct Inode {
    dev_t dev;
    ino_t ino;
    bool operator==(const Inode&) const = default;
};

/// PIDs (other than ours) whose network namespace is one of `inodes`.
std::vector<pid_t> pids_in(const std::vector<Inode>& inodes) {
    std::vector<pid_t> pids;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        struct stat st{};
        if (::stat((entry.path() / "ns/net").c_str(), &st) != 0) continue;
        if (std::find(inodes.begin(), inodes.end(), Inode{st.st_dev, st.st_ino}) == inodes.end()) continue;
        const pid_t pid = static_cast<pid_t>(std::stol(name));
        if (pid != ::getpid()) pids.push_back(pid);
    }
    return pids;
}

}  // namespace

void kill_processes_in(const std::vector<std::string>& names) {
    std::vector<Inode> inodes;
    for (const auto& ns : names) {
        struct stat st{};
        if (::stat(netns_path(ns).c_str(), &st) == 0) inodes.push_back({st.st_dev, st.st_ino});
    }
    if (inodes.empty()) return;
    for (pid_t pid : pids_in(inodes)) ::kill(pid, SIGKILL);
}

namespace {

void delete_names(const std::vector<std::string>& names) {
    std::string batch;
    for (const auto& ns : names) batch += "netns delete " + ns + "\n";
    const CommandResult result = run_program({"ip", "-force", "-batch", "-"}, batch);
    for (const auto& ns : names) {
        std::error_code ec;
        if (fs::exists(netns_path(ns), ec)) {
            std::cerr << "testbed: could not delete namespace " << ns << ": " << result.output << '\n';
        }
    }
}

void remove_etc_dirs(const std::vector<std::string>& names) {
    for (const auto& ns : names) {
        std::error_code ec;
        fs::remove_all(fs::path(netns_etc_dir) / ns, ec);
        if (ec) std::cerr << "testbed: could not remove /etc/netns/" << ns << ": " << ec.message() << '\n';
    }
}

}  // namespace

void in_namespace(const std::string& ns, const std::function<void()>& body) {
    std::exception_ptr failure;
    std::thread worker([&] {
        try {
            enter(ns);
            body();
        } catch (...) {
            failure = std::current_exception();
        }
    });
    worker.join();
    if (failure) std::rethrow_exception(failure);
}

void set_sysctls(const std::string& ns, const std::vector<std::pair<std::string, std::string>>& values) {
    in_namespace(ns, [&] {
        for (const auto& [key, value] : values) {
            std::string path = "/proc/sys/" + key;
            std::replace(path.begin() + 10, path.end(), '.', '/');
            std::ofstream file(path);
            file << value << '\n';
            file.close();
            if (!file) throw SystemError("write " + path, errno, "in namespace " + ns);
        }
    });
}

CommandResult exec(const std::string& ns, const std::vector<std::string>& argv) {
    std::vector<std::string> full{"ip", "netns", "exec", ns};
    full.insert(full.end(), argv.begin(), argv.end());
    return run_program(full);
}

CommandResult run(const std::string& ns, const std::string& shell) { return exec(ns, {"sh", "-c", shell}); }

CommandResult exec_net_only(const std::string& ns, const std::vector<std::string>& argv) {
    std::vector<std::string> full{"nsenter", "--net=" + netns_path(ns), "--"};
    full.insert(full.end(), argv.begin(), argv.end());
    return run_program(full);
}

std::vector<std::string> list_namespaces(std::string_view prefix) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(std::string(netns_dir), ec)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(prefix)) names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    return names;
}

bool namespace_exists(const std::string& ns) {
    std::error_code ec;
    return fs::exists(netns_path(ns), ec);
}

void remove_namespaces(const std::vector<std::string>& names) {
    if (names.empty()) return;
    try {
        kill_processes_in(names);
        delete_names(names);
    } catch (const std::exception& error) {
        std::cerr << "testbed: removing namespaces: " << error.what() << '\n';
    }
    remove_etc_dirs(names);
}

namespace {

bool has_flag(const nlohmann::json& link, std::string_view flag) {
    for (const auto& each : link.value("flags", nlohmann::json::array()))
        if (each == flag) return true;
    return false;
}

/// The links of one `ip -j link show` that the kernel is still bringing up or down.
std::vector<std::string> unsettled_links(const nlohmann::json& links) {
    std::vector<std::string> out;
    for (const auto& link : links) {
        if (!has_flag(link, "UP")) continue;  // down on purpose: nothing pending that matters
        const bool carrier = has_flag(link, "LOWER_UP");
        const std::string operstate = link.value("operstate", "");
        const bool oper_up = operstate == "UP" || operstate == "UNKNOWN";
        const bool queue_attached = link.value("qdisc", "") != "noop";
        if (carrier != oper_up || (carrier && !queue_attached)) out.push_back(link.value("ifname", "?"));
    }
    return out;
}

}  // namespace

void await_links_settled(const std::string& ns, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto shown = run_checked({"ip", "-n", ns, "-j", "link", "show"});
        const auto pending = unsettled_links(nlohmann::json::parse(shown));
        if (pending.empty()) return;
        if (std::chrono::steady_clock::now() >= deadline)
            throw SystemError("await_links_settled " + ns, 0,
                              fmt::format("{} link(s) still coming up after {} ms: {}", pending.size(),
                                          timeout.count(), fmt::join(pending, " ")));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace custode::testbed
