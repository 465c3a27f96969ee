/// The Windows profile: one PowerShell script per task, run with
/// -EncodedCommand (so neither cmd nor PowerShell as the login shell
/// re-parses it). Each prints ONE JSON object and ends with `exit N`.
/// Every value from netconf goes through powershell_quote.

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "custode/core/command_text.h"
#include "tasks_detail.h"

namespace custode::tasks_detail {
namespace {

const std::vector<std::string> default_backup_sources{"C:\\Users"};

/// The frame of every task script: UTF-8 output, stop on any error, one
/// JSON object out, and any uncaught error as {"error":..} with exit 2.
constexpr std::string_view script_head = R"ps($ErrorActionPreference = 'Stop'
[Console]::OutputEncoding = [Text.Encoding]::UTF8
function Out-Result($result, [int]$code) {
[Console]::Out.WriteLine(($result | ConvertTo-Json -Compress -Depth 5)); exit $code }
try {
)ps";
constexpr std::string_view script_tail = R"ps(
} catch { Out-Result ([ordered]@{ error = "$($_.Exception.Message)" }) 2 })ps";

/// `@('a', 'b')`.
std::string powershell_array(const std::vector<std::string>& values) {
    std::vector<std::string> quoted;
    for (const auto& value : values) quoted.push_back(powershell_quote(value));
    return fmt::format("@({})", fmt::join(quoted, ", "));
}

/// Leading indentation and blank lines dropped: cmd.exe as the login shell
/// limits a command line to 8191 characters, and base64 of UTF-16 costs
/// 8/3 characters per script character.
std::string compact(std::string_view script) {
    std::string out;
    for (auto line : lines_of(script)) {
        const auto start = line.find_first_not_of(" \t");
        if (start == std::string_view::npos) continue;
        if (!out.empty()) out += '\n';
        out += line.substr(start);
    }
    return out;
}

/// `settings` (lines assigning netconf values) is left as is: a quoted value
/// may hold a newline that compacting would corrupt.
std::string framed(std::string_view body, std::string_view settings = {}) {
    std::string script = compact(script_head) + "\n";
    if (!settings.empty()) script += std::string(settings) + "\n";
    return script + compact(body) + "\n" + compact(script_tail);
}

/// Detections since the scan started, with the threat's name and the files.
/// A network path is skipped and listed: a key login has no network
/// credentials (PowerShell/Win32-OpenSSH#518), so Defender would be denied.
constexpr std::string_view antivirus_body = R"ps(
  $skipped = @($paths | Where-Object { $_.StartsWith('\\') })
  $local = @($paths | Where-Object { -not $_.StartsWith('\\') })
  $updated = $true
  try { Update-MpSignature } catch { $updated = $false }
  $start = Get-Date
  if (-not $paths.Count) { $type = 'QuickScan'; Start-MpScan -ScanType QuickScan }
  elseif ($local.Count) { $type = 'CustomScan'; foreach ($p in $local) { Start-MpScan -ScanType CustomScan -ScanPath $p } }
  else { $type = 'none' }
  $names = @{}
  Get-MpThreat | ForEach-Object { $names["$($_.ThreatID)"] = $_.ThreatName }
  $found = @(Get-MpThreatDetection | Where-Object { $_.InitialDetectionTime -ge $start } | ForEach-Object {
    [ordered]@{ threat = $names["$($_.ThreatID)"]; path = (@($_.Resources | ForEach-Object { $_ -replace '^\w+:_', '' }) -join '; ') } })
  Out-Result ([ordered]@{ signatures_updated = $updated; scan = $type; detections = $found; skipped = $skipped }) ([int]($found.Count -gt 0)))ps";

std::string antivirus(const TaskSettings& settings) {
    const auto paths = settings.scan_paths ? powershell_array(*settings.scan_paths) : std::string("@()");
    return framed(antivirus_body, "$paths = " + paths);
}

/// Exit 1: a disk Unhealthy, a volume scan found errors or could not run
/// (each disk and volume is its own try: one failing scan does not hide the
/// others, and a disk without reliability counters, as USB disks and virtual
/// ones are, is still listed with its health);
/// 3: a disk in Warning, worn past 90 % or with uncorrected read/write errors.
/// Each volume is scanned by `chkdsk X: /scan` (the online scan, read-only),
/// a process in the script's own tree: a timeout's taskkill /T ends it, where
/// Repair-Volume's scan would run on in the storage provider's WMI host.
/// chkdsk's words are localized: its exit code decides, its last line is
/// only shown.
constexpr std::string_view disk_health_body = R"ps(
  $disks = @(Get-PhysicalDisk | ForEach-Object {
    $d = $_
    $c = try { $d | Get-StorageReliabilityCounter -ErrorAction SilentlyContinue } catch { $null }
    [ordered]@{ name = $d.FriendlyName; media_type = "$($d.MediaType)"; health = "$($d.HealthStatus)";
      wear = $c.Wear; temperature = $c.Temperature; read_errors = $c.ReadErrorsUncorrected; write_errors = $c.WriteErrorsUncorrected } })
  $volumes = @(Get-Volume | Where-Object { $_.DriveType -eq 'Fixed' -and $_.DriveLetter -and $_.FileSystem -eq 'NTFS' } | ForEach-Object {
    $l = $_.DriveLetter
    $scan = try {
      $said = @(chkdsk.exe "${l}:" /scan | ForEach-Object { "$_".Trim() } | Where-Object { $_ })
      if ($LASTEXITCODE -eq 0) { 'NoErrorsFound' }
      else { "chkdsk /scan exit ${LASTEXITCODE}: $(if ($said.Count) { $said[-1] } else { 'no message' })" }
    } catch { "scan failed: $($_.Exception.Message)" }
    [ordered]@{ drive = "${l}:"; scan = $scan } })
  $bad = @($disks | Where-Object { $_.health -eq 'Unhealthy' }).Count + @($volumes | Where-Object { $_.scan -ne 'NoErrorsFound' }).Count
  $warn = @($disks | Where-Object { $_.health -ne 'Healthy' -or $_.wear -gt 90 -or $_.read_errors -gt 0 -or $_.write_errors -gt 0 }).Count
  $code = if ($bad) { 1 } elseif ($warn) { 3 } else { 0 }
  Out-Result ([ordered]@{ disks = $disks; volumes = $volumes }) $code)ps";

/// Fragmentation from Win32_Volume.DefragAnalysis: a number, where
/// Optimize-Volume -Analyze -Verbose gives only localized text. SSDs are
/// retrimmed; HDDs defragmented past 10 %. Exit 3: some volumes failed; 2: all.
constexpr std::string_view disk_optimize_body = R"ps(
  function Get-Fragmentation($l) {
    $w = Get-CimInstance Win32_Volume -Filter "DriveLetter='${l}:'"
    (Invoke-CimMethod -InputObject $w -MethodName DefragAnalysis).DefragAnalysis.FilePercentFragmentation }
  $results = @(); $failures = 0
  foreach ($v in @(Get-Volume | Where-Object { $_.DriveType -eq 'Fixed' -and $_.DriveLetter })) {
    $l = "$($v.DriveLetter)"
    $r = [ordered]@{ drive = "${l}:"; media_type = ''; action = 'none'; fragmentation_before = $null; fragmentation_after = $null }
    try {
      $n = "$((Get-Partition -DriveLetter $l | Get-Disk).Number)"
      $r.media_type = "$((Get-PhysicalDisk | Where-Object { $_.DeviceId -eq $n }).MediaType)"
      $r.fragmentation_before = Get-Fragmentation $l
      if ($r.media_type -eq 'SSD') { Optimize-Volume -DriveLetter $l -ReTrim; $r.action = 'retrim' }
      elseif ($r.media_type -eq 'HDD' -and $r.fragmentation_before -gt 10) { Optimize-Volume -DriveLetter $l -Defrag; $r.action = 'defrag' }
      $r.fragmentation_after = Get-Fragmentation $l
    } catch { $r.error = "$($_.Exception.Message)"; $failures++ }
    $results += $r }
  $code = if ($failures -and $failures -eq $results.Count) { 2 } elseif ($failures) { 3 } else { 0 }
  Out-Result ([ordered]@{ volumes = $results }) $code)ps";

/// Nothing of netconf reaches restic's command line, where Windows
/// PowerShell 5.1 would re-quote it (a trailing backslash before a space,
/// an embedded `"` splitting it into more arguments): the repository and the
/// password file go in the environment, the sources in a UTF-8 file read by
/// --files-from-verbatim (one path a line, taken as written). Network paths
/// are skipped and listed, as for the antivirus. restic's stderr is merged
/// in with ErrorActionPreference relaxed: under 'Stop', Windows PowerShell
/// turns a native program's first stderr line into a terminating error. Its
/// lines are read as they come and its status lines (one every 100 ms with
/// --json: 36 000 an hour) dropped unparsed: only the summary, the errors
/// and other messages are kept. The exit code is restic's own.
constexpr std::string_view backup_body = R"ps(
  if (-not (Get-Command restic.exe -ErrorAction SilentlyContinue)) { throw 'restic.exe not found on PATH' }
  $skipped = @($sources | Where-Object { $_.StartsWith('\\') })
  $local = @($sources | Where-Object { -not $_.StartsWith('\\') })
  if (-not $local.Count) { Out-Result ([ordered]@{ error = 'nothing to back up: every source is a network path'; skipped = $skipped }) 2 }
  $list = [IO.Path]::GetTempFileName()
  try {
    [IO.File]::WriteAllLines($list, [string[]]$local, (New-Object Text.UTF8Encoding $false))
    $summary = $null; $errors = [Collections.Generic.List[string]]::new(); $messages = [Collections.Generic.List[string]]::new()
    $ErrorActionPreference = 'Continue'
    & restic.exe @resticOptions backup --json --use-fs-snapshot --files-from-verbatim $list 2>&1 | ForEach-Object {
      $line = "$_"
      if (-not $line -or $line.StartsWith('{"message_type":"status"')) { return }
      $o = $null
      if ($line.StartsWith('{')) { try { $o = $line | ConvertFrom-Json } catch { } }
      if (-not $o) { $messages.Add($line) }
      elseif ($o.message_type -eq 'summary') { $summary = $o }
      elseif ($o.message_type -eq 'error') { $errors.Add("$($o.item): $($o.error.message)") }
      elseif ($o.message_type -eq 'exit_error') { $messages.Add("$($o.message)") } }
    $code = $LASTEXITCODE
    $ErrorActionPreference = 'Stop'
  } finally { Remove-Item -LiteralPath $list -Force -ErrorAction SilentlyContinue }
  Out-Result ([ordered]@{ restic_exit = $code; summary = $summary; errors = $errors; messages = $messages; skipped = $skipped }) $code)ps";

std::string backup(const TaskSettings& settings) {
    if (!restic_repository(settings))
        return framed(fmt::format("Out-Result ([ordered]@{{ error = {} }}) {}", powershell_quote(no_repository_message),
                                  no_repository_exit));
    return framed(backup_body, restic_environment(settings) + "\n$sources = " +
                                   powershell_array(settings.backup_sources.value_or(default_backup_sources)));
}

/// Every user's folder under X:\$Recycle.Bin on every fixed drive. `removed`
/// counts the deleted items ($R... entries; each has a $I... record too).
/// Each bin, user folder and item is its own try: what cannot be read or
/// removed counts in `failed` and the rest goes on.
constexpr std::string_view empty_trash_body = R"ps(
  $removed = 0; $failed = 0; $drives = @()
  foreach ($v in @(Get-Volume | Where-Object { $_.DriveType -eq 'Fixed' -and $_.DriveLetter })) {
    $bin = "$($v.DriveLetter):" + '\$Recycle.Bin'
    if (-not (Test-Path -LiteralPath $bin)) { continue }
    $drives += "$($v.DriveLetter):"
    try { $users = @(Get-ChildItem -Force -Directory -LiteralPath $bin) } catch { $failed++; continue }
    foreach ($user in $users) {
      try { $items = @(Get-ChildItem -Force -LiteralPath $user.FullName | Where-Object { $_.Name -ne 'desktop.ini' }) } catch { $failed++; continue }
      foreach ($item in $items) {
        try { Remove-Item -LiteralPath $item.FullName -Recurse -Force; if ($item.Name -like '$R*') { $removed++ } } catch { $failed++ } } } }
  $code = if ($failed) { 3 } else { 0 }
  Out-Result ([ordered]@{ drives = $drives; removed = $removed; failed = $failed }) $code)ps";

/// Never forced: `/t 0`, as any timeout above 0 implies /f, which closes a
/// logged-on user's applications unsaved. When anyone is logged on (quser;
/// Windows Home has none: the console user of Win32_ComputerSystem) nothing
/// is shut down: the users are printed as JSON and the script exits 10
/// (shutdown_user_logged_on_exit, which custode reads as user_logged_on).
/// With no one logged on quser says so on stderr (exit 1), on which Windows
/// PowerShell 5.1 would throw under 'Stop'. The reboot asks the same; each
/// says what it did not do (logged_on_check).
constexpr std::string_view unless_logged_on = R"ps(
  if (Get-Command quser.exe -ErrorAction SilentlyContinue) {
    $ErrorActionPreference = 'Continue'
    $table = @(quser.exe 2>&1 | ForEach-Object { "$_" })
    $anyone = $LASTEXITCODE -eq 0
    $ErrorActionPreference = 'Stop'
    $users = @(if ($anyone) { $table | Select-Object -Skip 1 | ForEach-Object { ($_.TrimStart(' >') -split '\s+')[0] } })
  } else { $users = @((Get-CimInstance Win32_ComputerSystem).UserName | Where-Object { $_ }) }
  if ($users.Count) {
    [Console]::Out.WriteLine((ConvertTo-Json -Compress ([ordered]@{ $action = 'skipped'; reason = 'user_logged_on'; users = $users })))
    [Console]::Error.WriteLine("$($undone): logged on: $($users -join ', ')")
    exit 10 })ps";

/// unless_logged_on for `action` ("shutdown"): its JSON names the action,
/// its message what was not done ("not shut down").
std::string logged_on_check(std::string_view action, std::string_view undone) {
    return fmt::format("$action = {}\n$undone = {}\n{}", powershell_quote(action), powershell_quote(undone),
                       compact(unless_logged_on));
}

/// Microsoft's update classifications by netconf name, as the CategoryID
/// every update carries among its Categories: the same in every language,
/// where a category's Name is localized ("Aggiornamenti della sicurezza").
/// WSUS Classification GUIDs (learn.microsoft.com, ff357803); Upgrades is
/// the classification of feature updates (a new Windows release).
constexpr std::array<std::pair<std::string_view, std::string_view>, windows_update_categories.size()>
    update_classifications{{{"security", "0fa1201d-4330-4fa8-8ae9-b877473b6441"},
                            {"critical", "e6cf1350-c01b-414d-a61f-263d14d133b4"},
                            {"definitions", "e0789628-ce08-4437-be74-2495b842f43b"},
                            {"updates", "cd5ffd1e-e932-4e3a-bf74-18bf0b1bbd83"},
                            {"update-rollups", "28bc880e-0592-4cbf-8f95-c79b17911d5f"},
                            {"feature-packs", "b54e7d24-7add-428f-8b75-90a396fa584f"},
                            {"drivers", "ebfc1fc5-71a4-4f7b-9aca-3b9a503104a0"},
                            {"upgrades", "3689bdc8-b205-4af4-8d4a-a63924c5e9d5"}}};

/// Windows Update through the Windows Update Agent's COM API (in every
/// Windows, nothing to install; as Ansible's win_updates): search, keep the
/// updates of the chosen classifications, accept their EULAs (the night has
/// no one to click), download, install. Each step that fails as a whole is
/// rethrown with its HRESULT in hex, the one thing a technician can look up
/// (0x8024402C: no connection to Windows Update or the WSUS server); the
/// COM error is the innermost exception (PowerShell wraps it in a
/// MethodInvocationException). An update that fails to download is not
/// handed to the installer and keeps the download's result code. Result
/// codes (OperationResultCode): 2 succeeded, 3 succeeded with errors, 4
/// failed, 5 aborted. A restart is needed when the installation says so or
/// one was pending already (SystemInfo.RebootRequired). Every COM call that
/// returns a value nobody reads is voided: stdout carries one JSON object.
/// Exit 0: all installed or nothing pending; 3: some failed; 1: all failed.
constexpr std::string_view updates_body = R"ps(
  function Fail($what, $err) {
    $e = $err.Exception; while ($e.InnerException) { $e = $e.InnerException }
    throw ('{0} failed (0x{1:X8}): {2}' -f $what, $e.HResult, $e.Message) }
  $session = New-Object -ComObject Microsoft.Update.Session
  $session.ClientApplicationID = 'custode'
  try { $found = $session.CreateUpdateSearcher().Search($criteria) } catch { Fail 'the Windows Update search' $_ }
  $list = @(); $chosen = New-Object -ComObject Microsoft.Update.UpdateColl
  foreach ($u in $found.Updates) {
    if (-not @($u.Categories | Where-Object { $ids -contains "$($_.CategoryID)" }).Count) { continue }
    if (-not $u.EulaAccepted) { $u.AcceptEula() }
    [void]$chosen.Add($u); $list += $u }
  $codes = @{}; $results = @{}; $reboot = $false
  if ($list.Count) {
    $downloader = $session.CreateUpdateDownloader(); $downloader.Updates = $chosen
    try { $downloaded = $downloader.Download() } catch { Fail 'the download' $_ }
    $ready = New-Object -ComObject Microsoft.Update.UpdateColl; $order = @()
    for ($i = 0; $i -lt $list.Count; $i++) {
      $codes[$i] = [int]$downloaded.GetUpdateResult($i).ResultCode
      if ($codes[$i] -eq 2 -or $codes[$i] -eq 3) { [void]$ready.Add($list[$i]); $order += $i } }
    if ($order.Count) {
      $installer = $session.CreateUpdateInstaller(); $installer.Updates = $ready
      try { $installed = $installer.Install() } catch { Fail 'the installation' $_ }
      $reboot = [bool]$installed.RebootRequired
      for ($j = 0; $j -lt $order.Count; $j++) { $results[$order[$j]] = $installed.GetUpdateResult($j) } } }
  $items = @(); $failed = 0
  for ($i = 0; $i -lt $list.Count; $i++) {
    $u = $list[$i]; $r = $results[$i]; $kb = @($u.KBArticleIDs)
    $code = if ($r) { [int]$r.ResultCode } else { $codes[$i] }
    if ($code -ne 2 -and $code -ne 3) { $failed++ }
    $items += [ordered]@{ kb = $(if ($kb.Count) { "KB$($kb[0])" } else { '' }); id = "$($u.Identity.UpdateID)"; title = "$($u.Title)"
      result = $code; downloaded = [bool]$r; reboot_required = [bool]($r -and $r.RebootRequired) } }
  $reboot = $reboot -or [bool](New-Object -ComObject Microsoft.Update.SystemInfo).RebootRequired
  $code = if (-not $failed) { 0 } elseif ($failed -eq $items.Count) { 1 } else { 3 }
  Out-Result ([ordered]@{ updates = $items; installed = $items.Count - $failed; failed = $failed; reboot_required = $reboot }) $code)ps";

/// The search criteria: software updates, and drivers only when asked for
/// (a driver update is of Type 'Driver', which a Type='Software' search
/// never finds, whatever its classification).
std::string update_criteria(const std::vector<std::string>& categories) {
    constexpr std::string_view software = "IsInstalled=0 and Type='Software' and IsHidden=0";
    if (std::find(categories.begin(), categories.end(), "drivers") == categories.end()) return std::string(software);
    return fmt::format("{} or IsInstalled=0 and Type='Driver' and IsHidden=0", software);
}

std::string updates(const TaskSettings& settings) {
    const auto categories = settings.update_categories.value_or(default_update_categories());
    std::vector<std::string> ids;
    for (const auto& name : categories) ids.push_back(update_classification_id(name));
    return framed(updates_body, fmt::format("$criteria = {}\n$ids = {}", powershell_quote(update_criteria(categories)),
                                            powershell_array(ids)));
}

}  // namespace

std::string update_classification_id(std::string_view category) {
    for (const auto& [name, id] : update_classifications)
        if (name == category) return std::string(id);
    throw std::invalid_argument(fmt::format("unknown Windows Update category \"{}\"", category));
}

std::string restic_environment(const TaskSettings& settings) {
    const auto target = restic_repository(settings);
    std::string lines = "$resticOptions = @()";
    if (target) lines += "\n$env:RESTIC_REPOSITORY = " + powershell_quote(target->repository);
    if (target && target->rclone_program)
        lines += "\n$resticOptions = @('-o', " + powershell_quote("rclone.program=" + *target->rclone_program) + ")";
    if (settings.backup_password_file)
        lines += "\n$env:RESTIC_PASSWORD_FILE = " + powershell_quote(*settings.backup_password_file);
    return lines;
}

std::string windows_task_script(MaintenanceTask task, const TaskSettings& settings) {
    switch (task) {
        case MaintenanceTask::antivirus: return antivirus(settings);
        case MaintenanceTask::disk_health: return framed(disk_health_body);
        case MaintenanceTask::disk_optimize: return framed(disk_optimize_body);
        case MaintenanceTask::backup: return backup(settings);
        case MaintenanceTask::empty_trash: return framed(empty_trash_body);
        case MaintenanceTask::updates: return updates(settings);
    }
    return "exit 2";
}

/// netconf's shutdown_force: no question asked, applications closed unsaved.
constexpr std::string_view forced_shutdown_body = R"ps(
  shutdown.exe /s /f /t 0
  exit $LASTEXITCODE)ps";

/// A shutdown that cannot run says why in plain text on stderr and exits 1
/// (uncaught, the error would reach stderr as CLIXML, and `exit
/// $LASTEXITCODE` with no program run would exit 0).
std::string windows_shutdown_script(ForceShutdown force) {
    return std::string(powershell_plain_errors) +
           (force == ForceShutdown::yes
                ? compact(forced_shutdown_body)
                : logged_on_check("shutdown", "not shut down") + "\nshutdown.exe /s /t 0\nexit $LASTEXITCODE");
}

/// `/r /t 0`, never forced, and only with nobody logged on, as the shutdown.
std::string windows_reboot_script() {
    return std::string(powershell_plain_errors) + logged_on_check("reboot", "not restarted") +
           "\nshutdown.exe /r /t 0\nexit $LASTEXITCODE";
}

}  // namespace custode::tasks_detail
