#pragma once
/// OpenSSH known_hosts lines as custode reads them. Pure: os/ssh.cc reads and
/// writes the file, this decides what a line says. A known_hosts file is
/// untrusted text (anyone with the file could have edited it), so a line that
/// is not `hosts type key` names no host and records no key.

#include <optional>
#include <string>
#include <string_view>

namespace custode {

/// A key recorded in a known_hosts file.
struct KnownHostKey {
    std::string type;
    std::string base64;

    bool operator==(const KnownHostKey&) const = default;
};

/// True when the line's host field (comma-separated patterns) names `token`
/// (`ip` or `[ip]:port`) exactly. Comments (`#`) and marker lines
/// (`@cert-authority`, `@revoked`) name no host.
bool known_hosts_line_names(std::string_view line, std::string_view token);

/// The key the line records for `token`; nullopt when it does not name it or
/// holds no type and key.
std::optional<KnownHostKey> known_hosts_entry(std::string_view line, std::string_view token);

}  // namespace custode
