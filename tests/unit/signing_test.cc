/// Signatures in minisign's format: round trips, every way a check must fail,
/// interoperability with Debian's minisign binary, and the keygen/verify CLI.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sodium.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "custode/core/error.h"
#include "custode/os/signing.h"
#include "netconf_cli_support.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using namespace custode::os;
using custode::UsageError;
using custode::testing::run_custode;
using custode::testing::run_program;
using custode::testing::read_file;
using custode::testing::TempDir;

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

unsigned mode_of(const fs::path& path) {
    struct stat info {};
    ::stat(path.c_str(), &info);
    return info.st_mode & 07777;
}

/// CI installs minisign (dev.sh); a missing binary fails the test, never skips it.
void require_minisign() {
    const auto version = run_program({"minisign", "-v"});
    INFO("minisign must be installed: apt-get install minisign (dev.sh installs it); got: " << version.output);
    REQUIRE(version.exit_code == 0);
}

const std::string report = R"({"client":"acme","verdict":"isolated"})";

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) text += line + "\n";
    return text;
}

std::vector<unsigned char> base64_bytes(const std::string& text) {
    std::vector<unsigned char> bytes(text.size());
    std::size_t size = 0;
    REQUIRE(sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &size, nullptr,
                              sodium_base64_VARIANT_ORIGINAL) == 0);
    bytes.resize(size);
    return bytes;
}

std::string base64_encode(const std::vector<unsigned char>& bytes) {
    std::string text(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    text.pop_back();
    return text;
}

}  // namespace

// ---- formats and round trips

TEST_CASE("key ids print as minisign prints them", "[signing]") {
    CHECK(key_id_hex({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}) == "0807060504030201");
    CHECK(key_id_hex({0xa3, 0xf0, 0x68, 0x86, 0x4c, 0xc6, 0xf9, 0x67}) == "67F9C64C8668F0A3");
}

TEST_CASE("sign then verify: valid, with the trusted comment", "[signing]") {
    const auto key = SecretKey::generate();
    const auto minisig = sign(report, "report r-1 at 2024-05-01T20:00:00Z", key);
    const auto result = verify(report, minisig, key.public_key());
    CHECK(result.ok());
    CHECK(result.verdict == SignatureVerdict::valid);
    CHECK(result.reason.empty());
    CHECK(result.prehashed);
    CHECK(result.trusted_comment == "report r-1 at 2024-05-01T20:00:00Z");
    CHECK(result.signature_key_id == key.id());
    CHECK(verify("", sign("", "empty", key), key.public_key()).ok());
}

TEST_CASE("the .minisig text has minisign's four lines and an ED signature", "[signing]") {
    const auto key = SecretKey::generate();
    const auto lines = lines_of(sign(report, "tc", key, "made by a test"));
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "untrusted comment: made by a test");
    CHECK(lines[2] == "trusted comment: tc");
    const auto blob = base64_bytes(lines[1]);
    REQUIRE(blob.size() == 74);
    CHECK(blob[0] == 'E');
    CHECK(blob[1] == 'D');
    CHECK(std::equal(key.id().begin(), key.id().end(), blob.begin() + 2));
    CHECK(base64_bytes(lines[3]).size() == 64);
}

TEST_CASE("key files: minisign's layout, and they parse back", "[signing]") {
    const auto key = SecretKey::generate();
    const auto pub_text = public_key_text(key.public_key());
    const auto pub_lines = lines_of(pub_text);
    REQUIRE(pub_lines.size() == 2);
    CHECK(pub_lines[0] == "untrusted comment: custode public key " + key_id_hex(key.id()));
    const auto pub_blob = base64_bytes(pub_lines[1]);
    REQUIRE(pub_blob.size() == 42);
    CHECK(std::string(pub_blob.begin(), pub_blob.begin() + 2) == "Ed");
    CHECK(parse_public_key(pub_text, "test") == key.public_key());
    CHECK(pub_lines[1] == key.public_key().base64());

    const auto secret_lines = lines_of(secret_key_text(key));
    REQUIRE(secret_lines.size() == 2);
    CHECK_THAT(secret_lines[0], Catch::StartsWith("untrusted comment: "));
    const auto blob = base64_bytes(secret_lines[1]);
    REQUIRE(blob.size() == 158);
    /// "Ed", kdf "\0\0" (unencrypted), "B2", then zero salt and limits.
    CHECK(std::string(blob.begin(), blob.begin() + 6) == std::string("Ed\0\0B2", 6));
    CHECK(std::all_of(blob.begin() + 6, blob.begin() + 54, [](unsigned char b) { return b == 0; }));
    CHECK(std::equal(key.id().begin(), key.id().end(), blob.begin() + 54));
    /// The checksum: BLAKE2b-256 of "Ed" || key id || secret key.
    std::vector<unsigned char> checked(blob.begin(), blob.begin() + 2);
    checked.insert(checked.end(), blob.begin() + 54, blob.begin() + 126);
    std::array<unsigned char, 32> checksum{};
    crypto_generichash(checksum.data(), checksum.size(), checked.data(), checked.size(), nullptr, 0);
    CHECK(std::equal(checksum.begin(), checksum.end(), blob.begin() + 126));

    const auto parsed = parse_secret_key(secret_key_text(key), "test");
    CHECK(parsed.id() == key.id());
    CHECK(parsed.public_key() == key.public_key());
    CHECK(verify(report, sign(report, "x", parsed), key.public_key()).ok());
}

// ---- rejections

TEST_CASE("one byte changed in the file is rejected", "[signing]") {
    const auto key = SecretKey::generate();
    const auto minisig = sign(report, "tc", key);
    for (std::size_t at : {std::size_t{0}, report.size() / 2, report.size() - 1}) {
        std::string changed = report;
        changed[at] = static_cast<char>(changed[at] ^ 0x01);
        const auto result = verify(changed, minisig, key.public_key());
        CHECK(result.verdict == SignatureVerdict::signature_mismatch);
        CHECK_THAT(result.reason, Catch::Contains("changed after signing"));
    }
    CHECK(verify(report + "\n", minisig, key.public_key()).verdict == SignatureVerdict::signature_mismatch);
    CHECK(verify(report.substr(1), minisig, key.public_key()).verdict == SignatureVerdict::signature_mismatch);
}

TEST_CASE("a signature by another key is rejected by key id", "[signing]") {
    const auto ours = SecretKey::generate();
    const auto theirs = SecretKey::generate();
    const auto result = verify(report, sign(report, "tc", theirs), ours.public_key());
    CHECK(result.verdict == SignatureVerdict::wrong_key);
    CHECK_THAT(result.reason, Catch::Contains("another key") && Catch::Contains(key_id_hex(theirs.id())) &&
                                  Catch::Contains(key_id_hex(ours.id())));
    /// Same key id, other key (a forged id): the signature itself fails.
    PublicKey forged = theirs.public_key();
    forged.id = ours.id();
    CHECK(verify(report, sign(report, "tc", ours), forged).verdict == SignatureVerdict::signature_mismatch);
}

TEST_CASE("an edited trusted comment is rejected", "[signing]") {
    const auto key = SecretKey::generate();
    auto lines = lines_of(sign(report, "report r-1 verdict isolated", key));
    lines[2] = "trusted comment: report r-1 verdict isolatee";
    const auto result = verify(report, join_lines(lines), key.public_key());
    CHECK(result.verdict == SignatureVerdict::comment_mismatch);
    CHECK_THAT(result.reason, Catch::Contains("trusted comment"));
    /// The global signature replaced by one over another comment: rejected too.
    auto other = lines_of(sign(report, "something else", key));
    lines = lines_of(sign(report, "report r-1", key));
    lines[3] = other[3];
    CHECK(verify(report, join_lines(lines), key.public_key()).verdict == SignatureVerdict::comment_mismatch);
}

TEST_CASE("a changed signature line is rejected", "[signing]") {
    const auto key = SecretKey::generate();
    auto lines = lines_of(sign(report, "tc", key));
    auto blob = base64_bytes(lines[1]);
    blob[40] ^= 0x01;
    lines[1] = base64_encode(blob);
    CHECK(verify(report, join_lines(lines), key.public_key()).verdict == SignatureVerdict::signature_mismatch);
    /// The untrusted comment is not signed: editing it changes nothing (as in minisign).
    lines = lines_of(sign(report, "tc", key));
    lines[0] = "untrusted comment: anything";
    CHECK(verify(report, join_lines(lines), key.public_key()).ok());
}

TEST_CASE("malformed signatures are bad_format, with a reason", "[signing]") {
    const auto key = SecretKey::generate();
    const auto lines = lines_of(sign(report, "tc", key));
    const auto check_bad = [&](const std::string& minisig, const std::string& words) {
        const auto result = verify(report, minisig, key.public_key());
        CHECK(result.verdict == SignatureVerdict::bad_format);
        CHECK_THAT(result.reason, Catch::Contains(words));
    };
    check_bad("", "4 lines");
    check_bad(lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n", "4 lines");
    check_bad("comment\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3] + "\n", "untrusted comment");
    check_bad(lines[0] + "\n!!!\n" + lines[2] + "\n" + lines[3] + "\n", "line 2");
    check_bad(lines[0] + "\n" + lines[1] + "\ncomment: x\n" + lines[3] + "\n", "trusted comment");
    check_bad(lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\nAAAA\n", "line 4");
    auto blob = base64_bytes(lines[1]);
    blob[0] = 'X';
    check_bad(lines[0] + "\n" + base64_encode(blob) + "\n" + lines[2] + "\n" + lines[3] + "\n", "algorithm");
    /// CRLF line ends are read as minisign reads them.
    CHECK(verify(report, lines[0] + "\r\n" + lines[1] + "\r\n" + lines[2] + "\r\n" + lines[3] + "\r\n",
                 key.public_key())
              .ok());
}

TEST_CASE("comments must be one line — the trusted one below minisign's limit", "[signing]") {
    const auto key = SecretKey::generate();
    CHECK_THROWS_AS(sign(report, "two\nlines", key), std::invalid_argument);
    CHECK_THROWS_AS(sign(report, "carriage\rreturn", key), std::invalid_argument);
    CHECK_THROWS_AS(sign(report, "tc", key, "untrusted\n"), std::invalid_argument);
    CHECK_THROWS_AS(sign(report, std::string(9000, 'x'), key), std::invalid_argument);
    CHECK(verify(report, sign(report, std::string(8000, 'x'), key), key.public_key()).ok());
}

TEST_CASE("bad key files are usage errors that say what is wrong", "[signing]") {
    const auto key = SecretKey::generate();
    const auto secret_text = secret_key_text(key);
    const auto pub_text = public_key_text(key.public_key());
    CHECK_THROWS_WITH(parse_public_key(secret_text, "k.pub"), Catch::Contains("k.pub") && Catch::Contains("secret key"));
    CHECK_THROWS_WITH(parse_secret_key(pub_text, "k"), Catch::Contains("public key"));
    CHECK_THROWS_WITH(parse_public_key("just one line\n", "k.pub"), Catch::Contains("not a minisign public key"));
    CHECK_THROWS_AS(parse_public_key("c\nnot base64!\n", "k.pub"), UsageError);

    auto blob = base64_bytes(lines_of(secret_text)[1]);
    const auto with_blob = [](const std::vector<unsigned char>& bytes) {
        return "untrusted comment: x\n" + base64_encode(bytes) + "\n";
    };
    auto encrypted = blob;
    encrypted[2] = 'S';
    encrypted[3] = 'c';
    CHECK_THROWS_WITH(parse_secret_key(with_blob(encrypted), "k"), Catch::Contains("password") &&
                                                                       Catch::Contains("minisign -C -W"));
    auto corrupt = blob;
    corrupt[60] ^= 0x01;
    CHECK_THROWS_WITH(parse_secret_key(with_blob(corrupt), "k"), Catch::Contains("checksum"));
    /// minisign -G -W leaves the checksum zero: accepted, and the public half is still checked.
    auto zero_checksum = blob;
    std::fill(zero_checksum.begin() + 126, zero_checksum.end(), 0);
    CHECK(parse_secret_key(with_blob(zero_checksum), "k").id() == key.id());
    zero_checksum[100] ^= 0x01;
    CHECK_THROWS_WITH(parse_secret_key(with_blob(zero_checksum), "k"), Catch::Contains("public half"));
}

// ---- key files on disk

TEST_CASE("key pairs are saved 0600/0644, never overwritten unless asked", "[signing]") {
    TempDir dir;
    const auto secret = dir / "etc/custode/proof.key";
    const auto first = SecretKey::generate();
    save_key_pair(first, secret, Overwrite::refuse);
    CHECK(mode_of(secret) == 0600);
    CHECK(mode_of(public_key_path(secret)) == 0644);
    CHECK(public_key_path(secret) == dir / "etc/custode/proof.key.pub");
    CHECK(load_secret_key(secret).public_key() == first.public_key());
    CHECK(load_public_key(public_key_path(secret)) == first.public_key());

    const auto second = SecretKey::generate();
    CHECK_THROWS_WITH(save_key_pair(second, secret, Overwrite::refuse), Catch::Contains("exists"));
    CHECK(load_public_key(public_key_path(secret)) == first.public_key());
    fs::remove(secret);
    CHECK_THROWS_AS(save_key_pair(second, secret, Overwrite::refuse), UsageError);  // the .pub is still there
    CHECK_FALSE(fs::exists(secret));
    save_key_pair(second, secret, Overwrite::replace);
    CHECK(load_secret_key(secret).id() == second.id());
    CHECK(load_public_key(public_key_path(secret)) == second.public_key());
    CHECK(mode_of(secret) == 0600);
    /// No temporary files are left behind.
    CHECK(std::distance(fs::directory_iterator(secret.parent_path()), fs::directory_iterator()) == 2);
}

TEST_CASE("a signing key others may read is refused, naming the file and the chmod that mends it", "[signing]") {
    TempDir dir;
    const auto secret = dir / "proof.key";
    save_key_pair(SecretKey::generate(), secret, Overwrite::refuse);
    for (const auto mode : {fs::perms(0644), fs::perms(0640), fs::perms(0602)}) {
        fs::permissions(secret, mode);
        CHECK_THROWS_AS(load_secret_key(secret), UsageError);
        CHECK_THROWS_WITH(load_secret_key(secret), Catch::Contains(secret.string()) && Catch::Contains("chmod 600"));
    }
    fs::permissions(secret, fs::perms(0400));  // stricter than 0600 is fine
    CHECK_NOTHROW(load_secret_key(secret));
}

TEST_CASE("loading a missing key names the file", "[signing]") {
    TempDir dir;
    CHECK_THROWS_WITH(load_public_key(dir / "nope.pub"), Catch::Contains("nope.pub"));
    CHECK_THROWS_WITH(load_secret_key(dir / "nope.key"), Catch::Contains("nope.key"));
    write_file(dir / "empty.pub", "");
    CHECK_THROWS_AS(load_public_key(dir / "empty.pub"), UsageError);
}

// ---- interoperability with Debian's minisign

TEST_CASE("minisign -V accepts custode's signature and rejects a one-byte change", "[signing][minisign]") {
    TempDir dir;
    require_minisign();
    const auto key = SecretKey::generate();
    save_key_pair(key, dir / "proof.key", Overwrite::refuse);
    write_file(dir / "report.json", report);
    write_file(dir / "report.json.minisig", sign(report, "report r-1 time 1714593600", key));
    const auto pub = (dir / "proof.key.pub").string();
    const auto file = (dir / "report.json").string();

    const auto good = run_program({"minisign", "-V", "-p", pub, "-m", file});
    INFO(good.output);
    CHECK(good.exit_code == 0);
    CHECK_THAT(good.output, Catch::Contains("Trusted comment: report r-1 time 1714593600"));
    /// -H: minisign insists on the prehashed form, which custode always writes.
    CHECK(run_program({"minisign", "-V", "-H", "-p", pub, "-m", file}).exit_code == 0);
    /// And with the key on the command line (the one-line form).
    CHECK(run_program({"minisign", "-V", "-P", key.public_key().base64(), "-m", file}).exit_code == 0);

    std::string changed = report;
    changed[5] = static_cast<char>(changed[5] ^ 0x01);
    write_file(dir / "report.json", changed);
    const auto bad = run_program({"minisign", "-V", "-p", pub, "-m", file});
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.output, Catch::Contains("verification failed"));

    write_file(dir / "report.json", report);
    save_key_pair(SecretKey::generate(), dir / "other.key", Overwrite::refuse);
    const auto other = run_program({"minisign", "-V", "-p", (dir / "other.key.pub").string(), "-m", file});
    CHECK(other.exit_code == 1);
    CHECK_THAT(other.output, Catch::Contains("key id"));
}

TEST_CASE("custode verifies what minisign -S signs with a minisign -G -W key", "[signing][minisign]") {
    TempDir dir;
    require_minisign();
    const auto pub = (dir / "m.pub").string();
    const auto secret = (dir / "m.key").string();
    const auto file = (dir / "report.json").string();
    const auto made = run_program({"minisign", "-G", "-W", "-p", pub, "-s", secret});
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    write_file(file, report);
    REQUIRE(run_program({"minisign", "-S", "-s", secret, "-m", file, "-t", "signed by minisign"}).exit_code == 0);

    const auto key = load_public_key(pub);
    const auto result = verify(report, read_file(file + ".minisig"), key);
    CHECK(result.ok());
    CHECK(result.prehashed);
    CHECK(result.trusted_comment == "signed by minisign");
    std::string changed = report;
    changed.back() = 'X';
    CHECK(verify(changed, read_file(file + ".minisig"), key).verdict == SignatureVerdict::signature_mismatch);

    /// Legacy (-l, not prehashed) signatures verify too, as minisign -V accepts them.
    REQUIRE(run_program({"minisign", "-S", "-l", "-s", secret, "-m", file, "-t", "legacy"}).exit_code == 0);
    const auto legacy = verify(report, read_file(file + ".minisig"), key);
    CHECK(legacy.ok());
    CHECK_FALSE(legacy.prehashed);

    /// minisign's unencrypted secret key (zero checksum) loads and signs for custode.
    const auto loaded = load_secret_key(secret);
    CHECK(loaded.public_key() == key);
    CHECK(verify(report, sign(report, "x", loaded), key).ok());
}

TEST_CASE("minisign -S signs with custode's secret key file", "[signing][minisign]") {
    TempDir dir;
    require_minisign();
    const auto key = SecretKey::generate();
    save_key_pair(key, dir / "proof.key", Overwrite::refuse);
    const auto file = (dir / "report.json").string();
    write_file(file, report);
    const auto signed_run =
        run_program({"minisign", "-S", "-s", (dir / "proof.key").string(), "-m", file, "-t", "tc"});
    INFO(signed_run.output);
    REQUIRE(signed_run.exit_code == 0);
    CHECK(verify(report, read_file(file + ".minisig"), key.public_key()).ok());
}

// ---- the CLI

TEST_CASE("custode keygen writes the pair, refuses to overwrite, --force replaces", "[signing][cli]") {
    TempDir dir;
    const auto secret = (dir / "keys/proof.key").string();
    const auto made = run_custode("keygen --out '" + secret + "'", true);
    INFO(made.output);
    CHECK(made.exit_code == 0);
    const auto id = key_id_hex(load_public_key(secret + ".pub").id);
    CHECK_THAT(made.output, Catch::Contains(secret + ".pub") && Catch::Contains(id));
    CHECK(mode_of(secret) == 0600);

    const auto again = run_custode("keygen --out '" + secret + "'", true);
    CHECK(again.exit_code == 2);
    CHECK_THAT(again.output, Catch::Contains("exists") && Catch::Contains("--force"));
    CHECK(key_id_hex(load_public_key(secret + ".pub").id) == id);

    const auto forced = run_custode("--json keygen --force --out '" + secret + "'", false);
    CHECK(forced.exit_code == 0);
    const auto json = nlohmann::json::parse(forced.output);
    CHECK(json["command"] == "keygen");
    CHECK(json["ok"] == true);
    CHECK(json["public_key"] == secret + ".pub");
    CHECK(json["key_id"] == key_id_hex(load_public_key(secret + ".pub").id));
    CHECK(json["key_id"] != id);
    CHECK(json["public_key_base64"] == load_public_key(secret + ".pub").base64());

    /// The default: proof.key in the netconf directory.
    const auto defaulted = run_custode("keygen --netconf '" + (dir / "etc").string() + "'", true);
    CHECK(defaulted.exit_code == 0);
    CHECK(fs::exists(dir / "etc/proof.key"));
    CHECK(fs::exists(dir / "etc/proof.key.pub"));
}

TEST_CASE("custode verify: 0 valid, 1 changed or another key, 2 usage and format", "[signing][cli]") {
    TempDir dir;
    const auto key = SecretKey::generate();
    save_key_pair(key, dir / "proof.key", Overwrite::refuse);
    const auto file = (dir / "report.json").string();
    const auto pub = (dir / "proof.key.pub").string();
    write_file(file, report);
    write_file(file + ".minisig", sign(report, "report r-7 2024-05-01T20:00:00Z", key));

    const auto good = run_custode("verify '" + file + "' --pubkey '" + pub + "'", true);
    INFO(good.output);
    CHECK(good.exit_code == 0);
    CHECK_THAT(good.output, Catch::Contains("signature valid") &&
                                Catch::Contains("trusted comment: report r-7 2024-05-01T20:00:00Z"));
    const auto json = nlohmann::json::parse(run_custode("verify --json '" + file + "' --pubkey '" + pub + "'", false).output);
    CHECK(json["ok"] == true);
    CHECK(json["verdict"] == "valid");
    CHECK(json["trusted_comment"] == "report r-7 2024-05-01T20:00:00Z");
    CHECK(json["key_id"] == key_id_hex(key.id()));
    /// The default public key: proof.key.pub in the netconf directory.
    CHECK(run_custode("verify '" + file + "' --netconf '" + dir.path().string() + "'", true).exit_code == 0);
    const auto no_key = run_custode("verify '" + file + "' --netconf '" + (dir / "none").string() + "'", true);
    CHECK(no_key.exit_code == 2);
    CHECK_THAT(no_key.output, Catch::Contains("--pubkey"));

    std::string changed = report;
    changed[3] = static_cast<char>(changed[3] ^ 0x20);
    write_file(file, changed);
    const auto tampered = run_custode("verify '" + file + "' --pubkey '" + pub + "'", true);
    CHECK(tampered.exit_code == 1);
    CHECK_THAT(tampered.output, Catch::Contains("changed after signing"));
    const auto tampered_json =
        nlohmann::json::parse(run_custode("--json verify '" + file + "' --pubkey '" + pub + "'", false).output);
    CHECK(tampered_json["ok"] == false);
    CHECK(tampered_json["verdict"] == "signature_mismatch");
    CHECK_FALSE(tampered_json.contains("trusted_comment"));

    write_file(file, report);
    save_key_pair(SecretKey::generate(), dir / "other.key", Overwrite::refuse);
    const auto other = run_custode("verify '" + file + "' --pubkey '" + (dir / "other.key.pub").string() + "'", true);
    CHECK(other.exit_code == 1);
    CHECK_THAT(other.output, Catch::Contains("another key"));

    write_file(dir / "garbage.minisig", "not a signature\n");
    const auto garbage = run_custode("verify '" + file + "' --pubkey '" + pub + "' --signature '" +
                                         (dir / "garbage.minisig").string() + "'",
                                     true);
    CHECK(garbage.exit_code == 2);
    CHECK_THAT(garbage.output, Catch::Contains("not a minisign signature"));
    const auto missing = run_custode("verify '" + (dir / "nope.json").string() + "' --pubkey '" + pub + "'", true);
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.output, Catch::Contains("nope.json"));
    CHECK(run_custode("verify --pubkey '" + pub + "'", true).exit_code == 2);
    const auto secret_as_pub = run_custode("verify '" + file + "' --pubkey '" + (dir / "proof.key").string() + "'", true);
    CHECK(secret_as_pub.exit_code == 2);
    CHECK_THAT(secret_as_pub.output, Catch::Contains("secret key"));
}
