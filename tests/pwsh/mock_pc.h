#pragma once
/// A Windows PC for the task scripts, on Linux: PowerShell 7 (pwsh) with the
/// mock of the Windows-only commands (mock/Modules/WindowsMock, mock/bin)
/// auto-loaded, modelling the PC described by a JSON file of pcs/. Scripts
/// run from custode's own command line (powershell.exe ... -EncodedCommand),
/// with pwsh in place of powershell.exe. The MockPc itself has no test
/// framework in it: the demo uses it too; the test helpers are in test_files.cc.

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace custode {
struct RemoteCommand;  // custode/core/tasks.h
}

namespace custode::pwsh_testing {

/// The pwsh the build found, or empty.
std::string pwsh_program();

/// The pwsh the build found. Without one, ends the test with exit 77, which
/// CTest reports as not run, naming what to install (test_files.cc).
std::string pwsh_or_skip();

/// What one script left behind.
struct ScriptRun {
    int exit_code = -1;
    std::string out;    ///< stdout
    std::string err;    ///< stderr
    std::string calls;  ///< the mock's calls.log: one line per Windows command called
};

class MockPc {
public:
    /// A PC as described by tests/pwsh/pcs/NAME.json: its disks, volumes,
    /// threats, and the files on its drives ("files": ["C/$Recycle.Bin/..."];
    /// a name ending in '/' is a folder; "unreadable": folders no one may read).
    explicit MockPc(const std::string& name);
    ~MockPc();
    MockPc(const MockPc&) = delete;
    MockPc& operator=(const MockPc&) = delete;

    /// restic.exe on this PC replays `out` and `err` and exits with `exit_code`.
    void replay_restic(const std::string& out, const std::string& err, int exit_code);

    /// Runs custode's command (powershell.exe ... -EncodedCommand ...) under
    /// pwsh on this PC, its input on stdin then end-of-file, as custode's
    /// channel sends it.
    ScriptRun run(const RemoteCommand& command) const;

    /// A path on one of the PC's drives: drive_path("C/$Recycle.Bin").
    std::filesystem::path drive_path(const std::string& relative) const;

    /// The PC's folder: pc.json, calls.log, bin/ (the mock's programs, and
    /// powershell.exe running pwsh), drives/.
    const std::filesystem::path& dir() const { return dir_.path(); }
    /// What a process on this PC has in its environment: PATH with bin/ first,
    /// PSModulePath with the mock module, CUSTODE_MOCK_PC, ProgramFiles.
    std::map<std::string, std::string> environment() const;
    /// The mock's calls so far (calls.log).
    std::string calls() const;

    /// For a PC of the testbed (SshPcOptions::login_shell): a shell that runs
    /// each command sshd hands it with environment(), and with shutdown.exe
    /// running `shutdown` for /s (the simulated PC's own power-off) and
    /// `reboot` for /r (its restart: SshPc::reboot_command). sshd reads it
    /// only when a session starts: write it once the PC names its shutdown.
    std::filesystem::path login_shell() const { return dir() / "login-shell"; }
    void write_login_shell(const std::string& shutdown, const std::string& reboot = "") const;
    /// restic.exe becomes the real restic (less --use-fs-snapshot, which only
    /// its Windows build has), where it replays a recording.
    void use_real_restic() const;

private:
    custode::testing::TempDir dir_{"custode-pwsh"};
    nlohmann::json state_;
};

/// The text of a file of tests/pwsh (pcs/..., restic/...) or tests/fixtures.
std::string pwsh_test_file(const std::string& relative);
std::string fixture_file(const std::string& relative);

/// The lines of `text` that are not empty, without "\r".
std::vector<std::string> non_empty_lines(const std::string& text);

}  // namespace custode::pwsh_testing
