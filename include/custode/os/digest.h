#pragma once
/// SHA-256 and random numbers, from libsodium.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace custode::os {

/// Lower-case hex of SHA-256 (libsodium crypto_hash_sha256).
std::string sha256_hex(std::span<const std::uint8_t> bytes);

/// `bytes` random bytes (libsodium), as lower-case hex.
std::string random_hex(std::size_t bytes);
/// A random 32-bit number (libsodium).
std::uint32_t random_u32();

}  // namespace custode::os
