#include "mock_pc.h"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "custode/core/command_text.h"
#include "custode/core/tasks.h"
#include "support/process.h"

namespace custode::pwsh_testing {
namespace {

namespace fs = std::filesystem;
using custode::testing::read_file;

void write_text(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

std::vector<std::string> words_of(const std::string& line) {
    std::vector<std::string> words;
    std::istringstream in(line);
    for (std::string word; in >> word;) words.push_back(word);
    return words;
}

/// The program that runs as powershell.exe; throws when the build found none.
std::string required_pwsh() {
    auto pwsh = pwsh_program();
    if (pwsh.empty()) throw std::runtime_error("pwsh (PowerShell 7) not found: ./dev.sh pwsh installs it");
    return pwsh;
}

nlohmann::json pc_description(const std::string& name) {
    const auto path = fs::path(CUSTODE_PWSH_TESTS) / "pcs" / (name + ".json");
    if (!fs::exists(path)) throw std::runtime_error("no mock PC " + path.string());
    return nlohmann::json::parse(read_file(path));
}

void write_executable(const fs::path& path, const std::string& text) {
    write_text(path, text);
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
}

}  // namespace

std::string pwsh_program() {
    const std::string pwsh = CUSTODE_PWSH;
    return !pwsh.empty() && ::access(pwsh.c_str(), X_OK) == 0 ? pwsh : std::string();
}

MockPc::MockPc(const std::string& name) : state_(pc_description(name)) {
    write_text(dir_ / "pc.json", state_.dump());
    for (const auto& file : state_.value("files", nlohmann::json::array())) {
        const auto path = drive_path(file.get<std::string>());
        if (file.get<std::string>().ends_with('/')) fs::create_directories(path);
        else write_text(path, "deleted file\n");
    }
    for (const auto& folder : state_.value("unreadable", nlohmann::json::array()))
        fs::permissions(drive_path(folder.get<std::string>()), fs::perms::none);
    // quser's table of the logged-on users ("users": [{"name", "session", "id", "state"}]).
    std::string quser = " USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME\n";
    for (const auto& user : state_.value("users", nlohmann::json::array()))
        quser += fmt::format("{}{:<22}{:<19}{:>2}  {:<7} {:>9}  12/6/2026 8:02 AM\n", user["session"] == "console" ? '>' : ' ',
                             user["name"].get<std::string>(), user["session"].get<std::string>(), user["id"].get<int>(),
                             user["state"].get<std::string>(), "none");
    if (state_.contains("users")) write_text(dir_ / "quser.out", quser);
    // What chkdsk X: /scan says of each volume: a clean scan, problems to fix
    // offline (any other "scan"), or, for a volume whose calls fail, no access.
    for (const auto& volume : state_.value("volumes", nlohmann::json::array())) {
        const auto letter = volume.at("letter").get<std::string>();
        std::string said = "0\nStage 1: Examining basic file system structure ...\n"
                           "Windows has scanned the file system and found no problems.\n";
        if (volume.contains("error")) said = "3\nCannot open volume for direct access.\n";
        else if (volume.value("scan", "") != "NoErrorsFound")
            said = "3\nStage 1: Examining basic file system structure ...\n"
                   "Windows has found problems that must be fixed offline.\n";
        write_text(dir_ / "chkdsk" / letter, said);
    }
    // The PC's programs: the mock's, less those it lacks ("missing": ["shutdown.exe"]).
    const auto missing = state_.value("missing", std::vector<std::string>{});
    fs::create_directories(dir_ / "bin");
    for (const auto& program : fs::directory_iterator(fs::path(CUSTODE_PWSH_TESTS) / "mock/bin"))
        if (std::find(missing.begin(), missing.end(), program.path().filename()) == missing.end())
            fs::create_symlink(program.path(), dir_ / "bin" / program.path().filename());
    // powershell.exe: pwsh with the mock module imported before the command
    // runs (prepended to -EncodedCommand), as Windows has its COM objects from
    // the start: New-Object is a cmdlet pwsh finds before any module's
    // function, so auto-loading would never reach the mock's.
    write_executable(dir_ / "bin" / "powershell.exe",
                     fmt::format("#!/bin/sh\n"
                                 "for a; do shift\n"
                                 "  [ \"$previous\" = -EncodedCommand ] && a=$({{ printf 'Import-Module WindowsMock\\n' | "
                                 "iconv -f UTF-8 -t UTF-16LE; printf %s \"$a\" | base64 -d; }} | base64 -w0)\n"
                                 "  previous=$a; set -- \"$@\" \"$a\"\n"
                                 "done\n"
                                 "exec '{}' \"$@\"\n",
                                 required_pwsh()));
}

void MockPc::write_login_shell(const std::string& shutdown, const std::string& reboot) const {
    std::string exports;
    for (const auto& [name, value] : environment()) exports += fmt::format("export {}={}\n", name, shell_quote(value));
    exports += "export CUSTODE_MOCK_SHUTDOWN=" + shell_quote(shutdown) + "\n";
    if (!reboot.empty()) exports += "export CUSTODE_MOCK_REBOOT=" + shell_quote(reboot) + "\n";
    write_executable(login_shell(), "#!/bin/sh\n# The login shell of a Windows-like PC: the mock of Windows first on PATH.\n" +
                                        exports + "exec /bin/sh \"$@\"\n");
}

void MockPc::use_real_restic() const {
    for (const char* name : {"restic.exe", "restic"}) {
        fs::remove(dir_ / "bin" / name);
        write_executable(dir_ / "bin" / name,
                         "#!/bin/sh\nprintf 'restic.exe %s\\n' \"$*\" >>\"$CUSTODE_MOCK_PC/calls.log\"\n"
                         "for a; do shift; [ \"$a\" = --use-fs-snapshot ] || set -- \"$@\" \"$a\"; done\n"
                         "exec /usr/bin/restic \"$@\"\n");
    }
}

std::map<std::string, std::string> MockPc::environment() const {
    const char* path = std::getenv("PATH");
    return {{"PATH", (dir_ / "bin").string() + ":" + (path ? path : "/usr/sbin:/usr/bin:/sbin:/bin")},
            {"PSModulePath", std::string(CUSTODE_PWSH_TESTS) + "/mock/Modules"},
            {"CUSTODE_MOCK_PC", dir_.path().string()},
            {"ProgramFiles", std::string(CUSTODE_PWSH_TESTS) + "/mock/ProgramFiles"}};
}

std::string MockPc::calls() const { return fs::exists(dir_ / "calls.log") ? read_file(dir_ / "calls.log") : ""; }

MockPc::~MockPc() {
    // A long scan outlives its script by design; the PC goes, so does it.
    std::ifstream scan(dir_ / "defender-scan.pid");
    if (long pid = 0; scan >> pid && pid > 1) ::kill(static_cast<pid_t>(pid), SIGKILL);
    // Readable again, so the scratch folder can be removed.
    for (const auto& folder : state_.value("unreadable", nlohmann::json::array())) {
        std::error_code ignored;
        fs::permissions(drive_path(folder.get<std::string>()), fs::perms::owner_all, ignored);
    }
}

fs::path MockPc::drive_path(const std::string& relative) const { return dir_ / "drives" / relative; }

void MockPc::replay_restic(const std::string& out, const std::string& err, int exit_code) {
    write_text(dir_ / "restic.out", out);
    write_text(dir_ / "restic.err", err);
    write_text(dir_ / "restic.exit", std::to_string(exit_code));
}

ScriptRun MockPc::run(const RemoteCommand& command) const {
    auto argv = words_of(command.command);
    if (argv.empty() || argv.front() != "powershell.exe")
        throw std::invalid_argument("not a Windows command: " + command.command);
    argv.front() = (dir_ / "bin" / "powershell.exe").string();  // pwsh, the mock imported first
    // As root, without the capabilities that pass over file permissions: a
    // folder no one may read stays unreadable, as a Windows ACL denies even
    // an administrator.
    if (::geteuid() == 0) argv.insert(argv.begin(), {"setpriv", "--bounding-set", "-dac_override,-dac_read_search"});
    write_text(dir_ / "stdin", command.input);
    write_text(dir_ / "calls.log", "");  // this run's calls only
    custode::testing::StartOptions options{.stdin_file = dir_ / "stdin",
                                           .stdout_file = dir_ / "stdout",
                                           .stderr_file = dir_ / "stderr",
                                           .environment = environment()};
    const auto started = custode::testing::start_program(argv, options);
    int status = 0;
    if (::waitpid(started.pid, &status, 0) != started.pid) throw std::runtime_error("waitpid failed");
    return {custode::testing::exit_code_of(status), read_file(dir_ / "stdout"), read_file(dir_ / "stderr"), calls()};
}

}  // namespace custode::pwsh_testing
