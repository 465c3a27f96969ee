/// isolation-check.ps1's text: a head with this client's data, then the
/// same check for every client. The PowerShell rules are written out in
/// docs/isolation.md ("On a Windows PC"); tests/pwsh/isolation_script_test.cc
/// checks them with Windows PowerShell 5.1's syntax rules, and
/// tests/pwsh/isolation_lan_test.cc runs the script beside the Linux check.

#include "custode/core/isolation_script.h"

#include <fmt/format.h>
#include <optional>

#include "custode/core/command_text.h"

namespace custode {
namespace {

/// Everything after the embedded data. Windows PowerShell 5.1 only: no
/// ternary, no ??, no ForEach-Object -Parallel (tests/pwsh/check_scripts.ps1).
constexpr std::string_view script_body = R"ps1(
# ---- what follows is the same for every client --------------------------------
$Checker = 'isolation-check.ps1'
$PingTimeoutMs = 1000
$PingRounds = 3
$TcpTimeoutMs = 2000
# How long a neighbour entry left from before the split may take to go:
# up to 45 s 'Reachable', then 5 s delay and 3 probes 1 s apart after its
# next use (Linux; Windows about the same).
$SettleLimitSeconds = 75
$SettleStepSeconds = 3

function Format-Mac([string]$text) {
  # '00-11-22-AA-BB-CC', '00:11:22:aa:bb:cc' or '001122AABBCC' as '00:11:22:aa:bb:cc'; '' for none.
  $hex = ($text -replace '[^0-9A-Fa-f]', '').ToLowerInvariant()
  if ($hex.Length -ne 12 -or $hex -eq '000000000000') { return '' }
  (($hex -split '(..)') | Where-Object { $_ }) -join ':'
}

function ConvertTo-Number([string]$ip) {
  $bytes = [System.Net.IPAddress]::Parse($ip).GetAddressBytes()
  [int64]$bytes[0] * 16777216 + [int64]$bytes[1] * 65536 + [int64]$bytes[2] * 256 + [int64]$bytes[3]
}

function Get-UtcText([datetime]$time) {
  $time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", [Globalization.CultureInfo]::InvariantCulture)
}

# This PC's IPv4 networks and default gateways, from .NET (no admin, no module).
function Get-LocalNetworks {
  $networks = [Collections.ArrayList]::new()
  foreach ($nic in [System.Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces()) {
    if ($nic.OperationalStatus -ne 'Up' -or $nic.NetworkInterfaceType -eq 'Loopback') { continue }
    $properties = $nic.GetIPProperties()
    $gateways = @($properties.GatewayAddresses | ForEach-Object { $_.Address } |
        Where-Object { $_.AddressFamily -eq 'InterNetwork' -and $_.ToString() -ne '0.0.0.0' } |
        ForEach-Object { $_.ToString() })
    foreach ($unicast in $properties.UnicastAddresses) {
      if ($unicast.Address.AddressFamily -ne 'InterNetwork') { continue }
      $mask = ConvertTo-Number $unicast.IPv4Mask.ToString()
      $bits = 0
      for ($m = $mask; $m -gt 0; $m = ($m * 2) % 4294967296) { $bits++ }
      [void]$networks.Add([ordered]@{
          interface = $nic.Name
          mac       = Format-Mac $nic.GetPhysicalAddress().ToString()
          ipv4      = ('{0}/{1}' -f $unicast.Address, $bits)
          address   = ConvertTo-Number $unicast.Address.ToString()
          mask      = $mask
          gateways  = $gateways
        })
    }
  }
  , $networks
}

# How IP probes reach `ip`: 'direct' (on a network of this PC), 'gateway', or 'no_route'.
function Get-Route([string]$ip, $networks) {
  $number = ConvertTo-Number $ip
  foreach ($network in $networks) {
    if (($number -band $network.mask) -eq ($network.address -band $network.mask)) { return 'direct' }
  }
  foreach ($network in $networks) { if ($network.gateways.Count -gt 0) { return 'gateway' } }
  'no_route'
}

# ICMP echoes, rounds `first` to `last`, each round sent to every address at once.
function Invoke-Pings([string[]]$ips, [int]$first, [int]$last) {
  $results = @{}
  foreach ($ip in $ips) { $results[$ip] = [Collections.ArrayList]::new() }
  for ($round = $first; $round -le $last; $round++) {
    $pending = @{}
    foreach ($ip in $ips) {
      $ping = [System.Net.NetworkInformation.Ping]::new()
      $pending[$ip] = @{ Ping = $ping; Task = $ping.SendPingAsync([System.Net.IPAddress]::Parse($ip), $PingTimeoutMs) }
    }
    foreach ($ip in $ips) {
      $probe = [ordered]@{ kind = 'icmp_echo'; round = $round; sent = $true; answered = $false; status = '' }
      try {
        $reply = $pending[$ip].Task.Result
        $probe.status = "$($reply.Status)"
        if ($reply.Status -eq 'Success') { $probe.answered = $true; $probe.rtt_ms = [int64]$reply.RoundtripTime }
      } catch {
        $probe.status = 'error: ' + $_.Exception.GetBaseException().Message
      }
      $pending[$ip].Ping.Dispose()
      [void]$results[$ip].Add($probe)
    }
  }
  $results
}

# A TCP connect to every port of every address at once, each given until the
# common deadline. Accepted ('open') or refused (a TCP RST: 'refused') both
# mean the host answered.
function Invoke-TcpConnects([string[]]$ips) {
  $pending = [Collections.ArrayList]::new()
  foreach ($ip in $ips) {
    foreach ($port in $TcpPorts) {
      $client = [System.Net.Sockets.TcpClient]::new()
      $task = $null
      try { $task = $client.ConnectAsync([System.Net.IPAddress]::Parse($ip), $port) } catch { }
      [void]$pending.Add(@{ Ip = $ip; Port = $port; Client = $client; Task = $task })
    }
  }
  $deadline = [DateTime]::UtcNow.AddMilliseconds($TcpTimeoutMs)
  $results = @{}
  foreach ($ip in $ips) { $results[$ip] = [Collections.ArrayList]::new() }
  foreach ($item in $pending) {
    $probe = [ordered]@{ kind = 'tcp_connect'; port = $item.Port; sent = $null -ne $item.Task; answered = $false; result = 'not_sent' }
    if ($item.Task) {
      $left = [int][Math]::Max(0, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
      try { [void]$item.Task.Wait($left) } catch { }
      if ($item.Task.Status -eq 'RanToCompletion') { $probe.result = 'open'; $probe.answered = $true }
      elseif ($item.Task.IsFaulted) {
        $error0 = $item.Task.Exception.GetBaseException()
        if ($error0 -is [System.Net.Sockets.SocketException]) {
          $probe.result = "$($error0.SocketErrorCode)"
          if ($error0.SocketErrorCode -eq 'ConnectionRefused') { $probe.result = 'refused'; $probe.answered = $true }
        } else { $probe.result = 'error: ' + $error0.Message }
      } else { $probe.result = 'timeout' }
    }
    $item.Client.Close()
    [void]$results[$item.Ip].Add($probe)
  }
  $results
}

# The neighbour (ARP) cache: Get-NetNeighbor where it exists (Windows 8 and
# later: with each entry's state), else `arp -a` (no states; its words are
# in the PC's language, so only the address and the MAC are read).
function Get-NeighbourCache {
  $entries = [Collections.ArrayList]::new()
  if (Get-Command Get-NetNeighbor -ErrorAction SilentlyContinue) {
    try {
      foreach ($row in @(Get-NetNeighbor -AddressFamily IPv4 -ErrorAction Stop)) {
        $mac = Format-Mac "$($row.LinkLayerAddress)"
        if ($mac) { [void]$entries.Add([ordered]@{ ip = "$($row.IPAddress)"; mac = $mac; state = "$($row.State)" }) }
      }
      return @{ Source = 'Get-NetNeighbor'; Entries = $entries }
    } catch { $entries.Clear() }
  }
  if (Get-Command arp -ErrorAction SilentlyContinue) {
    try {
      $lines = @(arp -a)
      foreach ($line in $lines) {
        if ("$line" -match '^\s*(\d{1,3}(?:\.\d{1,3}){3})\s+((?:[0-9A-Fa-f]{2}-){5}[0-9A-Fa-f]{2})\s+(\S+)') {
          $mac = Format-Mac $Matches[2]
          if ($mac) { [void]$entries.Add([ordered]@{ ip = $Matches[1]; mac = $mac; state = $Matches[3] }) }
        }
      }
      # Windows prints an "Interface: <address> --- 0x<index>" line (its first
      # word translated); another arp's table (net-tools on Linux) is not read.
      if (@($lines | Where-Object { "$_" -match '^\S+: \d{1,3}(\.\d{1,3}){3} --- 0x[0-9a-f]+' }).Count -gt 0) {
        return @{ Source = 'arp -a'; Entries = $entries }
      }
      $entries.Clear()
    } catch { $entries.Clear() }
  }
  @{ Source = 'none'; Entries = $entries }
}

# An entry that shows an ARP answer: Get-NetNeighbor's 'Reachable' (a
# leftover 'Stale' entry from before the split is not an answer), or one
# that outlived the wait below; `arp -a` shows no state, so each of its
# entries counts (it errs towards NOT ISOLATED).
function Test-FreshEntry($entry, [string]$source) {
  if ($source -eq 'arp -a' -or $persisting -contains $entry.ip) { return $true }
  $entry.state -eq 'Reachable'
}

function New-TargetResult([string]$name, [string]$ip, [string]$mac, [string]$route, $pings, $connects, $cache) {
  $probes = [Collections.ArrayList]::new()
  if ($pings) { foreach ($p in $pings) { [void]$probes.Add($p) } }
  if ($connects) { foreach ($p in $connects) { [void]$probes.Add($p) } }
  $entry = $null
  foreach ($candidate in $cache.Entries) { if ($candidate.ip -eq $ip) { $entry = $candidate } }
  $neighbour = [ordered]@{ kind = 'neighbour_cache'; sent = $route -eq 'direct'; answered = $false; mac = $null; state = $null }
  if ($entry) { $neighbour.mac = $entry.mac; $neighbour.state = $entry.state }
  if ($route -eq 'direct' -and $entry -and (Test-FreshEntry $entry $cache.Source)) { $neighbour.answered = $true }
  [void]$probes.Add($neighbour)
  $ipAnswered = @($probes | Where-Object { $_.kind -ne 'neighbour_cache' -and $_.answered }).Count -gt 0
  # On the LAN an IP answer comes from the MAC the PC sent it to: the one in the neighbour cache.
  $responders = [Collections.ArrayList]::new()
  if ($ipAnswered) {
    if ($route -ne 'direct') { [void]$responders.Add('routed') }
    elseif ($entry) { [void]$responders.Add($entry.mac) }
    else { [void]$responders.Add('unknown') }
  }
  if ($neighbour.answered -and -not $responders.Contains($entry.mac)) { [void]$responders.Add($entry.mac) }
  [ordered]@{
    name       = $name
    ip         = $ip
    mac        = $(if ($mac) { $mac } else { $null })
    route      = $route
    answered   = $ipAnswered -or $neighbour.answered
    responders = @($responders | Where-Object { $_ -ne 'routed' -and $_ -ne 'unknown' })
    probes     = $probes.ToArray()
    ip_answered = $ipAnswered
    responder_kinds = $responders.ToArray()
  }
}

# ---- the check -----------------------------------------------------------------
$started = [DateTime]::UtcNow
$networks = Get-LocalNetworks
$gateway = $null
foreach ($network in $networks) { if (-not $gateway -and $network.gateways.Count -gt 0) { $gateway = $network.gateways[0] } }
$labIps = @($Targets | ForEach-Object { $_.Ip })
$controlSource = 'embedded'
if (-not $Control) {
  if ($gateway -and $labIps -notcontains $gateway) { $Control = $gateway; $controlSource = 'default_gateway' }
  else { $controlSource = 'none' }
}
$routes = @{}
foreach ($ip in $labIps + @($Control | Where-Object { $_ })) { $routes[$ip] = Get-Route $ip $networks }
$probed = @($routes.Keys | Where-Object { $routes[$_] -ne 'no_route' })

Write-Host "custode isolation check for '$Client': $($labIps.Count) lab address(es), control $(if ($Control) { $Control } else { 'none' })"
$pings = @{}
$connects = @{}
if ($probed.Count -gt 0) {
  $pings = Invoke-Pings $probed 1 $PingRounds
  $connects = Invoke-TcpConnects $probed
}
$cache = Get-NeighbourCache

# An entry left from before the split still shows the lab's MAC until the PC
# re-checks it: once it is no longer 'Reachable' (15 to 45 s after it was
# last confirmed), a few seconds after the next use (Stale, Delay, Probe;
# `arp -a` shows no state at all). For the addresses that gave no answer but
# have such an entry: ping them every few seconds, for up to a minute, until
# the entry is gone (a failed entry is resolved afresh, by whoever holds the
# address now). A lab that answers ARP keeps its entry, and is caught.
function Get-Unsettled {
  @($probed | Where-Object {
      $ip = $_
      $entry = @($cache.Entries | Where-Object { $_.ip -eq $ip })
      $answered = @($pings[$ip]) + @($connects[$ip]) | Where-Object { $_.answered }
      $routes[$ip] -eq 'direct' -and -not $answered -and $entry.Count -gt 0
    })
}
$round = $PingRounds
$unsettled = Get-Unsettled
$rechecked = $unsettled
if ($unsettled.Count -gt 0) {
  Write-Host "$($unsettled -join ', '): this PC still remembers the lab's MAC; checking again for up to $SettleLimitSeconds s ..."
  Write-Host "$($unsettled -join ', '): questo PC ricorda ancora il MAC del laboratorio; nuova verifica per al massimo $SettleLimitSeconds s ..."
}
$settleDeadline = [DateTime]::UtcNow.AddSeconds($SettleLimitSeconds)
while ($unsettled.Count -gt 0 -and [DateTime]::UtcNow -lt $settleDeadline) {
  Start-Sleep -Seconds $SettleStepSeconds
  $round++
  $again = Invoke-Pings $unsettled $round $round
  foreach ($ip in $unsettled) { $pings[$ip].AddRange($again[$ip]) }
  $cache = Get-NeighbourCache
  $unsettled = Get-Unsettled
}
# Still there after the wait: answered ARP all along, whatever its state now.
$persisting = $unsettled
# Gone: one more ping each, so that whoever holds the address now is asked
# afresh (the loop may have stopped before any ping met the failed entry).
$gone = @($rechecked | Where-Object { $persisting -notcontains $_ })
if ($gone.Count -gt 0) {
  $round++
  $again = Invoke-Pings $gone $round $round
  foreach ($ip in $gone) { $pings[$ip].AddRange($again[$ip]) }
  $cache = Get-NeighbourCache
}

$labMacs = @($Targets | Where-Object { $_.Mac } | ForEach-Object { $_.Mac.ToLowerInvariant() })
$reasons = [Collections.ArrayList]::new()
$warnings = [Collections.ArrayList]::new()
$labAnswered = $false
$routed = $false
$results = [Collections.ArrayList]::new()
foreach ($target in $Targets) {
  $ip = $target.Ip
  $labMac = "$($target.Mac)".ToLowerInvariant()
  $who = $ip + $(if ($target.Name) { " ($($target.Name))" } else { '' })
  $result = New-TargetResult $target.Name $ip $labMac $routes[$ip] $pings[$ip] $connects[$ip] $cache
  foreach ($responder in $result.responder_kinds) {
    if ($labMacs -contains $responder) {
      $labAnswered = $true
      $onlyArp = ''
      if (-not $result.ip_answered) { $onlyArp = ' ARP (its entry in the neighbour cache outlived a minute of checks)' }
      [void]$reasons.Add("${who}: lab MAC $responder answered$onlyArp")
    } elseif ($responder -eq 'routed') {
      $routed = $true
      [void]$warnings.Add([ordered]@{ kind = 'routed_answer'; ip = $ip; mac = $null; detail = "$who answered through the default gateway" })
    } elseif (-not $labMac) {
      $labAnswered = $true
      [void]$reasons.Add("${who}: answered (no lab MAC known: any answer counts)")
    } elseif ($responder -eq 'unknown') {
      $labAnswered = $true
      [void]$reasons.Add("${who}: answered, and the neighbour cache does not say which MAC: counted as the lab's")
    } else {
      [void]$warnings.Add([ordered]@{ kind = 'address_reuse'; ip = $ip; mac = $responder
          detail = "$who is answered by $responder, not the lab MAC ${labMac}: the address is used by another host (reused after the split, or proxy ARP)" })
    }
  }
  if ($routes[$ip] -eq 'no_route') {
    [void]$warnings.Add([ordered]@{ kind = 'no_route'; ip = $ip; mac = $null; detail = "${who}: off this PC's networks and no default route: not probed" })
  }
  if (-not $labMac) {
    [void]$warnings.Add([ordered]@{ kind = 'no_lab_mac'; ip = $ip; mac = $null; detail = "${who}: no lab MAC given: any answer counts as the lab's" })
  }
  $result.Remove('responder_kinds'); $result.Remove('ip_answered')
  [void]$results.Add($result)
}
# A lab MAC freshly in the neighbour cache under any address answered ARP lately.
$labEntries = @($cache.Entries | Where-Object { $labMacs -contains $_.mac -and (Test-FreshEntry $_ $cache.Source) })
foreach ($entry in $labEntries) {
  if (-not ($reasons | Where-Object { $_ -like "*lab MAC $($entry.mac) answered*" })) {
    $labAnswered = $true
    [void]$reasons.Add("the neighbour cache holds lab MAC $($entry.mac) for $($entry.ip) ($($entry.state))")
  }
}

$controlResult = $null
if ($Control) {
  $controlResult = New-TargetResult 'control' $Control '' $routes[$Control] $pings[$Control] $connects[$Control] $cache
  $controlResult.Remove('responder_kinds'); $controlResult.Remove('ip_answered'); $controlResult.Remove('mac')
  $controlResult.source = $controlSource
}

if ($labAnswered) { $verdict = 'not_isolated' }
else {
  $doubts = [Collections.ArrayList]::new()
  if (-not $controlResult) { [void]$doubts.Add('no control host (no router known to this PC)') }
  elseif (-not $controlResult.answered) { [void]$doubts.Add("the control host $Control did not answer: the probes may not reach the LAN") }
  if ($cache.Source -eq 'none') { [void]$doubts.Add('the neighbour cache could not be read (neither Get-NetNeighbor nor arp -a): an ARP answer would be missed') }
  if ($routed) { [void]$doubts.Add('a lab address answered through the default gateway (see warnings)') }
  if ($doubts.Count -gt 0) { $verdict = 'inconclusive'; $reasons = $doubts } else { $verdict = 'isolated' }
}
$finished = [DateTime]::UtcNow

$idBytes = [byte[]]::new(16)
[System.Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($idBytes)
$report = [ordered]@{
  format         = 'custode-isolation-report/1'
  checker        = $Checker
  report_id      = (($idBytes | ForEach-Object { $_.ToString('x2') }) -join '')
  tool           = [ordered]@{ name = $Checker; version = $GeneratedBy; powershell = "$($PSVersionTable.PSVersion)"; edition = "$($PSVersionTable.PSEdition)" }
  who            = [ordered]@{ user = [Environment]::UserName; domain = [Environment]::UserDomainName; computer = [Environment]::MachineName }
  client         = $Client
  targets_source = "embedded (written by custode disconnect on $Created)"
  where          = [ordered]@{
    hostname        = [Environment]::MachineName
    interfaces      = @($networks | ForEach-Object { [ordered]@{ interface = $_.interface; mac = $_.mac; ipv4 = $_.ipv4; gateways = $_.gateways } })
    default_gateway = $gateway
  }
  when           = [ordered]@{
    start_utc   = Get-UtcText $started
    end_utc     = Get-UtcText $finished
    duration_ms = [int64]($finished - $started).TotalMilliseconds
    start_local = $started.ToLocalTime().ToString('yyyy-MM-dd HH:mm:ss zzz', [Globalization.CultureInfo]::InvariantCulture)
  }
  method         = [ordered]@{
    icmp_echo_per_target = $PingRounds
    settle_limit_s       = $SettleLimitSeconds
    settle_rounds        = $round - $PingRounds
    icmp_timeout_ms      = $PingTimeoutMs
    tcp_ports            = $TcpPorts
    tcp_timeout_ms       = $TcpTimeoutMs
    neighbour_source     = $cache.Source
    answers_counted      = 'ICMP echo reply; TCP accepted or refused (RST); the address in the neighbour cache (Reachable, or any arp -a entry)'
  }
  targets        = $results.ToArray()
  control        = $controlResult
  passive        = $null
  capture        = $null
  lab_neighbours = $labEntries
  warnings       = $warnings.ToArray()
  verdict        = $verdict
  reasons        = $reasons.ToArray()
}

$folder = $PSScriptRoot
if (-not $folder) { $folder = (Get-Location).Path }
$stamp = $started.ToString("yyyyMMdd'T'HHmmss'Z'", [Globalization.CultureInfo]::InvariantCulture)
$reportFile = Join-Path $folder ('isolation-{0}-{1}-{2}.json' -f $Client, $stamp, [Environment]::MachineName)
[IO.File]::WriteAllText($reportFile, ($report | ConvertTo-Json -Depth 8 -Compress), [Text.UTF8Encoding]::new($false))
$hash = (Get-FileHash -Algorithm SHA256 -LiteralPath $reportFile).Hash.ToLowerInvariant()

$exitCode = 4
$color = 'Yellow'
$lines = @('INCONCLUSIVE', 'The check could not decide: try again, or call your technician.',
  'NON CONCLUSIVO', 'La verifica non ha potuto decidere: riprovate, o chiamate il vostro tecnico.')
if ($verdict -eq 'isolated') {
  $exitCode = 0; $color = 'Green'
  $lines = @('ISOLATED', 'The lab can no longer be reached from this PC.',
    'ISOLATO', 'Il laboratorio non è più raggiungibile da questo PC.')
} elseif ($verdict -eq 'not_isolated') {
  $exitCode = 1; $color = 'Red'
  $lines = @('NOT ISOLATED', 'The lab still answers on this network: call your technician.',
    'NON ISOLATO', 'Il laboratorio risponde ancora su questa rete: chiamate il vostro tecnico.')
}
Write-Host ''
Write-Host ('  {0}  /  {1}' -f $lines[0], $lines[2]) -ForegroundColor $color
Write-Host "  $($lines[1])"
Write-Host "  $($lines[3])"
Write-Host ''
foreach ($reason in $reasons) { Write-Host "  - $reason" }
foreach ($warning in $warnings) { Write-Host "  ! $($warning.kind): $($warning.detail)" }
Write-Host ''
Write-Host "Report / Rapporto: $reportFile"
Write-Host "SHA-256: $hash"
Write-Host "verdict: $verdict (exit $exitCode)"

# Launched by a double-click or "Run with PowerShell", the window would close
# at once: keep it open until Enter. Pasted into a window: no exit, which would close it.
if ($PSCommandPath) {
  $noWindow = [Console]::IsInputRedirected -or @([Environment]::GetCommandLineArgs() | Where-Object { $_ -like '-NonI*' }).Count -gt 0
  if (-not $noWindow) { [void](Read-Host 'Press Enter to close / Premere Invio per chiudere') }
  exit $exitCode
}
)ps1";

std::string quoted_or_null(const std::optional<std::string>& text) {
    return text ? powershell_quote(*text) : "$null";
}

std::string with_crlf(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 16);
    for (char c : text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

}  // namespace

std::string isolation_script_name(std::string_view client) { return fmt::format("{}-isolation-check.ps1", client); }

std::string isolation_check_script(const TargetsFile& targets, const std::vector<std::uint16_t>& tcp_ports,
                                   std::string_view generated_by) {
    std::string head =
        "$ProgressPreference = 'SilentlyContinue'\n"
        "$ErrorActionPreference = 'Stop'\n"
        "# custode isolation check: does the technician's lab still answer on this network?\n"
        "# Run it on any PC of the office: right-click it, \"Run with PowerShell\" (or paste\n"
        "# it all into a PowerShell window). Nothing to install, no administrator needed.\n"
        "# Verifica di isolamento: tasto destro, \"Esegui con PowerShell\".\n"
        "# It prints ISOLATED, NOT ISOLATED or INCONCLUSIVE and writes a JSON report beside it.\n"
        "\n"
        "# ---- written by custode disconnect for this client ----------------------------\n";
    head += fmt::format("$Client = {}\n$Created = {}\n$GeneratedBy = {}\n$Targets = @(\n",
                        powershell_quote(targets.client), powershell_quote(targets.created),
                        powershell_quote(generated_by));
    for (const auto& target : targets.targets)
        head += fmt::format("  @{{ Name = {}; Ip = {}; Mac = {} }}\n", powershell_quote(target.name),
                            powershell_quote(target.ip.to_string()),
                            quoted_or_null(target.mac ? std::optional(target.mac->to_string()) : std::nullopt));
    head += fmt::format(")\n$Control = {}\n$TcpPorts = @({})\n",
                        quoted_or_null(targets.control ? std::optional(targets.control->to_string()) : std::nullopt),
                        fmt::join(tcp_ports, ", "));
    return "\xEF\xBB\xBF" + with_crlf(head) + with_crlf(script_body);
}

}  // namespace custode
