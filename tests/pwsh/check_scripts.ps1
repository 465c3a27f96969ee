# What custode's Windows scripts must be, checked with PowerShell's own parser
# on its syntax tree: they parse, they use nothing Windows PowerShell 5.1
# lacks (the PCs run 5.1; pwsh 7 would run 7-only syntax and hide it), and
# they silence progress first (else it reaches stderr as CLIXML), they read
# restic's output as it comes, and no native program's stderr is redirected
# under 'Stop' (5.1 would throw on it).
# Usage: pwsh -NoProfile -File check_scripts.ps1 FILE...
#   FILE.ps1 is a script; FILE.cmd a command line "powershell.exe ...
#   -EncodedCommand BASE64" and, on its second line, what custode sends on
#   the command's stdin (base64 of UTF-8): the bootstrap and the script it
#   runs, checked as one text, decoded here. Prints "FILE:LINE: problem" for
#   each problem found and exits 1 if there was any.
using namespace System.Management.Automation.Language
param([Parameter(Mandatory, ValueFromRemainingArguments)][string[]]$Files)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# Commands and parameters that came after 5.1.
$newCommands = @('Get-Error', 'Join-String', 'Test-Json', 'Get-Uptime', 'Remove-Alias', 'Remove-Service',
  'ConvertFrom-Markdown', 'Show-Markdown', 'Get-MarkdownOption', 'Set-MarkdownOption', 'ConvertFrom-SddlString')
$newParameters = @{
  'ForEach-Object'   = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace')
  'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
  'ConvertTo-Json'   = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
  'Get-Content'      = @('AsByteStream')
  'Set-Content'      = @('AsByteStream')
  'Select-String'    = @('Raw', 'NoEmphasis')
  'Test-Connection'  = @('TargetName', 'Ping', 'TcpPort', 'MtuSize', 'Traceroute')
}
$aliases = @{ '%' = 'ForEach-Object'; 'foreach' = 'ForEach-Object' }
# Variables 5.1 does not set: $IsWindows is $null there, so a test of it lies.
$newVariables = @('PSStyle', 'IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSNativeCommandArgumentPassing',
  'PSNativeCommandUseErrorActionPreference')

function Get-ScriptText([string]$file) {
  $text = Get-Content -Raw -LiteralPath $file
  if ($file -notlike '*.cmd') { return $text }
  $command, $stdin = $text -split "`n", 2
  if ($command -notmatch '-EncodedCommand\s+(\S+)') { throw "${file}: no -EncodedCommand" }
  $bootstrap = [Text.Encoding]::Unicode.GetString([Convert]::FromBase64String($Matches[1]))
  if (-not "$stdin".Trim()) { return $bootstrap }
  $bootstrap + "`n" + [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String("$stdin".Trim()))
}

# The parameter of 7-only `names` that `parameterName` (perhaps shortened) means.
function Get-NewParameter([string]$parameterName, [string[]]$names) {
  foreach ($name in $names) {
    if ($name.StartsWith($parameterName, [StringComparison]::OrdinalIgnoreCase) -and $parameterName.Length -ge 2) { return $name }
  }
}

# True when the output of `command` is kept whole (assigned, or inside @() or
# $()) instead of flowing down its pipeline as it comes.
function Test-Collected([Ast]$command) {
  for ($ast = $command.Parent; $ast; $ast = $ast.Parent) {
    if ($ast -is [AssignmentStatementAst] -or $ast -is [ArrayExpressionAst] -or $ast -is [SubExpressionAst]) { return $true }
  }
  $false
}

# The value of the last `$ErrorActionPreference = '...'` written before
# `offset` in the script's text ('Continue', PowerShell's default, if none).
function Get-ErrorActionAt([ScriptBlockAst]$script, [int]$offset) {
  $preference = 'Continue'
  $assignments = $script.FindAll({ param($a) $a -is [AssignmentStatementAst] -and
      $a.Left -is [VariableExpressionAst] -and $a.Left.VariablePath.UserPath -eq 'ErrorActionPreference' }, $true)
  foreach ($a in @($assignments | Sort-Object { $_.Extent.StartOffset })) {
    if ($a.Extent.EndOffset -le $offset) { $preference = "$($a.Right)".Trim("'", '"', ' ') }
  }
  $preference
}

# Windows PowerShell 5.1 turns a native program's redirected stderr (2>&1,
# 2>$null) into error records: under 'Stop' its first line throws. pwsh 7
# does not, so only this check sees it. Native here: a name ending in .exe.
function Test-StderrUnderStop([ScriptBlockAst]$script, [CommandAst]$command) {
  if ($command.GetCommandName() -notlike '*.exe') { return $false }
  $redirected = @($command.Redirections | Where-Object { $_.FromStream -in 'Error', 'All' }).Count
  $redirected -and (Get-ErrorActionAt $script $command.Extent.StartOffset) -eq 'Stop'
}

function Find-Problems([ScriptBlockAst]$script) {
  $found = [Collections.Generic.List[object]]::new()
  $add = { param($ast, $what) $found.Add([pscustomobject]@{ Line = $ast.Extent.StartLineNumber; What = $what }) }
  foreach ($ast in $script.FindAll({ $true }, $true)) {
    switch ($ast) {
      { $_ -is [TernaryExpressionAst] } { & $add $ast 'ternary ?: (PowerShell 7)' }
      { $_ -is [PipelineChainAst] } { & $add $ast 'pipeline chain && or || (PowerShell 7)' }
      { $_ -is [BinaryExpressionAst] -and $_.Operator -eq [TokenKind]::QuestionQuestion } { & $add $ast 'null-coalescing ?? (PowerShell 7)' }
      { $_ -is [AssignmentStatementAst] -and $_.Operator -eq [TokenKind]::QuestionQuestionEquals } { & $add $ast 'null-coalescing assignment ??= (PowerShell 7)' }
      { ($_ -is [MemberExpressionAst] -or $_ -is [IndexExpressionAst]) -and $_.NullConditional } { & $add $ast 'null-conditional ?. or ?[] (PowerShell 7)' }
      { $_ -is [PipelineAst] -and $_.Background } { & $add $ast 'background operator & (PowerShell 6)' }
      { $_ -is [ScriptBlockAst] -and $_.CleanBlock } { & $add $ast 'clean block (PowerShell 7.3)' }
      { $_ -is [BinaryExpressionAst] -and $_.Operator -in [TokenKind]::Ireplace, [TokenKind]::Creplace -and
        $_.Right -is [ArrayLiteralAst] -and @($_.Right.Elements | Where-Object { $_ -is [ScriptBlockExpressionAst] }).Count } {
        & $add $ast '-replace with a script block (PowerShell 6.1)' }
      { $_ -is [VariableExpressionAst] -and $_.VariablePath.UserPath -in $newVariables } {
        & $add $ast "`$$($_.VariablePath.UserPath) (not set in Windows PowerShell 5.1)" }
      { $_ -is [CommandAst] -and $_.GetCommandName() -in 'restic', 'restic.exe' -and (Test-Collected $_) } {
        & $add $ast "restic's output collected whole before it is read (it prints a status line every 100 ms)" }
      { $_ -is [CommandAst] -and (Test-StderrUnderStop $script $_) } {
        & $add $ast "$($_.GetCommandName())'s stderr redirected under `$ErrorActionPreference = 'Stop' (Windows PowerShell 5.1 throws on its first line)" }
      { $_ -is [CommandAst] } {
        $name = $_.GetCommandName()
        if ($name -and $aliases.ContainsKey($name)) { $name = $aliases[$name] }
        if ($name -in $newCommands) { & $add $ast "$name (not in Windows PowerShell 5.1)" }
        elseif ($name -and $newParameters.ContainsKey($name)) {
          foreach ($parameter in @($_.CommandElements | Where-Object { $_ -is [CommandParameterAst] })) {
            $new = Get-NewParameter $parameter.ParameterName $newParameters[$name]
            if ($new) { & $add $parameter "$name -$new (PowerShell 6 or later)" }
          }
        }
      }
    }
  }
  $found
}

# `e and `u{..} escapes in double-quoted strings came with PowerShell 6.
function Find-NewEscapes([Token[]]$tokens) {
  foreach ($token in $tokens) {
    if ($token -is [StringExpandableToken] -and $token.Text -match '`(e|u\{)') {
      [pscustomobject]@{ Line = $token.Extent.StartLineNumber; What = 'escape `e or `u{} (PowerShell 6)' }
    }
  }
}

function Test-QuietProgress([ScriptBlockAst]$script) {
  $first = @($script.EndBlock.Statements)[0]
  $first -and "$first" -replace '\s+', ' ' -eq "`$ProgressPreference = 'SilentlyContinue'"
}

$failed = $false
foreach ($file in $Files) {
  $tokens = $null; $errors = $null
  $script = [Parser]::ParseInput((Get-ScriptText $file), [ref]$tokens, [ref]$errors)
  $problems = @(foreach ($e in $errors) { [pscustomobject]@{ Line = $e.Extent.StartLineNumber; What = "parse error: $($e.Message)" } })
  if (-not $errors) {
    $problems += @(Find-Problems $script) + @(Find-NewEscapes $tokens)
    if (-not (Test-QuietProgress $script)) {
      $problems += [pscustomobject]@{ Line = 1; What = "does not begin with `$ProgressPreference = 'SilentlyContinue'" }
    }
  }
  foreach ($p in $problems) { [Console]::Out.WriteLine("${file}:$($p.Line): $($p.What)"); $failed = $true }
}
exit ([int]$failed)
