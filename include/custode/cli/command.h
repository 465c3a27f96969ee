#pragma once
/// The command table: each command declares its options and a run function.
/// main.cc parses global + command options together, so they may appear in
/// any order (`custode --json validate` and `custode validate --json`).

#include <boost/program_options.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "custode/cli/global_options.h"

namespace custode::cli {

namespace po = boost::program_options;

struct CommandOptions {
    po::options_description named{"Options"};
    po::positional_options_description positional;
};

struct Command {
    std::string_view name;
    std::string_view usage;    ///< arguments after the name, as shown by --help
    std::string_view summary;  ///< one line
    void (*declare)(CommandOptions&) = nullptr;
    /// Returns the process exit code.
    int (*run)(const GlobalOptions&, const po::variables_map&) = nullptr;
};

const std::vector<Command>& command_table();

/// --netconf, --state, --json, -v, -q, --help: taken by every command.
po::options_description global_options_description();

}  // namespace custode::cli
