#include "custode/core/canonical_json.h"

#include <fmt/format.h>

namespace custode {
namespace {

/// Length of the UTF-8 sequence starting with `lead`, 0 if it cannot lead one.
std::size_t sequence_length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if (lead >= 0xc2 && lead <= 0xdf) return 2;
    if (lead >= 0xe0 && lead <= 0xef) return 3;
    if (lead >= 0xf0 && lead <= 0xf4) return 4;
    return 0;
}

/// Whether the `length` bytes at `text[at]` form one well-formed UTF-8
/// character (no overlong forms, no surrogates, nothing above U+10FFFF).
bool well_formed(const std::string& text, std::size_t at, std::size_t length) {
    if (length == 0 || at + length > text.size()) return false;
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    for (std::size_t i = 1; i < length; ++i)
        if ((byte(i) & 0xc0) != 0x80) return false;
    if (length == 3 && byte(0) == 0xe0 && byte(1) < 0xa0) return false;  // overlong
    if (length == 3 && byte(0) == 0xed && byte(1) > 0x9f) return false;  // surrogate
    if (length == 4 && byte(0) == 0xf0 && byte(1) < 0x90) return false;  // overlong
    if (length == 4 && byte(0) == 0xf4 && byte(1) > 0x8f) return false;  // > U+10FFFF
    return true;
}

void append_control(std::string& out, unsigned char c) {
    switch (c) {
        case '\b': out += "\\b"; break;
        case '\t': out += "\\t"; break;
        case '\n': out += "\\n"; break;
        case '\f': out += "\\f"; break;
        case '\r': out += "\\r"; break;
        default: out += fmt::format("\\u{:04x}", c); break;
    }
}

void append_string(std::string& out, const std::string& text, const std::string& where) {
    out += '"';
    for (std::size_t at = 0; at < text.size();) {
        const auto c = static_cast<unsigned char>(text[at]);
        const std::size_t length = sequence_length(c);
        if (!well_formed(text, at, length))
            throw CanonicalJsonError(where, fmt::format("invalid UTF-8 at byte {} of a string", at));
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            append_control(out, c);
        } else {
            out.append(text, at, length);
        }
        at += length;
    }
    out += '"';
}

/// RFC 6901: `~` and `/` in a key are escaped in a pointer.
std::string pointer_token(const std::string& key) {
    std::string token;
    for (char c : key) {
        if (c == '~') token += "~0";
        else if (c == '/') token += "~1";
        else token += c;
    }
    return token;
}

void append_value(std::string& out, const nlohmann::json& value, const std::string& where);

void append_object(std::string& out, const nlohmann::json& object, const std::string& where) {
    /// nlohmann::json keeps objects in a std::map<std::string, ...>: iteration
    /// is already in byte order of the keys, which is the canonical order.
    out += '{';
    bool first = true;
    for (const auto& [key, member] : object.items()) {
        if (!first) out += ',';
        first = false;
        const std::string member_where = where + "/" + pointer_token(key);
        append_string(out, key, member_where);
        out += ':';
        append_value(out, member, member_where);
    }
    out += '}';
}

void append_array(std::string& out, const nlohmann::json& array, const std::string& where) {
    out += '[';
    for (std::size_t i = 0; i < array.size(); ++i) {
        if (i > 0) out += ',';
        append_value(out, array[i], fmt::format("{}/{}", where, i));
    }
    out += ']';
}

void append_value(std::string& out, const nlohmann::json& value, const std::string& where) {
    using Type = nlohmann::json::value_t;
    switch (value.type()) {
        case Type::null: out += "null"; return;
        case Type::boolean: out += value.get<bool>() ? "true" : "false"; return;
        case Type::number_integer: out += fmt::format("{}", value.get<std::int64_t>()); return;
        case Type::number_unsigned: out += fmt::format("{}", value.get<std::uint64_t>()); return;
        case Type::string: append_string(out, value.get_ref<const std::string&>(), where); return;
        case Type::object: append_object(out, value, where); return;
        case Type::array: append_array(out, value, where); return;
        case Type::number_float:
            throw CanonicalJsonError(where, "a floating point number has no canonical form; use an integer "
                                            "(e.g. milliseconds)");
        case Type::binary:
        case Type::discarded: break;
    }
    throw CanonicalJsonError(where, "binary or discarded values have no JSON form");
}

}  // namespace

CanonicalJsonError::CanonicalJsonError(std::string where, const std::string& what)
    : std::invalid_argument(fmt::format("canonical JSON at '{}': {}", where, what)), where_(std::move(where)) {}

std::string canonical_json(const nlohmann::json& value) {
    std::string out;
    append_value(out, value, "");
    return out;
}

}  // namespace custode
