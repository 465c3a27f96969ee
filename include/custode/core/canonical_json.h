#pragma once
/// Canonical JSON: one byte sequence per value, so a signed report can be
/// re-serialised and compared, and two runs with equal content hash equal.
///
/// Rules: object keys sorted by their UTF-8 bytes (= Unicode code point
/// order); no whitespace; strings as UTF-8 as is, escaping only `"`, `\` and
/// the control characters below U+0020 (`\b \t \n \f \r`, else `\u00xx`
/// lower-case); integers in plain decimal (the full int64/uint64 range);
/// `true`, `false`, `null`. Floating point numbers are refused: their text
/// form differs between libraries, and reports carry integers (milliseconds,
/// counts) anyway. Close to RFC 8785 (JCS) for this subset, but keys sort by
/// code point (JCS: UTF-16 units) and integers beyond 2^53 stay exact.

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace custode {

/// A value that has no canonical form (a float, invalid UTF-8, binary data).
/// `where()` is the JSON pointer of the offending value ("" for the root).
class CanonicalJsonError : public std::invalid_argument {
public:
    CanonicalJsonError(std::string where, const std::string& what);

    const std::string& where() const { return where_; }

private:
    std::string where_;
};

/// The canonical text of `value`; throws CanonicalJsonError.
std::string canonical_json(const nlohmann::json& value);

}  // namespace custode
