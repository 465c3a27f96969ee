#pragma once
/// The lab side of the backups in the testbed: an sshd with sftp in a
/// client's namespace, on the gateway's LAN address, port 2222, for root with
/// one key, holding a restic repository. Restic on the simulated PCs reaches
/// it over the client's circuit, as a lab NAS would be.
///
///   BackupServer backups(tb.custode_prefix() + "acme", acme.lan_address.address(), dir / "backups");
///   backups.give_access(pc);                 // ~/.ssh of the PC's login user
///   netconf: backup_repository = backups.repository_for_pcs(...), backup_password_file = backups.password_file()
///
/// Append-only (docs/backups.md): the PCs' key may only run the forced
/// command `rclone serve restic --stdio --append-only` on the repository,
/// which restic's rclone backend speaks to over the PC's ssh.
///   netconf: backup_lab = backups.lab_for_pcs(...)

#include <filesystem>
#include <string>
#include <vector>

#include "custode/core/address.h"
#include "testbed/ssh_pc.h"

namespace custode::testbed {

enum class BackupAccess { sftp, append_only };

class BackupServer {
public:
    /// Creates the repository (restic init) and starts sshd in `ns`. Throws
    /// SystemError when either fails; nothing is left running then.
    BackupServer(const std::string& ns, Ipv4Address address, const std::filesystem::path& dir,
                 BackupAccess access = BackupAccess::sftp);
    ~BackupServer();
    BackupServer(const BackupServer&) = delete;
    BackupServer& operator=(const BackupServer&) = delete;

    /// What a PC's login user needs to reach it: an ssh config and known_hosts in its home.
    void give_access(const SshPc& pc) const;
    /// `sftp:root@ADDRESS:/…/repository`, as the PCs name it.
    std::string repository_for_pcs(Ipv4Address address) const;
    /// `ssh://root@ADDRESS:2222`, the append-only account as backup_lab names it.
    static std::string lab_for_pcs(Ipv4Address address);
    const std::filesystem::path& repository() const { return repository_; }
    const std::filesystem::path& password_file() const { return password_file_; }
    /// The first path of each snapshot, read locally.
    std::vector<std::string> snapshot_paths() const;

private:
    std::filesystem::path pid_file() const { return dir_ / "sshd.pid"; }

    std::filesystem::path dir_;
    SshKeyPair client_key_;
    std::string known_host_;
    std::filesystem::path repository_;
    std::filesystem::path password_file_;
};

}  // namespace custode::testbed
