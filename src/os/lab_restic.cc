#include "custode/os/lab_restic.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <cerrno>
#include <fmt/format.h>

#include "custode/core/error.h"

namespace custode::os {
namespace {

constexpr std::string_view restic_program = "/usr/bin/restic";
constexpr std::string_view runuser_program = "/usr/sbin/runuser";

/// The repository directory's facts; a SystemError naming it when it is not a directory.
struct stat repository_facts(const std::filesystem::path& repository) {
    struct stat facts {};
    if (::stat(repository.c_str(), &facts) != 0)
        throw SystemError("backup repository " + repository.string(), errno, "");
    if (!S_ISDIR(facts.st_mode))
        throw SystemError("backup repository " + repository.string(), 0, "not a directory");
    return facts;
}

/// The name of the account that owns `repository`; empty for root.
std::string owner_of(const std::filesystem::path& repository) {
    const auto facts = repository_facts(repository);
    if (facts.st_uid == 0) return "";
    const passwd* account = ::getpwuid(facts.st_uid);
    if (!account)
        throw SystemError("backup repository " + repository.string(), 0,
                          fmt::format("owned by uid {}, which has no account", facts.st_uid));
    return account->pw_name;
}

}  // namespace

ProgramRun run_lab_restic(const std::filesystem::path& repository, std::string_view password,
                          const std::vector<std::string>& arguments, std::chrono::milliseconds timeout) {
    std::vector<std::string> argv;
    if (const auto owner = owner_of(repository); !owner.empty())
        argv = {std::string(runuser_program), "-u", owner, "--"};
    argv.insert(argv.end(), {std::string(restic_program), "--repo", repository.string(), "--no-cache", "--quiet"});
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_program(argv, fmt::format("{}\n", password), timeout, StandardOutput::kept_whole);
}

RestoreScratch::RestoreScratch(const std::filesystem::path& repository) {
    const auto facts = repository_facts(repository);
    std::string pattern = "/var/tmp/custode-restore-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw SystemError("mkdtemp " + pattern, errno, "");
    path_ = pattern;
    if (::chown(path_.c_str(), facts.st_uid, facts.st_gid) != 0) {
        const int error = errno;
        std::filesystem::remove(path_);
        throw SystemError("chown " + path_.string(), error, "");
    }
}

RestoreScratch::~RestoreScratch() {
    std::error_code ignored;  // a destructor must not throw; /var/tmp is cleaned by the system anyway
    std::filesystem::remove_all(path_, ignored);
}

std::uint64_t directory_bytes(const std::filesystem::path& directory) {
    std::uint64_t bytes = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(directory))
        if (entry.is_regular_file()) bytes += entry.file_size();
    return bytes;
}

}  // namespace custode::os
