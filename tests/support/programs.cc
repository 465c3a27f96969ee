#include "support/programs.h"

#include <array>
#include <cstdlib>
#include <fmt/format.h>
#include <unistd.h>
#include <utility>

#include "custode/core/error.h"

namespace custode::testing {
namespace {

/// Keep in step with DEMO_PACKAGES and TEST_PACKAGES in dev.sh.
constexpr std::array<std::pair<std::string_view, std::string_view>, 23> packages{{
    {"ip", "iproute2"},
    {"ping", "iputils-ping"},
    {"pkill", "procps"},
    {"nsenter", "util-linux"},
    {"sshd", "openssh-server"},
    {"/usr/sbin/sshd", "openssh-server"},
    {"ssh", "openssh-client"},
    {"ssh-keygen", "openssh-client"},
    {"clamscan", "clamav"},
    {"smartctl", "smartmontools"},
    {"restic", "restic"},
    {"rclone", "rclone"},
    {"minisign", "minisign"},
    {"python3", "python3"},
    {"chromium", "chromium"},
    {"qemu-system-x86_64", "qemu-system-x86"},
    {"busybox", "busybox-static"},
    {"/usr/sbin/exim4", "exim4-daemon-light"},  // the notify tests' real MTA
    {"unshare", "util-linux"},
    {"md5sum", "coreutils"},
    {"groff", "groff-base"},
    {"mandoc", "mandoc"},
    {"man", "man-db"},
}};

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace

std::optional<std::string_view> debian_package_of(std::string_view program) {
    for (const auto& [name, package] : packages)
        if (name == program) return package;
    return std::nullopt;
}

std::optional<std::string> find_program(std::string_view program) {
    if (program.find('/') != std::string_view::npos) {
        std::string path(program);
        return executable(path) ? std::optional(path) : std::nullopt;
    }
    const char* search = std::getenv("PATH");
    std::string_view rest = search ? search : "/usr/sbin:/usr/bin:/sbin:/bin";
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        const auto dir = rest.substr(0, colon);
        const auto candidate = fmt::format("{}/{}", dir.empty() ? "." : dir, program);
        if (executable(candidate)) return candidate;
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    return std::nullopt;
}

std::string missing_program_message(std::string_view program) {
    const auto package = debian_package_of(program);
    if (!package) return fmt::format("{} not found in PATH", program);
    return fmt::format("{} not found: apt-get install {} (./dev.sh deps installs it)", program, *package);
}

void require_programs(std::initializer_list<std::string_view> programs) {
    for (const auto program : programs)
        if (!find_program(program)) throw SystemError(std::string(program), 0, missing_program_message(program));
}

}  // namespace custode::testing
