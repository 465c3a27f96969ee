#include "testbed/backup_server.h"

#include <csignal>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "custode/core/error.h"
#include "support/process.h"
#include "support/programs.h"
#include "testbed/netns.h"

namespace custode::testbed {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

}  // namespace

BackupServer::BackupServer(const std::string& ns, Ipv4Address address, const fs::path& dir, BackupAccess access)
    : dir_(dir), client_key_(make_ssh_key(dir / "client_key", "backup-client")),
      repository_(dir / "repository"), password_file_(dir / "password") {
    const auto host_key = make_ssh_key(dir / "host_key", "backup-host");
    if (access == BackupAccess::append_only) testing::require_programs({"rclone"});
    // The line docs/backups.md gives the technician, with this repository.
    const std::string options =
        access == BackupAccess::sftp
            ? ""
            : fmt::format("restrict,command=\"rclone serve restic --stdio --append-only --config /dev/null {}\" ",
                          repository_.string());
    write(dir / "authorized_keys", options + client_key_.public_line + "\n");
    write(dir / "sshd_config",
          fmt::format("ListenAddress {}\nPort 2222\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\nUsePAM no\n"
                      "PermitRootLogin prohibit-password\nPasswordAuthentication no\nStrictModes no\n"
                      "Subsystem sftp /usr/lib/openssh/sftp-server\nLogLevel ERROR\n",
                      address.to_string(), host_key.private_key.string(), pid_file().string(),
                      (dir / "authorized_keys").string()));
    known_host_ = fmt::format("[{}]:2222 {}", address.to_string(), host_key.public_line);
    write(password_file_, "custode-test\n");
    testing::run_checked({"restic", "init", "--quiet", "--repo", repository_.string(), "--password-file",
                          password_file_.string()});
    // Last: a constructor that throws gets no destructor, and must not leave sshd running.
    const auto started = exec(ns, {"/usr/sbin/sshd", "-f", (dir / "sshd_config").string(), "-E",
                                   (dir / "sshd.log").string()});
    if (!started.ok()) throw SystemError("sshd", 0, fmt::format("{}: the backup server did not start: {}", ns, started.output));
}

BackupServer::~BackupServer() {
    std::ifstream pid_text(pid_file());
    if (int pid = 0; pid_text >> pid && pid > 1) ::kill(pid, SIGTERM);
}

void BackupServer::give_access(const SshPc& pc) const {
    write(pc.home() / ".ssh" / "known_hosts", known_host_ + "\n");
    write(pc.home() / ".ssh" / "config",
          fmt::format("Host *\n  User root\n  Port 2222\n  IdentityFile {}\n  UserKnownHostsFile {}\n"
                      "  StrictHostKeyChecking yes\n  BatchMode yes\n",
                      client_key_.private_key.string(), (pc.home() / ".ssh" / "known_hosts").string()));
}

std::string BackupServer::repository_for_pcs(Ipv4Address address) const {
    return fmt::format("sftp:root@{}:{}", address.to_string(), repository_.string());
}

std::string BackupServer::lab_for_pcs(Ipv4Address address) {
    return fmt::format("ssh://root@{}:2222", address.to_string());
}

std::vector<std::string> BackupServer::snapshot_paths() const {
    const auto json = nlohmann::json::parse(testing::run_checked(
        {"restic", "snapshots", "--json", "--repo", repository_.string(), "--password-file", password_file_.string()}));
    std::vector<std::string> paths;
    for (const auto& snapshot : json) paths.push_back(snapshot.at("paths").at(0));
    return paths;
}

}  // namespace custode::testbed
