#pragma once
/// Reads a netconf directory (site.toml + clients/*.toml) from disk and
/// loads it with the core loader.

#include <filesystem>

#include "custode/core/netconf.h"

namespace custode::app {

/// Reads `dir`/site.toml and `dir`/clients/*.toml (sorted by name). Paths in
/// the sources are `dir` joined with the file name, as given. A missing
/// directory or site.toml is added to `problems`; unreadable files throw
/// SystemError.
NetconfSources read_netconf_sources(const std::filesystem::path& dir, std::vector<Diagnostic>& problems);

/// read_netconf_sources + load_netconf: every problem as a diagnostic, sorted.
NetconfLoad load_netconf_directory(const std::filesystem::path& dir);

}  // namespace custode::app
