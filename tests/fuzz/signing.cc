/// minisign key files and signatures (os/signing.h): a key file refused is a
/// UsageError; a signature is read by verify, which says what is wrong as a
/// verdict and never throws. The signatures are checked for a fixed message
/// and a fixed public key (made with `minisign -G -W`, which signed the seeds
/// in tests/fixtures/fuzz/signing/).

#include "custode/core/error.h"
#include "custode/os/signing.h"
#include "fuzz/fuzz_target.h"

namespace custode::fuzz {

namespace signing_fuzz {

constexpr std::string_view message = "custode fuzz message\n";
constexpr std::string_view public_key =
    "untrusted comment: minisign public key DBDE317623317F86\n"
    "RWSGfzEjdjHe27KZsEzNvG1dg/X6ECxUymS4T/5yZNMsxpDH/DTWy5R1\n";

}  // namespace signing_fuzz

void signing(Bytes bytes) {
    using namespace signing_fuzz;
    const auto text = as_text(bytes);
    try {
        os::parse_public_key(text, "fuzz.pub");
    } catch (const UsageError&) {
    }
    try {
        // A secret key read must sign what its public half verifies.
        const auto key = os::parse_secret_key(text, "fuzz.key");
        const auto signature = os::sign(message, "fuzz", key);
        expect(os::verify(message, signature, key.public_key()).ok(), "a key read signs what its public key verifies");
    } catch (const UsageError&) {
    }
    static const auto key = os::parse_public_key(public_key, "the fuzz key");
    const auto verification = os::verify(message, text, key);
    expect(verification.ok() == verification.reason.empty(), "a failed verification says why");
    if (verification.ok())
        expect(verification.trusted_comment.find('\n') == std::string::npos, "a trusted comment is one line");
}

}  // namespace custode::fuzz

CUSTODE_FUZZ_TARGET(signing)
