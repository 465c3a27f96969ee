#pragma once
/// Link-layer, IPv4 and IPv6 address value types, validated once at the edge.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace custode {

/// A 48-bit Ethernet address. Accepts `aa:bb:cc:dd:ee:ff` or `aa-bb-cc-dd-ee-ff`
/// (either case); prints lower-case with colons.
class MacAddress {
public:
    using Bytes = std::array<std::uint8_t, 6>;

    constexpr MacAddress() = default;
    constexpr explicit MacAddress(const Bytes& bytes) : bytes_(bytes) {}

    static std::optional<MacAddress> parse(std::string_view text);
    static constexpr MacAddress broadcast() { return MacAddress({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}); }

    const Bytes& bytes() const { return bytes_; }
    bool is_multicast() const { return (bytes_[0] & 0x01) != 0; }
    bool is_zero() const { return bytes_ == Bytes{}; }
    /// The first three bytes, as the IEEE OUI registry keys vendors.
    std::uint32_t oui() const;
    std::string to_string() const;

    auto operator<=>(const MacAddress&) const = default;

private:
    Bytes bytes_{};
};

/// An IPv4 address, held in host byte order. Parses dotted quads only
/// (no octal, hex or shortened forms, which inet_aton would accept).
class Ipv4Address {
public:
    constexpr Ipv4Address() = default;
    constexpr explicit Ipv4Address(std::uint32_t host_order) : value_(host_order) {}

    static std::optional<Ipv4Address> parse(std::string_view text);

    std::uint32_t value() const { return value_; }
    std::string to_string() const;

    auto operator<=>(const Ipv4Address&) const = default;

private:
    std::uint32_t value_ = 0;
};

/// An IPv4 address with a prefix length, such as an interface address
/// `192.168.1.250/24` or a subnet `192.168.1.0/24`.
class Ipv4Prefix {
public:
    constexpr Ipv4Prefix() = default;
    Ipv4Prefix(Ipv4Address address, int length);

    static std::optional<Ipv4Prefix> parse(std::string_view text);

    Ipv4Address address() const { return address_; }
    int length() const { return length_; }
    std::uint32_t netmask() const;
    Ipv4Address network() const;
    Ipv4Address broadcast() const;
    /// True when the address has no host bits set (a subnet, not an interface address).
    bool is_network() const { return network() == address_; }
    bool contains(Ipv4Address address) const;
    /// Number of usable host addresses (excludes network and broadcast for /0../30).
    std::uint64_t host_count() const;
    std::string to_string() const;

    auto operator<=>(const Ipv4Prefix&) const = default;

private:
    Ipv4Address address_;
    int length_ = 0;
};

/// An IPv6 address (RFC 4291). Parses eight groups of 1-4 hex digits, at
/// most one "::", and a dotted IPv4 tail; no zone ("%eth0") and no prefix.
class Ipv6Address {
public:
    using Bytes = std::array<std::uint8_t, 16>;

    constexpr Ipv6Address() = default;
    constexpr explicit Ipv6Address(const Bytes& bytes) : bytes_(bytes) {}

    static std::optional<Ipv6Address> parse(std::string_view text);

    const Bytes& bytes() const { return bytes_; }
    /// fe80::/10: valid on one link only, and meaningless without a zone.
    bool is_link_local() const { return bytes_[0] == 0xfe && (bytes_[1] & 0xc0) == 0x80; }
    /// ::ffff:0:0/96, an IPv4 address in IPv6 clothing.
    bool is_ipv4_mapped() const;
    /// RFC 5952: lower case, no leading zeros, the longest run of two or more
    /// zero groups (the first of equal runs) as "::"; what `ip` prints.
    std::string to_string() const;

    auto operator<=>(const Ipv6Address&) const = default;

private:
    Bytes bytes_{};
};

/// An address of either family: a VXLAN's underlay ends may be IPv4 or IPv6.
class IpAddress {
public:
    constexpr IpAddress() = default;
    constexpr IpAddress(Ipv4Address address) : value_(address) {}
    constexpr IpAddress(Ipv6Address address) : value_(address) {}

    /// A dotted quad, else an IPv6 address.
    static std::optional<IpAddress> parse(std::string_view text);

    bool is_ipv6() const { return std::holds_alternative<Ipv6Address>(value_); }
    const Ipv4Address* ipv4() const { return std::get_if<Ipv4Address>(&value_); }
    const Ipv6Address* ipv6() const { return std::get_if<Ipv6Address>(&value_); }
    std::string to_string() const;
    /// "198.51.100.1:4789", "[2001:db8::1]:4789" (RFC 3986's brackets).
    std::string with_port(std::uint16_t port) const;

    auto operator<=>(const IpAddress&) const = default;

private:
    std::variant<Ipv4Address, Ipv6Address> value_;
};

}  // namespace custode
