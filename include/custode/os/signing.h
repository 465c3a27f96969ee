#pragma once
/// Ed25519 signatures in minisign's formats (libsodium), so a report signed
/// by custode verifies with Debian's `minisign -V`, and custode verifies what
/// `minisign -S` signs. Formats in docs/signing.md:
///
/// * public key: `untrusted comment: ...` + base64("Ed" || key id || pk)
/// * secret key: `untrusted comment: ...` + base64("Ed" || kdf "\0\0" ||
///   "B2" || salt || opslimit || memlimit || key id || sk || checksum);
///   custode writes and reads unencrypted keys only (minisign -G -W):
///   an unattended signer has nobody to type a password.
/// * signature: untrusted comment, base64("ED" || key id || Ed25519 of
///   BLAKE2b-512(file)), `trusted comment: ...`, base64(Ed25519 over
///   signature || trusted comment).

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "custode/os/files.h"

namespace custode::os {

/// minisign's key id: 8 random bytes, shared by the key pair and every
/// signature it makes, so a verifier can say "signed by another key".
using KeyId = std::array<unsigned char, 8>;

/// The key id as minisign prints it: the bytes read as a little-endian
/// 64-bit number, 16 upper-case hex digits.
std::string key_id_hex(const KeyId& id);

struct PublicKey {
    KeyId id{};
    std::array<unsigned char, 32> key{};

    /// The one-line form (`minisign -P` takes it).
    std::string base64() const;
    friend bool operator==(const PublicKey&, const PublicKey&) = default;
};

/// An Ed25519 secret key with its key id. Held in libsodium's guarded memory
/// (locked, zeroed when freed); move-only so it is never silently copied.
class SecretKey {
public:
    static SecretKey generate();
    /// `seed_and_public` is libsodium's 64-byte secret key.
    SecretKey(const KeyId& id, const unsigned char* seed_and_public);

    const KeyId& id() const;
    PublicKey public_key() const;
    /// The 64 bytes libsodium signs with.
    const unsigned char* bytes() const;

private:
    struct Material;
    struct Free {
        void operator()(Material* material) const;
    };
    std::unique_ptr<Material, Free> material_;
};

/// Key files' text (two lines, each ending in '\n').
std::string public_key_text(const PublicKey& key);
std::string secret_key_text(const SecretKey& key);

/// Parse key file text; a problem throws UsageError("<origin>: <why>").
PublicKey parse_public_key(std::string_view text, std::string_view origin);
SecretKey parse_secret_key(std::string_view text, std::string_view origin);

/// Read key files; a missing or unreadable file, or bad content, is a
/// UsageError naming the file.
PublicKey load_public_key(const std::filesystem::path& path);
SecretKey load_secret_key(const std::filesystem::path& path);


/// Writes `secret` (mode 0600) and `secret` + ".pub" (mode 0644), each
/// atomically; creates missing parent directories (mode 0700). With
/// Overwrite::refuse an existing file of either name is a UsageError and
/// nothing is written; other failures are SystemError.
void save_key_pair(const SecretKey& key, const std::filesystem::path& secret, Overwrite overwrite);

/// `<secret>.pub`.
std::filesystem::path public_key_path(const std::filesystem::path& secret);

/// The `.minisig` text for `message`: a prehashed ("ED") signature and a
/// global signature over it and `trusted_comment`. Comments must be one
/// line (no '\r' or '\n'), the trusted one below 8 KiB (minisign's limit):
/// else std::invalid_argument.
std::string sign(std::string_view message, std::string_view trusted_comment, const SecretKey& key,
                 std::string_view untrusted_comment = "signature from custode secret key");

enum class SignatureVerdict {
    valid,
    bad_format,          ///< not a minisign signature (or an unknown algorithm)
    wrong_key,           ///< made by another key (key ids differ)
    signature_mismatch,  ///< the file changed since it was signed (or the signature did)
    comment_mismatch,    ///< the trusted comment was edited
};

/// "valid", "bad_format", ... as in --json output.
std::string_view verdict_name(SignatureVerdict verdict);

struct Verification {
    SignatureVerdict verdict = SignatureVerdict::bad_format;
    std::string reason;           ///< one sentence; empty when valid
    std::string trusted_comment;  ///< as found in the signature (trust it only when valid)
    KeyId signature_key_id{};     ///< who signed, per the signature (when parsed)
    bool prehashed = false;       ///< "ED"; false for legacy "Ed" signatures

    bool ok() const { return verdict == SignatureVerdict::valid; }
};

/// Checks `minisig` (the .minisig text) for `message` against `key`, like
/// `minisign -V`: key id, then the file signature, then the trusted comment.
/// Accepts legacy "Ed" (not prehashed) signatures as minisign does.
Verification verify(std::string_view message, std::string_view minisig, const PublicKey& key);


}  // namespace custode::os
