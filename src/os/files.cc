#include "custode/os/files.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

#include "custode/core/error.h"
#include "custode/core/secret_file.h"
#include "custode/os/user.h"

namespace custode::os {

std::string read_text_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw SystemError("open " + path.string(), errno, "");
    // One sized read: the 5 MB OUI list through a stringstream cost 50 ms.
    std::string text(static_cast<std::size_t>(in.tellg()), '\0');
    in.seekg(0);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad() || in.gcount() != static_cast<std::streamsize>(text.size()))
        throw SystemError("read " + path.string(), errno, "");
    return text;
}

std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir, std::string_view extension) {
    std::vector<std::filesystem::path> files;
    std::error_code error;
    std::filesystem::directory_iterator entries(dir, error);
    if (error == std::errc::no_such_file_or_directory) return files;
    if (error) throw SystemError("list " + dir.string(), error.value(), "");
    for (const auto& entry : entries) {
        const auto name = entry.path().filename().string();
        if (entry.is_regular_file() && name.size() > extension.size() && name.ends_with(extension))
            files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

namespace {

/// A temporary file beside its final path; removed unless it was published.
class TemporaryFile {
public:
    TemporaryFile(const std::filesystem::path& final_path, unsigned mode) : path_(final_path.string() + ".XXXXXX") {
        fd_ = ::mkstemp(path_.data());
        if (fd_ < 0) throw SystemError("create " + path_, errno, "");
        if (::fchmod(fd_, static_cast<mode_t>(mode)) != 0) fail("chmod");
    }
    ~TemporaryFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!published_) ::unlink(path_.c_str());
    }
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;

    void write(std::string_view bytes) {
        while (!bytes.empty()) {
            const ssize_t count = ::write(fd_, bytes.data(), bytes.size());
            if (count < 0 && errno == EINTR) continue;
            if (count <= 0) fail("write");
            bytes.remove_prefix(static_cast<std::size_t>(count));
        }
        if (::fsync(fd_) != 0) fail("fsync");
        const int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0) fail("close");
    }

    /// rename replaces; link refuses an existing file atomically.
    void publish(const std::filesystem::path& final_path, Overwrite overwrite) {
        if (overwrite == Overwrite::replace) {
            if (::rename(path_.c_str(), final_path.c_str()) != 0) fail("rename to " + final_path.string() + ":");
            published_ = true;
            return;
        }
        if (::link(path_.c_str(), final_path.c_str()) != 0) {
            if (errno == EEXIST) throw UsageError(final_path.string() + " exists");
            fail("link to " + final_path.string() + ":");
        }
    }

private:
    [[noreturn]] void fail(const std::string& call) { throw SystemError(call + " " + path_, errno, ""); }

    std::string path_;
    int fd_ = -1;
    bool published_ = false;
};

void sync_directory(const std::filesystem::path& file) {
    const auto directory = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw SystemError("open " + directory.string(), errno, "");
    const int result = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (result != 0) throw SystemError("fsync " + directory.string(), error, "");
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view bytes, unsigned mode,
                           Overwrite overwrite) {
    TemporaryFile file(path, mode);
    file.write(bytes);
    file.publish(path, overwrite);
    sync_directory(path);
}

void require_private_secret(const std::filesystem::path& path, std::string_view what) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return;
    const SecretFileFacts file{static_cast<unsigned>(info.st_mode & 07777), static_cast<unsigned>(info.st_uid)};
    if (const auto refusal = secret_file_refusal(what, path.string(), file, effective_user_id()))
        throw UsageError(refusal->problem + "; fix: " + refusal->fix);
}

}  // namespace custode::os
