#Requires -Version 7.4
<#
.SYNOPSIS
    Measures Import-Module ./SwarmPS.psd1 in fresh pwsh sessions (goal: under 1 s), and the first cmdlet call.

.DESCRIPTION
    Each run starts a new $PSHOME/pwsh, so nothing is loaded yet, and prints the time Import-Module took
    inside it (not the pwsh start-up) and the time of a first Get-SwarmSite, which loads the engine and
    reads the built-in profiles. Prints one line per run and the median. Run after the build:
        dotnet pwsh ./bench/import/Measure-Import.ps1 [-Runs 7]
#>
param([int] $Runs = 7)

$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$pwsh = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
$probe = {
    param($Manifest)
    $watch = [Diagnostics.Stopwatch]::StartNew()
    Import-Module $Manifest -ErrorAction Stop
    $import = $watch.Elapsed.TotalMilliseconds
    $watch.Restart()
    $null = Get-SwarmSite
    '{0:F0} {1:F0}' -f $import, $watch.Elapsed.TotalMilliseconds
}

$import = [Collections.Generic.List[double]]::new()
$first = [Collections.Generic.List[double]]::new()
for ($run = 1; $run -le $Runs; $run++) {
    $line = & $pwsh -NoProfile -NonInteractive -Command $probe -args (Join-Path $root 'SwarmPS.psd1')
    $parts = "$line".Trim() -split ' '
    $import.Add([double] $parts[0]); $first.Add([double] $parts[1])
    '{0}: Import-Module {1} ms, first Get-SwarmSite {2} ms' -f $run, $parts[0], $parts[1]
}
$median = { param($values) ($values | Sort-Object)[[int][math]::Floor($values.Count / 2)] }
'median of {0}: Import-Module {1} ms (goal < 1000 ms), first Get-SwarmSite {2} ms; 1-minute load average {3}' -f $Runs,
    (& $median $import), (& $median $first), ((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ')[0]
