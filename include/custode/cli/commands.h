#pragma once
/// One factory per built command; each is defined in src/cli/<command>.cc.

#include "custode/cli/command.h"

namespace custode::cli {

Command validate_command();
Command plan_command();
Command apply_command();
Command status_command();
Command check_command();
Command doctor_command();
Command remove_command();
Command scan_command();
Command hosts_command();
Command backups_command();
Command wake_command();
Command enroll_command();
Command maintain_command();
Command runs_command();
Command report_command();
Command overview_command();
Command disconnect_command();
Command disconnections_command();
Command isolation_check_command();
Command keygen_command();
Command verify_command();

}  // namespace custode::cli
