#pragma once
/// Output helpers shared by the commands: JSON on stdout, messages on stderr.

#include <nlohmann/json.hpp>
#include <string_view>

#include "custode/cli/global_options.h"

namespace custode::cli {

/// Prints one JSON object on stdout, carrying "command" and "ok".
void print_json(std::string_view command, bool ok, nlohmann::json body);

/// Prints `custode: <message>` on stderr (always, whatever -q says).
void print_error(std::string_view message);

/// Prints a progress or detail line on stderr when verbosity >= level.
void print_info(const GlobalOptions& global, int level, std::string_view message);

}  // namespace custode::cli
