#pragma once
/// A scratch directory for a test (or the demo, or the bench): made fresh
/// under /tmp, removed with everything in it at scope exit, also when a test
/// fails.

#include <filesystem>
#include <string>
#include <string_view>

namespace custode::testing {

class TempDir {
public:
    /// Makes /tmp/TAG-XXXXXX; throws SystemError when it cannot.
    explicit TempDir(std::string_view tag = "custode-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

    /// Leaves the directory in place at scope exit (to look at it afterwards).
    void keep() { keep_ = true; }

private:
    std::filesystem::path path_;
    bool keep_ = false;
};

/// The whole content of a file a test made ("" when it cannot be read).
std::string read_file(const std::filesystem::path& path);

}  // namespace custode::testing
