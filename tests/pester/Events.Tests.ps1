#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Acceptance tests for Get-SwarmEvent: the merged multi-site timeline (docs/events.md).
#   pwsh -c 'Invoke-Pester ./tests/pester/Events.Tests.ps1 -Output Detailed'

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Add-Event([string] $Path, [string] $Line) {
        New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
        Add-Content -Path $Path -Value $Line -Encoding utf8NoBOM
    }

    # Two machines' run directories of one run, as copied back from two centres.
    $script:alphaRun = Join-Path $TestDrive 'alpha-host/runs/demo-001'
    $script:betaRun = Join-Path $TestDrive 'beta-host/runs/demo-001'
    Add-Event "$alphaRun/alpha/events.jsonl" '{"ts":"2026-11-22T07:00:00.000Z","site":"alpha","agent":"ping","kind":"agent_started","pid":10}'
    Add-Event "$betaRun/beta/events.jsonl" '{"ts":"2026-11-22T07:00:00.005Z","site":"beta","agent":"pong","kind":"agent_started","pid":20}'
    Add-Event "$alphaRun/alpha/events.jsonl" '{"ts":"2026-11-22T07:00:00.010Z","site":"alpha","agent":"ping","kind":"message_sent","n":1}'
    Add-Event "$betaRun/beta/events.jsonl" '{"ts":"2026-11-22T07:00:00.020Z","site":"beta","agent":"pong","kind":"message_sent","n":2}'
    Add-Event "$alphaRun/alpha/events.jsonl" '{"ts":"2026-11-22T07:00:00.030Z","site":"alpha","agent":null,"kind":"bootstrap_skipped","reason":"deferred to the operator"}'
}

Describe 'Get-SwarmEvent' {
    It 'merges the run directories of two machines in timestamp order, keeping each site' {
        $events = Get-SwarmEvent -Path $alphaRun, $betaRun
        $events.Site | Should -Be @('alpha', 'beta', 'alpha', 'beta', 'alpha')
        $events[2].Fields['n'] | Should -Be 1
    }

    It 'filters by <Name>' -TestCases @(
        @{ Name = 'kind wildcard'; Arguments = @{ Kind = 'message_*' }; Count = 2 }
        @{ Name = 'site'; Arguments = @{ Site = 'beta' }; Count = 2 }
        @{ Name = 'agent'; Arguments = @{ Agent = 'p*' }; Count = 4 }
        @{ Name = 'time'; Arguments = @{ Since = [datetime]::Parse('2026-11-22T07:00:00.015Z').ToUniversalTime() }; Count = 2 }
    ) {
        param($Name, $Arguments, $Count)
        @(Get-SwarmEvent -Path $alphaRun, $betaRun @Arguments).Count | Should -Be $Count
    }

    It 'warns about a line that is not an event and reads the rest' {
        $run = Join-Path $TestDrive 'corrupt/demo-002'
        Add-Event "$run/alpha/events.jsonl" '{"ts":"2026-11-22T07:00:00.000Z","site":"alpha","agent":"a","kind":"agent_started"}'
        Add-Event "$run/alpha/events.jsonl" 'not json at all'
        $events = Get-SwarmEvent -Path $run -WarningVariable warnings -WarningAction SilentlyContinue
        @($events).Count | Should -Be 1
        $warnings | Should -Match 'not an event'
    }

    It 'fails for a path that does not exist' {
        { Get-SwarmEvent -Path (Join-Path $TestDrive 'nope') -ErrorAction Stop } |
            Should -Throw -ErrorId 'EventPathNotFound,SwarmPS.Cmdlets.GetSwarmEventCommand'
    }
}

Describe 'Get-SwarmEvent -Follow' {
    BeforeAll {
        # Runs -Follow in a runspace of its own (this process, the module imported); .Stop() is Ctrl+C.
        function Start-Follow([string] $Path) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$ModuleManifest'").AddStatement()
            $null = $ps.AddCommand('Get-SwarmEvent').AddParameter('Path', $Path).AddParameter('Follow')
            $output = [Management.Automation.PSDataCollection[psobject]]::new()
            $handle = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]::new(), $output)
            [pscustomobject]@{ PowerShell = $ps; Handle = $handle; Output = $output }
        }
    }

    It 'shows new events as they are appended, with progress under one activity id, and Ctrl+C stops it within 2 s holding no file open' {
        $run = Join-Path $TestDrive 'follow/demo-003'
        $file = "$run/alpha/events.jsonl"
        Add-Event $file '{"ts":"2026-11-22T07:00:00.000Z","site":"alpha","agent":"ping","kind":"agent_started"}'
        $follow = Start-Follow $run
        try {
            Wait-Until { $follow.Output.Count -ge 1 -and $follow.PowerShell.Streams.Progress.Count -ge 1 }
            Add-Event $file '{"ts":"2026-11-22T07:00:01.000Z","site":"alpha","agent":"ping","kind":"message_sent","n":1}'
            Wait-Until { $follow.Output.Count -ge 2 }

            $clock = [Diagnostics.Stopwatch]::StartNew()
            $follow.PowerShell.Stop()
            $null = $follow.Handle.AsyncWaitHandle.WaitOne(10000)

            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            "$($follow.PowerShell.InvocationStateInfo.State)" | Should -Be 'Stopped'
            @($follow.Output.Kind) | Should -Be @('agent_started', 'message_sent')
            $progress = @($follow.PowerShell.Streams.Progress)
            @($progress.ActivityId | Sort-Object -Unique).Count | Should -Be 1
            $progress[0].StatusDescription | Should -Match 'waiting for new events'
            $progress[-1].StatusDescription | Should -Match '^2 event'
            $open = Get-ChildItem "/proc/$PID/fd" | ForEach-Object { $_.LinkTarget }
            $open | Should -Not -Contain (Resolve-Path $file).Path -Because 'a stopped -Follow must not keep the events file open'
        }
        finally {
            $follow.PowerShell.Dispose()
        }
    }
}
