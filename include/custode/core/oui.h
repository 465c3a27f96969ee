#pragma once
/// Vendor names by OUI, from the text of the IEEE MA-L registry as Debian's
/// ieee-data ships it (/usr/share/ieee-data/oui.txt). The caller reads the
/// file; this only parses. MA-M and MA-S (longer prefixes) are not loaded.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custode/core/address.h"

namespace custode {

/// A sorted table of (OUI, vendor name) in two flat arrays: one entry per
/// registration and every name in one string, so loading 30000+ entries costs
/// two allocations that grow, not one per line.
class OuiTable {
public:
    /// Reads every `XX-XX-XX   (hex)<tabs>Name` line (LF or CRLF) and skips
    /// everything else (headers, `(base 16)` lines, addresses). An OUI listed
    /// twice keeps its first name.
    static OuiTable parse(std::string_view text);

    /// The vendor registered for the MAC's first three bytes, or nullopt.
    std::optional<std::string_view> vendor(MacAddress mac) const { return vendor(mac.oui()); }
    std::optional<std::string_view> vendor(std::uint32_t oui) const;
    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }

private:
    struct Entry {
        std::uint32_t oui;
        std::uint32_t name_offset;
        std::uint32_t name_length;
    };
    /// One `XX-XX-XX   (hex)<tabs>Name` line; anything else is skipped.
    void add(std::string_view line);

    std::vector<Entry> entries_;
    std::string names_;
};

}  // namespace custode
