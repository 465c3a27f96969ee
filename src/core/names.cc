#include "custode/core/names.h"

#include <charconv>

namespace custode {

std::optional<VlanId> VlanId::from_int(std::int64_t value) {
    if (value < min || value > max) return std::nullopt;
    return VlanId(static_cast<int>(value));
}

std::optional<VlanId> VlanId::parse(std::string_view text) {
    int value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return from_int(value);
}

std::string VlanId::to_string() const { return std::to_string(value_); }

std::optional<ClientName> ClientName::parse(std::string_view text) {
    if (text.empty() || text.size() > max_length) return std::nullopt;
    if (text[0] < 'a' || text[0] > 'z') return std::nullopt;
    for (char c : text) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!allowed) return std::nullopt;
    }
    return ClientName(std::string(text));
}

bool is_valid_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15 || name == "." || name == "..") return false;
    for (char c : name) {
        if (c == '/' || c == ':' || static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
    }
    return true;
}

}  // namespace custode
