# A mock of the Windows-only commands custode's task scripts call (Defender,
# Storage, CIM), modelling one PC described by $env:CUSTODE_MOCK_PC/pc.json
# and recording every call in $env:CUSTODE_MOCK_PC/calls.log. PowerShell
# auto-loads it from PSModulePath, as Windows auto-loads the real modules;
# the rest of each script (parsing, JSON, errors, files, exit codes) runs as
# written. Each volume's drive letter is a folder of the mock PC
# (drives/C, ...), so paths like C:\$Recycle.Bin are real folders.
#
# pc.json: { "defender": { "update_error", "scan_error", "scan_seconds",
# "threats": [{ "id",
# "name", "resources": [..] }], "old_threats": [..] }, "disks": [{ "number",
# "name", "media_type", "health", "wear", "temperature", "read_errors",
# "write_errors", "error" }], "volumes": [{ "letter", "disk", "drive_type",
# "file_system", "scan", "fragmentation", "fragmentation_after", "error" }],
# "users": [{ "name", "session", "id", "state" }] (the users quser lists),
# "windows_update": { "search_error": { "hresult": "0x8024402C", "message" },
# "reboot_pending", "updates": [{ "kb", "id", "title", "categories": [{ "name",
# "id" }], "driver", "hidden", "eula_accepted", "download", "result",
# "reboot_required" }] } }: the Windows Update Agent's COM objects (below).
# An "error" makes every call about that disk or volume throw it.
# "scan_seconds" makes a scan that long run in a real process outside the
# script's process tree, as Defender's runs in MsMpEng: only MpCmdRun.exe
# -Scan -Cancel (mock/ProgramFiles) ends it; its pid is in defender-scan.pid.

$pcDir = $env:CUSTODE_MOCK_PC
if (-not $pcDir) { throw 'CUSTODE_MOCK_PC is not set: the folder of the mock PC' }
$pc = Get-Content -Raw -LiteralPath (Join-Path $pcDir 'pc.json') | ConvertFrom-Json
$foundThisSession = [System.Collections.Generic.List[object]]::new()
$fragmentation = @{}
foreach ($v in @($pc.volumes)) {
  if (-not $v) { continue }
  $fragmentation["$($v.letter)"] = $v.fragmentation
  $root = Join-Path $pcDir "drives/$($v.letter)"
  New-Item -ItemType Directory -Force -Path $root | Out-Null
  New-PSDrive -Name $v.letter -PSProvider FileSystem -Root $root -Scope Global | Out-Null
}

function Write-Call([string]$text) { Add-Content -LiteralPath (Join-Path $pcDir 'calls.log') -Value $text }

function Find-Volume($letter) {
  $v = @($pc.volumes) | Where-Object { $_.letter -eq "$letter" }
  if (-not $v) { throw "No MSFT_Volume objects found with property 'DriveLetter' equal to '$letter'." }
  if ($v.error) { throw $v.error }
  $v
}

function Find-Disk($number) {
  $d = @($pc.disks) | Where-Object { "$($_.number)" -eq "$number" }
  if (-not $d) { throw "No MSFT_PhysicalDisk objects found with property 'DeviceId' equal to '$number'." }
  if ($d.error) { throw $d.error }
  $d
}

# ---- Defender ----------------------------------------------------------------

function Get-MpComputerStatus {
  Write-Call 'Get-MpComputerStatus'
  [pscustomobject]@{ AMServiceEnabled = $true; AntivirusEnabled = $true; RealTimeProtectionEnabled = $true }
}

function Update-MpSignature {
  Write-Call 'Update-MpSignature'
  Write-Progress -Activity 'Updating signatures' -Status 'Downloading'
  if ($pc.defender.update_error) { throw $pc.defender.update_error }
}

function Start-MpScan([string]$ScanType = 'QuickScan', [string]$ScanPath) {
  Write-Call "Start-MpScan -ScanType $ScanType$(if ($ScanPath) { " -ScanPath $ScanPath" })"
  Write-Progress -Activity 'Scanning' -Status $ScanType
  if ($pc.defender.scan_error) { throw $pc.defender.scan_error }
  if ($pc.defender.scan_seconds) {
    # setsid -f: a new session whose parent is init, as MsMpEng is no child of the script.
    $pidFile = Join-Path $pcDir 'defender-scan.pid'
    & setsid -f sh -c "echo `$`$ > '$pidFile'; exec sleep $($pc.defender.scan_seconds)"
    while (-not (Test-Path -LiteralPath $pidFile)) { Start-Sleep -Milliseconds 20 }
    $scan = (Get-Content -LiteralPath $pidFile).Trim()
    while (Test-Path -LiteralPath "/proc/$scan") { Start-Sleep -Milliseconds 100 }
  }
  foreach ($t in @($pc.defender.threats)) {
    if ($null -eq $t) { continue }
    $foundThisSession.Add([pscustomobject]@{ ThreatID = $t.id; InitialDetectionTime = Get-Date; Resources = @($t.resources) })
  }
}

function Get-MpThreat {
  Write-Call 'Get-MpThreat'
  foreach ($t in @($pc.defender.threats) + @($pc.defender.old_threats)) {
    if ($t) { [pscustomobject]@{ ThreatID = $t.id; ThreatName = $t.name } }
  }
}

function Get-MpThreatDetection {
  Write-Call 'Get-MpThreatDetection'
  foreach ($t in @($pc.defender.old_threats)) {
    if ($t) { [pscustomobject]@{ ThreatID = $t.id; InitialDetectionTime = (Get-Date).AddDays(-3); Resources = @($t.resources) } }
  }
  $foundThisSession
}

# ---- Storage -------------------------------------------------------------------

function Get-PhysicalDisk {
  Write-Call 'Get-PhysicalDisk'
  foreach ($d in @($pc.disks)) {
    if ($d) { [pscustomobject]@{ DeviceId = "$($d.number)"; FriendlyName = $d.name; MediaType = $d.media_type; HealthStatus = $d.health } }
  }
}

function Get-StorageReliabilityCounter([Parameter(ValueFromPipeline)]$PhysicalDisk) {
  process {
    Write-Call "Get-StorageReliabilityCounter $($PhysicalDisk.DeviceId)"
    $d = Find-Disk $PhysicalDisk.DeviceId
    [pscustomobject]@{ Wear = $d.wear; Temperature = $d.temperature
      ReadErrorsUncorrected = $d.read_errors; WriteErrorsUncorrected = $d.write_errors }
  }
}

function Get-Volume {
  Write-Call 'Get-Volume'
  foreach ($v in @($pc.volumes)) {
    if ($v) { [pscustomobject]@{ DriveLetter = [char]$v.letter; DriveType = $v.drive_type; FileSystem = $v.file_system } }
  }
}

function Optimize-Volume([char]$DriveLetter, [switch]$ReTrim, [switch]$Defrag, [switch]$Analyze) {
  Write-Call "Optimize-Volume -DriveLetter $DriveLetter$(if ($ReTrim) { ' -ReTrim' })$(if ($Defrag) { ' -Defrag' })$(if ($Analyze) { ' -Analyze' })"
  Write-Progress -Activity 'Optimizing volume' -Status "$DriveLetter"
  $v = Find-Volume $DriveLetter
  if ($Defrag) { $fragmentation["$DriveLetter"] = $v.fragmentation_after }
}

function Get-Partition([char]$DriveLetter) {
  Write-Call "Get-Partition -DriveLetter $DriveLetter"
  $v = Find-Volume $DriveLetter
  [pscustomobject]@{ DriveLetter = $DriveLetter; DiskNumber = $v.disk }
}

function Get-Disk([Parameter(ValueFromPipeline)]$Partition) {
  process {
    Write-Call "Get-Disk $($Partition.DiskNumber)"
    [pscustomobject]@{ Number = $Partition.DiskNumber }
  }
}

# ---- Services --------------------------------------------------------------------

function Stop-Service([string]$Name, [switch]$Force) {
  Write-Call "Stop-Service -Name $Name$(if ($Force) { ' -Force' })"
}

# ---- CIM: Win32_ComputerSystem's console user, Win32_Volume's DefragAnalysis ------

function Get-CimInstance([Parameter(Position = 0)][string]$ClassName, [string]$Filter) {
  Write-Call "Get-CimInstance $ClassName$(if ($Filter) { " -Filter $Filter" })"
  if ($ClassName -eq 'Win32_ComputerSystem') {
    $console = @($pc.users) | Where-Object { $_ -and $_.session -eq 'console' }
    return [pscustomobject]@{ UserName = $(if ($console) { "OFFICE\$($console.name)" }) }
  }
  if ($ClassName -ne 'Win32_Volume') { throw "mock: CIM class $ClassName is not modelled" }
  if ($Filter -notmatch "^DriveLetter='([A-Z]):'$") { throw "mock: filter $Filter is not modelled" }
  $v = Find-Volume $Matches[1]
  [pscustomobject]@{ DriveLetter = "$($v.letter):" }
}

function Invoke-CimMethod($InputObject, [string]$MethodName) {
  Write-Call "Invoke-CimMethod $($InputObject.DriveLetter) $MethodName"
  if ($MethodName -ne 'DefragAnalysis') { throw "mock: method $MethodName is not modelled" }
  $letter = "$($InputObject.DriveLetter)".TrimEnd(':')
  $null = Find-Volume $letter
  [pscustomobject]@{ ReturnValue = 0; DefragAnalysis = [pscustomobject]@{ FilePercentFragmentation = $fragmentation[$letter] } }
}

# ---- Windows Update Agent: the COM objects New-Object -ComObject makes ----------
# pwsh on Linux has no COM: New-Object here makes, for the Windows Update
# ProgIDs, PowerShell objects with the same members (ScriptMethods for the
# methods), driven by pc.json's "windows_update", and passes anything else to
# the real cmdlet. A PC whose "missing" names Microsoft.Update.Session has no
# Windows Update Agent (Class not registered, as for any unknown ProgID).
# Logged: Search <criteria>, AcceptEula <update>, Download <updates>,
# Install <updates>, each update by "KB<kb>" or, without one, its id.

$wu = $pc.windows_update

function Get-UpdateName($u) { if (@($u.KBArticleIDs).Count) { "KB$(@($u.KBArticleIDs)[0])" } else { $u.Identity.UpdateID } }

function New-ComError([string]$hresult, [string]$message) {
  [Runtime.InteropServices.COMException]::new("$message (Exception from HRESULT: $hresult)", [Convert]::ToInt32($hresult.Substring(2), 16))
}

function New-UpdateColl {
  $c = [pscustomobject]@{ List = [Collections.Generic.List[object]]::new() }
  $c | Add-Member ScriptProperty Count { $this.List.Count }
  $c | Add-Member ScriptMethod Add { param($u) $this.List.Add($u); $this.List.Count - 1 }
  $c | Add-Member ScriptMethod Item { param($i) $this.List[$i] }
  $c
}

function New-MockUpdate($spec) {
  $u = [pscustomobject]@{ Title = $spec.title; KBArticleIDs = @(@($spec.kb) | Where-Object { $_ })
    Identity = [pscustomobject]@{ UpdateID = $spec.id; RevisionNumber = 1 }; Type = $(if ($spec.driver) { 2 } else { 1 })
    Categories = @(foreach ($c in @($spec.categories)) { [pscustomobject]@{ Name = $c.name; CategoryID = $c.id } })
    EulaAccepted = $spec.eula_accepted -ne $false; IsDownloaded = $false; IsHidden = [bool]$spec.hidden; Spec = $spec }
  $u | Add-Member ScriptMethod AcceptEula { Write-Call "AcceptEula $(Get-UpdateName $this)"; $this.EulaAccepted = $true }
  $u
}

# One result per update of `updates`, each from its spec's `field` (default 2, succeeded).
function New-OperationResult($updates, [string]$field, [switch]$Install) {
  $per = @(foreach ($u in $updates) {
    $code = if ($null -ne $u.Spec.$field) { [int]$u.Spec.$field } else { 2 }
    # A EULA not accepted: the update is not installed (WU_E_EULAS_DECLINED).
    if ($Install -and -not $u.EulaAccepted) { $code = 4 }
    [pscustomobject]@{ ResultCode = $code; HResult = 0; RebootRequired = [bool]($Install -and $code -eq 2 -and $u.Spec.reboot_required) } })
  $r = [pscustomobject]@{ ResultCode = 2; HResult = 0; RebootRequired = [bool](@($per | Where-Object { $_.RebootRequired }).Count); Per = $per }
  if (@($per | Where-Object { $_.ResultCode -ne 2 }).Count) { $r.ResultCode = 3 }
  $r | Add-Member ScriptMethod GetUpdateResult { param($i) $this.Per[$i] }
  $r
}

function New-UpdateSession {
  $s = [pscustomobject]@{ ClientApplicationID = '' }
  $s | Add-Member ScriptMethod CreateUpdateSearcher {
    $searcher = [pscustomobject]@{ Online = $true }
    $searcher | Add-Member ScriptMethod Search {
      param([string]$criteria)
      Write-Call "Search $criteria"
      if ($wu.search_error) { throw (New-ComError $wu.search_error.hresult $wu.search_error.message) }
      # The criteria this mock understands: Type 'Software' and/or 'Driver', IsHidden=0.
      $found = @(foreach ($spec in @($wu.updates)) {
        if (-not $spec) { continue }
        $type = if ($spec.driver) { 'Driver' } else { 'Software' }
        if ($criteria -notmatch "Type='$type'") { continue }
        if ($spec.hidden -and $criteria -match 'IsHidden=0') { continue }
        New-MockUpdate $spec })
      [pscustomobject]@{ ResultCode = 2; Updates = $found }
    }
    $searcher
  }
  $s | Add-Member ScriptMethod CreateUpdateDownloader {
    $d = [pscustomobject]@{ Updates = $null }
    $d | Add-Member ScriptMethod Download {
      $updates = @($this.Updates.List)
      Write-Call "Download $(@($updates | ForEach-Object { Get-UpdateName $_ }) -join ' ')"
      $r = New-OperationResult $updates 'download'
      for ($i = 0; $i -lt $updates.Count; $i++) { $updates[$i].IsDownloaded = $r.Per[$i].ResultCode -eq 2 }
      $r
    }
    $d
  }
  $s | Add-Member ScriptMethod CreateUpdateInstaller {
    $installer = [pscustomobject]@{ Updates = $null }
    $installer | Add-Member ScriptMethod Install {
      $updates = @($this.Updates.List)
      Write-Call "Install $(@($updates | ForEach-Object { Get-UpdateName $_ }) -join ' ')"
      New-OperationResult $updates 'result' -Install
    }
    $installer
  }
  $s
}

function New-Object {
  [CmdletBinding(DefaultParameterSetName = 'Net')]
  param([Parameter(ParameterSetName = 'Net', Mandatory, Position = 0)][string]$TypeName,
        [Parameter(ParameterSetName = 'Net', Position = 1)][object[]]$ArgumentList,
        [Parameter(ParameterSetName = 'Com', Mandatory)][string]$ComObject,
        [hashtable]$Property)
  # The comma keeps a collection the cmdlet makes from being unrolled.
  if ($PSCmdlet.ParameterSetName -eq 'Net') { return , (Microsoft.PowerShell.Utility\New-Object @PSBoundParameters) }
  Write-Call "New-Object -ComObject $ComObject"
  $registered = $ComObject -in 'Microsoft.Update.Session', 'Microsoft.Update.UpdateColl', 'Microsoft.Update.SystemInfo'
  if (-not $registered -or 'Microsoft.Update.Session' -in @($pc.missing)) {
    throw (New-ComError '0x80040154' "Retrieving the COM class factory for component $ComObject failed due to the following error: 80040154 Class not registered") }
  switch ($ComObject) {
    'Microsoft.Update.Session' { New-UpdateSession }
    'Microsoft.Update.UpdateColl' { New-UpdateColl }
    'Microsoft.Update.SystemInfo' { [pscustomobject]@{ RebootRequired = [bool]$wu.reboot_pending } }
  }
}

Export-ModuleMember -Function Get-MpComputerStatus, Update-MpSignature, Start-MpScan, Get-MpThreat, Get-MpThreatDetection,
  Get-PhysicalDisk, Get-StorageReliabilityCounter, Get-Volume, Optimize-Volume, Get-Partition, Get-Disk,
  Get-CimInstance, Invoke-CimMethod, Stop-Service, New-Object
