#pragma once
/// Man page text (roff, man macros): escaping, and a strict converter from
/// the Markdown that docs/netconf.md and man/custode.8.md are written in.
/// Anything outside that subset is an error naming file:line, so a page can
/// never silently lose or garble what the Markdown says.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace custode::man {

/// Markdown outside the subset; what() is "FILE:LINE: message".
class MarkdownError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Dashes { hyphen, minus };

/// Text for a roff text line: backslashes and non-ASCII characters escaped
/// (`\e`, `\[u2260]`); with Dashes::minus `-` becomes `\-`, as options and
/// code need. Throws std::invalid_argument on invalid UTF-8.
std::string escape(std::string_view text, Dashes dashes);

/// One top-level section (`## HEADING`) as man macros, ready after `.SH`.
struct Section {
    std::string heading;  ///< plain text
    std::string body;     ///< roff lines, each ending in '\n'
};

struct MarkdownPage {
    std::string summary;            ///< the title's text after "NAME: " (for the NAME section)
    std::vector<Section> sections;  ///< the text before the first `##` is DESCRIPTION
};

/// Converts the subset: `# NAME: summary` once, `##`/`###` headings,
/// paragraphs, `*`/`-` lists (one level), tables (one `.TP` entry per row),
/// fenced code blocks, inline code, `**bold**`, links, `&lt;` `&gt;` `&amp;`.
/// `file` names the source in errors.
MarkdownPage markdown_to_man(std::string_view markdown, std::string_view file);

/// `.SH "HEADING"` (or `.SS`), quoted for a macro argument.
std::string heading_macro(std::string_view macro, std::string_view heading, Dashes dashes = Dashes::hyphen);

/// Breaks filled text lines longer than 80 bytes at spaces (mandoc's style
/// check asks for it); requests and no-fill (`.EX`) lines are kept as they are.
std::string fold_long_lines(std::string_view page);

}  // namespace custode::man
