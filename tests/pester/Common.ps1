# Shared bootstrap for every SwarmPS acceptance file. Dot-source it from BeforeAll:
#
#     BeforeAll { . (Join-Path $PSScriptRoot 'Common.ps1') }
#
# It imports the module the way an operator does from a clone (Import-Module ./SwarmPS.psd1 after the build)
# and sets a few variables the pillar files share:
#   $RepoRoot        the repository root
#   $ModuleManifest  the full path of SwarmPS.psd1
#   $PwshPath        $PSHOME/pwsh, for tests that need a fresh session (the module's assemblies never unload);
#                    never the process path, which is `dotnet` when pwsh runs as the dotnet tool
#   $ExamplesRoot    examples/ (campaigns and site profiles the docs use)
# and two helpers the launch files share: Wait-Until and Get-RunProcess (below).

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ModuleManifest = Join-Path $RepoRoot 'SwarmPS.psd1'
$ExamplesRoot = Join-Path $RepoRoot 'examples'
$PwshPath = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

if (-not (Test-Path (Join-Path $RepoRoot 'bin/SwarmPS.Cmdlets.dll'))) {
    throw "SwarmPS is not built: run 'pwsh ./build.ps1' (or 'dotnet build') in $RepoRoot first."
}

# Without -Force: a second pillar file in the same Pester run reuses the loaded module.
Import-Module $ModuleManifest -ErrorAction Stop

# Polls until the condition holds; throws naming it after -Seconds. A generous default: it only matters
# when a test is about to fail, and a loaded CI machine can be slow to start a site or an exchange.
function Wait-Until([scriptblock] $Condition, [int] $Seconds = 60, [int] $PollMilliseconds = 50) {
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while (-not (& $Condition)) {
        if ($clock.Elapsed.TotalSeconds -gt $Seconds) { throw "not reached within $Seconds s: $Condition" }
        Start-Sleep -Milliseconds $PollMilliseconds
    }
}

# Pids of live processes carrying this run's SWARM_RUN_ID (agents, launchers' children; as root, every
# user's), this one excepted: what a stopped run must leave none of.
function Get-RunProcess([string] $RunId) {
    foreach ($directory in Get-ChildItem /proc -Directory | Where-Object Name -Match '^\d+$') {
        try { $environ = [IO.File]::ReadAllText("$($directory.FullName)/environ") } catch { continue }
        if ($environ.Contains("SWARM_RUN_ID=$RunId`0") -and [int] $directory.Name -ne $PID) { [int] $directory.Name }
    }
}
