#include "custode/core/oui.h"

#include <algorithm>
#include <functional>

namespace custode {
namespace {

/// `00-00-0C   (hex)`: the part of a line before the tabs and the name.
constexpr std::string_view kHexMarker = "   (hex)";
constexpr std::size_t kOuiText = 8;  ///< `XX-XX-XX`

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/// The OUI of `XX-XX-XX` at the start of `line`, or nullopt.
std::optional<std::uint32_t> parse_oui(std::string_view line) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < kOuiText; ++i) {
        if (i % 3 == 2) {
            if (line[i] != '-') return std::nullopt;
            continue;
        }
        const int digit = hex_digit(line[i]);
        if (digit < 0) return std::nullopt;
        value = (value << 4) | static_cast<std::uint32_t>(digit);
    }
    return value;
}

std::string_view trim(std::string_view text) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

}  // namespace

/// Jumps from one `(hex)` marker to the next with a Boyer-Moore-Horspool
/// search instead of walking every line: four of five lines in the file are
/// `(base 16)` and address lines, and this keeps the 5 MB file to a few ms.
OuiTable OuiTable::parse(std::string_view text) {
    OuiTable table;
    table.entries_.reserve(text.size() / 128);  ///< about one entry per 160 bytes in the real file
    table.names_.reserve(text.size() / 12);
    const std::boyer_moore_horspool_searcher marker(kHexMarker.begin(), kHexMarker.end());
    for (auto at = text.begin();;) {
        const auto found = std::search(at, text.end(), marker);
        if (found == text.end()) break;
        const auto offset = static_cast<std::size_t>(found - text.begin());
        const auto line_end = std::min(text.find('\n', offset), text.size());
        at = text.begin() + static_cast<std::ptrdiff_t>(line_end);
        if (offset < kOuiText || (offset > kOuiText && text[offset - kOuiText - 1] != '\n')) continue;
        table.add(text.substr(offset - kOuiText, line_end - (offset - kOuiText)));
    }
    /// Stable, so the first of two entries for one OUI stays first.
    std::stable_sort(table.entries_.begin(), table.entries_.end(),
                     [](const Entry& a, const Entry& b) { return a.oui < b.oui; });
    const auto same = [](const Entry& a, const Entry& b) { return a.oui == b.oui; };
    table.entries_.erase(std::unique(table.entries_.begin(), table.entries_.end(), same), table.entries_.end());
    return table;
}

void OuiTable::add(std::string_view line) {
    const auto oui = parse_oui(line);
    const auto name = trim(line.substr(kOuiText + kHexMarker.size()));
    if (!oui || name.empty()) return;
    entries_.push_back({*oui, static_cast<std::uint32_t>(names_.size()), static_cast<std::uint32_t>(name.size())});
    names_.append(name);
}

std::optional<std::string_view> OuiTable::vendor(std::uint32_t oui) const {
    const auto it = std::lower_bound(entries_.begin(), entries_.end(), oui,
                                     [](const Entry& entry, std::uint32_t key) { return entry.oui < key; });
    if (it == entries_.end() || it->oui != oui) return std::nullopt;
    return std::string_view(names_).substr(it->name_offset, it->name_length);
}

}  // namespace custode
