#include "custode/cli/run_history.h"

#include "custode/cli/common.h"

namespace custode::cli {

std::filesystem::path history_state_path(const GlobalOptions& global) {
    if (global.state) return *global.state;
    return state_path(global, require_netconf(global));
}

}  // namespace custode::cli
