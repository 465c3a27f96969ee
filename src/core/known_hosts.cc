/// known_hosts lines: words split on white space, as OpenSSH splits them.

#include "custode/core/known_hosts.h"

#include <algorithm>
#include <array>

namespace custode {
namespace known_hosts_detail {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

/// The first `N` words of `line`; fewer are left empty.
template <std::size_t N>
std::array<std::string_view, N> first_words(std::string_view line) {
    std::array<std::string_view, N> words{};
    std::size_t at = 0;
    for (auto& word : words) {
        while (at < line.size() && is_space(line[at])) ++at;
        const auto start = at;
        while (at < line.size() && !is_space(line[at])) ++at;
        word = line.substr(start, at - start);
    }
    return words;
}

}  // namespace known_hosts_detail

using known_hosts_detail::first_words;

bool known_hosts_line_names(std::string_view line, std::string_view token) {
    const auto hosts = first_words<1>(line)[0];
    if (hosts.empty() || hosts.starts_with('#') || hosts.starts_with('@')) return false;
    std::size_t start = 0;
    while (start <= hosts.size()) {
        const auto end = std::min(hosts.find(',', start), hosts.size());
        if (hosts.substr(start, end - start) == token) return true;
        start = end + 1;
    }
    return false;
}

std::optional<KnownHostKey> known_hosts_entry(std::string_view line, std::string_view token) {
    if (!known_hosts_line_names(line, token)) return std::nullopt;
    const auto words = first_words<3>(line);
    if (words[2].empty()) return std::nullopt;
    return KnownHostKey{std::string(words[1]), std::string(words[2])};
}

}  // namespace custode
