#pragma once
/// Plain file access, with failures as SystemError naming the path.

#include <filesystem>
#include <string>
#include <vector>

namespace custode::os {

std::string read_text_file(const std::filesystem::path& path);

/// Regular files directly inside `dir` whose name ends with `extension`,
/// sorted by name. A missing directory gives an empty list.
std::vector<std::filesystem::path> list_files(const std::filesystem::path& dir, std::string_view extension);

/// Writes `text` to a temporary file beside `path`, then renames it over
/// `path`, so readers never see a half-written file.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace custode::os
