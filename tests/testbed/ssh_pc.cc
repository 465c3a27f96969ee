#include "testbed/ssh_pc.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custode/core/command_text.h"
#include "custode/core/error.h"
#include "custode/core/frames.h"
#include "support/programs.h"

namespace custode::testbed {
using namespace custode::testing;
namespace fs = std::filesystem;
namespace {

constexpr const char* sshd_program = "/usr/sbin/sshd";

std::string read_all(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_all(const fs::path& path, const std::string& text, fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
    {
        std::ofstream out(path, std::ios::trunc);
        out << text;
        out.close();
        if (!out) throw SystemError("write " + path.string(), errno, "");
    }
    fs::permissions(path, mode);
}

/// The pid in sshd's pid file when that process is alive (not a zombie) and is sshd.
std::optional<pid_t> live_sshd(const fs::path& pid_file) {
    std::ifstream in(pid_file);
    long pid = 0;
    if (!(in >> pid) || pid <= 0) return std::nullopt;
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(stat, line)) return std::nullopt;
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close + 2 >= line.size()) return std::nullopt;
    if (line.substr(open + 1, close - open - 1) != "sshd") return std::nullopt;
    if (line[close + 2] == 'Z') return std::nullopt;
    return static_cast<pid_t>(pid);
}

/// A packet socket on the site's br0: every frame crossing the LAN.
int open_bridge_socket(const std::string& site_ns) {
    int fd = -1;
    in_namespace(site_ns, [&] {
        fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
        if (fd < 0) throw SystemError("socket AF_PACKET", errno, site_ns);
        sockaddr_ll address{};
        address.sll_family = AF_PACKET;
        address.sll_protocol = htons(ETH_P_ALL);
        address.sll_ifindex = static_cast<int>(::if_nametoindex("br0"));
        if (address.sll_ifindex == 0 ||
            ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
            const int error = errno;
            ::close(fd);
            throw SystemError("bind br0", error, site_ns);
        }
    });
    return fd;
}

}  // namespace

SshKeyPair make_ssh_key(const fs::path& path, std::string_view comment) {
    std::error_code ignored;
    fs::remove(path, ignored);
    fs::remove(fs::path(path.string() + ".pub"), ignored);
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", std::string(comment), "-f", path.string()});
    SshKeyPair pair{path, path.string() + ".pub", read_all(path.string() + ".pub")};
    while (!pair.public_line.empty() && (pair.public_line.back() == '\n' || pair.public_line.back() == '\r'))
        pair.public_line.pop_back();
    return pair;
}

// ---- SshPc ------------------------------------------------------------------

SshPc::SshPc(Testbed& tb, Site& site, std::string_view name, Ipv4Address ip, const fs::path& dir,
             const std::string& authorized_key, const SshPcOptions& options)
    : tb_(tb), site_ns_(site.ns), dir_(dir), home_(dir / "home"), boot_delay_(options.boot_delay) {
    // What a Linux PC under care runs: sshd, the tasks, and ssh for restic's sftp.
    require_programs({sshd_program, "ssh-keygen", "ssh", "clamscan", "smartctl", "restic", "pkill"});
    host_ = tb.add_full_host(site, name, ip, options.mac);
    fs::create_directories(home_);
    fs::create_directories("/run/sshd");  // sshd's privilege separation directory
    write_files(authorized_key, options.login_shell);
    make_ssh_key(host_key(), fmt::format("{}-host", name));
    if (options.sleeping) {
        links(false);
    } else {
        start_sshd();
    }
    // Last: a constructor that throws must not leave a running thread behind
    // (the Testbed's teardown kills sshd).
    const int fd = open_bridge_socket(site_ns_);
    watcher_ = std::thread([this, fd] { watch(fd); });
}

SshPc::~SshPc() {
    stopping_ = true;
    if (watcher_.joinable()) watcher_.join();
    try {
        std::lock_guard lock(mutex_);
        kill_processes_in({host_.ns});
    } catch (const std::exception& error) {
        std::cerr << "testbed: stopping " << host_.ns << ": " << error.what() << '\n';
    }
    std::error_code ignored;
    fs::remove_all(fs::path(std::string(netns_etc_dir)) / host_.ns, ignored);
}

namespace {

/// A passwd line with its home field (the 6th) replaced by /nonexistent.
std::string without_home(const std::string& line) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (std::size_t end; (end = line.find(':', start)) != std::string::npos; start = end + 1)
        fields.push_back(line.substr(start, end - start));
    fields.push_back(line.substr(start));
    if (fields.size() != 7) return line;
    fields[5] = "/nonexistent";
    std::string joined = fields[0];
    for (std::size_t i = 1; i < fields.size(); ++i) joined += ":" + fields[i];
    return joined;
}

}  // namespace

void SshPc::write_files(const std::string& authorized_key, const fs::path& login_shell) {
    // The PC's own /etc/passwd: the machine's (sshd needs its privilege
    // separation user) plus `custode`, uid 0, at home in the PC's directory.
    // Every other account's home points nowhere: tasks that walk all homes
    // (empty-trash) must only ever see the PC's own, never this machine's.
    // `custode` comes first, so uid 0's home (ssh's ~, for restic's sftp) is the PC's.
    std::string passwd =
        fmt::format("{}:x:0:0:custode test PC:{}:{}\n", SshLab::user(), home_.string(), login_shell.string());
    {
        std::istringstream lines(read_all("/etc/passwd"));
        std::string line;
        while (std::getline(lines, line))
            if (!line.starts_with(SshLab::user() + ":")) passwd += without_home(line) + '\n';
    }

    const auto etc = tb_.etc_dir(host_.ns);
    write_all(etc / "passwd", passwd, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                                          fs::perms::others_read);
    write_all(dir_ / "authorized_keys", authorized_key + "\n");
    write_all(config(), fmt::format("# custode testbed: sshd of {}\n"
                                    "ListenAddress {}\n"
                                    "Port 22\n"
                                    "HostKey {}\n"
                                    "PidFile {}\n"
                                    "AuthorizedKeysFile {}\n"
                                    "UsePAM no\n"
                                    "PermitRootLogin prohibit-password\n"
                                    "PasswordAuthentication no\n"
                                    "KbdInteractiveAuthentication no\n"
                                    "StrictModes no\n"
                                    "PrintMotd no\n"
                                    "LogLevel ERROR\n",
                                    host_.ns, host_.ip.to_string(), host_key().string(), pid_file().string(),
                                    (dir_ / "authorized_keys").string()));
}

std::string SshPc::host_public_key() const {
    std::istringstream words(read_all(host_key().string() + ".pub"));
    std::string type;
    std::string base64;
    words >> type >> base64;
    return type + " " + base64;
}

void SshPc::start_sshd() {
    std::lock_guard lock(mutex_);
    if (live_sshd(pid_file())) return;
    std::error_code ignored;
    fs::remove(pid_file(), ignored);
    const auto log = dir_ / "sshd.log";
    const auto result = exec(host_.ns, {sshd_program, "-f", config().string(), "-E", log.string()});
    if (!result.ok()) throw SystemError("sshd", 0, fmt::format("{}: {}{}", host_.ns, result.output, read_all(log)));
    // sshd writes its pid file once its socket listens.
    for (int i = 0; i < 500; ++i) {
        if (live_sshd(pid_file())) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw SystemError("sshd", 0, fmt::format("{}: no pid file after 5 s: {}", host_.ns, read_all(log)));
}

void SshPc::stop_sshd() {
    std::lock_guard lock(mutex_);
    const auto pid = live_sshd(pid_file());
    if (!pid) return;
    ::kill(*pid, SIGTERM);
    for (int i = 0; i < 500 && live_sshd(pid_file()); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (live_sshd(pid_file())) ::kill(*pid, SIGKILL);
    std::error_code ignored;
    fs::remove(pid_file(), ignored);
}

bool SshPc::sshd_running() const { return live_sshd(pid_file()).has_value(); }

void SshPc::regenerate_host_key() {
    const bool was_running = sshd_running();
    stop_sshd();
    make_ssh_key(host_key(), fmt::format("{}-host", host_.name));
    if (was_running) start_sshd();
}

void SshPc::links(bool up) {
    const auto state = up ? LinkState::up : LinkState::down;
    tb_.set_link(host_.ns, "eth0", state);
    tb_.set_link(site_ns_, host_.bridge_port, state);
}

void SshPc::power_off() {
    {
        std::lock_guard lock(mutex_);
        kill_processes_in({host_.ns});
        std::error_code ignored;
        fs::remove(pid_file(), ignored);
    }
    links(false);
}

void SshPc::power_on() {
    links(true);
    start_sshd();
}

std::string SshPc::shutdown_command() const {
    return fmt::format("nohup sh -c 'sleep 1; kill $(cat {}); ip link set eth0 down' >/dev/null 2>&1 &",
                       pid_file().string());
}

std::string SshPc::reboot_command(std::chrono::milliseconds down_for, const std::string& while_down) const {
    const auto script = fmt::format("sleep 1; kill $(cat {}); ip link set eth0 down; sleep {:.3f}; {}{}"
                                    "ip link set eth0 up; {} -f {} -E {}",
                                    pid_file().string(), std::chrono::duration<double>(down_for).count(), while_down,
                                    while_down.empty() ? "" : "; ",
                                    sshd_program, config().string(), (dir_ / "sshd.log").string());
    return fmt::format("nohup sh -c {} >/dev/null 2>&1 &", shell_quote(script));
}

void SshPc::watch(int fd) {
    std::vector<std::uint8_t> frame(2048);
    while (!stopping_) {
        pollfd ready{fd, POLLIN, 0};
        if (::poll(&ready, 1, 50) <= 0) continue;
        const auto n = ::recv(fd, frame.data(), frame.size(), MSG_DONTWAIT);
        if (n <= 0) continue;
        const auto target = parse_magic_packet(std::span<const std::uint8_t>(frame.data(), static_cast<std::size_t>(n)));
        if (!target || *target != host_.mac || sshd_running()) continue;
        // Booting: the magic packet's repeats arrive meanwhile and are ignored.
        const auto boot_at = std::chrono::steady_clock::now() + boot_delay_;
        while (!stopping_ && std::chrono::steady_clock::now() < boot_at)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (stopping_) break;
        try {
            power_on();
            ++wakes_;
        } catch (const std::exception& error) {
            std::cerr << "testbed: waking " << host_.ns << ": " << error.what() << '\n';
        }
        // Drop what queued up during the boot.
        while (::recv(fd, frame.data(), frame.size(), MSG_DONTWAIT) > 0) {
        }
    }
    ::close(fd);
}

// ---- SshLab -----------------------------------------------------------------

SshLab::SshLab(Testbed& tb, const fs::path& dir)
    : tb_(tb), dir_(dir), key_(make_ssh_key(dir / "lab" / "id_ed25519", "custode-lab")),
      known_hosts_(dir / "lab" / "known_hosts") {}

SshLab::~SshLab() { pcs_.clear(); }

SshPc& SshLab::add_pc(Site& site, std::string_view name, Ipv4Address ip, const SshPcOptions& options) {
    const auto pc_dir = dir_ / "pcs" / fmt::format("{}-{}", site.name, name);
    fs::create_directories(pc_dir);
    pcs_.push_back(std::make_unique<SshPc>(tb_, site, name, ip, pc_dir, key_.public_line, options));
    return *pcs_.back();
}

std::vector<SshPc*> SshLab::pcs() {
    std::vector<SshPc*> all;
    for (auto& pc : pcs_) all.push_back(pc.get());
    return all;
}

NetconfSsh SshLab::netconf_ssh() const {
    return {user(), key_.private_key.string(), known_hosts_.string()};
}

}  // namespace custode::testbed
