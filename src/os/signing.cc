#include "custode/os/signing.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <mutex>
#include <optional>
#include <sodium.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "custode/core/error.h"

namespace custode::os {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view untrusted_prefix = "untrusted comment: ";
constexpr std::string_view trusted_prefix = "trusted comment: ";
constexpr std::string_view algorithm_legacy = "Ed";   ///< signs the file itself; also keys' algorithm
constexpr std::string_view algorithm_hashed = "ED";   ///< signs BLAKE2b-512 of the file
constexpr std::string_view checksum_algorithm = "B2";
/// minisign reads the trusted comment line into 8192 bytes, prefix and newline included.
constexpr std::size_t trusted_comment_max = 8192 - trusted_prefix.size() - 2;

constexpr std::size_t id_size = std::tuple_size_v<KeyId>;
constexpr std::size_t public_blob_size = 2 + id_size + crypto_sign_PUBLICKEYBYTES;         // 42
constexpr std::size_t signature_blob_size = 2 + id_size + crypto_sign_BYTES;               // 74
constexpr std::size_t salt_size = crypto_pwhash_scryptsalsa208sha256_SALTBYTES;            // 32
constexpr std::size_t checksum_size = crypto_generichash_BYTES;                            // 32
/// sig_alg, kdf_alg, chk_alg, salt, opslimit, memlimit | key id, sk, checksum.
constexpr std::size_t secret_header_size = 2 + 2 + 2 + salt_size + 8 + 8;                  // 54
constexpr std::size_t secret_id_at = secret_header_size;
constexpr std::size_t secret_key_at = secret_id_at + id_size;
constexpr std::size_t checksum_at = secret_key_at + crypto_sign_SECRETKEYBYTES;
constexpr std::size_t secret_blob_size = checksum_at + checksum_size;                     // 158

/// libsodium must be initialised once before sodium_malloc or randombytes.
void ensure_sodium() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (sodium_init() < 0) throw SystemError("sodium_init", 0, "libsodium could not initialise");
    });
}

/// Bytes in libsodium's guarded memory: locked in RAM, zeroed when freed.
class SecureBytes {
public:
    explicit SecureBytes(std::size_t size) : data_(static_cast<unsigned char*>(sodium_malloc(size))), size_(size) {
        if (!data_) throw SystemError("sodium_malloc", errno, "");
    }
    ~SecureBytes() { sodium_free(data_); }
    SecureBytes(const SecureBytes&) = delete;
    SecureBytes& operator=(const SecureBytes&) = delete;

    unsigned char* data() { return data_; }
    const unsigned char* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    unsigned char* data_;
    std::size_t size_;
};

/// Zeroes a string that held secret material when it goes out of scope.
class WipeOnExit {
public:
    explicit WipeOnExit(std::string& text) : text_(text) {}
    ~WipeOnExit() { sodium_memzero(text_.data(), text_.size()); }
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;

private:
    std::string& text_;
};

std::string to_base64(const unsigned char* bytes, std::size_t size) {
    std::string text(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(text.data(), text.size(), bytes, size, sodium_base64_VARIANT_ORIGINAL);
    text.resize(text.size() - 1);  // the terminating NUL
    return text;
}

/// Decodes standard base64 into `out` (capacity `capacity`); the decoded
/// size, or nullopt when the text is not base64 or decodes to more.
std::optional<std::size_t> from_base64(std::string_view text, unsigned char* out, std::size_t capacity) {
    std::size_t size = 0;
    if (sodium_base642bin(out, capacity, text.data(), text.size(), nullptr, &size, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return std::nullopt;
    return size;
}

/// Lines as minisign reads them: split at '\n', each cut at its first '\r'.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const auto end = text.find('\n');
        auto line = text.substr(0, end);
        lines.push_back(line.substr(0, line.find('\r')));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

bool starts_with_bytes(const unsigned char* bytes, std::string_view prefix) {
    return std::equal(prefix.begin(), prefix.end(), bytes,
                      [](char a, unsigned char b) { return static_cast<unsigned char>(a) == b; });
}

void put(unsigned char* at, std::string_view bytes) {
    for (char c : bytes) *at++ = static_cast<unsigned char>(c);
}

KeyId read_id(const unsigned char* at) {
    KeyId id{};
    std::copy_n(at, id_size, id.begin());
    return id;
}

/// BLAKE2b-256 over sig_alg || key id || sk, as minisign checks a decrypted key.
void secret_checksum(const unsigned char* blob, unsigned char* out) {
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, checksum_size);
    crypto_generichash_update(&state, blob, 2);
    crypto_generichash_update(&state, blob + secret_id_at, id_size);
    crypto_generichash_update(&state, blob + secret_key_at, crypto_sign_SECRETKEYBYTES);
    crypto_generichash_final(&state, out, checksum_size);
    sodium_memzero(&state, sizeof state);
}

/// The file's bytes, read with the size known up front so a secret is never
/// copied into buffers we cannot wipe. Missing or unreadable: UsageError.
std::string read_key_file(const fs::path& path, std::string_view what) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw UsageError(fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
    struct stat info {};
    std::string text;
    if (::fstat(fd, &info) == 0 && info.st_size < (1 << 16)) text.resize(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t count = ::read(fd, text.data() + done, text.size() - done);
        if (count <= 0) break;
        done += static_cast<std::size_t>(count);
    }
    ::close(fd);
    if (text.empty() || done != text.size())
        throw UsageError(fmt::format("{} {}: empty, too large, or unreadable", what, path.string()));
    return text;
}

/// Makes the missing parent directories of `file`. 0755: the secret key is
/// protected by its own mode, and the public key beside it stays readable.
void create_parents(const fs::path& file) {
    const fs::path parent = file.parent_path();
    if (parent.empty() || fs::exists(parent)) return;
    create_parents(parent);
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST)
        throw SystemError("mkdir " + parent.string(), errno, "");
}

/// The parsed .minisig lines, or the reason they are not one.
struct ParsedSignature {
    std::array<unsigned char, signature_blob_size> blob{};
    std::array<unsigned char, crypto_sign_BYTES> global{};
    std::string trusted_comment;
};

std::optional<std::string> parse_signature(std::string_view minisig, ParsedSignature& out) {
    const auto lines = split_lines(minisig);
    if (lines.size() < 4) return "a .minisig has 4 lines";
    if (!lines[0].starts_with(untrusted_prefix))
        return fmt::format("line 1 does not start with '{}'", untrusted_prefix);
    if (from_base64(lines[1], out.blob.data(), out.blob.size()) != signature_blob_size)
        return "line 2 is not a base64 signature";
    if (!starts_with_bytes(out.blob.data(), algorithm_hashed) && !starts_with_bytes(out.blob.data(), algorithm_legacy))
        return "unknown signature algorithm (neither ED nor Ed)";
    if (!lines[2].starts_with(trusted_prefix))
        return fmt::format("line 3 does not start with '{}'", trusted_prefix);
    out.trusted_comment = std::string(lines[2].substr(trusted_prefix.size()));
    if (from_base64(lines[3], out.global.data(), out.global.size()) != crypto_sign_BYTES)
        return "line 4 is not a base64 global signature";
    return std::nullopt;
}

/// The bytes the file signature covers: BLAKE2b-512 of the file ("ED"), or
/// the file itself (legacy "Ed").
std::vector<unsigned char> signed_message(std::string_view message, bool prehashed) {
    if (!prehashed) return {message.begin(), message.end()};
    std::vector<unsigned char> hash(crypto_generichash_BYTES_MAX);
    crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), nullptr, 0);
    return hash;
}

/// signature || trusted comment: what the global signature covers.
std::vector<unsigned char> global_message(const unsigned char* signature, std::string_view trusted_comment) {
    std::vector<unsigned char> bytes(crypto_sign_BYTES + trusted_comment.size());
    std::copy_n(signature, crypto_sign_BYTES, bytes.begin());
    std::transform(trusted_comment.begin(), trusted_comment.end(), bytes.begin() + crypto_sign_BYTES,
                   [](char c) { return static_cast<unsigned char>(c); });
    return bytes;
}

Verification failed(Verification result, SignatureVerdict verdict, std::string reason) {
    result.verdict = verdict;
    result.reason = std::move(reason);
    return result;
}

void check_comment(std::string_view comment, std::string_view which) {
    if (comment.find_first_of("\r\n") != std::string_view::npos)
        throw std::invalid_argument(fmt::format("the {} comment must be one line", which));
}

}  // namespace

// ---- keys

std::string key_id_hex(const KeyId& id) {
    std::string hex;
    for (auto byte = id.rbegin(); byte != id.rend(); ++byte) hex += fmt::format("{:02X}", *byte);
    return hex;
}

std::string PublicKey::base64() const {
    std::array<unsigned char, public_blob_size> blob{};
    put(blob.data(), algorithm_legacy);
    std::copy(id.begin(), id.end(), blob.begin() + 2);
    std::copy(key.begin(), key.end(), blob.begin() + 2 + id_size);
    return to_base64(blob.data(), blob.size());
}

struct SecretKey::Material {
    KeyId id;
    unsigned char key[crypto_sign_SECRETKEYBYTES];
};

void SecretKey::Free::operator()(Material* material) const { sodium_free(material); }

SecretKey::SecretKey(const KeyId& id, const unsigned char* seed_and_public) {
    ensure_sodium();
    material_.reset(static_cast<Material*>(sodium_malloc(sizeof(Material))));
    if (!material_) throw SystemError("sodium_malloc", errno, "");
    material_->id = id;
    std::copy_n(seed_and_public, crypto_sign_SECRETKEYBYTES, material_->key);
}

SecretKey SecretKey::generate() {
    ensure_sodium();
    KeyId id{};
    randombytes_buf(id.data(), id.size());
    SecureBytes secret(crypto_sign_SECRETKEYBYTES);
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> unused{};
    crypto_sign_keypair(unused.data(), secret.data());
    return SecretKey(id, secret.data());
}

const KeyId& SecretKey::id() const { return material_->id; }

const unsigned char* SecretKey::bytes() const { return material_->key; }

PublicKey SecretKey::public_key() const {
    PublicKey key;
    key.id = material_->id;
    crypto_sign_ed25519_sk_to_pk(key.key.data(), material_->key);
    return key;
}

std::string public_key_text(const PublicKey& key) {
    return fmt::format("{}custode public key {}\n{}\n", untrusted_prefix, key_id_hex(key.id), key.base64());
}

std::string secret_key_text(const SecretKey& key) {
    /// kdf "\0\0" (unencrypted, as `minisign -G -W`): salt and limits stay zero.
    SecureBytes blob(secret_blob_size);
    sodium_memzero(blob.data(), blob.size());
    put(blob.data(), algorithm_legacy);
    put(blob.data() + 4, checksum_algorithm);
    std::copy(key.id().begin(), key.id().end(), blob.data() + secret_id_at);
    std::copy_n(key.bytes(), crypto_sign_SECRETKEYBYTES, blob.data() + secret_key_at);
    secret_checksum(blob.data(), blob.data() + checksum_at);
    const std::string comment = fmt::format("{}custode secret key {} (unencrypted)\n", untrusted_prefix,
                                            key_id_hex(key.id()));
    /// One allocation, filled in place, so no stray copy of the secret is left.
    const std::size_t encoded = sodium_base64_encoded_len(blob.size(), sodium_base64_VARIANT_ORIGINAL);
    std::string text(comment.size() + encoded, '\0');
    std::copy(comment.begin(), comment.end(), text.begin());
    sodium_bin2base64(text.data() + comment.size(), encoded, blob.data(), blob.size(), sodium_base64_VARIANT_ORIGINAL);
    text.back() = '\n';  // over the NUL
    return text;
}

PublicKey parse_public_key(std::string_view text, std::string_view origin) {
    ensure_sodium();
    const auto lines = split_lines(text);
    if (lines.size() < 2) throw UsageError(fmt::format("{}: not a minisign public key (2 lines expected)", origin));
    std::array<unsigned char, 256> blob{};
    const auto size = from_base64(lines[1], blob.data(), blob.size());
    if (size == secret_blob_size)
        throw UsageError(fmt::format("{}: this is a secret key; give its .pub file", origin));
    if (size != public_blob_size || !starts_with_bytes(blob.data(), algorithm_legacy))
        throw UsageError(fmt::format("{}: not a minisign public key (line 2 is not base64 of \"Ed\", key id, key)",
                                     origin));
    PublicKey key;
    key.id = read_id(blob.data() + 2);
    std::copy_n(blob.data() + 2 + id_size, key.key.size(), key.key.begin());
    return key;
}

namespace {

/// The algorithm bytes of a decoded secret key, checked.
void check_secret_header(const unsigned char* blob, std::string_view origin) {
    if (!starts_with_bytes(blob, algorithm_legacy) || !starts_with_bytes(blob + 4, checksum_algorithm))
        throw UsageError(fmt::format("{}: not a minisign secret key (unknown algorithms)", origin));
    if (starts_with_bytes(blob + 2, "Sc"))
        throw UsageError(fmt::format("{}: the key is encrypted with a password; custode signs unattended and "
                                     "needs an unencrypted key (`minisign -C -W -s FILE` removes the password)",
                                     origin));
    if (blob[2] != 0 || blob[3] != 0)
        throw UsageError(fmt::format("{}: unknown key derivation in a minisign secret key", origin));
}

/// minisign -G -W leaves the checksum zero; a non-zero one must match. Either
/// way the public half must be the one the seed gives.
void check_secret_integrity(const unsigned char* blob, std::string_view origin) {
    SecureBytes expected(checksum_size);
    const unsigned char* stored = blob + checksum_at;
    secret_checksum(blob, expected.data());
    if (!sodium_is_zero(stored, checksum_size) && sodium_memcmp(stored, expected.data(), checksum_size) != 0)
        throw UsageError(fmt::format("{}: corrupt secret key (checksum mismatch)", origin));
    SecureBytes derived(crypto_sign_SECRETKEYBYTES);
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> public_key{};
    crypto_sign_seed_keypair(public_key.data(), derived.data(), blob + secret_key_at);
    if (sodium_memcmp(derived.data(), blob + secret_key_at, crypto_sign_SECRETKEYBYTES) != 0)
        throw UsageError(fmt::format("{}: corrupt secret key (public half does not match)", origin));
}

}  // namespace

SecretKey parse_secret_key(std::string_view text, std::string_view origin) {
    ensure_sodium();
    const auto lines = split_lines(text);
    if (lines.size() < 2) throw UsageError(fmt::format("{}: not a minisign secret key (2 lines expected)", origin));
    SecureBytes blob(256);
    const auto size = from_base64(lines[1], blob.data(), blob.size());
    if (size == public_blob_size) throw UsageError(fmt::format("{}: this is a public key, not a secret key", origin));
    if (size != secret_blob_size)
        throw UsageError(fmt::format("{}: not a minisign secret key (line 2 is not base64 of 158 bytes)", origin));
    check_secret_header(blob.data(), origin);
    check_secret_integrity(blob.data(), origin);
    return SecretKey(read_id(blob.data() + secret_id_at), blob.data() + secret_key_at);
}

PublicKey load_public_key(const fs::path& path) {
    const std::string text = read_key_file(path, "public key");
    return parse_public_key(text, "public key " + path.string());
}

SecretKey load_secret_key(const fs::path& path) {
    require_private_secret(path, "the signing key");
    std::string text = read_key_file(path, "secret key");
    WipeOnExit wipe(text);
    return parse_secret_key(text, "secret key " + path.string());
}

fs::path public_key_path(const fs::path& secret) { return fs::path(secret.string() + ".pub"); }


void save_key_pair(const SecretKey& key, const fs::path& secret, Overwrite overwrite) {
    const fs::path pub = public_key_path(secret);
    if (overwrite == Overwrite::refuse)
        for (const auto& path : {secret, pub})
            if (fs::exists(fs::symlink_status(path)))
                throw UsageError(fmt::format("{} exists", path.string()));
    create_parents(secret);
    std::string text = secret_key_text(key);
    WipeOnExit wipe(text);
    write_file_atomically(secret, text, 0600, overwrite);
    try {
        write_file_atomically(pub, public_key_text(key.public_key()), 0644, overwrite);
    } catch (...) {
        ::unlink(secret.c_str());  // never leave a secret without its public half
        throw;
    }
}

// ---- signatures

std::string sign(std::string_view message, std::string_view trusted_comment, const SecretKey& key,
                 std::string_view untrusted_comment) {
    ensure_sodium();
    check_comment(untrusted_comment, "untrusted");
    check_comment(trusted_comment, "trusted");
    if (trusted_comment.size() > trusted_comment_max)
        throw std::invalid_argument(fmt::format("the trusted comment is longer than {} bytes", trusted_comment_max));
    std::array<unsigned char, signature_blob_size> blob{};
    put(blob.data(), algorithm_hashed);
    std::copy(key.id().begin(), key.id().end(), blob.begin() + 2);
    const auto hashed = signed_message(message, true);
    unsigned char* signature = blob.data() + 2 + id_size;
    crypto_sign_detached(signature, nullptr, hashed.data(), hashed.size(), key.bytes());
    const auto global = global_message(signature, trusted_comment);
    std::array<unsigned char, crypto_sign_BYTES> global_signature{};
    crypto_sign_detached(global_signature.data(), nullptr, global.data(), global.size(), key.bytes());
    return fmt::format("{}{}\n{}\n{}{}\n{}\n", untrusted_prefix, untrusted_comment, to_base64(blob.data(), blob.size()),
                       trusted_prefix, trusted_comment,
                       to_base64(global_signature.data(), global_signature.size()));
}

Verification verify(std::string_view message, std::string_view minisig, const PublicKey& key) {
    ensure_sodium();
    Verification result;
    ParsedSignature parsed;
    if (auto problem = parse_signature(minisig, parsed))
        return failed(std::move(result), SignatureVerdict::bad_format, "not a minisign signature: " + *problem);
    result.signature_key_id = read_id(parsed.blob.data() + 2);
    result.prehashed = starts_with_bytes(parsed.blob.data(), algorithm_hashed);
    result.trusted_comment = parsed.trusted_comment;
    if (result.signature_key_id != key.id)
        return failed(std::move(result), SignatureVerdict::wrong_key,
                      fmt::format("signed by another key: the signature's key id is {}, the public key's is {}",
                                  key_id_hex(result.signature_key_id), key_id_hex(key.id)));
    const unsigned char* signature = parsed.blob.data() + 2 + id_size;
    const auto signed_bytes = signed_message(message, result.prehashed);
    if (crypto_sign_verify_detached(signature, signed_bytes.data(), signed_bytes.size(), key.key.data()) != 0)
        return failed(std::move(result), SignatureVerdict::signature_mismatch,
                      "the signature does not match the file: it was changed after signing");
    const auto global = global_message(signature, parsed.trusted_comment);
    if (crypto_sign_verify_detached(parsed.global.data(), global.data(), global.size(), key.key.data()) != 0)
        return failed(std::move(result), SignatureVerdict::comment_mismatch,
                      "the trusted comment does not match its signature: it was edited after signing");
    result.verdict = SignatureVerdict::valid;
    return result;
}

std::string_view verdict_name(SignatureVerdict verdict) {
    switch (verdict) {
        case SignatureVerdict::valid: return "valid";
        case SignatureVerdict::bad_format: return "bad_format";
        case SignatureVerdict::wrong_key: return "wrong_key";
        case SignatureVerdict::signature_mismatch: return "signature_mismatch";
        case SignatureVerdict::comment_mismatch: return "comment_mismatch";
    }
    return "bad_format";
}

}  // namespace custode::os
