/// The command table. Each built command lives in its own file and exposes
/// `<name>_command()`; commands not built yet are listed here so --help
/// shows the whole tool.

#include "custode/cli/command.h"
#include "custode/cli/commands.h"

namespace custode::cli {

const std::vector<Command>& command_table() {
    static const std::vector<Command> table = {
        validate_command(),
        plan_command(),
        apply_command(),
        status_command(),
        check_command(),
        remove_command(),
        scan_command(),
        hosts_command(),
        wake_command(),
        enroll_command(),
        maintain_command(),
        runs_command(),
        report_command(),
        backups_command(),
        overview_command(),
        disconnect_command(),
        disconnections_command(),
        isolation_check_command(),
        verify_command(),
        keygen_command(),
        doctor_command(),
    };
    return table;
}

}  // namespace custode::cli
