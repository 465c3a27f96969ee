#pragma once
/// What `runs` and `report` share: the state file holding the run history.

#include "custode/cli/command.h"
#include "custode/os/state_store.h"

namespace custode::cli {

/// The state store named by --state, else by site.toml; reading history needs
/// netconf only to find the file.
os::StateStore open_run_history(const GlobalOptions& global);

}  // namespace custode::cli
