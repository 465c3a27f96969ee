#pragma once
/// What `runs` and `report` share: the state file holding the run history.

#include <filesystem>

#include "custode/cli/global_options.h"

namespace custode::cli {

/// --state, else site.toml's `state`: reading history needs netconf only to
/// find the file.
std::filesystem::path history_state_path(const GlobalOptions& global);

}  // namespace custode::cli
