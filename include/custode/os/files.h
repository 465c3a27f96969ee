#pragma once
/// Plain file access, with failures as SystemError naming the path.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace custode::os {

std::string read_text_file(const std::filesystem::path& path);

/// Regular files directly inside `dir` whose name ends with `extension`,
/// sorted by name. A missing directory gives an empty list.
std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir, std::string_view extension);

enum class Overwrite { refuse, replace };

/// The one way custode writes a file it keeps: `bytes` go to a temporary
/// file beside `path`, created with exactly `mode` whatever the umask (0600
/// for a secret key), and fsync'd; then it takes its name: Overwrite::replace
/// renames it over `path`, Overwrite::refuse links it, so an existing `path`
/// is a UsageError ("<path> exists") and stays as it was. Last, the directory
/// is fsync'd, so the name survives a power cut too. Readers never see a
/// half-written file, and a failure leaves no temporary file behind.
void write_file_atomically(const std::filesystem::path& path, std::string_view bytes, unsigned mode = 0644,
                           Overwrite overwrite = Overwrite::replace);

/// Throws UsageError, naming the file and the fix, unless the secret
/// `what` at `path` is private to the user custode runs as
/// (core/secret_file.h); a missing file is left to its reader to report.
void require_private_secret(const std::filesystem::path& path, std::string_view what);

}  // namespace custode::os
