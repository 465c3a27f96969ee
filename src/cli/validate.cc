// Placeholder until the netconf loader lands; replaced in the same change.
#include "custode/cli/commands.h"

namespace custode::cli {

Command validate_command() {
    return {"validate", "", "parse and check every netconf file, across files too"};
}

}  // namespace custode::cli
