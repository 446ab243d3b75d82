# Acceptance tests of the launch cmdlets: the federated counter of examples/federated-chat run through
# Start-SwarmSite -Detach (two sites, each its own run root), Send-SwarmBootstrap, Get-SwarmAgent,
# Get-SwarmEvent and Stop-SwarmSite against a real exchange on 127.0.0.1, plus their error ids.
# Needs python3 on PATH (the agent is examples/federated-chat/agent.py).
# Run from the repository root after building: Invoke-Pester ./tests/pester/Launch.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Saved = @{}
    foreach ($name in 'SWARMPS_SITE_PATH', 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN') {
        $script:Saved[$name] = [Environment]::GetEnvironmentVariable($name)
    }

    # Two local sites standing in for two centres, each with its own run root on TestDrive.
    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    foreach ($site in 'alpha', 'beta') {
        Set-Content -Path (Join-Path $sites "$site.yaml") -Value "scheduler: local`nrun_root: $(Join-Path $TestDrive "$site-host/runs")`n"
    }
    $env:SWARMPS_SITE_PATH = $sites.FullName

    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:ExchangeState = Join-Path $TestDrive 'exchange'
    $script:Exchange = Start-SwarmExchange -StateDirectory $script:ExchangeState -PassThru -Confirm:$false
    $env:SWARM_EXCHANGE_URL = $script:Exchange.Url.ToString()

    # The counter campaign with the agent's absolute path, so it runs from any location; no pace.
    $agent = ConvertTo-Json (Join-Path $RepoRoot 'examples/federated-chat/agent.py')
    $script:Campaign = Join-Path $TestDrive 'counter.yaml'
    Set-Content -Path $script:Campaign -Value @"
name: pester-counter
initial_agent: ping
user_task: Count from 1 to 10, one number per turn.
startup_timeout: 60
exchange:
  heartbeat_interval: 1s
agents:
  - name: ping
    site: alpha
    command: ["python3", $agent, "--stop-at", "10", "--idle-timeout", "60"]
    peers: [pong]
  - name: pong
    site: beta
    command: ["python3", $agent, "--stop-at", "10", "--idle-timeout", "60"]
    peers: [ping]
"@

    function Get-RunDirectory([string] $RunId) {
        'alpha', 'beta' | ForEach-Object { Join-Path $TestDrive "$_-host/runs/$RunId" }
    }

    function New-RunId([string] $Prefix) {
        "$Prefix-" + [Guid]::NewGuid().ToString('N').Substring(0, 8)
    }
}

AfterAll {
    Stop-SwarmExchange -StateDirectory $script:ExchangeState -Confirm:$false -ErrorAction SilentlyContinue
    foreach ($name in $script:Saved.Keys) {
        [Environment]::SetEnvironmentVariable($name, $script:Saved[$name])
    }
}

Describe 'A federated counter on two detached sites' {
    BeforeAll {
        $script:RunId = New-RunId 'pester-counter'
        $script:Alpha = Import-SwarmCampaign $script:Campaign | Select-SwarmAgent ping |
            Start-SwarmSite -RunId $script:RunId -Site alpha -Detach -Confirm:$false
        $script:Beta = Import-SwarmCampaign $script:Campaign | Select-SwarmAgent pong |
            Start-SwarmSite -RunId $script:RunId -Site beta -Detach -Confirm:$false
        $script:Receipt = Import-SwarmCampaign $script:Campaign | Send-SwarmBootstrap -RunId $script:RunId -Timeout 60 -Confirm:$false

        # Both sites finished (their launchers record site_finished after the agents' last exit), or 90 s.
        $deadline = (Get-Date).AddSeconds(90)
        do {
            Start-Sleep -Milliseconds 250
            $ended = @(Get-SwarmEvent -Path (Get-RunDirectory $script:RunId) -Kind site_finished, site_failed, site_stopped)
        } until ($ended.Count -ge 2 -or (Get-Date) -gt $deadline)
        $script:Agents = @(Get-SwarmAgent -RunId $script:RunId)
        $script:Timeline = @(Get-SwarmEvent -Path (Get-RunDirectory $script:RunId))
    }

    AfterAll {
        Stop-SwarmSite -RunId $script:RunId -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    }

    It 'returns each site''s status as soon as its detached launcher has started' {
        $script:Alpha.Site | Should -Be 'alpha'
        $script:Beta.Site | Should -Be 'beta'
        $script:Alpha.Launcher.Pid | Should -Not -Be $PID
        $script:Alpha.Launcher.Pid | Should -Not -Be $script:Beta.Launcher.Pid
        "$($script:Alpha.State)" | Should -BeIn 'Starting', 'WaitingForPeers', 'Running'
    }

    It 'keeps separate run directories per site' {
        Join-Path $TestDrive "alpha-host/runs/$($script:RunId)/alpha/status.json" | Should -Exist
        Join-Path $TestDrive "beta-host/runs/$($script:RunId)/beta/status.json" | Should -Exist
        Join-Path $TestDrive "alpha-host/runs/$($script:RunId)/beta" | Should -Not -Exist
    }

    It 'delivers the kickoff once to the initial agent' {
        $script:Receipt.Recipient | Should -Be 'ping'
        $script:Receipt.Duplicate | Should -BeFalse
        $script:Receipt.RecipientId | Should -Be (Get-SwarmAgentId -RunId $script:RunId -Name ping).Id
    }

    It 'finishes both sites' {
        $finished = $script:Timeline | Where-Object Kind -eq 'site_finished'
        @($finished.Site | Sort-Object) | Should -Be @('alpha', 'beta')
        $script:Timeline | Where-Object Kind -eq 'site_failed' | Should -BeNullOrEmpty
    }

    It 'shows ten counts alternating between the sites in the merged timeline' {
        $sent = @($script:Timeline | Where-Object Kind -eq 'message_sent')
        @($sent | ForEach-Object { $_.Field('n') }) | Should -Be @(1..10 | ForEach-Object { "$_" })
        @($sent.Site) | Should -Be @(1..10 | ForEach-Object { if ($_ % 2) { 'alpha' } else { 'beta' } })
    }

    It 'records that the kickoff was deferred to the operator on alpha' {
        $skipped = @($script:Timeline | Where-Object { $_.Kind -eq 'bootstrap_skipped' -and $_.Site -eq 'alpha' })
        $skipped.Count | Should -Be 1
        $skipped[0].Field('reason') | Should -Match 'Send-SwarmBootstrap'
    }

    It 'reports every agent exited 0 with its messages counted' {
        $script:Agents.Count | Should -Be 2
        foreach ($agent in $script:Agents) {
            "$($agent.State)" | Should -Be 'Exited'
            $agent.LastExitCode | Should -Be 0
            $agent.MessagesOut | Should -Be 5
        }
        ($script:Agents | Where-Object Name -eq 'pong').Site | Should -Be 'beta'
    }

    It 'stops nothing that is not running, and is idempotent' {
        $first = @(Stop-SwarmSite -RunId $script:RunId -Confirm:$false)
        $second = @(Stop-SwarmSite -RunId $script:RunId -Confirm:$false)
        $first.Count | Should -Be 2
        foreach ($result in $first + $second) {
            "$($result.State)" | Should -Be 'Finished'
        }
        foreach ($result in $second) {
            $result.StoppedPids | Should -BeNullOrEmpty
            $result.LauncherWasRunning | Should -BeFalse
        }
        foreach ($site in $script:Alpha, $script:Beta) {
            # Pid and start time: a recycled pid does not count, an unreaped zombie is not alive.
            $site.Launcher.Identity.IsAlive | Should -BeFalse -Because 'the launcher ends with its site'
        }
    }

    It 'leaves no message pending on the exchange' {
        (Get-SwarmExchange -StateDirectory $script:ExchangeState).PendingMessages | Should -Be 0
    }
}

Describe 'Launch errors' {
    It 'refuses a site that has none of the selected agents (NoAgentsForSite)' {
        { Import-SwarmCampaign $script:Campaign | Select-SwarmAgent ping |
                Start-SwarmSite -RunId (New-RunId 'pester-noagents') -Site beta -Confirm:$false } |
            Should -Throw -ErrorId 'NoAgentsForSite,SwarmPS.Cmdlets.StartSwarmSiteCommand'
    }

    It 'refuses agents on two sites without -Site (SiteAmbiguous)' {
        { Import-SwarmCampaign $script:Campaign | Start-SwarmSite -RunId (New-RunId 'pester-ambiguous') -Confirm:$false } |
            Should -Throw -ErrorId 'SiteAmbiguous,SwarmPS.Cmdlets.StartSwarmSiteCommand'
    }

    It 'refuses an agent program that does not exist before anything starts (AgentCommandNotFound)' {
        $broken = Join-Path $TestDrive 'broken.yaml'
        Set-Content -Path $broken -Value @"
name: broken
initial_agent: solo
user_task: nothing
agents:
  - name: solo
    site: alpha
    command: ["swarmps-no-such-program-4f1c"]
"@
        $runId = New-RunId 'pester-nocommand'
        { Import-SwarmCampaign $broken | Start-SwarmSite -RunId $runId -Site alpha -Confirm:$false } |
            Should -Throw -ErrorId 'AgentCommandNotFound,SwarmPS.Cmdlets.StartSwarmSiteCommand'
        Join-Path $TestDrive "alpha-host/runs/$runId/alpha/status.json" | Should -Not -Exist
    }

    It 'names an unknown bootstrap recipient (BootstrapRecipientNotFound)' {
        { Import-SwarmCampaign $script:Campaign |
                Send-SwarmBootstrap -RunId (New-RunId 'pester-recipient') -Recipient nobody -Timeout 1 -Confirm:$false } |
            Should -Throw -ErrorId 'BootstrapRecipientNotFound,SwarmPS.Cmdlets.SendSwarmBootstrapCommand'
    }

    It '<Command> reports a run never started here (RunNotFound)' -TestCases @(
        @{ Command = 'Get-SwarmAgent'; Class = 'GetSwarmAgentCommand' }
        @{ Command = 'Stop-SwarmSite'; Class = 'StopSwarmSiteCommand' }
    ) {
        param($Command, $Class)
        { & $Command -RunId 'pester-never-started' } | Should -Throw -ErrorId "RunNotFound,SwarmPS.Cmdlets.$Class"
    }
}

Describe '-WhatIf' {
    It 'Start-SwarmSite -WhatIf starts, registers and writes nothing' {
        $runId = New-RunId 'pester-whatif'
        $result = Import-SwarmCampaign $script:Campaign | Select-SwarmAgent ping |
            Start-SwarmSite -RunId $runId -Site alpha -Detach -WhatIf
        $result | Should -BeNullOrEmpty
        Join-Path $TestDrive "alpha-host/runs/$runId" | Should -Not -Exist
        { Get-SwarmAgent -RunId $runId } | Should -Throw -ErrorId 'RunNotFound,SwarmPS.Cmdlets.GetSwarmAgentCommand'
        # A real start with the same run id right after must not collide with anything -WhatIf left.
        @(Get-SwarmMailbox -RunId $runId -Name ping -ErrorAction SilentlyContinue | Where-Object State -eq 'Active') |
            Should -BeNullOrEmpty
    }

    It 'Send-SwarmBootstrap -WhatIf sends nothing' {
        Import-SwarmCampaign $script:Campaign | Send-SwarmBootstrap -RunId (New-RunId 'pester-whatif') -WhatIf |
            Should -BeNullOrEmpty
    }
}
