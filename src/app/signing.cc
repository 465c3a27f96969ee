#include "custode/app/signing.h"

#include <fmt/format.h>

#include "custode/core/error.h"
#include "custode/os/files.h"

namespace custode::app {
namespace fs = std::filesystem;

namespace {

/// A missing input is the caller's mistake (exit 2), not the system's.
std::string read_input(const fs::path& path, std::string_view what) {
    if (!fs::is_regular_file(path)) throw UsageError(fmt::format("{} {}: no such file", what, path.string()));
    return os::read_text_file(path);
}

}  // namespace

fs::path default_key_path(const fs::path& netconf_dir) { return netconf_dir / "proof.key"; }

fs::path public_key_path(const fs::path& secret) { return os::public_key_path(secret); }

KeyPair create_key_pair(const fs::path& secret, Overwrite overwrite) {
    const auto key = os::SecretKey::generate();
    os::save_key_pair(key, secret, overwrite);
    const auto pub = key.public_key();
    return {secret, os::public_key_path(secret), os::key_id_hex(pub.id), pub.base64()};
}

SignedFiles write_signed_record(const fs::path& record, const std::string& text, const std::string& trusted_comment,
                                const os::SecretKey* key) {
    SignedFiles written{record, std::nullopt, std::string(), std::nullopt};
    const fs::path signature_path = record.string() + ".minisig";
    if (key) written.signature = os::sign(text, trusted_comment, *key);
    os::write_file_atomically(record, text);
    if (key) {
        os::write_file_atomically(signature_path, written.signature);
        written.signature_file = signature_path;
        written.key_id = os::key_id_hex(key->id());
    } else {
        std::error_code ignored;
        fs::remove(signature_path, ignored);
    }
    return written;
}

ReportCheck verify_report(const fs::path& report, const fs::path& signature, const fs::path& pubkey) {
    ReportCheck check{report, signature, pubkey};
    const auto key = os::load_public_key(pubkey);
    check.key_id = os::key_id_hex(key.id);
    const auto result = os::verify(read_input(report, "report"), read_input(signature, "signature"), key);
    check.ok = result.ok();
    check.bad_format = result.verdict == os::SignatureVerdict::bad_format;
    check.verdict = os::verdict_name(result.verdict);
    check.reason = result.reason;
    if (!check.bad_format) check.signature_key_id = os::key_id_hex(result.signature_key_id);
    check.prehashed = result.prehashed;
    if (check.ok) check.trusted_comment = result.trusted_comment;
    return check;
}

}  // namespace custode::app
