#pragma once
/// custode(8) and custode-netconf(5). custode(8)'s commands, options and
/// exit codes come from the command table and the option declarations that
/// `--help` prints; its prose from man/custode.8.md. custode-netconf(5) is
/// docs/netconf.md. Neither can drift from its source.

#include <string>
#include <string_view>

#include "roff.h"

namespace custode::man {

/// `hand_written`: man/custode.8.md converted; `date`: YYYY-MM-DD for .TH.
/// Throws MarkdownError when it holds a section the generator writes itself,
/// and std::logic_error for an option declared without a value name.
std::string custode_page(const MarkdownPage& hand_written, std::string_view date);

/// Prose from --help as roff: a dash that starts a word is an option's (`\-`).
std::string escape_prose(std::string_view text);

/// `netconf`: docs/netconf.md converted.
std::string netconf_page(const MarkdownPage& netconf, std::string_view date);

}  // namespace custode::man
