#include "custode/cli/run_history.h"

#include "custode/cli/common.h"

namespace custode::cli {

os::StateStore open_run_history(const GlobalOptions& global) {
    if (global.state) return os::StateStore::open(*global.state);
    return os::StateStore::open(state_path(global, require_netconf(global)));
}

}  // namespace custode::cli
