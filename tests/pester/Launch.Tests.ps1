# Acceptance tests of the launch cmdlets: the federated counter of examples/federated-chat run through
# Start-SwarmSite -Detach (two sites, each its own run root), Send-SwarmBootstrap, Get-SwarmAgent,
# Get-SwarmEvent and Stop-SwarmSite against a real exchange on 127.0.0.1, plus their error ids.
# Needs python3 on PATH (the agent is examples/federated-chat/agent.py).
# Run from the repository root after building: Invoke-Pester ./tests/pester/Launch.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Bed = Start-TwoSiteBed
    $script:Exchange = $script:Bed.Exchange
    $script:ExchangeState = $script:Bed.ExchangeState

    # The counter campaign with the agent's absolute path, so it runs from any location; no pace.
    $script:Campaign = New-CounterCampaign 'pester-counter' -Agent (Join-Path $RepoRoot 'examples/federated-chat/agent.py')

    function Get-RunDirectory([string] $RunId) {
        'alpha', 'beta' | ForEach-Object { Join-Path $TestDrive "$_-host/runs/$RunId" }
    }

    # A one-agent campaign on alpha; the agent's command is given as a YAML flow list.
    function New-SoloCampaign([string] $Command, [int] $RestartLimit = 0) {
        $path = Join-Path $TestDrive "solo-$([Guid]::NewGuid().ToString('N').Substring(0, 8)).yaml"
        Set-Content -Path $path -Value @"
name: solo
initial_agent: solo
user_task: nothing
startup_timeout: 60
exchange:
  heartbeat_interval: 1s
agents:
  - name: solo
    site: alpha
    command: $Command
    restart_limit: $RestartLimit
"@
        $path
    }

    # A command in a runspace of its own (this process, the module imported), as an operator's session
    # runs it; .Stop() is what Ctrl+C does. Returns the PowerShell object and its output collection.
    function Start-InRunspace([string] $Script, [hashtable] $Parameters = @{}) {
        $ps = [powershell]::Create()
        $null = $ps.AddScript("Import-Module '$ModuleManifest'; Set-Location -LiteralPath '$TestDrive'").AddStatement()
        $null = $ps.AddScript($Script)
        foreach ($name in $Parameters.Keys) { $null = $ps.AddParameter($name, $Parameters[$name]) }
        $output = [Management.Automation.PSDataCollection[psobject]]::new()
        $handle = $ps.BeginInvoke([Management.Automation.PSDataCollection[psobject]]::new(), $output)
        [pscustomobject]@{ PowerShell = $ps; Handle = $handle; Output = $output }
    }

    function Stop-InRunspace($Run) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $Run.PowerShell.Stop()
        $null = $Run.Handle.AsyncWaitHandle.WaitOne(10000)
        $clock.Elapsed
    }

    function Read-Status([string] $RunId, [string] $Site = 'alpha') {
        $file = Join-Path $TestDrive "$Site-host/runs/$RunId/$Site/status.json"
        if (Test-Path $file) { Get-Content -Raw $file | ConvertFrom-Json }
    }
}

AfterAll {
    Stop-TwoSiteBed $script:Bed
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

    It 'returns each site''s status once its detached launcher has registered its agents' {
        $script:Alpha.Site | Should -Be 'alpha'
        $script:Beta.Site | Should -Be 'beta'
        $script:Alpha.Launcher.Pid | Should -Not -Be $PID
        $script:Alpha.Launcher.Pid | Should -Not -Be $script:Beta.Launcher.Pid
        "$($script:Alpha.State)" | Should -BeIn 'WaitingForPeers', 'Running', 'Finished'
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
            # Pid and start time: a recycled pid does not count, an unreaped zombie is not alive. The
            # launcher writes "finished" and then exits; on a loaded machine that takes a moment.
            $deadline = [DateTime]::UtcNow.AddSeconds(15)
            while ($site.Launcher.Identity.IsAlive -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $site.Launcher.Identity.IsAlive | Should -BeFalse -Because 'the launcher ends with its site'
        }
    }

    It 'leaves no message pending on the exchange' {
        (Get-SwarmExchange -StateDirectory $script:ExchangeState).PendingMessages | Should -Be 0
    }

    It 'keeps every file of the launch and of the exchange readable by its owner only' {
        # A login node is shared: run directories and the exchange's state are 0700, what is in them 0600.
        $roots = @(Join-Path $TestDrive 'alpha-host/runs'; Join-Path $TestDrive 'beta-host/runs'; $script:ExchangeState)
        $entries = @($roots | ForEach-Object { Get-Item -LiteralPath $_; Get-ChildItem -LiteralPath $_ -Recurse -Force })
        $names = $entries | ForEach-Object { $_.FullName.Substring($TestDrive.Length) }
        $names | Should -Contain "/alpha-host/runs/$($script:RunId)/alpha/launcher.log"
        $names | Should -Contain "/beta-host/runs/$($script:RunId)/beta/agents/pong/stdout.log"
        $names | Should -Contain '/exchange/exchange.db-wal'
        $names | Should -Contain '/exchange/exchange.out'
        foreach ($entry in $entries) {
            $expected = if ($entry.PSIsContainer) { 'drwx------' } else { '-rw-------' }
            "$($entry.FullName.Substring($TestDrive.Length)) $($entry.UnixMode)" | Should -Be "$($entry.FullName.Substring($TestDrive.Length)) $expected"
        }
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

Describe 'A run id names one launch' {
    It 'refuses to launch again under a finished run id (RunIdAlreadyUsed), and the old run''s counts stay its own' {
        $campaign = New-SoloCampaign '["sh", "-c", "exit 0"]'
        $runId = New-RunId 'pester-reuse'
        $first = Import-SwarmCampaign $campaign | Start-SwarmSite -RunId $runId -Site alpha -Confirm:$false
        "$($first.State)" | Should -Be 'Finished'
        $events = @(Get-SwarmEvent -Path (Join-Path $TestDrive "alpha-host/runs/$runId")).Count

        $clock = [Diagnostics.Stopwatch]::StartNew()
        $thrown = { Import-SwarmCampaign $campaign | Start-SwarmSite -RunId $runId -Site alpha -Detach -Confirm:$false } |
            Should -Throw -ErrorId 'RunIdAlreadyUsed,SwarmPS.Cmdlets.StartSwarmSiteCommand' -PassThru

        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $thrown.Exception.Message | Should -Match "'$runId'"
        $thrown.ErrorDetails.RecommendedAction | Should -Match 'new run id'
        $thrown.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape("Remove-Item -Recurse -LiteralPath '$(Join-Path $TestDrive "alpha-host/runs/$runId")'"))
        @(Get-SwarmEvent -Path (Join-Path $TestDrive "alpha-host/runs/$runId")).Count | Should -Be $events
        $agent = Get-SwarmAgent -RunId $runId -Site alpha
        "$($agent.State)" | Should -Be 'Exited'
        $agent.LastExitCode | Should -Be 0
    }
}

Describe 'Start-SwarmSite -Detach checks what it can before detaching' {
    It 'fails at once with <ErrorId> and starts nothing' -TestCases @(
        @{ ErrorId = 'ExchangeUnreachable'; Case = 'down' }
        @{ ErrorId = 'ExchangeUnauthorized'; Case = 'token' }
        @{ ErrorId = 'AgentCommandNotFound'; Case = 'program' }
    ) {
        param($ErrorId, $Case)
        $runId = New-RunId 'pester-preflight'
        $campaign = New-SoloCampaign $(if ($Case -eq 'program') { '["swarmps-no-such-program-4f1c"]' } else { '["sleep", "300"]' })
        $arguments = @{ RunId = $runId; Site = 'alpha'; Detach = $true; Confirm = $false }
        if ($Case -eq 'down') {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0); $listener.Start()
            $port = $listener.LocalEndpoint.Port; $listener.Stop()
            $arguments.ExchangeUrl = "http://127.0.0.1:$port/"
        }
        $token = $env:SWARM_EXCHANGE_TOKEN
        if ($Case -eq 'token') { $env:SWARM_EXCHANGE_TOKEN = 'not-the-token-of-this-exchange' }
        try {
            $clock = [Diagnostics.Stopwatch]::StartNew()
            { Import-SwarmCampaign $campaign | Start-SwarmSite @arguments } |
                Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.StartSwarmSiteCommand"
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        }
        finally {
            $env:SWARM_EXCHANGE_TOKEN = $token
        }
        Join-Path $TestDrive "alpha-host/runs/$runId" | Should -Not -Exist
        @(Get-RunProcess $runId) | Should -BeNullOrEmpty
    }

    It 'refuses to detach from a cmdlet that did not come from the imported module with SwarmModuleNotImported, starting nothing' {
        # A host that adds the cmdlet class on its own (no module): there is no module for the child to import.
        $runId = New-RunId 'pester-nomodule'
        $loaded = Import-SwarmCampaign (New-SoloCampaign '["sleep", "300"]')
        $state = [Management.Automation.Runspaces.InitialSessionState]::CreateDefault2()
        $state.Commands.Add([Management.Automation.Runspaces.SessionStateCmdletEntry]::new('Start-SwarmSite', (Get-Command Start-SwarmSite).ImplementingType, $null))
        $ps = [powershell]::Create($state)
        try {
            $null = $ps.AddScript('param($Campaign, $RunId) try { $Campaign | Start-SwarmSite -RunId $RunId -Site alpha -Detach -Confirm:$false } catch { $_.FullyQualifiedErrorId }').AddParameter('Campaign', $loaded).AddParameter('RunId', $runId)
            $ps.Invoke() | Should -Be 'SwarmModuleNotImported,SwarmPS.Cmdlets.StartSwarmSiteCommand'
        }
        finally {
            $ps.Dispose()
        }
        Join-Path $TestDrive "alpha-host/runs/$runId" | Should -Not -Exist
        @(Get-RunProcess $runId) | Should -BeNullOrEmpty
    }

    It 'refuses a site already running here (SiteAlreadyRunning) and a run id live elsewhere (MailboxExists), naming real cmdlets' {
        $campaign = New-SoloCampaign '["sleep", "300"]'
        $runId = New-RunId 'pester-twice'
        $started = Import-SwarmCampaign $campaign | Start-SwarmSite -RunId $runId -Site alpha -Detach -Confirm:$false
        try {
            "$($started.State)" | Should -BeIn 'WaitingForPeers', 'Running'
            $again = { Import-SwarmCampaign $campaign | Start-SwarmSite -RunId $runId -Site alpha -Detach -Confirm:$false } |
                Should -Throw -ErrorId 'SiteAlreadyRunning,SwarmPS.Cmdlets.StartSwarmSiteCommand' -PassThru
            $again.Exception.Message | Should -Match "launcher pid $($started.Launcher.Pid)"

            # The same run id launched from another machine: its own run root, the same exchange.
            $elsewhere = Join-Path $TestDrive 'elsewhere'
            New-Item -ItemType Directory -Path $elsewhere | Out-Null
            Set-Content -Path (Join-Path $elsewhere 'alpha.yaml') -Value "scheduler: local`nrun_root: $(Join-Path $TestDrive 'other-host/runs')`n"
            $sites = $env:SWARMPS_SITE_PATH
            $env:SWARMPS_SITE_PATH = $elsewhere
            try {
                $live = { Import-SwarmCampaign $campaign | Start-SwarmSite -RunId $runId -Site alpha -Detach -Confirm:$false } |
                    Should -Throw -ErrorId 'MailboxExists,SwarmPS.Cmdlets.StartSwarmSiteCommand' -PassThru
            }
            finally {
                $env:SWARMPS_SITE_PATH = $sites
            }
            $named = @([regex]::Matches($live.ErrorDetails.RecommendedAction, '\b[A-Z][a-z]+-Swarm[A-Za-z]+\b').Value | Sort-Object -Unique)
            $named | Should -Contain 'Stop-SwarmSite'
            foreach ($cmdlet in $named) {
                Get-Command $cmdlet -Module SwarmPS -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty -Because "the remediation names $cmdlet"
            }
            Join-Path $TestDrive "other-host/runs/$runId" | Should -Not -Exist
        }
        finally {
            Stop-SwarmSite -RunId $runId -Site alpha -GraceSeconds 1 -Confirm:$false | Out-Null
        }
        @(Get-RunProcess $runId) | Should -BeNullOrEmpty
    }

    It 'names in the MailboxExists fix of <Command> only cmdlets that exist, Stop-SwarmSite among them' -TestCases @(
        @{ Command = 'Register-SwarmMailbox'; Class = 'RegisterSwarmMailboxCommand' }
        @{ Command = 'Start-SwarmSite'; Class = 'StartSwarmSiteCommand' }
    ) {
        param($Command, $Class)
        $runId = New-RunId 'pester-live'
        # Left live on purpose: it expires after the heartbeat threshold, and the run id is never reused.
        Register-SwarmMailbox -RunId $runId -Name solo -Confirm:$false | Out-Null
        $thrown = if ($Command -eq 'Register-SwarmMailbox') {
            { Register-SwarmMailbox -RunId $runId -Name solo -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId "MailboxExists,SwarmPS.Cmdlets.$Class" -PassThru
        }
        else {
            { Import-SwarmCampaign (New-SoloCampaign '["sleep", "300"]') | Start-SwarmSite -RunId $runId -Site alpha -Confirm:$false } |
                Should -Throw -ErrorId "MailboxExists,SwarmPS.Cmdlets.$Class" -PassThru
        }
        $fix = if ($thrown.ErrorDetails.RecommendedAction) { $thrown.ErrorDetails.RecommendedAction } else { $thrown.Exception.Remediation }
        $named = @([regex]::Matches($fix, '\b[A-Z][a-z]+-Swarm[A-Za-z]+\b').Value | Sort-Object -Unique)
        $named | Should -Contain 'Stop-SwarmSite'
        foreach ($cmdlet in $named) {
            Get-Command $cmdlet -Module SwarmPS -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty -Because "the fix names $cmdlet"
        }
        $fix | Should -Match "-RunId $runId"
        Join-Path $TestDrive "alpha-host/runs/$runId" | Should -Not -Exist
    }

    It 'reports the detached launcher''s own error id, with only this attempt''s log' {
        # The launcher re-reads the campaign file: spoiled after the operator's session read it, it fails
        # where only the launcher can see it.
        $campaign = New-SoloCampaign '["sleep", "300"]'
        $loaded = Import-SwarmCampaign $campaign
        $runId = New-RunId 'pester-child'
        $expected = try { Set-Content -Path $campaign -Value 'name: [unclosed'; Import-SwarmCampaign $campaign -ErrorAction Stop } catch { $_ }
        $expectedId = $expected.FullyQualifiedErrorId.Split(',')[0]
        $expectedId | Should -Not -BeNullOrEmpty

        $errors = foreach ($attempt in 1, 2) {
            try { $loaded | Start-SwarmSite -RunId $runId -Site alpha -Detach -Confirm:$false; $null } catch { $_ }
        }

        foreach ($thrown in $errors) {
            $thrown.FullyQualifiedErrorId | Should -Be "$expectedId,SwarmPS.Cmdlets.StartSwarmSiteCommand"
        }
        $log = Get-Content -Raw (Join-Path $TestDrive "alpha-host/runs/$runId/alpha/launcher.log")
        ([regex]::Matches($log, 'swarmps-error: ')).Count | Should -Be 2 -Because 'both attempts wrote to the same launcher.log'
        @(Get-RunProcess $runId) | Should -BeNullOrEmpty
    }

    It 'starts the detached launcher as $PSHOME/pwsh under the dotnet-tool pwsh, and it runs' {
        $campaign = New-SoloCampaign '["sleep", "300"]'
        $runId = New-RunId 'pester-pshome'
        $script = "Import-Module '$ModuleManifest'; " +
            "`$site = Import-SwarmCampaign '$campaign' | Start-SwarmSite -RunId '$runId' -Site alpha -Detach -Confirm:`$false; " +
            "[pscustomobject]@{ ProcessPath = [Environment]::ProcessPath; PSHome = `$PSHOME; Launcher = `$site.Launcher.Pid; State = `"`$(`$site.State)`" } | ConvertTo-Json -Compress"
        Push-Location $RepoRoot   # dotnet finds the pwsh tool through this repository's tool manifest
        try {
            $json = $null | & dotnet pwsh -NoProfile -NonInteractive -Command $script
        }
        finally {
            Pop-Location
        }
        try {
            $LASTEXITCODE | Should -Be 0 -Because "$json"
            $child = $json | Select-Object -Last 1 | ConvertFrom-Json
            Split-Path -Leaf $child.ProcessPath | Should -BeLike 'dotnet*' -Because 'this is the dotnet-tool pwsh'
            $argv = [IO.File]::ReadAllText("/proc/$($child.Launcher)/cmdline").Split([char]0)
            $argv[0] | Should -Be (Join-Path $child.PSHome 'pwsh')
            $child.State | Should -BeIn 'WaitingForPeers', 'Running'
            Wait-Until { "$((Get-SwarmAgent -RunId $runId -Site alpha).State)" -eq 'Running' }
        }
        finally {
            Stop-SwarmSite -RunId $runId -Site alpha -GraceSeconds 1 -Confirm:$false | Out-Null
        }
        @(Get-RunProcess $runId) | Should -BeNullOrEmpty
    }
}

Describe 'Get-SwarmAgent states' {
    It 'shows an agent between restarts as Restarting, and agents whose launcher and process are gone as Stale' {
        $campaign = New-SoloCampaign '["sh", "-c", "sleep 1; exit 3"]' -RestartLimit 5
        $runId = New-RunId 'pester-states'
        $site = Import-SwarmCampaign $campaign | Start-SwarmSite -RunId $runId -Site alpha -Detach -Confirm:$false
        try {
            Wait-Until { "$((Get-SwarmAgent -RunId $runId -Site alpha).State)" -eq 'Restarting' }
            $agent = Get-SwarmAgent -RunId $runId -Site alpha
            $agent.LastExitCode | Should -Be 3

            # The launcher dies (kill -9), then its agent: nobody is left to record how it ended.
            Wait-Until { "$((Get-SwarmAgent -RunId $runId -Site alpha).State)" -eq 'Running' }
            $agentPid = (Get-SwarmAgent -RunId $runId -Site alpha).Pid
            Stop-Process -Id $site.Launcher.Pid -Force
            Wait-Until { -not (Get-Process -Id $site.Launcher.Pid -ErrorAction SilentlyContinue) }
            Stop-Process -Id $agentPid -Force -ErrorAction SilentlyContinue
            Wait-Until { @(Get-RunProcess $runId).Count -eq 0 }
            "$((Get-SwarmAgent -RunId $runId -Site alpha).State)" | Should -Be 'Stale'
        }
        finally {
            Stop-SwarmSite -RunId $runId -Site alpha -GraceSeconds 1 -Confirm:$false | Out-Null
        }
    }
}

Describe 'Ctrl+C' {
    It 'stops Start-SwarmSite waiting for its peers within 2 s, leaving no process, live mailbox or running status' {
        $runId = New-RunId 'pester-stop-site'
        $run = Start-InRunspace 'param($Campaign, $RunId) Import-SwarmCampaign $Campaign | Select-SwarmAgent ping | Start-SwarmSite -RunId $RunId -Site alpha -Confirm:$false' @{ Campaign = $script:Campaign; RunId = $runId }
        try {
            Wait-Until { (Read-Status $runId).state -eq 'waiting_for_peers' -and @(Get-RunProcess $runId).Count -gt 0 }
            $elapsed = Stop-InRunspace $run
            $elapsed.TotalSeconds | Should -BeLessThan 2
            "$($run.PowerShell.InvocationStateInfo.State)" | Should -Be 'Stopped'
            @(Get-RunProcess $runId) | Should -BeNullOrEmpty
            (Read-Status $runId).state | Should -Be 'stopped'
            "$((Get-SwarmMailbox -RunId $runId -Name ping).State)" | Should -Be 'Terminated'
            # The launcher was this very pwsh: Stop-SwarmSite afterwards must find nothing to stop, not signal it.
            $after = Stop-SwarmSite -RunId $runId -Site alpha -Confirm:$false
            $after.LauncherWasRunning | Should -BeFalse
            "$($after.State)" | Should -Be 'Stopped'
            @($run.PowerShell.Streams.Progress | Where-Object ActivityId -ne $run.PowerShell.Streams.Progress[0].ActivityId) | Should -BeNullOrEmpty
        }
        finally {
            $run.PowerShell.Dispose()
        }
    }

    It 'stops Send-SwarmBootstrap waiting for the initial agent within 2 s' {
        $runId = New-RunId 'pester-stop-kickoff'
        $run = Start-InRunspace 'param($Campaign, $RunId) Import-SwarmCampaign $Campaign | Send-SwarmBootstrap -RunId $RunId -Timeout 600 -Confirm:$false' @{ Campaign = $script:Campaign; RunId = $runId }
        try {
            # The second record comes from the wait itself (the first poll found ping missing).
            Wait-Until { $run.PowerShell.Streams.Progress.Count -ge 2 }
            $elapsed = Stop-InRunspace $run
            $elapsed.TotalSeconds | Should -BeLessThan 2
            "$($run.PowerShell.InvocationStateInfo.State)" | Should -Be 'Stopped'
            $run.PowerShell.Streams.Progress[-1].StatusDescription | Should -Match 'waiting for ping to be live'
            @(Get-SwarmMailbox -RunId $runId -Name ping -ErrorAction SilentlyContinue) | Should -BeNullOrEmpty
        }
        finally {
            $run.PowerShell.Dispose()
        }
    }
}

Describe 'Write-Progress' {
    It '<Command> reports its wait under one activity id and ends it with a Completed record' -TestCases @(
        @{ Command = 'Start-SwarmSite'; Script = 'param($Campaign, $RunId) Import-SwarmCampaign $Campaign | Start-SwarmSite -RunId $RunId -Site alpha -Confirm:$false'; Agent = '["sh", "-c", "exit 0"]'; Waits = 'agent solo started' }
        @{ Command = 'Start-SwarmSite -Detach'; Script = 'param($Campaign, $RunId) Import-SwarmCampaign $Campaign | Start-SwarmSite -RunId $RunId -Site alpha -Detach -Confirm:$false; Stop-SwarmSite -RunId $RunId -Site alpha -GraceSeconds 1 -Confirm:$false -ProgressAction SilentlyContinue'; Agent = '["sleep", "300"]'; Waits = 'waiting for the detached launcher' }
        @{ Command = 'Send-SwarmBootstrap (failing)'; Script = 'param($Campaign, $RunId) Import-SwarmCampaign $Campaign | Send-SwarmBootstrap -RunId $RunId -Timeout 1 -Confirm:$false'; Agent = '["sleep", "300"]'; Waits = 'waiting for solo to be live' }
        @{ Command = 'Stop-SwarmSite'; Script = 'param($Campaign, $RunId) $null = Import-SwarmCampaign $Campaign | Start-SwarmSite -RunId $RunId -Site alpha -Confirm:$false; Stop-SwarmSite -RunId $RunId -Confirm:$false'; Agent = '["sh", "-c", "exit 0"]'; Waits = 'stopping the launcher and agents' }
    ) {
        param($Command, $Script, $Agent, $Waits)
        $runId = New-RunId 'pester-progress'
        $run = Start-InRunspace $Script @{ Campaign = (New-SoloCampaign $Agent); RunId = $runId }
        try {
            $null = $run.Handle.AsyncWaitHandle.WaitOne(60000)
            $records = @($run.PowerShell.Streams.Progress)
            $mine = @($records | Where-Object Activity -Like "$($Command.Split(' ')[0])*")
            $mine.Count | Should -BeGreaterThan 1
            @($mine.ActivityId | Sort-Object -Unique).Count | Should -Be 1
            @($mine.StatusDescription) -match [regex]::Escape($Waits) | Should -Not -BeNullOrEmpty
            "$($mine[-1].RecordType)" | Should -Be 'Completed'
            @($mine | Where-Object RecordType -eq 'Completed').Count | Should -Be 1
        }
        finally {
            $run.PowerShell.Dispose()
            if (Read-Status $runId) { Stop-SwarmSite -RunId $runId -Confirm:$false | Out-Null }
        }
        @(Get-RunProcess $runId) | Should -BeNullOrEmpty
    }
}
