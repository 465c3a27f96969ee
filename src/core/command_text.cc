/// Quoting and encoding of command text: shell words, PowerShell literals,
/// UTF-16LE and base64.

#include "custode/core/command_text.h"

#include <array>

namespace custode {
namespace {

/// The UTF-8 spellings of the typographic quotes PowerShell also ends a
/// single-quoted string with: ‘ ’ ‚ ‛ (U+2018..U+201B).
constexpr std::array<std::string_view, 4> typographic_quotes{"\xE2\x80\x98", "\xE2\x80\x99", "\xE2\x80\x9A",
                                                             "\xE2\x80\x9B"};

std::size_t typographic_quote_at(std::string_view text, std::size_t at) {
    for (auto quote : typographic_quotes)
        if (text.substr(at, quote.size()) == quote) return quote.size();
    return 0;
}

constexpr char32_t replacement_character = 0xFFFD;

bool is_continuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

/// Decodes one code point at `at`, advancing it; malformed input gives U+FFFD
/// and skips one byte.
char32_t next_code_point(std::string_view text, std::size_t& at) {
    const auto lead = static_cast<unsigned char>(text[at]);
    int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || at + length > text.size()) {
        ++at;
        return replacement_character;
    }
    char32_t value = length == 1 ? lead : lead & (0x7F >> length);
    for (int i = 1; i < length; ++i) {
        const auto byte = static_cast<unsigned char>(text[at + i]);
        if (!is_continuation(byte)) {
            ++at;
            return replacement_character;
        }
        value = (value << 6) | (byte & 0x3F);
    }
    static constexpr std::array<char32_t, 5> smallest{0, 0, 0x80, 0x800, 0x10000};
    at += length;
    const bool valid = value >= smallest[length] && value <= 0x10FFFF && (value < 0xD800 || value > 0xDFFF);
    return valid ? value : replacement_character;
}

void append_unit(std::string& out, char32_t unit) {
    out.push_back(static_cast<char>(unit & 0xFF));
    out.push_back(static_cast<char>((unit >> 8) & 0xFF));
}

}  // namespace

std::string shell_quote(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'') out += "'\\''";
        else out.push_back(c);
    }
    return out + "'";
}

std::string powershell_quote(std::string_view text) {
    std::string out = "'";
    for (std::size_t at = 0; at < text.size();) {
        if (const std::size_t length = typographic_quote_at(text, at)) {
            const auto quote = text.substr(at, length);
            out.append(quote).append(quote);
            at += length;
        } else {
            if (text[at] == '\'') out.push_back('\'');
            out.push_back(text[at++]);
        }
    }
    return out + "'";
}

std::string utf8_to_utf16le(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size() * 2);
    for (std::size_t at = 0; at < utf8.size();) {
        const char32_t point = next_code_point(utf8, at);
        if (point < 0x10000) {
            append_unit(out, point);
        } else {
            const char32_t offset = point - 0x10000;
            append_unit(out, 0xD800 + (offset >> 10));
            append_unit(out, 0xDC00 + (offset & 0x3FF));
        }
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t at = 0; at < bytes.size(); at += 3) {
        const std::size_t left = bytes.size() - at;
        std::uint32_t group = static_cast<unsigned char>(bytes[at]) << 16;
        if (left > 1) group |= static_cast<unsigned char>(bytes[at + 1]) << 8;
        if (left > 2) group |= static_cast<unsigned char>(bytes[at + 2]);
        out.push_back(alphabet[(group >> 18) & 63]);
        out.push_back(alphabet[(group >> 12) & 63]);
        out.push_back(left > 1 ? alphabet[(group >> 6) & 63] : '=');
        out.push_back(left > 2 ? alphabet[group & 63] : '=');
    }
    return out;
}

}  // namespace custode
