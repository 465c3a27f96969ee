#pragma once
/// What several commands share: loading netconf, the state file, the run lock.

#include <filesystem>
#include <optional>

#include "custode/cli/command.h"
#include "custode/core/netconf.h"
#include "custode/os/file_lock.h"

namespace custode::cli {

/// Loads and validates netconf; on any problem prints every diagnostic on
/// stderr and throws UsageError (exit 2).
Netconf require_netconf(const GlobalOptions& global);

/// --state, else site.toml's `state`.
std::filesystem::path state_path(const GlobalOptions& global, const Netconf& netconf);

/// Which runs must not overlap: link changes with each other, nightly runs
/// with each other (a night's work must not hold up a provision).
enum class RunKind { links, maintenance };

/// The lock that keeps runs of one kind from overlapping (beside the state
/// file). Without `wait`, a busy lock is a SystemError naming the lock file.
os::FileLock lock_runs(const std::filesystem::path& state, bool wait, RunKind kind = RunKind::links);

/// Who is running custode, for the audit trail: the sudo caller, else the login.
std::string invoking_user();

/// The positional CLIENT... arguments of a command (empty when none).
std::vector<std::string> client_arguments(const po::variables_map& values);

}  // namespace custode::cli
