#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Acceptance tests for Get-SwarmEvent: the merged multi-site timeline (docs/events.md).
#   pwsh -c 'Invoke-Pester ./tests/pester/Events.Tests.ps1 -Output Detailed'

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../SwarmPS.psd1') -Force

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
