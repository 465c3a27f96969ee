#pragma once
/// What several commands share: loading netconf, the state file, common flags.

#include <filesystem>
#include <optional>

#include "custode/cli/command.h"
#include "custode/core/netconf.h"
#include "custode/app/run_lock.h"

namespace custode::cli {

/// Loads and validates netconf; on any problem prints every diagnostic on
/// stderr and throws UsageError (exit 2).
Netconf require_netconf(const GlobalOptions& global);

/// --state, else site.toml's `state`.
std::filesystem::path state_path(const GlobalOptions& global, const Netconf& netconf);

/// --wait: queue behind another run instead of failing.
app::Wait wait_flag(const po::variables_map& values);

/// The positional CLIENT... arguments of a command (empty when none).
std::vector<std::string> client_arguments(const po::variables_map& values);

/// --report-dir: where the run reports (run-ID.html) are; default reports/
/// beside the state file.
std::filesystem::path report_directory(const po::variables_map& values, const std::filesystem::path& state);

}  // namespace custode::cli
