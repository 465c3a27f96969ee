#pragma once
/// Simulated client PCs with a real OpenSSH server, for the SSH, enroll and
/// maintenance tests (docs/testbed.md, "SSH PCs").
///
///   Testbed tb("ssh-basic");
///   Site& acme = tb.site("acme", *Ipv4Prefix::parse("192.168.1.0/24"));
///   tb.connect_port(acme);
///   SshLab lab(tb, tmp.path);                      // lab key pair, known_hosts path, user "custode"
///   SshPc& pc = lab.add_pc(acme, "pc1", host_address(acme.subnet, 21));          // sshd running
///   SshPc& late = lab.add_pc(acme, "pc2", host_address(acme.subnet, 22), {.sleeping = true});
///   tb.write_netconf(dir, {.ssh = lab.netconf_ssh()});
///   ... custode enroll acme; ssh as lab.user() with lab.identity() ...
///   pc.power_off();                                // sshd gone, bridge port down
///
/// Each PC is a testbed full host (own namespace, eth0 on the site bridge)
/// whose sshd runs through `ip netns exec`, so /etc/netns/<ns>/passwd gives
/// the login user `custode` (uid 0, /bin/sh) the PC's own home directory.
/// Everything stops when the SshLab goes (sshd killed, /etc/netns/<ns>
/// removed), and the Testbed's teardown kills whatever is left.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "testbed/testbed.h"

namespace custode::testbed {

/// An ed25519 key pair made by ssh-keygen (no passphrase).
struct SshKeyPair {
    std::filesystem::path private_key;  ///< 0600
    std::filesystem::path public_key;   ///< private_key + ".pub"
    std::string public_line;            ///< "ssh-ed25519 AAAA... comment"
};

/// `ssh-keygen -t ed25519 -N '' -f path`; an existing pair at `path` is replaced.
SshKeyPair make_ssh_key(const std::filesystem::path& path, std::string_view comment = "custode-test");

struct SshPcOptions {
    /// Starts powered off (bridge port down, no sshd). Every SSH PC that is
    /// off (sleeping, power_off, shutdown_command) boots when a magic packet
    /// for its MAC crosses the site bridge.
    bool sleeping = false;
    /// From the magic packet to link up and sshd listening.
    std::chrono::milliseconds boot_delay{500};
    std::optional<MacAddress> mac;  ///< default: the harness MAC
    /// The login user's shell: sshd runs every command as `SHELL -c COMMAND`
    /// (a Windows-like PC's puts the mock of Windows on PATH).
    std::filesystem::path login_shell = "/bin/sh";
};

class SshPc {
public:
    SshPc(Testbed& tb, Site& site, std::string_view name, Ipv4Address ip, const std::filesystem::path& dir,
          const std::string& authorized_key, const SshPcOptions& options);
    /// Stops the wake watcher and sshd, removes /etc/netns/<ns>. Never throws.
    ~SshPc();
    SshPc(const SshPc&) = delete;
    SshPc& operator=(const SshPc&) = delete;

    const FullHost& host() const { return host_; }
    const std::string& name() const { return host_.name; }
    const std::string& ns() const { return host_.ns; }
    Ipv4Address ip() const { return host_.ip; }
    MacAddress mac() const { return host_.mac; }

    const std::filesystem::path& dir() const { return dir_; }    ///< sshd config, host key, pid file, log
    const std::filesystem::path& home() const { return home_; }  ///< the login user's home ($HOME in a session)
    std::filesystem::path host_key() const { return dir_ / "ssh_host_ed25519_key"; }
    std::filesystem::path pid_file() const { return dir_ / "sshd.pid"; }
    std::filesystem::path config() const { return dir_ / "sshd_config"; }
    /// "ssh-ed25519 AAAA..." of the current host key (no comment).
    std::string host_public_key() const;

    /// Starts sshd (daemonized; returns once its pid file says it listens). Throws with sshd's log on failure.
    void start_sshd();
    /// Stops sshd's listener (sessions already open live on). No-op when not running.
    void stop_sshd();
    bool sshd_running() const;
    /// A new host key; sshd is restarted when it was running.
    void regenerate_host_key();

    /// As a shutdown looks from the LAN: every process in the PC killed
    /// (sshd and its sessions), eth0 and the bridge port down.
    void power_off();
    /// Links up, sshd started (no boot delay).
    void power_on();
    /// True while powered (sshd running and link up as far as we know).
    bool powered() const { return sshd_running(); }

    /// A shell command that shuts the PC down from inside one of its own SSH
    /// sessions, one second later and in the background (so the command
    /// itself exits 0): sshd's listener killed, eth0 down. For netconf
    /// `commands.shutdown` overrides: no real poweroff ever runs. The PC boots
    /// again on the next magic packet.
    std::string shutdown_command() const;

    /// A shell command that restarts the PC from inside one of its own SSH
    /// sessions, as a restart looks from the LAN: one second later and in the
    /// background, sshd's listener killed and eth0 down for `down_for`, then
    /// `while_down` (shell text: clear what a restart clears, swap the host
    /// key...), eth0 up and sshd started again. For netconf `commands.reboot`
    /// overrides: no real reboot ever runs. sshd starts in the session's own
    /// mount namespace, so a login shell that gave the session a private /run
    /// must hold a `sshd` directory there.
    std::string reboot_command(std::chrono::milliseconds down_for, const std::string& while_down = "") const;

    /// Number of boots the wake watcher did.
    int wakes() const { return wakes_.load(); }

private:
    void write_files(const std::string& authorized_key, const std::filesystem::path& login_shell);
    void watch(int fd);
    void links(bool up);

    Testbed& tb_;
    std::string site_ns_;
    FullHost host_;
    std::filesystem::path dir_;
    std::filesystem::path home_;
    std::chrono::milliseconds boot_delay_;
    mutable std::mutex mutex_;  ///< start/stop from the test and the watcher
    std::atomic<bool> stopping_{false};
    std::atomic<int> wakes_{0};
    std::thread watcher_;
};

/// The lab side of SSH for one test: the key custode logs in with, the
/// known_hosts file custode enroll writes (not created here), the user, and
/// the PCs. Lives in `dir` (a test's scratch directory, removed by the test).
class SshLab {
public:
    SshLab(Testbed& tb, const std::filesystem::path& dir);
    ~SshLab();
    SshLab(const SshLab&) = delete;
    SshLab& operator=(const SshLab&) = delete;

    /// A PC with sshd on `ip`:22, accepting identity(); sleeping ones wake on a magic packet.
    SshPc& add_pc(Site& site, std::string_view name, Ipv4Address ip, const SshPcOptions& options = {});
    std::vector<SshPc*> pcs();

    const std::filesystem::path& identity() const { return key_.private_key; }
    const SshKeyPair& key() const { return key_; }
    /// [ssh] known_hosts as netconf names it; custode keeps each client's keys
    /// in known_hosts(client) beside it.
    const std::filesystem::path& known_hosts() const { return known_hosts_; }
    std::filesystem::path known_hosts(std::string_view client) const {
        return known_hosts_.string() + ".d/" + std::string(client);
    }
    static std::string user() { return "custode"; }
    /// For Testbed::write_netconf: {.ssh = lab.netconf_ssh()}.
    NetconfSsh netconf_ssh() const;

private:
    Testbed& tb_;
    std::filesystem::path dir_;
    SshKeyPair key_;
    std::filesystem::path known_hosts_;
    std::vector<std::unique_ptr<SshPc>> pcs_;
};

}  // namespace custode::testbed
