/// The options every command takes; main.cc parses them, custode-man
/// documents them (custode(8)) from this one declaration.

#include "custode/cli/command.h"

namespace custode::cli {

po::options_description global_options_description() {
    po::options_description options("Global options");
    options.add_options()
        ("netconf", po::value<std::string>()->value_name("DIR"),
         "configuration directory (default $CUSTODE_NETCONF, else /etc/custode)")
        ("state", po::value<std::string>()->value_name("FILE"), "SQLite state file")
        ("json", po::bool_switch(), "print one JSON object on stdout")
        ("verbose,v", po::value<std::vector<bool>>()->zero_tokens()->implicit_value({true}, ""), "more on stderr (repeatable)")
        ("quiet,q", po::value<std::vector<bool>>()->zero_tokens()->implicit_value({true}, ""), "less on stderr (repeatable)")
        ("help,h", "show help");
    return options;
}

}  // namespace custode::cli
