#pragma once
/// SSH to client PCs through libssh: key authentication, strict host-key
/// checking against the site's known_hosts, a connect timeout, keepalives,
/// one session per PC and a channel per command. Sockets keep the namespace
/// they were opened in: connect from inside the client's namespace
/// (os::in_namespace), use the session from anywhere.
///
/// Expected outcomes (unreachable, unknown or changed host key, refused key,
/// a command past its timeout) are data; only misuse and broken local files
/// (an unreadable identity) throw custode::SystemError.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "custode/core/address.h"
#include "custode/core/known_hosts.h"

namespace custode::os {

struct SshOptions {
    std::string user;
    std::string identity;     ///< private key file (OpenSSH format)
    std::string known_hosts;  ///< OpenSSH known_hosts file; never written by connect
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds keepalive{15};  ///< keepalive interval while a command runs
    std::uint16_t port = 22;
    std::size_t output_limit = 64 * 1024;  ///< per stream: the last bytes are kept
    /// A command that writes more than this (stdout and stderr together) is
    /// cut there like one past its timeout: no task custode runs writes
    /// megabytes, and one that never stops would keep the night busy until
    /// its timeout (docs/maintenance.md, "Hostile PCs").
    std::size_t output_cap = 16 * 1024 * 1024;
    /// The first bytes of stderr are kept too: the `custode-pid` line comes
    /// first, and a kill needs it however much follows.
    std::size_t stderr_head_limit = 4 * 1024;
};

/// Why a connection did not give a usable session.
enum class SshFailure {
    unreachable,       ///< refused, timed out, no route
    host_key_unknown,  ///< not in known_hosts: run `custode enroll`
    host_key_changed,  ///< known_hosts has another key for this address: refused
    auth_refused,      ///< the PC did not accept our key
    protocol,          ///< any other libssh error
};

std::string_view to_string(SshFailure failure);

struct SshError {
    SshFailure failure;
    std::string message;  ///< libssh's words, with the address
};

/// A finished (or abandoned) command.
struct SshCommandResult {
    std::optional<int> exit_code;  ///< empty when killed by a signal or timed out
    std::string stdout_text;
    std::string stderr_text;
    bool timed_out = false;  ///< the channel was closed at the timeout; the
                             ///< process may still run: the caller kills it
    double seconds = 0;
    /// The channel was closed at SshOptions::output_cap bytes of output; the
    /// process may still run: the caller kills it.
    bool output_cut = false;
    std::string stderr_head;  ///< the first SshOptions::stderr_head_limit bytes of stderr
    std::size_t output_bytes = 0;  ///< stdout and stderr read, in all
};

class SshSession {
public:
    virtual ~SshSession() = default;
    /// Runs `command` on a new channel, writes `input` to its stdin and closes
    /// it (a program that reads stdin gets end-of-file, never waits), and
    /// collects stdout and stderr (each bounded to its last
    /// SshOptions::output_limit bytes) until it exits, `timeout`, or
    /// SshOptions::output_cap bytes of output.
    virtual SshCommandResult run(const std::string& command, const std::string& input,
                                 std::chrono::milliseconds timeout) = 0;
};

using SshConnectResult = std::variant<std::unique_ptr<SshSession>, SshError>;

/// Connects to `ip` (in the calling thread's network namespace), checks the
/// host key strictly against options.known_hosts and authenticates with
/// options.identity.
SshConnectResult ssh_connect(Ipv4Address ip, const SshOptions& options);

/// A PC's host key, as enroll shows and records it.
struct SshHostKey {
    std::string type;         ///< "ssh-ed25519", "ecdsa-sha2-nistp256", ...
    std::string base64;       ///< the public key blob
    std::string fingerprint;  ///< "SHA256:..." as ssh-keygen -l prints it
};

/// Fetches the host key `ip` offers, without authenticating (calling thread's
/// namespace). An error when it cannot be reached.
std::variant<SshHostKey, SshError> ssh_fetch_host_key(Ipv4Address ip, std::uint16_t port,
                                                      std::chrono::seconds timeout);

using custode::KnownHostKey;

/// The keys `known_hosts` records for `ip` (`[ip]:port` when port != 22);
/// empty when none or when the file does not exist.
std::vector<KnownHostKey> known_host_keys(const std::string& known_hosts, Ipv4Address ip, std::uint16_t port);

/// Records `key` for `ip` in the known_hosts file (created 0600 if missing),
/// replacing any line for that address; written atomically (temp + rename).
void record_known_host(const std::string& known_hosts, Ipv4Address ip, std::uint16_t port,
                       const SshHostKey& key);

}  // namespace custode::os
