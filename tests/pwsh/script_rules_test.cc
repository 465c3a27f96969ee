/// check_scripts.ps1 on every Windows script custode generates: PowerShell's
/// own parser must accept it, its syntax tree must hold nothing Windows
/// PowerShell 5.1 lacks, it must silence progress first, restic's output
/// must be read as it comes, and no native program's stderr may be
/// redirected under 'Stop'. The check itself is proved on one negative
/// example per construct.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "custode/core/task_checks.h"
#include "custode/core/tasks.h"
#include "mock_pc.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace script_rules_test {

using namespace custode;
using namespace custode::pwsh_testing;

/// Runs check_scripts.ps1 on `files` (.ps1 scripts, .cmd command lines).
custode::testing::CommandResult check_scripts(const std::vector<std::filesystem::path>& files) {
    std::vector<std::string> argv{pwsh_or_skip(), "-NoLogo", "-NoProfile", "-NonInteractive", "-File",
                                  std::string(CUSTODE_PWSH_TESTS) + "/check_scripts.ps1"};
    for (const auto& file : files) argv.push_back(file.string());
    return custode::testing::run_program(argv);
}

void write_file(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

const std::vector<MaintenanceTask> all_tasks{MaintenanceTask::antivirus, MaintenanceTask::disk_health,
                                             MaintenanceTask::disk_optimize, MaintenanceTask::backup,
                                             MaintenanceTask::empty_trash, MaintenanceTask::updates};

TaskSettings every_setting() {
    TaskSettings settings;
    settings.scan_paths = {"D:\\Dati 'vecchi'", "C:\\Users\\Maria Rossi\\", "C:\\a\xE2\x80\x99" "b\n$(x)"};
    settings.backup_repository = "sftp:backup@10.0.0.1:/srv/restic/acme";
    settings.backup_password_file = "C:\\ProgramData\\custode\\restic.txt";
    settings.backup_sources = {"C:\\Users", "D:\\Dati \"condivisi\""};
    settings.update_categories = std::vector<std::string>(windows_update_categories.begin(), windows_update_categories.end());
    return settings;
}

/// A command as check_scripts.ps1 reads a .cmd file: the command line, then
/// what is sent on its stdin.
std::string cmd_file_text(const RemoteCommand& command) { return command.command + "\n" + command.input + "\n"; }

/// Every command custode sends to a Windows PC, by a name for messages: the
/// tasks with default and with every setting, the shutdowns, the dry-run checks.
std::vector<std::pair<std::string, std::string>> every_windows_command() {
    std::vector<std::pair<std::string, std::string>> commands;
    for (auto task : all_tasks) {
        const std::string name(to_string(task));
        commands.emplace_back(name + "-defaults", cmd_file_text(task_command(HostOs::windows, task, {})));
        commands.emplace_back(name + "-settings", cmd_file_text(task_command(HostOs::windows, task, every_setting())));
        commands.emplace_back(name + "-check-defaults", cmd_file_text(task_check_command(HostOs::windows, task, {})));
        commands.emplace_back(name + "-check-settings",
                              cmd_file_text(task_check_command(HostOs::windows, task, every_setting())));
    }
    commands.emplace_back("shutdown", cmd_file_text(shutdown_command(HostOs::windows, {})));
    commands.emplace_back("shutdown-forced", cmd_file_text(shutdown_command(HostOs::windows, {}, ForceShutdown::yes)));
    commands.emplace_back("reboot", cmd_file_text(reboot_command(HostOs::windows, {})));
    return commands;
}

}  // namespace script_rules_test

using namespace script_rules_test;

TEST_CASE("the script check refuses parse errors and each PowerShell 7-only construct", "[pwsh][compat]") {
    const std::vector<std::pair<std::string, std::string>> examples{
        {"if ($x { 1 }", "parse error: "},
        {"$a = $b ? 1 : 2", "ternary ?:"},
        {"$c = $d ?? 3", "null-coalescing ??"},
        {"$e ?\?= 4", "null-coalescing assignment ?\?="},  // ?\? so C++ sees no trigraph
        {"${f}?.Name", "null-conditional ?. or ?[]"},
        {"${g}?[0]", "null-conditional ?. or ?[]"},
        {"Get-Item x && Get-Item y", "pipeline chain && or ||"},
        {"Get-Item x || exit 1", "pipeline chain && or ||"},
        {"1..3 | ForEach-Object -Parallel { $_ }", "ForEach-Object -Parallel"},
        {"1..3 | % -Pa { $_ } -ThrottleLimit 2", "ForEach-Object -Parallel"},
        {"'{}' | ConvertFrom-Json -AsHashtable", "ConvertFrom-Json -AsHashtable"},
        {"'{}' | ConvertFrom-Json -Depth 3", "ConvertFrom-Json -Depth"},
        {"@(1) | ConvertTo-Json -AsArray", "ConvertTo-Json -AsArray"},
        {"Get-Content -AsByteStream x", "Get-Content -AsByteStream"},
        {"Get-Error", "Get-Error (not in Windows PowerShell 5.1)"},
        {"'a', 'b' | Join-String", "Join-String (not in Windows PowerShell 5.1)"},
        {"$PSStyle.Reset", "$PSStyle (not set in Windows PowerShell 5.1)"},
        {"if ($IsWindows) { 1 }", "$IsWindows (not set in Windows PowerShell 5.1)"},
        {"function f { process { 1 } clean { 2 } }", "clean block"},
        {"Start-Sleep 1 &", "background operator &"},
        {"'ab' -replace 'a', { 'b' }", "-replace with a script block"},
        {"\"`e[0m\"", "escape `e or `u{}"},
        {"\"`u{2713}\"", "escape `e or `u{}"},
        {"$lines = @(& restic.exe backup --json | ForEach-Object { \"$_\" })", "restic's output collected whole"},
        {"$ErrorActionPreference = 'Stop'; quser.exe 2>$null", "quser.exe's stderr redirected under"},
        {"$ErrorActionPreference = 'Stop'; & restic.exe --json 2>&1 | Out-Null", "restic.exe's stderr redirected under"},
    };
    custode::testing::TempDir dir("custode-pwsh-rules");
    std::vector<std::filesystem::path> files;
    for (std::size_t i = 0; i < examples.size(); ++i) {
        files.push_back(dir / ("example-" + std::to_string(i) + ".ps1"));
        write_file(files.back(), "$ProgressPreference = 'SilentlyContinue'\n" + examples[i].first + "\n");
    }
    files.push_back(dir / "noisy.ps1");
    write_file(files.back(), "Write-Output 'hi'\n");
    files.push_back(dir / "fine.ps1");
    write_file(files.back(), "$ProgressPreference = 'SilentlyContinue'\n"
                             "$o = '{\"a\":1}' | ConvertFrom-Json\n& restic.exe --json | ForEach-Object { \"$_\" }\n"
                             "$f? = 1\n'a' -replace 'a', 'b'\n$ErrorActionPreference = 'Continue'\nquser.exe 2>&1\n");
    const auto checked = check_scripts(files);
    INFO(checked.output);
    CHECK(checked.exit_code == 1);
    for (std::size_t i = 0; i < examples.size(); ++i) {
        INFO(examples[i].first);
        CHECK_THAT(checked.output, Catch::Contains(files[i].string() + ":2: " + examples[i].second));
    }
    CHECK_THAT(checked.output,
               Catch::Contains((dir / "noisy.ps1").string() + ":1: does not begin with $ProgressPreference = 'SilentlyContinue'"));
    CHECK_THAT(checked.output, !Catch::Contains("fine.ps1"));
}

TEST_CASE("every generated Windows script parses, needs nothing past 5.1 and silences progress first",
          "[pwsh][compat]") {
    custode::testing::TempDir dir("custode-pwsh-rules");
    std::vector<std::filesystem::path> files;
    for (const auto& [name, command] : every_windows_command()) {
        files.push_back(dir / (name + ".cmd"));
        write_file(files.back(), command);
    }
    const auto checked = check_scripts(files);
    INFO(checked.output);
    CHECK(checked.exit_code == 0);
    CHECK(checked.output.empty());
}

TEST_CASE("the backup script reads restic's output line by line as it comes", "[pwsh][compat]") {
    custode::testing::TempDir dir("custode-pwsh-rules");
    const auto file = dir / "backup.cmd";
    write_file(file, cmd_file_text(task_command(HostOs::windows, MaintenanceTask::backup, every_setting())));
    const auto checked = check_scripts({file});
    INFO(checked.output);
    CHECK(checked.exit_code == 0);
}
