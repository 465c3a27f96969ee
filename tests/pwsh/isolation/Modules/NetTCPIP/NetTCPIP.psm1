# Windows' Get-NetNeighbor (module NetTCPIP), for the isolation-check.ps1
# test on Linux pwsh, made from `ip -j neigh` in the namespace it runs in:
# IPAddress, LinkLayerAddress (upper case, dashes; all zeros when unknown, as
# Windows shows an unreachable entry) and State, Linux's states under
# Windows' names. What it cannot model: how a real Windows times its states
# (docs/isolation.md).
function Get-NetNeighbor {
  [CmdletBinding()]
  param([string]$AddressFamily = 'IPv4')
  $states = @{ REACHABLE = 'Reachable'; STALE = 'Stale'; DELAY = 'Delay'; PROBE = 'Probe'; FAILED = 'Unreachable'
    INCOMPLETE = 'Incomplete'; PERMANENT = 'Permanent'; NOARP = 'Permanent' }
  foreach ($entry in @(ip -j -4 neigh show | ConvertFrom-Json)) {
    $mac = '00-00-00-00-00-00'
    if ($entry.lladdr) { $mac = $entry.lladdr.ToUpperInvariant().Replace(':', '-') }
    [pscustomobject]@{ IPAddress = $entry.dst; LinkLayerAddress = $mac; State = $states["$(@($entry.state)[0])"] }
  }
}
Export-ModuleMember -Function Get-NetNeighbor
