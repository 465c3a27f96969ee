#include "custode/core/address.h"

#include <algorithm>
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

std::optional<Ipv6Address> Ipv6Address::parse(std::string_view text) {
    // The groups before and after a "::" (all of them in `head` without one).
    std::array<std::uint16_t, 8> head{}, tail{};
    std::size_t head_count = 0, tail_count = 0;
    bool compressed = false;
    if (text.starts_with("::")) {
        compressed = true;
        text.remove_prefix(2);
    } else if (text.starts_with(":")) {
        return std::nullopt;
    }
    while (!text.empty()) {
        auto& groups = compressed ? tail : head;
        auto& count = compressed ? tail_count : head_count;
        if (head_count + tail_count >= 8) return std::nullopt;
        const auto colon = text.find(':');
        const auto group = text.substr(0, colon);
        if (colon == std::string_view::npos && group.find('.') != std::string_view::npos) {
            // A dotted IPv4 tail takes the last two groups.
            const auto ipv4 = Ipv4Address::parse(group);
            if (!ipv4 || head_count + tail_count > 6) return std::nullopt;
            groups[count++] = static_cast<std::uint16_t>(ipv4->value() >> 16);
            groups[count++] = static_cast<std::uint16_t>(ipv4->value() & 0xffff);
            break;
        }
        if (group.empty() || group.size() > 4) return std::nullopt;
        unsigned value = 0;
        auto [end, error] = std::from_chars(group.data(), group.data() + group.size(), value, 16);
        if (error != std::errc{} || end != group.data() + group.size()) return std::nullopt;
        groups[count++] = static_cast<std::uint16_t>(value);
        if (colon == std::string_view::npos) break;
        text.remove_prefix(colon + 1);
        if (text.starts_with(":")) {
            if (compressed) return std::nullopt;  // a second "::"
            compressed = true;
            text.remove_prefix(1);
        } else if (text.empty()) {
            return std::nullopt;  // a trailing single ':'
        }
    }
    const std::size_t total = head_count + tail_count;
    // "::" stands for at least one zero group.
    if (compressed ? total > 7 : total != 8) return std::nullopt;
    std::array<std::uint16_t, 8> all{};
    std::copy_n(head.begin(), head_count, all.begin());
    std::copy_n(tail.begin(), tail_count, all.end() - static_cast<std::ptrdiff_t>(tail_count));
    Bytes bytes{};
    for (std::size_t i = 0; i < all.size(); ++i) {
        bytes[2 * i] = static_cast<std::uint8_t>(all[i] >> 8);
        bytes[2 * i + 1] = static_cast<std::uint8_t>(all[i] & 0xff);
    }
    return Ipv6Address(bytes);
}

bool Ipv6Address::is_ipv4_mapped() const {
    for (std::size_t i = 0; i < 10; ++i)
        if (bytes_[i] != 0) return false;
    return bytes_[10] == 0xff && bytes_[11] == 0xff;
}

std::string Ipv6Address::to_string() const {
    std::array<unsigned, 8> groups{};
    for (std::size_t i = 0; i < groups.size(); ++i) groups[i] = (unsigned{bytes_[2 * i]} << 8) | bytes_[2 * i + 1];
    // The longest run of zero groups, if two or more long (RFC 5952, 4.2).
    std::size_t best_at = groups.size(), best_length = 1;
    for (std::size_t i = 0; i < groups.size();) {
        std::size_t end = i;
        while (end < groups.size() && groups[end] == 0) ++end;
        if (end - i > best_length) {
            best_at = i;
            best_length = end - i;
        }
        i = end == i ? i + 1 : end;
    }
    std::string out;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        if (i == best_at) {
            out += "::";
            i += best_length - 1;
            continue;
        }
        if (!out.empty() && !out.ends_with(':')) out += ':';
        out += fmt::format("{:x}", groups[i]);
    }
    return out;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (const auto ipv4 = Ipv4Address::parse(text)) return IpAddress(*ipv4);
    if (const auto ipv6 = Ipv6Address::parse(text)) return IpAddress(*ipv6);
    return std::nullopt;
}

std::string IpAddress::to_string() const {
    return std::visit([](const auto& address) { return address.to_string(); }, value_);
}

std::string IpAddress::with_port(std::uint16_t port) const {
    return is_ipv6() ? fmt::format("[{}]:{}", to_string(), port) : fmt::format("{}:{}", to_string(), port);
}

}  // namespace custode
