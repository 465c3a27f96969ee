#include "custode/core/address.h"

#include <charconv>
#include <fmt/format.h>

namespace custode {
namespace {

std::optional<std::uint8_t> parse_hex_byte(std::string_view text) {
    if (text.size() != 2) return std::nullopt;
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + 2, value, 16);
    if (error != std::errc{} || end != text.data() + 2) return std::nullopt;
    return static_cast<std::uint8_t>(value);
}

/// A decimal number 0..255 without sign, leading zeros or spaces.
std::optional<std::uint32_t> parse_octet(std::string_view text) {
    if (text.empty() || text.size() > 3) return std::nullopt;
    if (text.size() > 1 && text[0] == '0') return std::nullopt;
    unsigned value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size() || value > 255) return std::nullopt;
    return value;
}

}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    const char separator = text[2];
    if (separator != ':' && separator != '-') return std::nullopt;
    Bytes bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i > 0 && text[i * 3 - 1] != separator) return std::nullopt;
        auto byte = parse_hex_byte(text.substr(i * 3, 2));
        if (!byte) return std::nullopt;
        bytes[i] = *byte;
    }
    return MacAddress(bytes);
}

std::uint32_t MacAddress::oui() const {
    return (std::uint32_t{bytes_[0]} << 16) | (std::uint32_t{bytes_[1]} << 8) | bytes_[2];
}

std::string MacAddress::to_string() const {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", bytes_[0], bytes_[1], bytes_[2],
                       bytes_[3], bytes_[4], bytes_[5]);
}

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
        const auto dot = text.find('.');
        const bool last = i == 3;
        if (last != (dot == std::string_view::npos)) return std::nullopt;
        auto octet = parse_octet(text.substr(0, dot));
        if (!octet) return std::nullopt;
        value = (value << 8) | *octet;
        text = last ? std::string_view{} : text.substr(dot + 1);
    }
    return Ipv4Address(value);
}

std::string Ipv4Address::to_string() const {
    return fmt::format("{}.{}.{}.{}", value_ >> 24, (value_ >> 16) & 0xff, (value_ >> 8) & 0xff,
                       value_ & 0xff);
}

Ipv4Prefix::Ipv4Prefix(Ipv4Address address, int length) : address_(address), length_(length) {}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto address = Ipv4Address::parse(text.substr(0, slash));
    const auto length_text = text.substr(slash + 1);
    if (!address || length_text.empty() || length_text.size() > 2) return std::nullopt;
    if (length_text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
    if (length_text.size() > 1 && length_text[0] == '0') return std::nullopt;
    int length = 0;
    auto [end, error] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (error != std::errc{} || end != length_text.data() + length_text.size() || length > 32)
        return std::nullopt;
    return Ipv4Prefix(*address, length);
}

std::uint32_t Ipv4Prefix::netmask() const {
    return length_ == 0 ? 0 : ~std::uint32_t{0} << (32 - length_);
}

Ipv4Address Ipv4Prefix::network() const { return Ipv4Address(address_.value() & netmask()); }

Ipv4Address Ipv4Prefix::broadcast() const { return Ipv4Address(address_.value() | ~netmask()); }

bool Ipv4Prefix::contains(Ipv4Address address) const {
    return (address.value() & netmask()) == network().value();
}

std::uint64_t Ipv4Prefix::host_count() const {
    const std::uint64_t size = std::uint64_t{1} << (32 - length_);
    return length_ <= 30 ? size - 2 : size;
}

std::string Ipv4Prefix::to_string() const { return fmt::format("{}/{}", address_.to_string(), length_); }

}  // namespace custode
