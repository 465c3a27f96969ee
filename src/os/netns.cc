#include "custode/os/netns.h"

#include <algorithm>
#include <cerrno>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <mutex>
#include <optional>
#include <thread>
#include <unistd.h>

#include "custode/core/error.h"
#include "custode/os/fault_injection.h"

namespace custode::os {
namespace {

std::string namespace_path(std::string_view name) {
    /// The name becomes a file name: refuse anything that could escape the directory.
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
        throw SystemError("namespace name", EINVAL, "'" + std::string(name) + "' is not a file name");
    return std::string(kNetnsRunDir) + "/" + std::string(name);
}

/// Makes /run/netns a mount point with shared propagation, as iproute2 does,
/// so a namespace mounted there is seen by every mount namespace (and a
/// later `umount` in one is seen by all).
void prepare_run_dir() {
    const std::string dir(kNetnsRunDir);
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw SystemError("mkdir " + dir, errno, "");
    for (bool bound = false;;) {
        if (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) == 0) return;
        /// EINVAL: not a mount point yet. Bind it onto itself once, then retry.
        if (errno != EINVAL || bound) throw SystemError("mount --make-rshared " + dir, errno, "");
        if (::mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0)
            throw SystemError("mount --bind " + dir, errno, "");
        bound = true;
    }
}

/// Unshares the calling thread into a new network namespace, runs `inside`
/// there, pins it on `path` and returns the thread to its own namespace.
void mount_new_namespace_here(const std::string& path, const std::function<void()>& inside) {
    const auto home = NamespaceFd::open_current();
    if (::unshare(CLONE_NEWNET) != 0) throw SystemError("unshare(CLONE_NEWNET)", errno, "");
    struct ReturnHome {
        const NamespaceFd& home;
        ~ReturnHome() {
            // Going on in the wrong namespace would change the wrong links.
            if (::setns(home.fd(), CLONE_NEWNET) != 0) std::terminate();
        }
    } return_home{home};
    // Prepared before it is mounted: the mount makes it visible, so a kill
    // before it leaves no namespace half set up (the process held the only reference).
    inside();
    if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0)
        throw SystemError("mount --bind /proc/thread-self/ns/net " + path, errno, "");
    count_system_change();
}

/// The part of create_named_namespace before the namespace itself: the
/// checked path, /run/netns prepared, the file made with O_EXCL.
std::optional<std::string> make_namespace_file(std::string_view name) {
    auto path = namespace_path(name);
    // Once per process: a recursive propagation change walks every namespace
    // already mounted there, so doing it per namespace grows with their number.
    static std::once_flag run_dir_prepared;
    std::call_once(run_dir_prepared, prepare_run_dir);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0) {
        if (errno == EEXIST) return std::nullopt;
        throw SystemError("create " + path, errno, "");
    }
    ::close(fd);
    count_system_change();
    return path;
}

}  // namespace

Creation create_named_namespace(std::string_view name, const std::function<void()>& inside) {
    const auto path = make_namespace_file(name);
    if (!path) return Creation::already_exists;
    try {
        mount_new_namespace_here(*path, inside);
    } catch (...) {
        ::unlink(path->c_str());
        throw;
    }
    return Creation::created;
}

Creation create_named_namespace(std::string_view name) { return create_named_namespace(name, [] {}); }

NamespaceFile namespace_file(std::string_view name) {
    const auto path = namespace_path(name);
    struct statfs file_system {};
    if (::statfs(path.c_str(), &file_system) != 0) {
        if (errno == ENOENT) return NamespaceFile::absent;
        throw SystemError("statfs " + path, errno, "");
    }
    return file_system.f_type == NSFS_MAGIC ? NamespaceFile::mounted : NamespaceFile::half_made;
}

bool named_namespace_exists(std::string_view name) { return namespace_file(name) == NamespaceFile::mounted; }

bool delete_named_namespace(std::string_view name) {
    const auto path = namespace_path(name);
    /// EINVAL: the file is there but not a mount point (a half-made namespace); still remove it.
    if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL) {
        if (errno == ENOENT) return false;
        throw SystemError("umount " + path, errno, "");
    }
    count_system_change();
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return false;
        throw SystemError("unlink " + path, errno, "");
    }
    count_system_change();
    return true;
}

std::vector<std::string> list_named_namespaces() {
    std::vector<std::string> names;
    std::error_code error;
    std::filesystem::directory_iterator entries(kNetnsRunDir, error);
    if (error == std::errc::no_such_file_or_directory) return names;
    if (error) throw SystemError("list " + std::string(kNetnsRunDir), error.value(), "");
    for (const auto& entry : entries) names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

NamespaceFd NamespaceFd::open_named(std::string_view name) {
    const auto path = namespace_path(name);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw SystemError("open " + path, errno, "");
    return NamespaceFd(fd);
}

NamespaceFd NamespaceFd::open_current() {
    const int fd = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw SystemError("open /proc/thread-self/ns/net", errno, "");
    return NamespaceFd(fd);
}

void run_in_each_namespace(const std::vector<const NamespaceFd*>& namespaces,
                           const std::function<void(std::size_t)>& work) {
    std::exception_ptr failure;
    std::thread worker([&] {
        try {
            for (std::size_t i = 0; i < namespaces.size(); ++i) {
                if (::setns(namespaces[i]->fd(), CLONE_NEWNET) != 0)
                    throw SystemError("setns(CLONE_NEWNET)", errno, "");
                work(i);
            }
        } catch (...) {
            failure = std::current_exception();
        }
    });
    worker.join();
    if (failure) std::rethrow_exception(failure);
}

void run_in_namespace(const NamespaceFd& ns, const std::function<void()>& work) {
    run_in_each_namespace({&ns}, [&](std::size_t) { work(); });
}

void write_sysctl(const std::string& path, std::string_view value) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw SystemError("open " + path, errno, "");
    const auto written = ::write(fd, value.data(), value.size());
    const int write_errno = errno;
    ::close(fd);
    if (written < 0) throw SystemError("write " + path, write_errno, std::string(value));
    if (static_cast<std::size_t>(written) != value.size()) throw SystemError("write " + path, EIO, "short write");
}

void write_sysctls(const std::string& directory,
                   const std::vector<std::pair<std::string, std::string>>& relative_path_and_value) {
    const int dir = ::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) throw SystemError("open " + directory, errno, "");
    struct CloseDir {
        int fd;
        ~CloseDir() { ::close(fd); }
    } close_dir{dir};
    for (const auto& [relative, value] : relative_path_and_value) {
        const auto path = directory + "/" + relative;
        const int fd = ::openat(dir, relative.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) throw SystemError("open " + path, errno, "");
        const auto written = ::write(fd, value.data(), value.size());
        const int write_errno = errno;
        ::close(fd);
        if (written < 0) throw SystemError("write " + path, write_errno, value);
        if (static_cast<std::size_t>(written) != value.size()) throw SystemError("write " + path, EIO, "short write");
        count_system_change();
    }
}

std::string read_sysctl(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw SystemError("open " + path, errno, "");
    std::string text;
    char buffer[256];
    for (;;) {
        const auto got = ::read(fd, buffer, sizeof buffer);
        if (got < 0) {
            const int read_errno = errno;
            ::close(fd);
            throw SystemError("read " + path, read_errno, "");
        }
        if (got == 0) break;
        text.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(fd);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
}

}  // namespace custode::os
