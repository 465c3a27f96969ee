/// custode's entry point: finds the command, parses options, maps errors to exit codes.

#include <cstdlib>
#include <fmt/format.h>
#include <iostream>

#include "custode/cli/command.h"
#include "custode/cli/output.h"
#include "custode/core/error.h"
#include "custode/core/exit_code.h"
#include "custode/core/version.h"

namespace custode::cli {
namespace {

bool takes_value(std::string_view token) { return token == "--netconf" || token == "--state"; }

/// The index of the command word: the first argument that is not an option
/// nor the value of a global option. 0 when there is none.
int find_command(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view token = argv[i];
        if (takes_value(token)) {
            ++i;
        } else if (token.empty() || token[0] != '-') {
            return i;
        }
    }
    return 0;
}

const Command* lookup(std::string_view name) {
    for (const auto& command : command_table())
        if (command.name == name) return &command;
    return nullptr;
}

void print_overview(std::ostream& out) {
    out << "usage: custode [global options] COMMAND [arguments]\n\nCommands:\n";
    for (const auto& command : command_table()) {
        out << fmt::format("  {:<16}{}\n", command.name, command.summary);
    }
    out << "\n" << global_options_description() << "\nExit status:\n";
    for (const auto& [code, meaning] : exit_code_meanings) out << fmt::format("  {}  {}\n", to_int(code), meaning);
    out << "\nRun 'custode COMMAND --help' for a command's options, 'man custode' for the manual.\n";
}

void print_command_help(const Command& command, const CommandOptions& options) {
    std::cout << fmt::format("usage: custode {} {}\n\n{}\n\n", command.name, command.usage, command.summary);
    if (!options.named.options().empty()) std::cout << options.named << '\n';
    std::cout << global_options_description();
}

GlobalOptions read_global(const po::variables_map& values) {
    GlobalOptions global;
    if (values.count("netconf")) {
        global.netconf_dir = values["netconf"].as<std::string>();
    } else if (const char* env = std::getenv("CUSTODE_NETCONF"); env && *env) {
        global.netconf_dir = env;
    } else {
        global.netconf_dir = "/etc/custode";
    }
    if (values.count("state")) global.state = values["state"].as<std::string>();
    global.json = values["json"].as<bool>();
    const auto times = [&](const char* name) {
        return values.count(name) ? static_cast<int>(values[name].as<std::vector<bool>>().size()) : 0;
    };
    global.verbosity = times("verbose") - times("quiet");
    return global;
}

int run_command(const Command& command, int argc, char** argv, int command_index) {
    CommandOptions options;
    if (command.declare) command.declare(options);
    po::options_description all;
    all.add(global_options_description()).add(options.named);

    std::vector<std::string> arguments;
    for (int i = 1; i < argc; ++i)
        if (i != command_index) arguments.emplace_back(argv[i]);
    po::variables_map values;
    po::store(po::command_line_parser(arguments).options(all).positional(options.positional).run(), values);
    if (values.count("help")) {
        print_command_help(command, options);
        return to_int(ExitCode::ok);
    }
    po::notify(values);
    return command.run(read_global(values), values);
}

int dispatch(int argc, char** argv) {
    const int command_index = find_command(argc, argv);
    if (command_index == 0) {
        for (int i = 1; i < argc; ++i) {
            std::string_view token = argv[i];
            if (token == "--version") {
                std::cout << "custode " << version() << '\n';
                return to_int(ExitCode::ok);
            }
            if (token == "--help" || token == "-h") {
                print_overview(std::cout);
                return to_int(ExitCode::ok);
            }
        }
        print_overview(std::cerr);
        return to_int(ExitCode::usage);
    }
    const Command* command = lookup(argv[command_index]);
    if (!command) {
        print_error(fmt::format("unknown command '{}'; see 'custode --help'", argv[command_index]));
        return to_int(ExitCode::usage);
    }
    try {
        return run_command(*command, argc, argv, command_index);
    } catch (const po::error& error) {
        print_error(fmt::format("{}: {}; see 'custode {} --help'", command->name, error.what(), command->name));
        return to_int(ExitCode::usage);
    }
}

}  // namespace
}  // namespace custode::cli

int main(int argc, char** argv) {
    using namespace custode;
    try {
        return cli::dispatch(argc, argv);
    } catch (const UsageError& error) {
        cli::print_error(error.what());
        return to_int(ExitCode::usage);
    } catch (const SystemError& error) {
        cli::print_error(error.what());
        return to_int(ExitCode::system);
    } catch (const std::exception& error) {
        cli::print_error(fmt::format("internal error: {}", error.what()));
        return to_int(ExitCode::system);
    }
}
