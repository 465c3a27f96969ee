#pragma once
/// The site's signing key and the signed records custode keeps for good
/// (disconnection records, isolation reports), in minisign's formats so an
/// auditor can check them with minisign alone.

#include <filesystem>
#include <optional>
#include <string>

#include "custode/os/signing.h"

namespace custode::app {

/// Where keygen writes and disconnect / isolation-check look for the key:
/// proof.key in the netconf directory.
std::filesystem::path default_key_path(const std::filesystem::path& netconf_dir);

/// The public key beside a secret key file (`<secret>.pub`).
std::filesystem::path public_key_path(const std::filesystem::path& secret);

using os::Overwrite;

struct KeyPair {
    std::filesystem::path secret, pub;
    std::string key_id;         ///< as minisign prints it
    std::string public_base64;  ///< the one-line form `minisign -P` takes
};

/// Creates a key pair at `secret` and `secret`.pub. With Overwrite::refuse
/// an existing file is a UsageError and nothing is written.
KeyPair create_key_pair(const std::filesystem::path& secret, Overwrite overwrite);

/// What was written of a signed record.
struct SignedFiles {
    std::filesystem::path record;
    std::optional<std::filesystem::path> signature_file;  ///< `record`.minisig; none when unsigned
    std::string signature;                                ///< its text; empty when unsigned
    std::optional<std::string> key_id;
};

/// Writes `text` to `record` and, with a key, its signature to
/// `record`.minisig, each atomically and durably. Unsigned, a signature left
/// there by an earlier run is removed: it would not match this record.
SignedFiles write_signed_record(const std::filesystem::path& record, const std::string& text,
                                const std::string& trusted_comment, const os::SecretKey* key);

/// `custode verify`: a report, its signature and the public key to check them with.
struct ReportCheck {
    std::filesystem::path report, signature, pubkey;
    std::string key_id;            ///< of `pubkey`
    bool ok = false;
    bool bad_format = false;       ///< not a minisign signature at all
    std::string verdict;           ///< "valid", "wrong_key", ...
    std::string reason;            ///< one sentence; empty when valid
    std::string signature_key_id;  ///< who signed, per the signature; empty when unreadable
    bool prehashed = false;        ///< false for legacy "Ed" signatures
    std::string trusted_comment;   ///< only when ok: an unverified comment is an attacker's text
};

/// A missing report, signature or key file is a UsageError naming it.
ReportCheck verify_report(const std::filesystem::path& report, const std::filesystem::path& signature,
                          const std::filesystem::path& pubkey);

}  // namespace custode::app
