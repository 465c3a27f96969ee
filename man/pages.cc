/// The two pages, put together from their sources.

#include "pages.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <fmt/format.h>
#include <map>
#include <stdexcept>

#include "custode/cli/command.h"
#include "custode/core/exit_code.h"
#include "custode/core/version.h"

namespace custode::man {

std::string escape_prose(std::string_view text) {
    // Escaped a run at a time: a character of several UTF-8 bytes stays whole.
    std::string out;
    std::size_t run_start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool word_start = i == 0 || text[i - 1] == ' ' || text[i - 1] == '(' || text[i - 1] == '-';
        if (text[i] != '-' || !word_start) continue;
        out += escape(text.substr(run_start, i - run_start), Dashes::hyphen) + "\\-";
        run_start = i + 1;
    }
    return out + escape(text.substr(run_start), Dashes::hyphen);
}

namespace pages_detail {

namespace po = boost::program_options;

/// A --help text as a sentence: capital first, full stop last.
std::string sentence(std::string_view text) {
    std::string out = escape_prose(text);
    if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
    if (!out.empty() && out.back() != '.') out += '.';
    return out;
}

/// Which named options are also positional arguments, and whether they repeat.
std::map<std::string, bool> positional_names(const po::positional_options_description& positional) {
    std::map<std::string, bool> names;
    const unsigned total = positional.max_total_count();
    for (unsigned i = 0; i < std::min(total, 16u); ++i) names[positional.name_for_position(i)] = false;
    if (total == UINT_MAX) names[positional.name_for_position(UINT_MAX - 1)] = true;
    return names;
}

std::string option_entry(const po::option_description& option, const std::map<std::string, bool>& positional) {
    const std::string name = "\\fB" + escape("--" + option.long_name(), Dashes::minus) + "\\fR";
    const std::string shown = option.canonical_display_name(po::command_line_style::allow_dash_for_short);
    const std::string short_name = shown.starts_with("-") ? "\\fB" + escape(shown, Dashes::minus) + "\\fR, " : "";

    std::string value;
    std::string default_value;
    if (option.semantic()->max_tokens() > 0) {
        value = option.semantic()->name();
        if (const auto open = value.find(" (="); open != std::string::npos) {
            default_value = value.substr(open + 3, value.size() - open - 4);
            value.resize(open);
        }
        if (value == "arg")
            throw std::logic_error(fmt::format("--{} takes a value but declares no value_name", option.long_name()));
    }

    std::string tag;
    if (const auto found = positional.find(option.long_name()); found != positional.end()) {
        tag = fmt::format("[{}] \\fI{}\\fR{}", name, escape(value, Dashes::minus), found->second ? "..." : "");
    } else {
        tag = short_name + name + (value.empty() ? "" : " \\fI" + escape(value, Dashes::minus) + "\\fR");
    }
    std::string body = sentence(option.description());
    if (!default_value.empty()) body += " Default: " + escape(default_value, Dashes::minus) + ".";
    return ".TP\n" + tag + "\n" + body + "\n";
}

std::string options_roff(const po::options_description& options, const po::positional_options_description& positional) {
    std::string out;
    const auto names = positional_names(positional);
    for (const auto& option : options.options()) out += option_entry(*option, names);
    return out;
}

std::string commands_section() {
    std::string out = heading_macro("SH", "COMMANDS");
    out += "Each command also takes the global options below.\n"
           "Arguments in brackets are optional; an option shown as\n"
           "[\\fB\\-\\-client\\fR] \\fICLIENT\\fR may be given as a plain argument.\n";
    for (const auto& command : cli::command_table()) {
        cli::CommandOptions options;
        if (command.declare) command.declare(options);
        const std::string name(command.name);
        const std::string usage(command.usage);
        out += heading_macro("SS", "custode " + name + (usage.empty() ? "" : " " + usage), Dashes::minus);
        out += sentence(command.summary) + "\n";
        out += options_roff(options.named, options.positional);
    }
    return out;
}

std::string global_options_section() {
    std::string out = heading_macro("SH", "GLOBAL OPTIONS");
    out += "Given before or after the command.\n";
    out += options_roff(cli::global_options_description(), {});
    out += ".TP\n\\fB\\-\\-version\\fR\nPrint custode's version and exit (alone, without a command).\n";
    return out;
}

std::string exit_status_section() {
    std::string out = heading_macro("SH", "EXIT STATUS");
    out += "Every command exits with one of these.\n";
    for (const auto& [code, meaning] : exit_code_meanings)
        out += fmt::format(".TP\n.B {}\n{}\n", to_int(code), sentence(meaning));
    return out;
}

std::string header(std::string_view title, int section, std::string_view date, std::string_view volume) {
    return fmt::format(".TH {} {} {} \"custode {}\" \"{}\"\n", title, section, date, version(), volume);
}

std::string name_section(std::string_view name, std::string_view summary) {
    return heading_macro("SH", "NAME") + escape(name, Dashes::minus) + " \\- " + escape(summary, Dashes::hyphen) +
           "\n";
}

std::string section_roff(const Section& section) { return heading_macro("SH", section.heading) + section.body; }

}  // namespace pages_detail

std::string custode_page(const MarkdownPage& hand_written, std::string_view date) {
    using namespace pages_detail;
    if (hand_written.sections.empty() || hand_written.sections.front().heading != "DESCRIPTION")
        throw MarkdownError("custode(8): the hand-written part starts with the description");
    for (const auto& section : hand_written.sections)
        for (std::string_view generated : {"NAME", "SYNOPSIS", "COMMANDS", "GLOBAL OPTIONS", "EXIT STATUS"})
            if (section.heading == generated)
                throw MarkdownError(fmt::format("custode(8): {} is generated; do not write it by hand", generated));

    std::string page = header("CUSTODE", 8, date, "System Administration");
    page += name_section("custode", hand_written.summary);
    page += heading_macro("SH", "SYNOPSIS");
    page += ".B custode\n[\\fIglobal options\\fR] \\fICOMMAND\\fR [\\fIarguments\\fR]\n.br\n"
            ".B custode\n\\fICOMMAND\\fR \\fB\\-\\-help\\fR\n.br\n"
            ".B custode\n\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n";
    page += section_roff(hand_written.sections.front());
    page += commands_section();
    page += global_options_section();
    page += exit_status_section();
    for (std::size_t i = 1; i < hand_written.sections.size(); ++i) page += section_roff(hand_written.sections[i]);
    return fold_long_lines(page);
}

std::string netconf_page(const MarkdownPage& netconf, std::string_view date) {
    using namespace pages_detail;
    std::string page = header("CUSTODE-NETCONF", 5, date, "File Formats");
    page += name_section("custode-netconf", netconf.summary);
    for (const auto& section : netconf.sections) page += section_roff(section);
    page += heading_macro("SH", "SEE ALSO") + ".BR custode (8)\n";
    return fold_long_lines(page);
}

}  // namespace custode::man
