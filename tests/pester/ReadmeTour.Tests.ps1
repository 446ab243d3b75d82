# The README's tour, every line as written, in a fresh pwsh from the clone's root, twice in a row: the
# README cannot rot, and the tour leaves nothing behind that would break its next run. The only thing
# added is the harness's first line, which turns any error (also a non-terminating one) into a failure.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # The first ```powershell block under "## A short tour".
    $readme = Get-Content -Raw -Path (Join-Path $RepoRoot 'README.md')
    if ($readme -notmatch '(?s)## A short tour.*?```powershell\r?\n(?<tour>.*?)```') {
        throw 'README.md has no ```powershell block under "## A short tour"; the tour test reads it from there.'
    }
    $script:Tour = $Matches.tour
    $script:TourScript = Join-Path $TestDrive 'tour.ps1'
    # After the tour, the harness reports what it left in the experiment and the run directories, from
    # the tour's own variables, as one JSON line.
    $report = @'
if ($Error.Count) { throw "the tour recorded $($Error.Count) error(s): $($Error[0])" }
$ledger = @(Get-SwarmLedger -Repository $experiment)
$events = @(Get-SwarmEvent $runs)
'TOUR-REPORT ' + (@{
    Entries  = $ledger.Count
    Statuses = @($ledger.Status | ForEach-Object ToString | Sort-Object -Unique)
    Messages = @($events | Where-Object Kind -eq 'message_sent').Count
    Exited   = @($events | Where-Object Kind -eq 'agent_exited').Count
} | ConvertTo-Json -Compress)
'@
    Set-Content -Path $TourScript -Value ("`$ErrorActionPreference = 'Stop'`n" + $Tour + "`n" + $report)

    # Runs the tour in a fresh pwsh at the clone's root, with none of this session's SwarmPS settings.
    function Invoke-Tour([string] $Log) {
        $saved = @{}
        foreach ($name in 'SWARMPS_SITE_PATH', 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN') {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $null)
        }
        Push-Location $RepoRoot
        try {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            & $PwshPath -NoProfile -NonInteractive -File $TourScript *> $Log
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Seconds = $watch.Elapsed.TotalSeconds; Output = Get-Content -Raw $Log }
        }
        finally {
            Pop-Location
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    # The ids of runs this tour started, by the SWARM_RUN_ID in each live process's environment.
    function Get-TourProcess {
        Get-ChildItem /proc -Directory -ErrorAction Ignore | Where-Object Name -match '^\d+$' | ForEach-Object {
            $environ = Join-Path $_.FullName 'environ'
            try { $text = [IO.File]::ReadAllText($environ) } catch { return }
            if ($text -match "(^|`0)SWARM_RUN_ID=tour-") { [int] $_.Name }
        }
    }
}

Describe 'The README tour' {
    It 'runs as written, <Attempt>, and leaves no agent running' -TestCases @(
        @{ Attempt = 'the first time'; Log = 'tour-1.log' }
        @{ Attempt = 'again right after'; Log = 'tour-2.log' }
    ) {
        $result = Invoke-Tour -Log (Join-Path $TestDrive $Log)
        $result.ExitCode | Should -Be 0 -Because "the tour failed:`n$($result.Output)"
        $line = ($result.Output -split "`n" | Where-Object { $_ -like 'TOUR-REPORT *' }) -replace '^TOUR-REPORT '
        $line | Should -Not -BeNullOrEmpty -Because "the tour ended without its report:`n$($result.Output)"
        $report = $line | ConvertFrom-Json
        # The counter went back and forth ten times across the two sites, and both agents ended.
        $report.Messages | Should -BeGreaterOrEqual 10
        $report.Exited | Should -Be 2
        # The sweep's 18 tasks (2 lr x 3 depth x 3 seeds) all completed and reached the ledger.
        $report.Entries | Should -Be 18
        $report.Statuses | Should -Be @('Complete') -Because "every task of the sweep should succeed:`n$($result.Output)"
        @(Get-TourProcess) | Should -BeNullOrEmpty
        Write-Host ("README tour ({0}): {1:N1} s" -f $Attempt, $result.Seconds)
    }
}
