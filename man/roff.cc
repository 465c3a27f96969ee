/// The Markdown subset to man macros. Tables become one `.TP` entry per row
/// (a terminal is too narrow for five columns of prose): the first cell is
/// the tag, the others follow, each named by its column when there are more
/// than two.

#include "roff.h"

#include <cctype>
#include <fmt/format.h>

namespace custode::man {
namespace roff_detail {

/// The code point of the UTF-8 sequence at text[i], advancing i past it.
char32_t decode_utf8(std::string_view text, std::size_t& i) {
    const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
    const unsigned char lead = byte(i);
    const int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (length == 0 || i + static_cast<std::size_t>(length) > text.size())
        throw std::invalid_argument("invalid UTF-8");
    char32_t point = lead & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) throw std::invalid_argument("invalid UTF-8");
        point = (point << 6) | (byte(i + k) & 0x3F);
    }
    i += static_cast<std::size_t>(length);
    return point;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return text;
}

/// A roff text line must not start with a control character.
std::string protect_lines(const std::string& text) {
    std::string out;
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        out += c;
        line_start = c == '\n';
    }
    return out;
}

bool is_list_item(std::string_view line) {
    if (line.starts_with("* ") || line.starts_with("- ")) return true;
    std::size_t digits = 0;
    while (digits < line.size() && std::isdigit(static_cast<unsigned char>(line[digits]))) ++digits;
    return digits > 0 && line.substr(digits).starts_with(". ");
}

bool is_blank(std::string_view line) { return trim(line).empty(); }

/// Splits `| a | b |` into its trimmed cells; `\|` is a literal bar.
std::vector<std::string> table_cells(std::string_view row) {
    std::vector<std::string> cells;
    std::string cell;
    bool in_code = false;
    for (std::size_t i = 1; i < row.size(); ++i) {
        const char c = row[i];
        if (c == '`') in_code = !in_code;
        if (c == '\\' && i + 1 < row.size() && row[i + 1] == '|') {
            cell += '|';
            ++i;
        } else if (c == '|' && !in_code) {
            cells.emplace_back(trim(cell));
            cell.clear();
        } else {
            cell += c;
        }
    }
    return cells;
}

class Converter {
public:
    Converter(std::string_view markdown, std::string_view file) : file_(file) {
        std::size_t start = 0;
        while (start < markdown.size()) {
            const auto end = markdown.find('\n', start);
            const auto stop = end == std::string_view::npos ? markdown.size() : end;
            lines_.push_back(markdown.substr(start, stop - start));
            start = stop + 1;
        }
    }

    MarkdownPage run() {
        while (at_ < lines_.size()) {
            const std::string_view line = lines_[at_];
            if (is_blank(line)) {
                ++at_;
            } else if (!title_seen_) {
                title(line);
            } else if (line.starts_with("## ")) {
                finish_section();
                current_ = {plain(line.substr(3)), ""};
                section_start_ = true;
                ++at_;
            } else if (line.starts_with("### ")) {
                current_.body += heading_macro("SS", plain(line.substr(4)));
                section_start_ = true;
                ++at_;
            } else if (line.starts_with("#")) {
                fail(at_, "only '# NAME: summary' once, then '##' and '###' headings");
            } else if (line.starts_with("```")) {
                code_block();
            } else if (line.starts_with("|")) {
                table();
            } else if (is_list_item(line)) {
                list();
            } else if (line.starts_with(">")) {
                fail(at_, "block quotes are not in the subset");
            } else if (line.starts_with("    ") || line.starts_with("\t")) {
                fail(at_, "indented code is not in the subset: fence it with ```");
            } else {
                paragraph();
            }
        }
        if (!title_seen_) fail(0, "no '# NAME: summary' title");
        finish_section();
        return std::move(page_);
    }

private:
    [[noreturn]] void fail(std::size_t index, std::string_view message) const {
        throw MarkdownError(fmt::format("{}:{}: {}", file_, index + 1, message));
    }

    void title(std::string_view line) {
        const auto colon = line.find(": ");
        if (!line.starts_with("# ") || colon == std::string_view::npos)
            fail(at_, "the page starts with '# NAME: summary'");
        page_.summary = plain(line.substr(colon + 2));
        title_seen_ = true;
        ++at_;
    }

    void finish_section() {
        if (!current_.body.empty()) page_.sections.push_back(std::move(current_));
        current_ = {};
    }

    /// `.PP` between blocks, not right after a heading (mandoc flags that).
    void new_block() {
        if (!section_start_) current_.body += ".PP\n";
        section_start_ = false;
    }

    /// A heading's text without its inline markup.
    std::string plain(std::string_view text) const {
        std::string out;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '`' || text.substr(i).starts_with("**")) {
                if (text[i] == '*') ++i;
            } else if (text.substr(i).starts_with("&lt;")) {
                out += '<';
                i += 3;
            } else if (text.substr(i).starts_with("&gt;")) {
                out += '>';
                i += 3;
            } else {
                out += text[i];
            }
        }
        return std::string(trim(out));
    }

    /// Inline markup to roff; `first` is the index of the text's first line, for errors.
    std::string inline_text(std::string_view text, std::size_t first) const {
        std::string out;
        std::string plain_run;
        std::size_t line = first;
        bool bold = false;
        const auto flush = [&] {
            try {
                out += escape(plain_run, Dashes::hyphen);
            } catch (const std::invalid_argument& error) {
                fail(line, error.what());
            }
            plain_run.clear();
        };
        for (std::size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            const std::string_view rest = text.substr(i);
            if (c == '\n') {
                ++line;
                plain_run += c;
            } else if (c == '`') {
                const auto close = text.find('`', i + 1);
                if (close == std::string_view::npos) fail(line, "unclosed ` (inline code)");
                flush();
                const auto code = text.substr(i + 1, close - i - 1);
                // \% : a name or a command is never hyphenated at a line's end.
                const auto escaped = "\\%" + escape(code, Dashes::minus);
                out += bold ? escaped : "\\fB" + escaped + "\\fR";
                for (char k : code) line += k == '\n';
                i = close;
            } else if (rest.starts_with("**")) {
                flush();
                out += bold ? "\\fR" : "\\fB";
                bold = !bold;
                ++i;
            } else if (c == '*') {
                fail(line, "emphasis with one * is not in the subset: use **bold** or `code`");
            } else if (c == '[' && rest.find(']') != std::string_view::npos &&
                       rest.substr(rest.find(']')).starts_with("](")) {
                const auto middle = rest.find("](");
                const auto close = rest.find(')', middle);
                if (close == std::string_view::npos) fail(line, "unclosed link: [text](target)");
                const auto target = rest.substr(middle + 2, close - middle - 2);
                flush();
                out += inline_text(rest.substr(1, middle - 1), line);
                // A page elsewhere keeps its address; a sibling document is named by its text.
                if (target.starts_with("https://") || target.starts_with("http://"))
                    out += " (\\%" + escape(target, Dashes::hyphen) + ")";
                i += close;
            } else if (c == '&') {
                if (rest.starts_with("&lt;")) plain_run += '<';
                else if (rest.starts_with("&gt;")) plain_run += '>';
                else if (rest.starts_with("&amp;")) plain_run += '&';
                else fail(line, "only the entities &lt; &gt; &amp; are in the subset");
                i += rest.find(';');
            } else if (c == '<') {
                fail(line, "raw HTML is not in the subset: write &lt; for <");
            } else if (c == '\\' && i + 1 < text.size() && std::ispunct(static_cast<unsigned char>(text[i + 1]))) {
                plain_run += text[++i];
            } else {
                plain_run += c;
            }
        }
        flush();
        if (bold) fail(line, "unclosed ** (bold)");
        return out;
    }

    std::string block_text(std::size_t first, std::size_t end) const {
        std::string joined;
        for (std::size_t i = first; i < end; ++i) {
            if (i > first) joined += '\n';
            joined += trim(lines_[i]);
        }
        return protect_lines(inline_text(joined, first)) + "\n";
    }

    bool starts_block(std::string_view line) const {
        return is_blank(line) || line.starts_with("#") || line.starts_with("```") || line.starts_with("|") ||
               is_list_item(line);
    }

    void paragraph() {
        const std::size_t first = at_;
        while (at_ < lines_.size() && (at_ == first || !starts_block(lines_[at_]))) ++at_;
        new_block();
        current_.body += block_text(first, at_);
    }

    void code_block() {
        const std::size_t open = at_++;
        new_block();
        current_.body += ".RS 4\n.EX\n";
        while (at_ < lines_.size() && !lines_[at_].starts_with("```")) {
            try {
                current_.body += protect_lines(escape(lines_[at_], Dashes::minus)) + "\n";
            } catch (const std::invalid_argument& error) {
                fail(at_, error.what());
            }
            ++at_;
        }
        if (at_ == lines_.size()) fail(open, "unclosed ``` (code block)");
        if (trim(lines_[at_]) != "```") fail(at_, "a code block ends with ``` alone");
        ++at_;
        current_.body += ".EE\n.RE\n";
    }

    void table() {
        const std::size_t first = at_;
        std::vector<std::vector<std::string>> rows;
        while (at_ < lines_.size() && lines_[at_].starts_with("|")) {
            if (!trim(lines_[at_]).ends_with("|")) fail(at_, "a table row ends with |");
            rows.push_back(table_cells(trim(lines_[at_])));
            if (rows.back().size() != rows.front().size())
                fail(at_, fmt::format("{} cells where the header has {}", rows.back().size(), rows.front().size()));
            ++at_;
        }
        if (rows.size() < 3) fail(first, "a table has a header, a |---| line and at least one row");
        for (const auto& cell : rows[1])
            if (cell.empty() || cell.find_first_not_of("-:") != std::string::npos)
                fail(first + 1, "the table's second line is |---|---|");
        if (rows.front().size() < 2) fail(first, "a table has at least two columns");
        section_start_ = false;
        for (std::size_t r = 2; r < rows.size(); ++r) {
            const auto& row = rows[r];
            const std::size_t index = first + r;
            if (row[0].empty()) fail(index, "the first cell of a row names it and is not empty");
            current_.body += ".TP\n" + protect_lines(inline_text(row[0], index)) + "\n";
            bool first_line = true;
            for (std::size_t c = 1; c < row.size(); ++c) {
                if (row[c].empty()) continue;
                if (!first_line) current_.body += ".br\n";
                first_line = false;
                const std::string label =
                    row.size() == 2 ? "" : "\\fI" + escape(plain(rows[0][c]), Dashes::hyphen) + "\\fR: ";
                current_.body += protect_lines(label + inline_text(row[c], index)) + "\n";
            }
        }
    }

    void list() {
        section_start_ = false;
        while (at_ < lines_.size() && is_list_item(lines_[at_])) {
            const std::string_view line = lines_[at_];
            const bool bullet = line[0] == '*' || line[0] == '-';
            const auto marker_end = line.find(' ') + 1;
            const std::size_t first = at_++;
            while (at_ < lines_.size() && !is_blank(lines_[at_]) && std::isspace(static_cast<unsigned char>(lines_[at_][0]))) {
                if (is_list_item(trim(lines_[at_]))) fail(at_, "nested lists are not in the subset");
                ++at_;
            }
            current_.body += bullet ? ".IP \\(bu 2\n" : fmt::format(".IP {} 4\n", line.substr(0, marker_end - 1));
            std::string joined(line.substr(marker_end));
            for (std::size_t i = first + 1; i < at_; ++i) joined += "\n" + std::string(trim(lines_[i]));
            current_.body += protect_lines(inline_text(joined, first)) + "\n";
        }
    }

    std::string_view file_;
    std::vector<std::string_view> lines_;
    std::size_t at_ = 0;
    bool title_seen_ = false;
    bool section_start_ = true;
    MarkdownPage page_;
    Section current_{"DESCRIPTION", ""};
};

}  // namespace roff_detail

std::string escape(std::string_view text, Dashes dashes) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        if (static_cast<unsigned char>(c) >= 0x80) {
            out += fmt::format("\\[u{:04X}]", static_cast<std::uint32_t>(roff_detail::decode_utf8(text, i)));
            continue;
        }
        if (c == '\\') out += "\\e";
        else if (c == '-' && dashes == Dashes::minus) out += "\\-";
        else out += c;
        ++i;
    }
    return out;
}

MarkdownPage markdown_to_man(std::string_view markdown, std::string_view file) {
    return roff_detail::Converter(markdown, file).run();
}

std::string heading_macro(std::string_view macro, std::string_view heading, Dashes dashes) {
    std::string quoted;
    for (char c : escape(heading, dashes)) quoted += c == '"' ? std::string("\\(dq") : std::string(1, c);
    return fmt::format(".{} \"{}\"\n", macro, quoted);
}

std::string fold_long_lines(std::string_view page) {
    constexpr std::size_t most = 80;
    std::string out;
    bool no_fill = false;
    std::size_t start = 0;
    while (start < page.size()) {
        const auto end = std::min(page.find('\n', start), page.size());
        std::string_view line = page.substr(start, end - start);
        start = end + 1;
        if (line.starts_with(".EX") || line.starts_with(".nf")) no_fill = true;
        if (line.starts_with(".EE") || line.starts_with(".fi")) no_fill = false;
        while (!no_fill && !line.starts_with(".") && line.size() > most) {
            auto cut = line.rfind(' ', most);
            if (cut == std::string_view::npos || cut == 0) cut = line.find(' ', most);
            if (cut == std::string_view::npos) break;
            out += line.substr(0, cut);
            out += '\n';
            line.remove_prefix(cut + 1);
            if (line.starts_with(".") || line.starts_with("'")) out += "\\&";
        }
        out += line;
        out += '\n';
    }
    return out;
}

}  // namespace custode::man
