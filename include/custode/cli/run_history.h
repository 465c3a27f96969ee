#pragma once
/// What `runs`, `report` and `maintain` share: the state file holding the
/// run history, and how a PC's line is printed.

#include <filesystem>
#include <string>

#include "custode/core/run_record.h"

#include "custode/cli/global_options.h"

namespace custode::cli {

/// --state, else site.toml's `state`: reading history needs netconf only to
/// find the file.
std::filesystem::path history_state_path(const GlobalOptions& global);

/// "reboot user_logged_on (maria), updates 12 installed, 1 failed": a PC's
/// restart and updates for its text line; "" when it had neither.
std::string reboot_and_updates(const HostRun& host);

}  // namespace custode::cli
