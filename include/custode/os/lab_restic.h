#pragma once
/// The lab's own restic on a client's repository directory (docs/backups.md,
/// "After the night").

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "custode/os/program.h"

namespace custode::os {

/// `restic --repo REPOSITORY --no-cache --quiet ARGUMENTS`, run as the
/// account that owns the directory (runuser), so what prune writes stays
/// readable by the rclone the PCs' forced command runs as; the password goes
/// on restic's stdin, never on a command line (--quiet keeps restic's notice
/// of it out of the JSON on stdout). stdout is kept whole. A repository that
/// is not a directory is a SystemError naming it.
ProgramRun run_lab_restic(const std::filesystem::path& repository, std::string_view password,
                          const std::vector<std::string>& arguments, std::chrono::milliseconds timeout);

/// A fresh directory under /var/tmp for a restore test, owned by the
/// account that owns `repository` (restic, run as it, writes there), and
/// removed with everything in it at scope exit.
class RestoreScratch {
public:
    explicit RestoreScratch(const std::filesystem::path& repository);
    ~RestoreScratch();
    RestoreScratch(const RestoreScratch&) = delete;
    RestoreScratch& operator=(const RestoreScratch&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// The bytes of the regular files under `directory` (a repository's size on disk).
std::uint64_t directory_bytes(const std::filesystem::path& directory);

}  // namespace custode::os
