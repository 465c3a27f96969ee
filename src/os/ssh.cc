#include "custode/os/ssh.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include "custode/core/error.h"
#include "custode/os/files.h"

namespace custode::os {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

struct SessionDeleter {
    void operator()(ssh_session session) const {
        if (ssh_is_connected(session)) ssh_disconnect(session);
        ssh_free(session);
    }
};
struct ChannelDeleter {
    void operator()(ssh_channel channel) const {
        if (ssh_channel_is_open(channel)) ssh_channel_close(channel);
        ssh_channel_free(channel);
    }
};
struct KeyDeleter {
    void operator()(ssh_key key) const { ssh_key_free(key); }
};
/// Strings libssh allocates for us (base64, fingerprints).
struct CharDeleter {
    void operator()(char* text) const { ssh_string_free_char(text); }
};
struct HashDeleter {
    void operator()(unsigned char* hash) const {
        unsigned char* owned = hash;
        ssh_clean_pubkey_hash(&owned);
    }
};

using SessionPtr = std::unique_ptr<ssh_session_struct, SessionDeleter>;
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelDeleter>;
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyDeleter>;
using CharPtr = std::unique_ptr<char, CharDeleter>;
using HashPtr = std::unique_ptr<unsigned char, HashDeleter>;

/// libssh wants ssh_init() once per process before any thread uses it.
void ensure_initialised() {
    static const int status = ssh_init();
    if (status != SSH_OK) throw SystemError("ssh_init", 0, "libssh could not initialise its crypto");
}

std::string host_token(Ipv4Address ip, std::uint16_t port) {
    return port == 22 ? ip.to_string() : fmt::format("[{}]:{}", ip.to_string(), port);
}

SshError error_of(SshFailure failure, ssh_session session, Ipv4Address ip, std::uint16_t port,
                  std::string_view what) {
    const char* detail = session ? ssh_get_error(session) : "";
    std::string message = fmt::format("{}: {}", host_token(ip, port), what);
    if (detail && *detail) message += fmt::format(": {}", detail);
    return {failure, std::move(message)};
}

void set_option(ssh_session session, ssh_options_e option, const void* value, std::string_view name) {
    if (ssh_options_set(session, option, value) != SSH_OK)
        throw SystemError("ssh_options_set", 0, fmt::format("{}: {}", name, ssh_get_error(session)));
}

/// A session with every option set and nothing read from ~/.ssh or
/// /etc/ssh: the site's known_hosts is the only trust there is.
SessionPtr new_session(Ipv4Address ip, std::uint16_t port, std::chrono::seconds timeout,
                       const std::string& user, const std::string& known_hosts) {
    ensure_initialised();
    SessionPtr session(ssh_new());
    if (!session) throw SystemError("ssh_new", ENOMEM, "cannot allocate an SSH session");
    ssh_session s = session.get();
    const bool process_config = false;
    set_option(s, SSH_OPTIONS_PROCESS_CONFIG, &process_config, "process config");
    const std::string host = ip.to_string();
    set_option(s, SSH_OPTIONS_HOST, host.c_str(), "host");
    const unsigned int port_number = port;
    set_option(s, SSH_OPTIONS_PORT, &port_number, "port");
    const long seconds = std::max<long>(1, static_cast<long>(timeout.count()));
    set_option(s, SSH_OPTIONS_TIMEOUT, &seconds, "timeout");
    if (!user.empty()) set_option(s, SSH_OPTIONS_USER, user.c_str(), "user");
    set_option(s, SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str(), "known_hosts");
    set_option(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null", "global known_hosts");
    const int strict = 1;
    set_option(s, SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict, "strict host key check");
    const int verbosity = SSH_LOG_NOLOG;
    set_option(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity, "log verbosity");
    return session;
}

/// ssh_connect; a failure before the server said hello is "unreachable",
/// one after it (key exchange, algorithms) a protocol error.
std::optional<SshError> connect_session(ssh_session session, Ipv4Address ip, std::uint16_t port) {
    if (ssh_connect(session) == SSH_OK) return std::nullopt;
    const bool greeted = ssh_get_serverbanner(session) != nullptr;
    return error_of(greeted ? SshFailure::protocol : SshFailure::unreachable, session, ip, port,
                    greeted ? "SSH handshake failed" : "cannot connect");
}

std::variant<SshHostKey, SshError> server_key(ssh_session session, Ipv4Address ip, std::uint16_t port) {
    ssh_key raw = nullptr;
    if (ssh_get_server_publickey(session, &raw) != SSH_OK)
        return error_of(SshFailure::protocol, session, ip, port, "no server host key");
    const KeyPtr key(raw);
    char* base64_raw = nullptr;
    if (ssh_pki_export_pubkey_base64(key.get(), &base64_raw) != SSH_OK)
        return error_of(SshFailure::protocol, session, ip, port, "cannot export the host key");
    const CharPtr base64(base64_raw);
    unsigned char* hash_raw = nullptr;
    std::size_t hash_length = 0;
    if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &hash_raw, &hash_length) != 0)
        return error_of(SshFailure::protocol, session, ip, port, "cannot hash the host key");
    const HashPtr hash(hash_raw);
    const CharPtr fingerprint(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash.get(), hash_length));
    if (!fingerprint) return error_of(SshFailure::protocol, session, ip, port, "cannot format the fingerprint");
    const char* type = ssh_key_type_to_char(ssh_key_type(key.get()));
    return SshHostKey{type ? type : "unknown", base64.get(), fingerprint.get()};
}

/// Keeps the last `limit` bytes.
void append_bounded(std::string& text, const char* data, std::size_t size, std::size_t limit) {
    text.append(data, size);
    if (text.size() > limit) text.erase(0, text.size() - limit);
}

class LibsshSession final : public SshSession {
public:
    LibsshSession(SessionPtr session, Ipv4Address ip, const SshOptions& options)
        : session_(std::move(session)), ip_(ip), options_(options) {}

    SshCommandResult run(const std::string& command, const std::string& input,
                         std::chrono::milliseconds timeout) override;

private:
    SshCommandResult failed(SshCommandResult result, std::string_view what, Clock::time_point started) {
        result.stderr_text += fmt::format("custode: {}: {}: {}\n", host_token(ip_, options_.port), what,
                                          ssh_get_error(session_.get()));
        result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        return result;
    }

    SessionPtr session_;
    Ipv4Address ip_;
    SshOptions options_;
};

SshCommandResult LibsshSession::run(const std::string& command, const std::string& input,
                                    std::chrono::milliseconds timeout) {
    const auto started = Clock::now();
    SshCommandResult result;
    ChannelPtr channel(ssh_channel_new(session_.get()));
    if (!channel) return failed(std::move(result), "cannot create a channel", started);
    if (ssh_channel_open_session(channel.get()) != SSH_OK)
        return failed(std::move(result), "cannot open a channel", started);
    if (ssh_channel_request_exec(channel.get(), command.c_str()) != SSH_OK)
        return failed(std::move(result), "cannot start the command", started);
    // The input, then EOF: a program that reads further (restic asking for a
    // password) gets EOF at once instead of waiting out the task's timeout.
    // The scripts custode sends read all their input first, so writing it
    // whole before reading any output cannot deadlock.
    if (!input.empty() &&
        ssh_channel_write(channel.get(), input.data(), static_cast<std::uint32_t>(input.size())) !=
            static_cast<int>(input.size()))
        return failed(std::move(result), "writing the command's input", started);
    if (ssh_channel_send_eof(channel.get()) != SSH_OK)
        return failed(std::move(result), "closing the command's input", started);

    const auto deadline = started + timeout;
    const auto keepalive = std::chrono::duration_cast<Clock::duration>(std::max(options_.keepalive, std::chrono::seconds(1)));
    auto next_keepalive = started + keepalive;
    std::vector<char> buffer(16 * 1024);
    while (true) {
        // EOF seen before the reads: whatever preceded it is buffered already.
        const bool eof = ssh_channel_is_eof(channel.get());
        bool read_any = false;
        for (const int is_stderr : {0, 1}) {
            const int n = ssh_channel_read_nonblocking(channel.get(), buffer.data(),
                                                       static_cast<std::uint32_t>(buffer.size()), is_stderr);
            if (n == SSH_ERROR) return failed(std::move(result), "reading the command's output", started);
            if (n > 0) {
                const auto size = static_cast<std::size_t>(n);
                append_bounded(is_stderr ? result.stderr_text : result.stdout_text, buffer.data(), size,
                               options_.output_limit);
                if (is_stderr && result.stderr_head.size() < options_.stderr_head_limit)
                    result.stderr_head.append(buffer.data(),
                                              std::min(size, options_.stderr_head_limit - result.stderr_head.size()));
                result.output_bytes += size;
                read_any = true;
            }
        }
        if (!read_any && eof) break;
        // Both limits are checked while output flows too: a command that never
        // stops writing always has something to read.
        const auto now = Clock::now();
        const bool cut = result.output_bytes > options_.output_cap;
        if (cut || now >= deadline) {
            (cut ? result.output_cut : result.timed_out) = true;
            channel.reset();  // closes it; the caller kills the remote processes on a new channel
            result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
            return result;
        }
        if (read_any) continue;
        if (now >= next_keepalive) {
            ssh_send_ignore(session_.get(), "keepalive");
            next_keepalive = now + keepalive;
        }
        // Wakes on stdout data or EOF; stderr-only output waits at most one slice.
        const auto slice = std::min({std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now),
                                     std::chrono::duration_cast<std::chrono::milliseconds>(next_keepalive - now),
                                     std::chrono::milliseconds(50)});
        const int polled = ssh_channel_poll_timeout(channel.get(), static_cast<int>(std::max<long>(1, slice.count())), 0);
        if (polled == SSH_ERROR) return failed(std::move(result), "waiting for the command", started);
    }
    // The exit status follows EOF closely; libssh waits for it (or the close)
    // within the session's timeout.
    const int status = ssh_channel_get_exit_status(channel.get());
    if (status >= 0) result.exit_code = status;
    channel.reset();
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return result;
}

/// The `known_hosts` lines, split into words.
std::vector<std::string> read_lines(const std::string& path) {
    std::vector<std::string> lines;
    std::ifstream in(path);
    if (!in) {
        if (errno == ENOENT || !fs::exists(path)) return lines;
        throw SystemError("open", errno, path);
    }
    std::string line;
    while (std::getline(in, line)) lines.push_back(line);
    return lines;
}

}  // namespace

std::string_view to_string(SshFailure failure) {
    switch (failure) {
        case SshFailure::unreachable: return "unreachable";
        case SshFailure::host_key_unknown: return "host_key_unknown";
        case SshFailure::host_key_changed: return "host_key_changed";
        case SshFailure::auth_refused: return "auth_refused";
        case SshFailure::protocol: return "protocol";
    }
    return "protocol";
}

SshConnectResult ssh_connect(Ipv4Address ip, const SshOptions& options) {
    ensure_initialised();
    require_private_secret(options.identity, "the SSH identity");
    ssh_key raw_identity = nullptr;
    const int imported = ssh_pki_import_privkey_file(options.identity.c_str(), nullptr, nullptr, nullptr, &raw_identity);
    if (imported != SSH_OK)
        throw SystemError("ssh_pki_import_privkey_file", imported == SSH_EOF ? ENOENT : 0,
                          fmt::format("cannot read the SSH identity {}", options.identity));
    const KeyPtr identity(raw_identity);

    auto session = new_session(ip, options.port, options.connect_timeout, options.user, options.known_hosts);
    if (auto error = connect_session(session.get(), ip, options.port)) return *error;

    switch (ssh_session_is_known_server(session.get())) {
        case SSH_KNOWN_HOSTS_OK: break;
        case SSH_KNOWN_HOSTS_CHANGED:
        case SSH_KNOWN_HOSTS_OTHER:
            return SshError{SshFailure::host_key_changed,
                            fmt::format("{}: the host key differs from the one in {}; refusing to connect "
                                        "(custode enroll --replace, once you know why)",
                                        host_token(ip, options.port), options.known_hosts)};
        case SSH_KNOWN_HOSTS_NOT_FOUND:
        case SSH_KNOWN_HOSTS_UNKNOWN:
            return SshError{SshFailure::host_key_unknown,
                            fmt::format("{}: no host key recorded in {}: run custode enroll",
                                        host_token(ip, options.port), options.known_hosts)};
        case SSH_KNOWN_HOSTS_ERROR:
        default:
            return error_of(SshFailure::protocol, session.get(), ip, options.port, "cannot check the host key");
    }

    const int auth = ssh_userauth_publickey(session.get(), nullptr, identity.get());
    if (auth == SSH_AUTH_DENIED || auth == SSH_AUTH_PARTIAL)
        return error_of(SshFailure::auth_refused, session.get(), ip, options.port,
                        fmt::format("key {} refused for user {}", options.identity, options.user));
    if (auth != SSH_AUTH_SUCCESS)
        return error_of(SshFailure::protocol, session.get(), ip, options.port, "authentication failed");
    return std::unique_ptr<SshSession>(std::make_unique<LibsshSession>(std::move(session), ip, options));
}

std::variant<SshHostKey, SshError> ssh_fetch_host_key(Ipv4Address ip, std::uint16_t port,
                                                      std::chrono::seconds timeout) {
    auto session = new_session(ip, port, timeout, "custode", "/dev/null");
    if (auto error = connect_session(session.get(), ip, port)) return *error;
    return server_key(session.get(), ip, port);
}

std::vector<KnownHostKey> known_host_keys(const std::string& known_hosts, Ipv4Address ip, std::uint16_t port) {
    std::vector<KnownHostKey> keys;
    const auto token = host_token(ip, port);
    for (const auto& line : read_lines(known_hosts)) {
        if (auto key = known_hosts_entry(line, token)) keys.push_back(std::move(*key));
    }
    return keys;
}

void record_known_host(const std::string& known_hosts, Ipv4Address ip, std::uint16_t port, const SshHostKey& key) {
    const auto token = host_token(ip, port);
    std::string text;
    for (const auto& line : read_lines(known_hosts))
        if (!known_hosts_line_names(line, token)) text += line + '\n';
    text += fmt::format("{} {} {}\n", token, key.type, key.base64);

    const fs::path path(known_hosts);
    if (path.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        if (ec) throw SystemError("mkdir", ec.value(), path.parent_path().string());
    }
    write_file_atomically(path, text, 0600);
}

}  // namespace custode::os
