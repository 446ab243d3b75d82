# Acceptance test of watching peers after startup: two detached sites against a real exchange on
# 127.0.0.1, beta's launcher and agent killed with SIGKILL, and what the operator then sees on alpha:
# Get-SwarmEvent -Kind peer_lost naming the lost peer, and a site stopped because on_peer_lost: stop.
# Run from the repository root after building: Invoke-Pester ./tests/pester/PeerWatch.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Bed = Start-TwoSiteBed
    $script:Exchange = $script:Bed.Exchange
    $script:ExchangeState = $script:Bed.ExchangeState

    function Read-Status([string] $RunId, [string] $Site) {
        $file = Join-Path $TestDrive "$Site-host/runs/$RunId/$Site/status.json"
        if (Test-Path $file) { Get-Content -Raw $file | ConvertFrom-Json }
    }

    function Get-RunDirectory([string] $RunId) {
        'alpha', 'beta' | ForEach-Object { Join-Path $TestDrive "$_-host/runs/$RunId" }
    }
}

AfterAll {
    Stop-TwoSiteBed $script:Bed
}

Describe 'A peer lost mid-run, with on_peer_lost: <Policy>' -ForEach @(
    @{ Policy = 'stop'; FinalState = 'Stopped' }
    @{ Policy = 'continue'; FinalState = 'Running' }
) {
    BeforeAll {
        $script:RunId = "pester-lost-$Policy-" + [Guid]::NewGuid().ToString('N').Substring(0, 6)
        $campaign = Join-Path $TestDrive "watch-$Policy.yaml"
        Set-Content -Path $campaign -Value @"
name: watch
initial_agent: a
user_task: wait
on_peer_lost: $Policy
exchange:
  heartbeat_interval: 1s
  stale_after: 3s
agents:
  - name: a
    site: alpha
    command: ["sleep", "300"]
    peers: [b]
  - name: b
    site: beta
    command: ["sleep", "300"]
    peers: [a]
"@
        $null = Import-SwarmCampaign $campaign | Start-SwarmSite -RunId $script:RunId -Site alpha -Detach -Confirm:$false
        $null = Import-SwarmCampaign $campaign | Start-SwarmSite -RunId $script:RunId -Site beta -Detach -Confirm:$false
        Wait-Until { (Read-Status $script:RunId alpha).State -eq 'Running' -and (Read-Status $script:RunId beta).State -eq 'Running' }

        # kill -9 beta's launcher and agent: no goodbye, no terminated mailbox, just silence.
        $beta = Read-Status $script:RunId beta
        foreach ($victim in @($beta.Launcher.Pid) + @($beta.Agents.Process.Pid)) {
            Stop-Process -Id $victim -Force
        }

        $clock = [Diagnostics.Stopwatch]::StartNew()
        Wait-Until { @(Get-SwarmEvent -Path (Get-RunDirectory $script:RunId) -Kind peer_lost).Count -ge 1 } -Seconds 10
        $script:NoticedAfter = $clock.Elapsed
        $script:Lost = @(Get-SwarmEvent -Path (Get-RunDirectory $script:RunId) -Kind peer_lost)
        if ($Policy -eq 'stop') {
            Wait-Until { (Read-Status $script:RunId alpha).State -eq 'Stopped' } -Seconds 15
        }
        else {
            Start-Sleep -Seconds 2
        }
        $script:Alpha = Read-Status $script:RunId alpha
    }

    AfterAll {
        Stop-SwarmSite -RunId $script:RunId -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    }

    It 'shows one peer_lost on alpha naming b within stale_after and some slack' {
        $script:Lost.Count | Should -Be 1
        $script:Lost[0].Site | Should -Be 'alpha'
        $script:Lost[0].Field('peer') | Should -Be 'b'
        $script:Lost[0].Field('peer_site') | Should -Be 'beta'
        $script:Lost[0].Field('on_peer_lost') | Should -Be $Policy
        $script:NoticedAfter.TotalSeconds | Should -BeLessThan 9
    }

    It 'shows the loss in Get-SwarmEvent''s table' {
        $table = Get-SwarmEvent -Path (Get-RunDirectory $script:RunId) -Kind peer_lost | Out-String -Width 200
        $table | Should -Match 'alpha\s+peer_lost'
        $table | Should -Match 'peer=b'
        $table | Should -Match 'stale_after_ms=3000'
    }

    It 'leaves alpha <FinalState>, and a stopped alpha says which peer it lost' {
        $script:Alpha.State | Should -Be $FinalState
        if ($Policy -eq 'stop') {
            $script:Alpha.Problem | Should -BeLike "PeerLost: Peer 'b' (site beta)*on_peer_lost: stop*"
            (Get-SwarmEvent -Path (Get-RunDirectory $script:RunId) -Kind site_stopped).Field('reason') | Should -Be 'peer_lost'
        }
        else {
            $script:Alpha.Problem | Should -BeNullOrEmpty
            Get-Process -Id $script:Alpha.Agents[0].Process.Pid | Should -Not -BeNullOrEmpty
        }
    }
}
