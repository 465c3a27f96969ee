#pragma once
/// Network byte order on frames: the few readers and writers every frame
/// builder and parser needs. Readers do not check bounds: callers check the
/// length first (the parsers take untrusted bytes).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "custode/core/address.h"
#include "custode/core/frames.h"

namespace custode::wire {

using Bytes = std::span<const std::uint8_t>;

inline constexpr std::size_t kEthernetHeader = 14;
inline constexpr std::size_t kMinimumFrame = 60;  ///< without FCS; shorter frames are padded

inline void put_u16(Frame& out, std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

inline void put_u32(Frame& out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>((value >> shift) & 0xff));
}

inline void put_mac(Frame& out, MacAddress mac) { out.insert(out.end(), mac.bytes().begin(), mac.bytes().end()); }

inline void set_u16(Frame& out, std::size_t at, std::uint16_t value) {
    out[at] = static_cast<std::uint8_t>(value >> 8);
    out[at + 1] = static_cast<std::uint8_t>(value & 0xff);
}

inline std::uint16_t get_u16(Bytes in, std::size_t at) {
    return static_cast<std::uint16_t>((in[at] << 8) | in[at + 1]);
}

inline std::uint32_t get_u32(Bytes in, std::size_t at) {
    return (std::uint32_t{in[at]} << 24) | (std::uint32_t{in[at + 1]} << 16) | (std::uint32_t{in[at + 2]} << 8) |
           std::uint32_t{in[at + 3]};
}

inline MacAddress get_mac(Bytes in, std::size_t at) {
    MacAddress::Bytes bytes{};
    std::copy_n(in.begin() + static_cast<std::ptrdiff_t>(at), bytes.size(), bytes.begin());
    return MacAddress(bytes);
}

}  // namespace custode::wire
