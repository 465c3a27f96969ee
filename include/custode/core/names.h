#pragma once
/// Names and identifiers with kernel-imposed limits.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace custode {

/// An 802.1Q VLAN id usable for a client circuit: 2..4094
/// (0 is priority tagging, 1 the usual default VLAN, 4095 reserved).
class VlanId {
public:
    static constexpr int min = 2;
    static constexpr int max = 4094;

    static std::optional<VlanId> from_int(std::int64_t value);
    static std::optional<VlanId> parse(std::string_view text);

    int value() const { return value_; }
    std::string to_string() const;

    auto operator<=>(const VlanId&) const = default;

private:
    explicit VlanId(int value) : value_(value) {}
    int value_;
};

/// A client name: `[a-z][a-z0-9-]{0,11}`. Short enough that every kernel
/// name custode derives from it (namespace prefix + name, `custode:<name>`
/// aliases, per-client interface names) stays within IFNAMSIZ-1 = 15 bytes.
class ClientName {
public:
    static constexpr std::size_t max_length = 12;

    static std::optional<ClientName> parse(std::string_view text);

    const std::string& str() const { return value_; }

    auto operator<=>(const ClientName&) const = default;

private:
    explicit ClientName(std::string value) : value_(std::move(value)) {}
    std::string value_;
};

/// True when `name` is a valid Linux interface name: 1..15 bytes, no '/',
/// no whitespace, not "." or "..".
bool is_valid_interface_name(std::string_view name);

}  // namespace custode
