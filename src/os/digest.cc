#include "custode/os/digest.h"

#include <fmt/format.h>
#include <sodium.h>

#include "custode/core/error.h"

namespace custode::os {
namespace {

void init_sodium() {
    if (sodium_init() < 0) throw SystemError("sodium_init", 0, "libsodium could not initialise");
}

}  // namespace

std::string sha256_hex(std::span<const std::uint8_t> bytes) {
    init_sodium();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, bytes.data(), bytes.size());
    std::string hex;
    for (const auto byte : digest) hex += fmt::format("{:02x}", byte);
    return hex;
}

std::string random_hex(std::size_t bytes) {
    init_sodium();
    std::string hex;
    for (std::size_t i = 0; i < bytes; ++i) hex += fmt::format("{:02x}", randombytes_uniform(256));
    return hex;
}

std::uint32_t random_u32() {
    init_sodium();
    return randombytes_random();
}

}  // namespace custode::os
