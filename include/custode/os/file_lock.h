#pragma once
/// An exclusive advisory lock (flock) on a file, held for the object's life,
/// so two custode runs that change the system never overlap.

#include <filesystem>
#include <optional>

namespace custode::os {

class FileLock {
public:
    /// Locks `path` (created if missing). With `wait`, blocks until the lock
    /// is free; without, returns nullopt at once when another run holds it.
    static std::optional<FileLock> acquire(const std::filesystem::path& path, bool wait);

    FileLock(FileLock&& other) noexcept;
    FileLock& operator=(FileLock&&) = delete;
    FileLock(const FileLock&) = delete;
    ~FileLock();

private:
    explicit FileLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace custode::os
