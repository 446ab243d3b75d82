#Requires -Version 7.4
<#
.SYNOPSIS
    Times Import-SwarmSignacProject over a signac project of many jobs: the plan (-WhatIf), the import, and a
    second import of the unchanged project.

.DESCRIPTION
    The project is written by tests/python/make_signac_project.py (the tests' generator, without the signac
    package): job i has a job document by i % 5 (complete, failed, running, none, an unknown word), so 40 % of
    the jobs are terminal and promoted, each one a durable (fsync'd) ledger entry. The repository is a real git
    repository initialised with -IdScheme Signac. Prints one line per step, the CPU seconds this pwsh used
    (user + kernel, all threads: on a shared machine the wall clock measures the queue for a core) and the
    load average. Everything is written under a fresh temporary folder, removed at the end.

    Run after the build: dotnet pwsh -NoProfile -File bench/signac-import.ps1 [-Jobs 10000]
#>
param([int] $Jobs = 10000)

$ErrorActionPreference = 'Stop'
$root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
Import-Module (Join-Path $root 'SwarmPS.psd1')
$work = Join-Path ([IO.Path]::GetTempPath()) "swarmps-bench-signac-$PID"
New-Item -ItemType Directory $work | Out-Null
try {
    $project = Join-Path $work 'project'
    $repo = Join-Path $work 'repo'
    New-Item -ItemType Directory $repo | Out-Null
    git -C $repo init --quiet
    Initialize-SwarmRepository -Path $repo -MachineLabel bench -IdScheme Signac | Out-Null
    & python3 (Join-Path $root 'tests/python/make_signac_project.py') $project $Jobs | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "make_signac_project.py failed ($LASTEXITCODE)" }

    $process = [Diagnostics.Process]::GetCurrentProcess()
    $step = {
        param([string] $Name, [scriptblock] $Action)
        $process.Refresh()
        $cpu = $process.TotalProcessorTime
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $result = & $Action
        $watch.Stop()
        $process.Refresh()
        '{0,-22} {1,7:F2} s wall, {2,6:F2} s CPU   {3}' -f $Name, $watch.Elapsed.TotalSeconds, ($process.TotalProcessorTime - $cpu).TotalSeconds, $result
    }

    "Import-SwarmSignacProject, $Jobs jobs (plus the generator's 11 planted bad entries)"
    & $step 'plan (-WhatIf)' { Import-SwarmSignacProject -Path $project -Repository $repo -WhatIf -WarningAction SilentlyContinue 6>$null; 'nothing written' }
    & $step 'import' { $r = Import-SwarmSignacProject -Path $project -Repository $repo -Confirm:$false -WarningAction SilentlyContinue; "imported $($r.Imported), promoted $($r.Promoted)" }
    & $step 'import again' { $r = Import-SwarmSignacProject -Path $project -Repository $repo -Confirm:$false -WarningAction SilentlyContinue; "imported $($r.Imported), skipped $($r.Skipped)" }
    '1-minute load average {0}, {1} cores' -f ((Get-Content /proc/loadavg) -split ' ')[0], [Environment]::ProcessorCount
}
finally {
    Remove-Item -Recurse -Force $work -ErrorAction SilentlyContinue
}
