#include "custode/cli/output.h"

#include <fmt/format.h>
#include <iostream>

namespace custode::cli {

void print_json(std::string_view command, bool ok, nlohmann::json body) {
    body["command"] = command;
    body["ok"] = ok;
    std::cout << body.dump(2) << '\n';
}

void print_error(std::string_view message) { std::cerr << fmt::format("custode: {}\n", message); }

void print_info(const GlobalOptions& global, int level, std::string_view message) {
    if (global.verbosity >= level) std::cerr << message << '\n';
}

}  // namespace custode::cli
