#pragma once
/// A fuzz target: one family of parsers of untrusted input fed raw bytes.
/// A target returns when its parsers accept the input or refuse it the way
/// they are documented to (that error is caught inside the target); anything
/// else is a finding: a crash, a sanitizer report, a hang, or an exception
/// that escapes (another type, or a broken promise of a parser: Finding).
///
/// Each target is built twice: alone with libFuzzer (-DCUSTODE_FUZZ=ON,
/// tests/fuzz/run.sh), and into the unit suite, which replays every input in
/// tests/fixtures/fuzz/<target>/ (tests/unit/fuzz_corpus_test.cc), so an
/// input kept there guards without clang too.

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace custode::fuzz {

using Bytes = std::span<const std::uint8_t>;

/// A parser broke a promise its header makes (not a documented refusal).
class Finding : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

inline void expect(bool holds, const std::string& promise) {
    if (!holds) throw Finding(promise);
}

inline std::string_view as_text(Bytes bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

/// The targets, one per parser family (tests/fuzz/<name>.cc).
void frames(Bytes bytes);
void netconf(Bytes bytes);
void targets_file(Bytes bytes);
void known_hosts(Bytes bytes);
void tasks(Bytes bytes);
void signing(Bytes bytes);
void restic(Bytes bytes);

}  // namespace custode::fuzz

/// libFuzzer's entry point, only in the fuzz build (one target per program).
#ifdef CUSTODE_FUZZ_ENTRY
#define CUSTODE_FUZZ_TARGET(function)                                                     \
    extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) { \
        custode::fuzz::function({data, size});                                            \
        return 0;                                                                         \
    }
#else
#define CUSTODE_FUZZ_TARGET(function)
#endif
