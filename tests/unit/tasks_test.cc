/// The task profiles: commands per task and OS (quoting, overrides, the pid
/// preamble), the Windows encoding, and readings of recorded outputs
/// (tests/fixtures/tasks).

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "custode/core/command_text.h"
#include "custode/core/task_checks.h"
#include "custode/core/tasks.h"

using namespace custode;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(CUSTODE_FIXTURES) + "/tasks/" + name, std::ios::binary);
    REQUIRE(in);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : 63;
}

/// The test's own decoder, independent of the code under test.
std::string base64_decode(const std::string& text) {
    std::string bytes;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : text) {
        if (c == '=') break;
        buffer = (buffer << 6) | static_cast<unsigned>(base64_value(c));
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    return bytes;
}

/// UTF-16LE back to UTF-8 (BMP and surrogate pairs).
std::string utf16le_to_utf8(const std::string& bytes) {
    std::string out;
    for (std::size_t at = 0; at + 1 < bytes.size(); at += 2) {
        char32_t unit = static_cast<unsigned char>(bytes[at]) | (static_cast<unsigned char>(bytes[at + 1]) << 8);
        if (unit >= 0xD800 && unit < 0xDC00 && at + 3 < bytes.size()) {
            const char32_t low = static_cast<unsigned char>(bytes[at + 2]) | (static_cast<unsigned char>(bytes[at + 3]) << 8);
            unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            at += 2;
        }
        if (unit < 0x80) {
            out.push_back(static_cast<char>(unit));
        } else if (unit < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (unit >> 6)));
            out.push_back(static_cast<char>(0x80 | (unit & 0x3F)));
        } else if (unit < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (unit >> 12)));
            out.push_back(static_cast<char>(0x80 | ((unit >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (unit & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (unit >> 18)));
            out.push_back(static_cast<char>(0x80 | ((unit >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((unit >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (unit & 0x3F)));
        }
    }
    return out;
}

constexpr const char* encoded_prefix =
    "powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -OutputFormat Text -EncodedCommand ";

/// The PowerShell script inside a command line.
std::string script_of(const std::string& command) {
    REQUIRE(command.rfind(encoded_prefix, 0) == 0);
    return utf16le_to_utf8(base64_decode(command.substr(std::string(encoded_prefix).size())));
}

/// The PowerShell script a Windows command sends on stdin.
std::string script_of(const RemoteCommand& command) { return base64_decode(command.input); }

const std::string linux_preamble = "echo \"custode-pid $$\" >&2; ";

TaskReading read_linux(std::string_view task, int exit_code, const std::string& out, const std::string& err = "") {
    return read_task_result(HostOs::linux_, task, exit_code, out, err);
}

TaskReading read_windows(std::string_view task, int exit_code, const std::string& out, const std::string& err = "") {
    return read_task_result(HostOs::windows, task, exit_code, out, err);
}

}  // namespace

// ---- quoting and encoding -----------------------------------------------------

TEST_CASE("shell_quote makes one sh word of any text", "[tasks][quoting]") {
    CHECK(shell_quote("/home") == "'/home'");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("it's") == R"('it'\''s')");
    CHECK(shell_quote("$(rm -rf /); `x` \"y\" \\ *") == R"('$(rm -rf /); `x` "y" \ *')");
    CHECK(shell_quote("a\nb") == "'a\nb'");
    CHECK(shell_quote("''") == R"(''\'''\''')");
}

TEST_CASE("powershell_quote doubles every quote PowerShell ends a string with", "[tasks][quoting]") {
    CHECK(powershell_quote(R"(C:\Users)") == R"('C:\Users')");
    CHECK(powershell_quote("") == "''");
    CHECK(powershell_quote("D:\\O'Brien's files") == "'D:\\O''Brien''s files'");
    CHECK(powershell_quote("$env:TEMP; `whoami` \"x\"") == "'$env:TEMP; `whoami` \"x\"'");
    // ‘ ’ ‚ ‛ close a single-quoted string in PowerShell too
    CHECK(powershell_quote("D:\\l\xE2\x80\x99x\xE2\x80\x98y") == "'D:\\l\xE2\x80\x99\xE2\x80\x99x\xE2\x80\x98\xE2\x80\x98y'");
    CHECK(powershell_quote("\xE2\x80\x9A\xE2\x80\x9B") == "'\xE2\x80\x9A\xE2\x80\x9A\xE2\x80\x9B\xE2\x80\x9B'");
}

TEST_CASE("base64 matches RFC 4648's vectors", "[tasks][encoding]") {
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_encode("foob") == "Zm9vYg==");
    CHECK(base64_encode("fooba") == "Zm9vYmE=");
    CHECK(base64_encode("foobar") == "Zm9vYmFy");
    CHECK(base64_encode(std::string("\xFF\xFE\x00", 3)) == "//4A");
}

TEST_CASE("UTF-8 becomes UTF-16LE, with surrogate pairs and U+FFFD for bad bytes", "[tasks][encoding]") {
    CHECK(utf8_to_utf16le("hi") == std::string("h\0i\0", 4));
    CHECK(utf8_to_utf16le("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") == std::string("\xE9\x00\xAC\x20\x3D\xD8\x00\xDE", 8));
    CHECK(utf8_to_utf16le("\xFF") == std::string("\xFD\xFF", 2));
    CHECK(utf8_to_utf16le("\xC0\xAF") == std::string("\xFD\xFF", 2));  // an overlong "/" is one bad sequence
}

TEST_CASE("powershell_encoded matches PowerShell's own encoding", "[tasks][encoding]") {
    // [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes("Write-Output 'hi'"))
    CHECK(powershell_encoded("Write-Output 'hi'") == std::string(encoded_prefix) + "VwByAGkAdABlAC0ATwB1AHQAcAB1AHQAIAAnAGgAaQAnAA==");
    const std::string script = "Write-Output 'caf\xC3\xA9 \xF0\x9F\x98\x80'\nexit 3";
    CHECK(script_of(powershell_encoded(script)) == script);
}

// ---- statuses, pids, kills ------------------------------------------------------

TEST_CASE("task statuses round-trip and the problems are failed, error, timeout", "[tasks]") {
    for (auto status : {TaskStatus::ok, TaskStatus::warning, TaskStatus::failed, TaskStatus::error,
                        TaskStatus::timeout, TaskStatus::skipped})
        CHECK(parse_task_status(to_string(status)) == status);
    CHECK_FALSE(parse_task_status("fine"));
    CHECK(is_problem(TaskStatus::failed));
    CHECK(is_problem(TaskStatus::error));
    CHECK(is_problem(TaskStatus::timeout));
    CHECK_FALSE(is_problem(TaskStatus::warning));
    CHECK_FALSE(is_problem(TaskStatus::skipped));
}

TEST_CASE("announced_pid reads the first custode-pid line", "[tasks]") {
    CHECK(announced_pid("custode-pid 4242\n") == 4242);
    CHECK(announced_pid("warning: x\r\ncustode-pid 17\r\ncustode-pid 18\n") == 17);
    CHECK(announced_pid("custode-pid 99") == 99);
    CHECK_FALSE(announced_pid(""));
    CHECK_FALSE(announced_pid("custode-pid abc\n"));
    CHECK_FALSE(announced_pid("custode-pid 12x\n"));
    CHECK_FALSE(announced_pid("custode-pid -3\n"));
    CHECK_FALSE(announced_pid("my custode-pid 5\n"));
}

TEST_CASE("kill_command ends the whole tree", "[tasks]") {
    CHECK(kill_command(HostOs::linux_, "backup", 4242).command == "pkill -KILL -s 4242 || kill -KILL -- -4242");
    const auto backup = script_of(kill_command(HostOs::windows, "backup", 4242));
    CHECK_THAT(backup, Catch::Contains("taskkill.exe /T /F /PID 4242\n"));
    CHECK_THAT(backup, !Catch::Contains("MpCmdRun"));
    // The work a task handed to a Windows service is stopped too.
    CHECK_THAT(script_of(kill_command(HostOs::windows, "antivirus", 4242)),
               Catch::EndsWith("\\Windows Defender\\MpCmdRun.exe\" -Scan -Cancel\n"));
    CHECK_THAT(script_of(kill_command(HostOs::windows, "disk-optimize", 4242)),
               Catch::EndsWith("Stop-Service -Name defragsvc -Force\n"));
}

// ---- Linux commands ---------------------------------------------------------------

TEST_CASE("linux commands start with the pid preamble and carry the timeout", "[tasks][linux]") {
    TaskSettings settings;
    for (auto task : {MaintenanceTask::antivirus, MaintenanceTask::disk_health, MaintenanceTask::disk_optimize,
                      MaintenanceTask::backup, MaintenanceTask::empty_trash}) {
        const auto command = task_command(HostOs::linux_, task, settings);
        CHECK(command.task == to_string(task));
        CHECK(command.command.rfind(linux_preamble, 0) == 0);
        CHECK(command.timeout == default_task_timeout);
    }
    settings.task_timeout = 90;
    CHECK(task_command(HostOs::linux_, MaintenanceTask::antivirus, settings).timeout == std::chrono::seconds(90));
    CHECK(shutdown_command(HostOs::linux_, settings).timeout == std::chrono::seconds(90));
}

TEST_CASE("linux antivirus scans /home by default and quotes nasty paths", "[tasks][linux]") {
    TaskSettings settings;
    CHECK(task_command(HostOs::linux_, MaintenanceTask::antivirus, settings).command ==
          linux_preamble + "clamscan --recursive --infected --no-summary --stdout -- '/home'");
    settings.scan_paths = {"/srv/it's here", "/tmp/$(reboot)", "/a b/-rf"};
    CHECK(task_command(HostOs::linux_, MaintenanceTask::antivirus, settings).command ==
          linux_preamble + R"(clamscan --recursive --infected --no-summary --stdout -- '/srv/it'\''s here' '/tmp/$(reboot)' '/a b/-rf')");
}

TEST_CASE("linux backup runs restic with the repository and password file", "[tasks][linux]") {
    TaskSettings settings;
    settings.backup_repository = "sftp:backup@10.0.0.1:/srv/restic/acme";
    settings.backup_password_file = "/root/.restic pass";
    CHECK(task_command(HostOs::linux_, MaintenanceTask::backup, settings).command ==
          linux_preamble + "restic --repo 'sftp:backup@10.0.0.1:/srv/restic/acme' --password-file '/root/.restic pass' "
                           "backup --json -- '/home' '/etc'");
    settings.backup_sources = {"/var/www", "/opt/o'brien"};
    settings.backup_password_file.reset();
    CHECK(task_command(HostOs::linux_, MaintenanceTask::backup, settings).command ==
          linux_preamble + R"(restic --repo 'sftp:backup@10.0.0.1:/srv/restic/acme' backup --json -- '/var/www' '/opt/o'\''brien')");
}

TEST_CASE("linux backup through the lab's append-only account runs restic's rclone backend over the PC's ssh",
          "[tasks][linux]") {
    TaskSettings settings;
    settings.backup_lab = "ssh://custode-backup@192.168.1.250:2222";
    settings.backup_password_file = "/root/.restic-password";
    const std::string repository =
        " --repo 'rclone:custode-lab:' --option 'rclone.program=ssh -o BatchMode=yes ssh://custode-backup@192.168.1.250:2222'"
        " --password-file '/root/.restic-password'";
    CHECK(task_command(HostOs::linux_, MaintenanceTask::backup, settings).command ==
          linux_preamble + "restic" + repository + " backup --json -- '/home' '/etc'");
    CHECK(task_check_command(HostOs::linux_, MaintenanceTask::backup, settings).command ==
          "command -v 'restic' >/dev/null 2>&1 || { echo \"missing program: \"'restic' >&2; exit 127; }; "
          "restic --no-lock" + repository + " cat config >/dev/null");
}

TEST_CASE("linux backup without a repository runs nothing and reads as error", "[tasks][linux]") {
    const auto command = task_command(HostOs::linux_, MaintenanceTask::backup, {}).command;
    CHECK(command == linux_preamble + "echo 'custode: no backup_repository or backup_lab in netconf' >&2; exit 78");
    CHECK(command.find("restic") == std::string::npos);
    const auto reading = read_linux("backup", 78, "", "custode: no backup_repository or backup_lab in netconf\n");
    CHECK(reading.status == TaskStatus::error);
    CHECK(reading.summary == "no backup_repository or backup_lab in netconf");
}

TEST_CASE("linux disk tasks, trash and shutdown run their documented commands", "[tasks][linux]") {
    const TaskSettings settings;
    CHECK(task_command(HostOs::linux_, MaintenanceTask::disk_optimize, settings).command ==
          linux_preamble + "fstrim --verbose --all");
    const auto health = task_command(HostOs::linux_, MaintenanceTask::disk_health, settings).command;
    CHECK_THAT(health, Catch::Contains("smartctl --scan-open"));
    CHECK_THAT(health, Catch::Contains("smartctl -j -H -A -d \"$type\" \"$dev\""));
    const auto trash = task_command(HostOs::linux_, MaintenanceTask::empty_trash, settings).command;
    CHECK_THAT(trash, Catch::Contains("/etc/passwd"));
    CHECK_THAT(trash, Catch::Contains(".local/share/Trash"));
    CHECK_THAT(trash, Catch::Contains("\"$trash/$part\"/.[!.]*"));
    CHECK(shutdown_command(HostOs::linux_, settings).command ==
          linux_preamble + "nohup sh -c 'sleep 5; systemctl poweroff || poweroff' >/dev/null 2>&1 &\nexit 0");
}

TEST_CASE("overrides replace the command text but keep the preamble and the reading", "[tasks][overrides]") {
    TaskSettings settings;
    settings.commands["antivirus"] = "clamscan -r /srv/test";
    settings.commands["shutdown"] = "/usr/local/bin/sim-poweroff";
    CHECK(task_command(HostOs::linux_, MaintenanceTask::antivirus, settings).command ==
          linux_preamble + "clamscan -r /srv/test");
    CHECK(shutdown_command(HostOs::linux_, settings).command == linux_preamble + "/usr/local/bin/sim-poweroff");
    CHECK(task_command(HostOs::linux_, MaintenanceTask::disk_optimize, settings).command ==
          linux_preamble + "fstrim --verbose --all");
    // On Windows the override is the script the bootstrap runs, as is.
    const auto windows = task_command(HostOs::windows, MaintenanceTask::antivirus, settings);
    CHECK(script_of(windows) == "clamscan -r /srv/test");
    CHECK(windows.command == task_command(HostOs::windows, MaintenanceTask::disk_health, settings).command);
    // read as the task it replaces
    CHECK(read_linux("antivirus", 1, "/srv/test/eicar: Eicar-Signature FOUND\n").status == TaskStatus::failed);
}

TEST_CASE("TaskSettings::merge takes the host's fields over the client's", "[tasks][netconf]") {
    TaskSettings client;
    client.scan_paths = {"/home"};
    client.backup_repository = "/srv/repo";
    client.task_timeout = 600;
    client.commands = {{"antivirus", "client-av"}, {"shutdown", "client-off"}};
    TaskSettings host;
    host.scan_paths = {"/srv"};
    host.commands = {{"shutdown", "host-off"}};
    const auto merged = TaskSettings::merge(client, host);
    CHECK(merged.scan_paths == std::vector<std::string>{"/srv"});
    CHECK(merged.backup_repository == "/srv/repo");
    CHECK(merged.task_timeout == 600);
    CHECK_FALSE(merged.backup_sources);
    CHECK(merged.commands == std::map<std::string, std::string>{{"antivirus", "client-av"}, {"shutdown", "host-off"}});
}

// ---- Linux readings -----------------------------------------------------------------

TEST_CASE("clamscan: 0 clean, 1 infected files listed, 2 error", "[tasks][linux][readings]") {
    const auto clean = read_linux("antivirus", 0, "");
    CHECK(clean.status == TaskStatus::ok);
    CHECK(clean.summary == "clean");
    const auto found = read_linux("antivirus", 1, fixture("clamscan-found.out"));
    CHECK(found.status == TaskStatus::failed);
    CHECK(found.summary == "2 infected files");
    CHECK(found.findings == std::vector<std::string>{"/home/alice/Downloads/eicar.com: Win.Test.EICAR_HDB-1 FOUND",
                                                     "/home/bob/Documenti/fattura 'marzo'.pdf.exe: Eicar-Signature FOUND"});
    const auto error = read_linux("antivirus", 2, "", fixture("clamscan-error.err"));
    CHECK(error.status == TaskStatus::error);
    CHECK(error.summary ==
          "clamscan exit 2: LibClamAV Error: cli_loaddbdir: No supported database files found in /var/lib/clamav");
    CHECK(read_linux("antivirus", 127, "").summary == "clamscan not found on the PC");
    CHECK(read_linux("antivirus", 40, "").status == TaskStatus::error);
}

TEST_CASE("smartctl: healthy, failing and warning disks, no device is skipped", "[tasks][linux][readings]") {
    const auto healthy = read_linux("disk-health", 0, fixture("smart-healthy.out"));
    CHECK(healthy.status == TaskStatus::ok);
    CHECK(healthy.summary == "1 disk healthy");
    CHECK(healthy.findings.empty());

    const auto failing = read_linux("disk-health", 0, fixture("smart-failing.out"));
    CHECK(failing.status == TaskStatus::failed);
    CHECK(failing.summary == "3 disks: 1 failing, 1 with warnings");
    CHECK(failing.findings == std::vector<std::string>{
                                  "/dev/sdb (WDC WD10EZEX-08WN4A0): SMART overall health FAILED",
                                  "/dev/sdc (ST2000DM008-2FR102): errors in the device error log"});

    const auto none = read_linux("disk-health", 0, fixture("smart-none.out"));
    CHECK(none.status == TaskStatus::skipped);
    CHECK(none.summary == "no SMART device");
    CHECK(read_linux("disk-health", 127, "").status == TaskStatus::error);
}

TEST_CASE("smartctl: the exit bits decide when the JSON cannot", "[tasks][linux][readings]") {
    const auto unreadable = read_linux("disk-health", 0, R"({"device":"/dev/sdd","type":"sat","exit":2,"smartctl":null})");
    CHECK(unreadable.status == TaskStatus::error);
    CHECK(unreadable.summary == "1 disk: 1 unreadable");
    CHECK(unreadable.findings == std::vector<std::string>{"/dev/sdd: smartctl could not read it (exit 2)"});
    const auto past = read_linux("disk-health", 0, R"({"device":"/dev/sda","type":"nvme","exit":32,"smartctl":{}})");
    CHECK(past.status == TaskStatus::warning);
    CHECK(past.findings == std::vector<std::string>{"/dev/sda: attributes past threshold in the past"});
    // Bit 3 ("disk failing") decides even when the JSON says passed.
    const auto failing = read_linux("disk-health", 0,
                                    R"({"device":"/dev/sdb","type":"sat","exit":8,"smartctl":{"smart_status":{"passed":true}}})");
    CHECK(failing.status == TaskStatus::failed);
    CHECK(failing.findings == std::vector<std::string>{"/dev/sdb: SMART overall health FAILED"});
    CHECK(read_linux("disk-health", 0, "garbage\n").status == TaskStatus::error);
}

TEST_CASE("fstrim: trimmed, some failed, none supported", "[tasks][linux][readings]") {
    const auto trimmed = read_linux("disk-optimize", 0, fixture("fstrim.out"));
    CHECK(trimmed.status == TaskStatus::ok);
    CHECK(trimmed.summary == "3 file systems trimmed, 131.4 GiB");
    CHECK(trimmed.findings.size() == 3);
    const auto some = read_linux("disk-optimize", 64, fixture("fstrim-some.out"), fixture("fstrim-some.err"));
    CHECK(some.status == TaskStatus::warning);
    CHECK(some.summary == "1 file system trimmed, 18.6 GiB; some failed");
    CHECK(some.findings == std::vector<std::string>{"fstrim: /srv/data: FITRIM ioctl failed: Input/output error"});
    const auto none = read_linux("disk-optimize", 0, "");
    CHECK(none.status == TaskStatus::skipped);
    CHECK(none.summary == "no file system supports discard");
    CHECK(read_linux("disk-optimize", 32, "", "fstrim: /: the discard operation is not supported\n").status ==
          TaskStatus::skipped);
    CHECK(read_linux("disk-optimize", 32, "", fixture("fstrim-some.err")).status == TaskStatus::error);
    CHECK(read_linux("disk-optimize", 1, "", "fstrim: bad usage\n").status == TaskStatus::error);
}

TEST_CASE("restic: 0 ok with the summary, 3 partial is a warning, 1 failed", "[tasks][linux][readings]") {
    const auto ok = read_linux("backup", 0, fixture("restic-ok.out"));
    CHECK(ok.status == TaskStatus::ok);
    CHECK(ok.summary == "snapshot 3f9c2a7b: 12 new, 3 changed files, 1.5 MiB added");
    const auto partial = read_linux("backup", 3, fixture("restic-partial.out"), fixture("restic-partial.err"));
    CHECK(partial.status == TaskStatus::warning);
    CHECK(partial.summary == "snapshot a1b2c3d4: 0 new, 1 changed file, 2.0 KiB added; 2 files could not be read");
    CHECK(partial.findings ==
          std::vector<std::string>{"/home/alice/.cache/locked.db: open /home/alice/.cache/locked.db: permission denied",
                                   "/etc/ssl/private/key.pem: lstat /etc/ssl/private/key.pem: permission denied"});
    const auto failed = read_linux("backup", 1, "", "Fatal: unable to save snapshot: disk full\n");
    CHECK(failed.status == TaskStatus::failed);
    CHECK(failed.summary == "no snapshot: Fatal: unable to save snapshot: disk full");
    const auto password = read_linux("backup", 12, "", fixture("restic-wrong-password.err"));
    CHECK(password.status == TaskStatus::error);
    CHECK(password.summary == "wrong repository password");
}

TEST_CASE("empty-trash: counts, partial removal, missing result", "[tasks][linux][readings]") {
    const auto ok = read_linux("empty-trash", 0, fixture("trash.out"));
    CHECK(ok.status == TaskStatus::ok);
    CHECK(ok.summary == "7 items removed from 2 trash folders");
    const auto partial = read_linux("empty-trash", 1, fixture("trash-partial.out"), fixture("trash-partial.err"));
    CHECK(partial.status == TaskStatus::warning);
    CHECK(partial.summary == "5 items removed from 2 trash folders; 1 could not be removed");
    CHECK(partial.findings.size() == 1);
    CHECK(read_linux("empty-trash", 0, "").status == TaskStatus::error);
}

TEST_CASE("readings of shutdown, killed commands and unknown tasks", "[tasks][readings]") {
    CHECK(read_linux("shutdown", 0, "").status == TaskStatus::ok);
    CHECK(read_windows("shutdown", 1190, "", "A system shutdown has already been scheduled.\n").summary ==
          "shutdown failed (exit 1190): A system shutdown has already been scheduled.");
    // The pid every command announces first is not the message.
    CHECK(read_windows("shutdown", 1, "", "custode-pid 4242\r\nshutdown.exe: access denied\r\n").summary ==
          "shutdown failed (exit 1): shutdown.exe: access denied");
    CHECK(read_linux("backup", 1, "", "custode-pid 77\nFatal: unable to open repository\n").summary ==
          "no snapshot: Fatal: unable to open repository");
    const auto killed = read_task_result(HostOs::linux_, "antivirus", std::nullopt, "", "");
    CHECK(killed.status == TaskStatus::error);
    CHECK(read_linux("defrag", 0, "").status == TaskStatus::error);
}

// ---- Windows scripts -------------------------------------------------------------------

TEST_CASE("windows commands: one fixed bootstrap line, the script on stdin, one JSON object, explicit exit",
          "[tasks][windows]") {
    // Every netconf value lives in the script, never on the command line:
    // cmd.exe cuts a command line at 8191 characters.
    TaskSettings settings;
    settings.backup_repository = "rest:http://10.0.0.1:8000/acme";
    settings.scan_paths = std::vector<std::string>(400, "D:\\Dati\\Clienti\\Archivio 2026\\Fatture");
    settings.backup_sources = settings.scan_paths;
    const auto bootstrap = task_command(HostOs::windows, MaintenanceTask::antivirus, {}).command;
    CHECK(bootstrap.size() < 1500);
    const auto boot = script_of(bootstrap);
    CHECK(boot.rfind("$ProgressPreference = 'SilentlyContinue'\n[Console]::Error.WriteLine(\"custode-pid $PID\")\n", 0) == 0);
    CHECK_THAT(boot, Catch::Contains("[Console]::In.ReadToEnd()"));
    for (auto task : {MaintenanceTask::antivirus, MaintenanceTask::disk_health, MaintenanceTask::disk_optimize,
                      MaintenanceTask::backup, MaintenanceTask::empty_trash, MaintenanceTask::updates}) {
        INFO(to_string(task));
        const auto command = task_command(HostOs::windows, task, settings);
        CHECK(command.command == bootstrap);
        CHECK(task_check_command(HostOs::windows, task, settings).command == bootstrap);
        const auto script = script_of(command);
        CHECK_THAT(script, Catch::Contains("ConvertTo-Json -Compress -Depth 5"));
        CHECK_THAT(script, Catch::Contains("exit $code"));
        CHECK_THAT(script, Catch::EndsWith("}) 2 }"));  // any uncaught error: {"error":..} and exit 2
    }
    CHECK(script_of(task_command(HostOs::windows, MaintenanceTask::antivirus, settings)).size() > 15000);
    const auto shutdown = shutdown_command(HostOs::windows, settings);
    CHECK(shutdown.command == bootstrap);
    const auto shutdown_script = script_of(shutdown);
    CHECK(shutdown_script.rfind(std::string(powershell_plain_errors), 0) == 0);
    CHECK_THAT(shutdown_script, Catch::Contains("quser.exe"));
    CHECK_THAT(shutdown_script, Catch::Contains("exit " + std::to_string(shutdown_user_logged_on_exit) + " }"));
    CHECK_THAT(shutdown_script, Catch::EndsWith("shutdown.exe /s /t 0\nexit $LASTEXITCODE"));  // /t above 0 implies /f
    // Linux commands carry their text on the command line and send nothing.
    CHECK(task_command(HostOs::linux_, MaintenanceTask::antivirus, settings).input.empty());
}

TEST_CASE("windows antivirus: quick scan by default, custom scan of quoted paths", "[tasks][windows]") {
    TaskSettings settings;
    auto script = script_of(task_command(HostOs::windows, MaintenanceTask::antivirus, settings));
    CHECK_THAT(script, Catch::Contains("$paths = @()\n"));
    CHECK_THAT(script, Catch::Contains("Update-MpSignature"));
    CHECK_THAT(script, Catch::Contains("Start-MpScan -ScanType QuickScan"));
    CHECK_THAT(script, Catch::Contains("Get-MpThreatDetection | Where-Object { $_.InitialDetectionTime -ge $start }"));
    settings.scan_paths = {"D:\\Dati 'vecchi'", "C:\\a\xE2\x80\x99" "b\n$(x)"};
    script = script_of(task_command(HostOs::windows, MaintenanceTask::antivirus, settings));
    CHECK_THAT(script, Catch::Contains("$paths = @('D:\\Dati ''vecchi''', 'C:\\a\xE2\x80\x99\xE2\x80\x99" "b\n$(x)')\n"));
}

TEST_CASE("windows backup: restic with VSS, its settings in the environment and a list file, no repository",
          "[tasks][windows]") {
    TaskSettings settings;
    settings.backup_repository = "\\\\nas\\restic's";
    settings.backup_password_file = "C:\\ProgramData\\custode\\restic.txt";
    settings.backup_sources = {"C:\\Users\\Maria Rossi\\", "D:\\a\"b --password-command=calc"};
    auto script = script_of(task_command(HostOs::windows, MaintenanceTask::backup, settings));
    CHECK_THAT(script, Catch::Contains("$resticOptions = @()\n$env:RESTIC_REPOSITORY = '\\\\nas\\restic''s'\n"
                                       "$env:RESTIC_PASSWORD_FILE = 'C:\\ProgramData\\custode\\restic.txt'\n"
                                       "$sources = @('C:\\Users\\Maria Rossi\\', 'D:\\a\"b --password-command=calc')\n"));
    // restic's command line is fixed text: no value of netconf is on it.
    CHECK_THAT(script, Catch::Contains("& restic.exe @resticOptions backup --json --use-fs-snapshot --files-from-verbatim $list 2>&1"));
    // Through the lab's append-only account: the rclone program is restic's one argument from netconf.
    settings.backup_repository.reset();
    settings.backup_lab = "custode-backup@192.168.1.250";
    script = script_of(task_command(HostOs::windows, MaintenanceTask::backup, settings));
    CHECK_THAT(script, Catch::Contains("$resticOptions = @()\n$env:RESTIC_REPOSITORY = 'rclone:custode-lab:'\n"
                                       "$resticOptions = @('-o', 'rclone.program=ssh -o BatchMode=yes custode-backup@192.168.1.250')\n"));
    CHECK_THAT(script, Catch::Contains("& restic.exe @resticOptions backup --json"));
    script = script_of(task_command(HostOs::windows, MaintenanceTask::backup, {}));
    CHECK_THAT(script, Catch::Contains("Out-Result ([ordered]@{ error = 'no backup_repository or backup_lab in netconf' }) 78"));
    CHECK(script.find("restic.exe") == std::string::npos);
    const auto reading = read_windows("backup", 78, R"({"error":"no backup_repository or backup_lab in netconf"})");
    CHECK(reading.status == TaskStatus::error);
    CHECK(reading.summary == "no backup_repository or backup_lab in netconf");
}

TEST_CASE("windows: a network path is skipped and listed, and the task is a warning", "[tasks][windows][readings]") {
    const auto skipped = read_windows(
        "antivirus", 0,
        R"({"signatures_updated":true,"scan":"CustomScan","detections":[],"skipped":"\\\\srv\\dati"})");
    CHECK(skipped.status == TaskStatus::warning);
    CHECK(skipped.summary == "clean; 1 path skipped (network path over a key login)");
    CHECK(skipped.findings == std::vector<std::string>{"\\\\srv\\dati skipped: network path over a key login"});
    const auto nothing = read_windows(
        "antivirus", 0, R"({"signatures_updated":true,"scan":"none","detections":[],"skipped":["\\\\a\\b","\\\\c\\d"]})");
    CHECK(nothing.status == TaskStatus::warning);
    CHECK(nothing.summary == "nothing scanned; 2 paths skipped (network path over a key login)");
    const auto clean = read_windows("antivirus", 0, R"({"signatures_updated":true,"scan":"QuickScan","detections":[],"skipped":[]})");
    CHECK(clean.status == TaskStatus::ok);
    CHECK(clean.findings.empty());
    const auto found = read_windows(
        "antivirus", 1,
        R"({"signatures_updated":true,"scan":"CustomScan","detections":{"threat":"EICAR","path":"C:\\x"},"skipped":"\\\\srv\\x"})");
    CHECK(found.status == TaskStatus::failed);
    CHECK(found.findings.size() == 2);
    const auto no_source = read_windows(
        "backup", 2, R"({"error":"nothing to back up: every source is a network path","skipped":"\\\\nas\\x"})");
    CHECK(no_source.status == TaskStatus::error);
    CHECK(no_source.summary == "nothing to back up: every source is a network path; 1 path skipped (network path over a key login)");
}

TEST_CASE("windows disk and trash scripts use the documented cmdlets", "[tasks][windows]") {
    const TaskSettings settings;
    const auto health = script_of(task_command(HostOs::windows, MaintenanceTask::disk_health, settings));
    CHECK_THAT(health, Catch::Contains("Get-PhysicalDisk"));
    CHECK_THAT(health, Catch::Contains("Get-StorageReliabilityCounter"));
    CHECK_THAT(health, Catch::Contains("chkdsk.exe \"${l}:\" /scan"));
    const auto optimize = script_of(task_command(HostOs::windows, MaintenanceTask::disk_optimize, settings));
    CHECK_THAT(optimize, Catch::Contains("Optimize-Volume -DriveLetter $l -ReTrim"));
    CHECK_THAT(optimize, Catch::Contains("Optimize-Volume -DriveLetter $l -Defrag"));
    const auto trash = script_of(task_command(HostOs::windows, MaintenanceTask::empty_trash, settings));
    CHECK_THAT(trash, Catch::Contains("'\\$Recycle.Bin'"));
    CHECK_THAT(trash, Catch::Contains("Remove-Item -LiteralPath $item.FullName -Recurse -Force"));
}

// ---- Windows readings --------------------------------------------------------------------

TEST_CASE("windows antivirus readings", "[tasks][windows][readings]") {
    const auto clean = read_windows("antivirus", 0, fixture("windows-antivirus-clean.json"), "custode-pid 5120\r\n");
    CHECK(clean.status == TaskStatus::ok);
    CHECK(clean.summary == "clean");
    const auto stale = read_windows("antivirus", 0, R"({"signatures_updated":false,"scan":"QuickScan","detections":[]})");
    CHECK(stale.status == TaskStatus::warning);
    const auto found = read_windows("antivirus", 1, "Scanning...\r\n" + fixture("windows-antivirus-found.json"));
    CHECK(found.status == TaskStatus::failed);
    CHECK(found.summary == "2 threats found");
    CHECK(found.findings == std::vector<std::string>{
                                "Virus:DOS/EICAR_Test_File: C:\\Users\\maria\\Downloads\\eicar.com",
                                "Trojan:Win32/Wacatac.B!ml: C:\\Users\\maria\\AppData\\Local\\Temp\\setup_x64.exe; "
                                "C:\\Users\\Public\\setup.exe"});
    const auto error = read_windows("antivirus", 2, fixture("windows-antivirus-error.json"));
    CHECK(error.status == TaskStatus::error);
    CHECK(error.summary ==
          "Operation failed with the following error: 0x800106ba. Operation: Start-MpScan. Target: QuickScan.");
}

TEST_CASE("windows disk-health readings", "[tasks][windows][readings]") {
    const auto ok = read_windows("disk-health", 0, fixture("windows-disk-health-ok.json"));
    CHECK(ok.status == TaskStatus::ok);
    CHECK(ok.summary == "1 disk, 1 volume healthy");
    const auto failing = read_windows("disk-health", 1, fixture("windows-disk-health-failing.json"));
    CHECK(failing.status == TaskStatus::failed);
    CHECK(failing.summary == "2 disks, 2 volumes: 2 problems");
    CHECK(failing.findings == std::vector<std::string>{"ST1000DM010-2EP102: health Unhealthy, 112 read errors",
                                                       "D: file system: chkdsk /scan exit 3: Windows has found problems that must be fixed offline."});
    const auto worn = read_windows("disk-health", 3, fixture("windows-disk-health-worn.json"));
    CHECK(worn.status == TaskStatus::warning);
    CHECK(worn.findings == std::vector<std::string>{"KINGSTON SA400S37240G: wear 94%"});
    CHECK(read_windows("disk-health", 0, R"({"disks":[],"volumes":[]})").status == TaskStatus::skipped);
}

TEST_CASE("windows disk-optimize, backup and empty-trash readings", "[tasks][windows][readings]") {
    const auto optimized = read_windows("disk-optimize", 0, fixture("windows-disk-optimize.json"));
    CHECK(optimized.status == TaskStatus::ok);
    CHECK(optimized.summary == "2 volumes optimized");
    CHECK(optimized.findings == std::vector<std::string>{"C: SSD retrim: fragmentation 2% -> 2%",
                                                         "D: HDD defrag: fragmentation 23% -> 4%"});
    const auto backup = read_windows("backup", 0, fixture("windows-backup-ok.json"));
    CHECK(backup.status == TaskStatus::ok);
    CHECK(backup.summary == "snapshot 9e8d7c6b: 40 new, 2 changed files, 50.0 MiB added");
    const auto partial = read_windows("backup", 3, fixture("windows-backup-partial.json"));
    CHECK(partial.status == TaskStatus::warning);
    CHECK(partial.summary == "snapshot 01234567: 1 new, 0 changed files, 4.0 KiB added; 1 file could not be read");
    CHECK(partial.findings.size() == 1);
    // Windows PowerShell may collapse a one-element array to the element.
    const auto collapsed = read_windows("backup", 3, R"({"restic_exit":3,"summary":null,"errors":"C:\\x: locked"})");
    CHECK(collapsed.findings == std::vector<std::string>{"C:\\x: locked"});
    CHECK(read_windows("backup", 1, R"({"restic_exit":1,"summary":null,"errors":[],"messages":["Fatal: unable to open repository"]})")
              .summary == "no snapshot: Fatal: unable to open repository");
    const auto trash = read_windows("empty-trash", 0, fixture("windows-empty-trash.json"));
    CHECK(trash.status == TaskStatus::ok);
    CHECK(trash.summary == "14 items removed from the recycle bins of 2 drives");
}

TEST_CASE("windows output without a JSON object reads as error", "[tasks][windows][readings]") {
    const auto malformed = read_windows("disk-health", 0, fixture("windows-malformed.out"));
    CHECK(malformed.status == TaskStatus::error);
    CHECK(malformed.summary == "no JSON result: Get-PhysicalDisk : Access denied");
    const auto empty = read_windows("antivirus", 0, "", "powershell.exe : not recognized\r\n");
    CHECK(empty.status == TaskStatus::error);
    CHECK(empty.summary == "no JSON result: powershell.exe : not recognized");
    CHECK(read_windows("antivirus", 0, "[1,2]").status == TaskStatus::error);
}

TEST_CASE("windows updates: classifications by their language-independent ids, drivers searched for only when named",
          "[tasks][windows][updates]") {
    const auto script = script_of(task_command(HostOs::windows, MaintenanceTask::updates, {}));
    CHECK_THAT(script, Catch::Contains("$criteria = 'IsInstalled=0 and Type=''Software'' and IsHidden=0'\n"));
    CHECK_THAT(script, Catch::Contains("$ids = @('0fa1201d-4330-4fa8-8ae9-b877473b6441', "
                                       "'e6cf1350-c01b-414d-a61f-263d14d133b4', 'e0789628-ce08-4437-be74-2495b842f43b')\n"));
    for (const auto* call : {"New-Object -ComObject Microsoft.Update.Session", ".CreateUpdateSearcher().Search($criteria)",
                             "$u.AcceptEula()", "CreateUpdateDownloader()", "CreateUpdateInstaller()",
                             "New-Object -ComObject Microsoft.Update.SystemInfo"})
        CHECK_THAT(script, Catch::Contains(call));
    // Every category netconf accepts has its own id.
    std::set<std::string> ids;
    for (const auto category : windows_update_categories) {
        INFO(category);
        TaskSettings settings;
        settings.update_categories = std::vector<std::string>{std::string(category)};
        const auto one = script_of(task_command(HostOs::windows, MaintenanceTask::updates, settings));
        const auto at = one.find("$ids = @('");
        REQUIRE(at != std::string::npos);
        ids.insert(one.substr(at + 10, 36));
        CHECK((one.find("Type=''Driver''") != std::string::npos) == (category == "drivers"));
    }
    CHECK(ids.size() == windows_update_categories.size());
    CHECK(ids.contains("ebfc1fc5-71a4-4f7b-9aca-3b9a503104a0"));  // drivers
    CHECK(ids.contains("3689bdc8-b205-4af4-8d4a-a63924c5e9d5"));  // upgrades
    TaskSettings unknown;
    unknown.update_categories = std::vector<std::string>{"service-packs"};
    CHECK_THROWS_WITH(task_command(HostOs::windows, MaintenanceTask::updates, unknown),
                      "unknown Windows Update category \"service-packs\"");
}

TEST_CASE("windows updates: the dry-run check creates the COM object, unless an override replaces the task",
          "[tasks][windows][updates]") {
    CHECK_THAT(script_of(task_check_command(HostOs::windows, MaintenanceTask::updates, {})),
               Catch::Contains("New-Object -ComObject Microsoft.Update.Session } catch {"));
    TaskSettings settings;
    settings.commands["updates"] = "wuauclt.exe /detectnow";
    const auto check = script_of(task_check_command(HostOs::windows, MaintenanceTask::updates, settings));
    CHECK_THAT(check, !Catch::Contains("Microsoft.Update.Session"));
    CHECK_THAT(check, Catch::Contains("Get-Command 'wuauclt.exe'"));
}

TEST_CASE("windows updates readings: per update results, totals, restart", "[tasks][windows][updates][readings]") {
    const auto some = read_windows("updates", 3, fixture("windows-updates-some-failed.json"));
    CHECK(some.status == TaskStatus::warning);
    CHECK(some.summary == "3 updates installed; 1 failed; restart needed");
    REQUIRE(some.updates.size() == 4);
    CHECK(some.updates[1] ==
          UpdateItem{"KB5034439", "2024-01 Critical Update for .NET Framework 4.8.1 (KB5034439)", "", "", true, false, "installed"});
    CHECK(some.updates[3].result == "failed");
    CHECK(some.reboot_required);
    CHECK(reboot_request(some.updates) == std::vector<std::string>{"KB5034441"});
    CHECK(some.findings == std::vector<std::string>{"KB5034123 failed: 2024-01 Cumulative Update for Windows 10 Version "
                                                    "22H2 for x64-based Systems (KB5034123)"});
    const auto none = read_windows("updates", 0, fixture("windows-updates-none.json"));
    CHECK(none.status == TaskStatus::ok);
    CHECK(none.summary == "up to date");
    CHECK(none.updates.empty());
    // Every result code, a missing KB, all failed.
    const auto all = read_windows("updates", 1,
                                  R"({"updates":[{"kb":"","id":"5e6f-driver","title":"Display","result":5,"reboot_required":false},)"
                                  R"({"kb":"KB1","id":"x","title":"One","result":4,"downloaded":false},)"
                                  R"({"kb":"KB2","id":"y","title":"Two","result":0}],"reboot_required":false})");
    CHECK(all.status == TaskStatus::failed);
    CHECK(all.summary == "3 updates failed");
    CHECK(all.findings == std::vector<std::string>{"5e6f-driver aborted: Display", "KB1 failed (download): One",
                                                   "KB2 failed: Two"});
    const auto errors = read_windows("updates", 0, R"({"updates":{"kb":"KB3","title":"Three","result":3},"reboot_required":true})");
    CHECK(errors.status == TaskStatus::ok);  // installed, with errors: listed, not a failure
    CHECK(errors.summary == "1 update installed; restart needed");
    CHECK(errors.updates.at(0).result == "installed_with_errors");
    CHECK(errors.updates.at(0).installed);
    CHECK(errors.findings == std::vector<std::string>{"KB3 installed with errors: Three"});
    const auto search = read_windows("updates", 2, R"({"error":"the Windows Update search failed (0x8024402C): offline"})");
    CHECK(search.status == TaskStatus::error);
    CHECK(search.summary == "the Windows Update search failed (0x8024402C): offline");
    // Another type for every member reads as missing.
    const auto odd = read_windows(
        "updates", 3, R"({"updates":[{"kb":5,"id":["x"],"title":null,"result":"2","reboot_required":"yes"}],"reboot_required":1})");
    CHECK(odd.status == TaskStatus::warning);
    CHECK(odd.summary == "1 update failed");
    CHECK(odd.updates.at(0) == UpdateItem{"", "", "", "", false, false, "failed"});
}

// Found by fuzzing (tests/fuzz/tasks.cc; the inputs are kept in
// tests/fixtures/fuzz/tasks/defect-*): a member of another type made
// nlohmann's value() throw, which ended the PC's whole run (its later tasks
// and its shutdown skipped), and a huge float converted to an integer was
// undefined behaviour.
TEST_CASE("task readings: a PC's JSON member of another type reads as missing and never throws",
          "[tasks][readings]") {
    const auto device = read_linux("disk-health", 0, R"({"device":1,"exit":0,"smartctl":{"model_name":5}})");
    CHECK(device.status == TaskStatus::ok);
    CHECK(device.summary == "1 disk healthy");
    const auto passed = read_linux("disk-health", 0, R"({"device":"/dev/sda","smartctl":{"smart_status":{"passed":"no"}}})");
    CHECK(passed.status == TaskStatus::ok);
    CHECK(read_linux("disk-health", 0, R"({"device":"/dev/sda","exit":"8"})").status == TaskStatus::error);
    const auto trash = read_linux("empty-trash", 0, R"({"trash_dirs":1,"items":"many","failed":0})");
    CHECK(trash.status == TaskStatus::ok);
    CHECK(trash.summary == "0 items removed from 1 trash folder");
    const auto restic = read_linux("backup", 0, R"({"message_type":"summary","snapshot_id":42,"files_new":1})");
    CHECK(restic.summary == "snapshot ?: 1 new, 0 changed files, 0 B added");
    const auto error = read_linux("backup", 3, R"({"message_type":"error","error":{"message":7},"item":["x"]})");
    CHECK(error.findings == std::vector<std::string>{"?: error"});
    const auto defender = read_windows("antivirus", 0, R"({"scan":"quick","signatures_updated":"yes"})");
    CHECK(defender.summary == "clean, but the signature update failed");
}

TEST_CASE("task readings: a number past int64 reads as missing and converts nothing out of range",
          "[tasks][readings]") {
    const auto smart = read_linux("disk-health", 0, R"({"device":"/dev/sda","exit":1e300})");
    CHECK(smart.status == TaskStatus::error);
    CHECK(smart.findings == std::vector<std::string>{"/dev/sda: smartctl could not read it (exit 7)"});
    const auto restic = read_linux("backup", 0, R"({"message_type":"summary","snapshot_id":"1a2b3c4d5e","files_new":1e300,"data_added":-1e300})");
    CHECK(restic.summary == "snapshot 1a2b3c4d: 0 new, 0 changed files, 0 B added");
    CHECK(read_linux("backup", 0, R"({"message_type":"summary","files_new":18446744073709551615})").summary ==
          "snapshot ?: 0 new, 0 changed files, 0 B added");
    CHECK(read_windows("empty-trash", 0, R"({"removed":1e300,"failed":0})").status == TaskStatus::ok);
    CHECK(read_linux("empty-trash", 0, R"({"trash_dirs":1,"items":2.9,"failed":0})").summary ==
          "2 items removed from 1 trash folder");
}

TEST_CASE("task readings: a message of several lines makes a one-line summary", "[tasks][readings]") {
    const auto reading = read_windows("antivirus", 2, "{\"error\":\"line one\\nline two\\r\\n\"}");
    CHECK(reading.status == TaskStatus::error);
    CHECK(reading.summary == "line one line two  ");
}
