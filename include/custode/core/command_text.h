#pragma once
/// Quoting and encoding for command lines sent to PCs: POSIX shell words,
/// PowerShell string literals, and the UTF-16LE base64 that PowerShell's
/// `-EncodedCommand` expects. Pure, and exposed so tests can check them.

#include <cstdint>
#include <string>
#include <string_view>

namespace custode {

/// `text` as one POSIX sh word: single quotes, each embedded `'` as `'\''`.
std::string shell_quote(std::string_view text);

/// `text` as a PowerShell single-quoted (verbatim) string. Every quote
/// character PowerShell accepts (' and the typographic ‘ ’ ‚ ‛) is doubled.
std::string powershell_quote(std::string_view text);

/// The head of a PowerShell script that must fail in plain text: no progress
/// records, stop on any error, and an uncaught error written as its message
/// on stderr with exit 1. (PowerShell run with -EncodedCommand and stderr not
/// a console writes progress and errors to stderr as CLIXML.)
inline constexpr std::string_view powershell_plain_errors =
    "$ProgressPreference = 'SilentlyContinue'\n"
    "$ErrorActionPreference = 'Stop'\n"
    "trap { [Console]::Error.WriteLine(\"$($_.Exception.Message)\"); exit 1 }\n";

/// UTF-8 to UTF-16LE bytes; invalid UTF-8 becomes U+FFFD.
std::string utf8_to_utf16le(std::string_view utf8);

/// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);

}  // namespace custode
