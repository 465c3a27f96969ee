#pragma once
/// Printing link plans and outcomes (plan, apply, remove), as text or JSON.

#include <string_view>
#include <vector>

#include "custode/app/links.h"
#include "custode/cli/global_options.h"
#include "custode/core/exit_code.h"

namespace custode::cli {

/// Text on stdout (problems on stderr), or one JSON object with `command`.
void print_outcomes(const GlobalOptions& global, std::string_view command,
                    const std::vector<app::ClientOutcome>& outcomes);

/// The exit code for a set of outcomes; `pending_is_problem` for `plan`.
ExitCode exit_code_for(const std::vector<app::ClientOutcome>& outcomes, bool pending_is_problem);

}  // namespace custode::cli
