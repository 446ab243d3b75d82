# Control from anywhere (docs/control-protocol.md), with real processes: a real exchange on 127.0.0.1, agent
# managers started detached (their own pwsh, as an operator's would be), slices started by them as detached
# sites, and commands sent from this session and from another pwsh.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Bed = Start-TwoSiteBed
    $script:SavedControl = Save-Environment 'SWARM_CONTROL_TOKEN', 'SWARM_CONTROL_TOKEN_FILE', 'SWARM_NAMESPACE', 'XDG_STATE_HOME', 'XDG_CONFIG_HOME', 'SWARM_SITE'
    # Not under TestDrive: Pester empties what a Describe added to it when the Describe ends, and a manager's
    # record must outlive the Describe that started it, as it outlives any session on a login node.
    $script:StateHome = Join-Path ([IO.Path]::GetTempPath()) "swarmps-control-$([Guid]::NewGuid().ToString('N').Substring(0, 8))"
    $env:XDG_STATE_HOME = $StateHome
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
    $env:SWARM_NAMESPACE = $null
    $env:SWARM_SITE = $null
    $env:SWARM_CONTROL_TOKEN_FILE = $null
    $script:DefaultToken = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:BlueToken = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $env:SWARM_CONTROL_TOKEN = $DefaultToken

    # Site alpha's profile gets an environment the agents echo, so a changed profile shows in the next start.
    $script:AlphaProfile = Join-Path $TestDrive 'sites/alpha.yaml'
    $script:AlphaRuns = Join-Path $TestDrive 'alpha-host/runs'
    function script:Set-AlphaGreeting([string] $Greeting) {
        Set-Content -Path $AlphaProfile -Value "scheduler: local`nrun_root: $AlphaRuns`nenvironment:`n  GREETING: $Greeting`n"
    }
    Set-AlphaGreeting 'one'

    # One agent on alpha that writes what it was given (namespace, the profile's GREETING, and whether a control
    # token leaked into its environment), then sleeps until it is stopped.
    $script:EnvScript = Join-Path $TestDrive 'envcheck.sh'
    Set-Content -Path $EnvScript -Value 'printf "%s|%s|%s\n" "$SWARM_NAMESPACE" "$GREETING" "${SWARM_CONTROL_TOKEN:-none}" > "$SWARM_RUN_DIR/env-$SWARM_AGENT.txt"; exec sleep 300'
    $script:Campaign = Join-Path $TestDrive 'envcheck.yaml'
    Set-Content -Path $Campaign -Value @"
name: envcheck
initial_agent: echo
user_task: report the environment
startup_timeout: 60
agents:
  - name: echo
    site: alpha
    command: ["sh", "$EnvScript"]
"@

    function script:Get-ManagerEvent([string] $Namespace = 'default', [string] $Site = 'alpha') {
        $file = Join-Path $env:XDG_STATE_HOME "swarmps/managers/$Namespace/$Site/events.jsonl"
        if (Test-Path $file) { Get-Content $file | ForEach-Object { $_ | ConvertFrom-Json } }
    }

    function script:Read-AgentEnvironment([string] $RunId) {
        $file = Join-Path $AlphaRuns "$RunId/alpha/env-echo.txt"
        Wait-Until { Test-Path $file } -Seconds 30
        $fields = (Get-Content $file -Raw).Trim() -split '\|'
        [pscustomobject]@{ Namespace = $fields[0]; Greeting = $fields[1]; ControlToken = $fields[2] }
    }

    # The command, run by a fresh pwsh of its own (the environment inherited), its output as JSON.
    function script:Invoke-OtherPwsh([string] $Command) {
        $script = "`$ErrorActionPreference = 'Stop'; Import-Module '$ModuleManifest'; $Command | ConvertTo-Json -Depth 5 -Compress"
        $output = & $PwshPath -NoProfile -NonInteractive -Command $script 2>&1
        if ($LASTEXITCODE -ne 0) { throw "the other pwsh failed ($LASTEXITCODE): $output" }
        ($output | Select-Object -Last 1) | ConvertFrom-Json
    }

    function script:Stop-Manager([string] $Namespace = 'default') {
        # Terminating when there is no record (a Describe's TestDrive items are gone after it): nothing to stop then.
        try { Stop-SwarmAgentManager -Site alpha -Namespace $Namespace -Confirm:$false | Out-Null } catch { }
    }

    function script:Stop-AllRuns {
        foreach ($run in Get-ChildItem $AlphaRuns -Directory -ErrorAction SilentlyContinue) {
            Stop-SwarmSite -RunId $run.Name -Site alpha -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
        }
    }
}

AfterAll {
    Stop-Manager 'default'
    Stop-Manager 'blue'
    Stop-AllRuns
    Stop-TwoSiteBed $Bed
    Restore-Environment $SavedControl
    Remove-Item -Recurse -Force $StateHome -ErrorAction SilentlyContinue
}

Describe 'An agent manager on site alpha, driven from elsewhere' {
    BeforeAll {
        $script:Manager = Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false
        $script:FirstRun = New-RunId 'ctl'
    }

    AfterAll {
        Stop-Manager
        Stop-AllRuns
    }

    It 'starts detached, takes commands, and shows Running' {
        $Manager.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Control.AgentManagerInfo'
        $Manager.State | Should -Be 'Running'
        $Manager.Pid | Should -Not -Be $PID
        (Get-Process -Id $Manager.Pid).Id | Should -Be $Manager.Pid
        $found = Get-SwarmAgentManager -Site alpha
        $found.State | Should -Be 'Running'
        $found.User | Should -Be ([Environment]::UserName)
        $found.MailboxId | Should -Be $Manager.MailboxId
    }

    It 'starts the site''s slice on a Start sent from another pwsh, with the namespace and without the control token' {
        $answer = Invoke-OtherPwsh "Send-SwarmControl -Site alpha -Command Start -Campaign '$Campaign' -RunId $FirstRun -Confirm:`$false"
        $answer.Command | Should -Be 'start'
        $answer.Runs[0].RunId | Should -Be $FirstRun
        $answer.Runs[0].Lifecycle | Should -Be 'Running'
        $answer.Runs[0].Agents | Should -Be @('echo (Running)')
        $seen = Read-AgentEnvironment $FirstRun
        $seen.Namespace | Should -Be 'default'
        $seen.Greeting | Should -Be 'one'
        $seen.ControlToken | Should -Be 'none'
    }

    It 'answers Status with what it runs, and Get-SwarmAgentManager shows it' {
        $status = Send-SwarmControl -Site alpha -Command Status
        $status.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Control.ControlResult'
        $status.Manager | Should -Match "pid $($Manager.Pid)$"
        ($status.Runs | Where-Object RunId -eq $FirstRun).Lifecycle | Should -Be 'Running'
        (Get-SwarmAgentManager -Site alpha).Running | Should -Be "$FirstRun (Running)"
    }

    It 'names the agent, not the manager, when an agent that speaks no control protocol is sent a workflow command' {
        { Get-SwarmWorkflow -RunId $FirstRun -Agent echo -Timeout 2 } | Should -Throw -ErrorId 'WorkflowAgentNoReply,SwarmPS.Cmdlets.GetSwarmWorkflowCommand'
        try { Get-SwarmWorkflow -RunId $FirstRun -Agent echo -Timeout 2 } catch { $silence = $_ }
        $silence.Exception.Message | Should -Match "workflow agent 'echo' of run '$FirstRun'.*ACTIVE, last heartbeat"
        $silence.ErrorDetails.RecommendedAction | Should -Match "Get-SwarmAgent -RunId $FirstRun"
    }

    It 'refuses a second start while its agents run, naming them and the Stop to send' {
        $second = New-RunId 'ctl'
        { Send-SwarmControl -Site alpha -Command Start -Campaign $Campaign -RunId $second -Confirm:$false } |
            Should -Throw -ErrorId 'AgentsAlreadyRunning,SwarmPS.Cmdlets.SendSwarmControlCommand'
        try { Send-SwarmControl -Site alpha -Command Start -Campaign $Campaign -RunId $second -Confirm:$false } catch { $refusal = $_ }
        $refusal.Exception.Message | Should -Match "run '$FirstRun'.*agents echo"
        $refusal.ErrorDetails.RecommendedAction | Should -Match 'Send-SwarmControl -Site alpha -Namespace default -Command Stop'
        Test-Path (Join-Path $AlphaRuns $second) | Should -BeFalse
    }

    It 'stops exactly what it started' {
        $pids = @(Get-RunProcess $FirstRun)
        $pids.Count | Should -BeGreaterThan 0
        $stopped = Send-SwarmControl -Site alpha -Command Stop -Confirm:$false
        $stopped.Runs.RunId | Should -Be @($FirstRun)
        $stopped.Runs[0].Lifecycle | Should -Be 'Stopped'
        Wait-Until { @(Get-RunProcess $FirstRun).Count -eq 0 } -Seconds 20
        # Nothing left to stop is not an error.
        (Send-SwarmControl -Site alpha -Command Stop -Confirm:$false).Runs | Should -BeNullOrEmpty
    }

    It 'reads the site profile anew at each start: a changed environment reaches the next slice' {
        Set-AlphaGreeting 'two'
        $next = New-RunId 'ctl'
        (Send-SwarmControl -Site alpha -Command Start -Campaign $Campaign -RunId $next -Confirm:$false).Runs[0].Lifecycle | Should -Be 'Running'
        (Read-AgentEnvironment $next).Greeting | Should -Be 'two'
        Send-SwarmControl -Site alpha -Command Stop -RunId $next -Confirm:$false | Out-Null
        Set-AlphaGreeting 'one'
    }

    It 'records the lifecycle and every command as events, with who and never the token' {
        $events = @(Get-ManagerEvent)
        $lifecycle = $events | Where-Object { $_.kind -eq 'lifecycle' -and $_.run_id -eq $FirstRun } | ForEach-Object { "$($_.from)>$($_.to)" }
        $lifecycle | Should -Be @('Stopped>Starting', 'Starting>Running', 'Running>Stopping', 'Stopping>Stopped')
        $commands = $events | Where-Object kind -eq 'control_command'
        # A start refused while it ran (the agents were already there) was accepted as a command; its reply says why.
        ($events | Where-Object { $_.kind -eq 'control_reply' -and -not $_.ok }).error_id | Should -Contain 'AgentsAlreadyRunning'
        $commands | ForEach-Object { $_.sender | Should -Match "^$([Environment]::UserName)@" }
        ($events | Where-Object kind -eq 'control_reply').Count | Should -BeGreaterOrEqual 4
        $raw = Get-Content (Join-Path $env:XDG_STATE_HOME 'swarmps/managers/default/alpha/events.jsonl') -Raw
        $raw | Should -Not -Match $DefaultToken
        # The manager's files are the user's alone.
        (Get-Item (Join-Path $env:XDG_STATE_HOME 'swarmps/managers/default/alpha')).UnixMode | Should -Be 'drwx------'
        (Get-Item (Join-Path $env:XDG_STATE_HOME 'swarmps/managers/default/alpha/manager.json')).UnixMode | Should -Be '-rw-------'
    }

    It 'refuses a second manager for the same user, site and namespace, saying where the first runs' {
        { Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false } | Should -Throw -ErrorId 'AgentManagerRunning,SwarmPS.Cmdlets.StartSwarmAgentManagerCommand'
        try { Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false } catch { $refusal = $_ }
        $refusal.Exception.Message | Should -Match "on host $([Environment]::MachineName) as pid $($Manager.Pid)"
    }

    It 'does not run a replayed correlation id twice, and says it answered from its journal' {
        $replayRun = New-RunId 'ctl'
        $id = [Guid]::NewGuid()
        $first = Send-SwarmControl -Site alpha -Command Start -Campaign $Campaign -RunId $replayRun -CorrelationId $id -Confirm:$false
        $first.Replayed | Should -BeFalse
        $again = Send-SwarmControl -Site alpha -Command Start -Campaign $Campaign -RunId $replayRun -CorrelationId $id -Confirm:$false
        $again.Replayed | Should -BeTrue
        $again.CorrelationId | Should -Be $id
        $again.Runs[0].RunId | Should -Be $replayRun
        @(Get-ManagerEvent | Where-Object { $_.kind -eq 'lifecycle' -and $_.run_id -eq $replayRun -and $_.to -eq 'Starting' }).Count | Should -Be 1
        @(Get-ManagerEvent | Where-Object { $_.kind -eq 'control_command' -and $_.correlation_id -eq "$id" -and $_.replayed }).Count | Should -Be 1
        Send-SwarmControl -Site alpha -Command Stop -Confirm:$false | Out-Null
    }

    It 'answers the same sealed message sent twice once, and the second time from its journal (a client written in plain PowerShell)' {
        # The protocol from the page alone: seal with HMAC-SHA256 over the payload text, send with the exchange cmdlets.
        $reply = Register-SwarmMailbox -RunId 'control.default' -Name "reply.$([Environment]::UserName).pester" -Confirm:$false
        $now = [DateTimeOffset]::UtcNow
        $payload = [ordered]@{
            type = 'command'; namespace = 'default'; correlation_id = [Guid]::NewGuid().ToString(); command = 'status'
            target = $Manager.MailboxId.ToString(); reply_to = $reply.Id.ToString()
            sent_at = $now.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"); expires_at = $now.AddMinutes(1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'")
            sender = @{ user = 'pester'; host = 'here'; pid = $PID }; args = @{}
        } | ConvertTo-Json -Compress
        $hmac = [Security.Cryptography.HMACSHA256]::new([Text.Encoding]::UTF8.GetBytes($DefaultToken))
        $mac = [Convert]::ToHexString($hmac.ComputeHash([Text.Encoding]::UTF8.GetBytes($payload))).ToLowerInvariant()
        $body = @{ swarm_control = 1; payload = $payload; mac = $mac } | ConvertTo-Json -Compress
        Send-SwarmMessage -To $Manager.MailboxId -Body $body -Confirm:$false | Out-Null
        Send-SwarmMessage -To $Manager.MailboxId -Body $body -Confirm:$false | Out-Null
        $script:answers = @()
        Wait-Until { $script:answers += @(Receive-SwarmMessage -Mailbox $reply.Id -MaxMessages 10 -Wait -TimeoutSeconds 2 -Confirm:$false); $script:answers.Count -ge 2 } -Seconds 30
        $replies = $script:answers | ForEach-Object { ($_.Body | ConvertFrom-Json).payload | ConvertFrom-Json }
        $replies.replayed | Should -Be @($false, $true)
        $replies | ForEach-Object { $_.ok | Should -BeTrue }
    }

    It 'refuses a command sealed with another token, and records who tried' {
        $env:SWARM_CONTROL_TOKEN = 'not-the-token-' + [Guid]::NewGuid()
        try {
            { Send-SwarmControl -Site alpha -Command Status -Timeout 20 } | Should -Throw -ErrorId 'ControlTokenRejected,SwarmPS.Cmdlets.SendSwarmControlCommand'
        } finally { $env:SWARM_CONTROL_TOKEN = $DefaultToken }
        (Get-ManagerEvent | Where-Object { $_.kind -eq 'control_command' -and $_.error_id -eq 'ControlTokenRejected' }).verified | Should -Be $false
        (Send-SwarmControl -Site alpha -Command Status).Command | Should -Be 'status'
    }
}

Describe 'A manager killed with -9' {
    BeforeAll {
        $script:Doomed = Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false
        $script:KeptRun = New-RunId 'ctl'
        Send-SwarmControl -Site alpha -Command Start -Campaign $Campaign -RunId $KeptRun -Confirm:$false | Out-Null
        Stop-Process -Id $Doomed.Pid -Force
        Wait-Until { -not (Test-Path "/proc/$($Doomed.Pid)") -or (Get-Content "/proc/$($Doomed.Pid)/stat" -ErrorAction SilentlyContinue) -match '^\d+ \(.*\) Z' } -Seconds 20
    }

    AfterAll {
        Stop-Manager
        Stop-AllRuns
    }

    It 'shows Stale' {
        (Get-SwarmAgentManager -Site alpha).State | Should -Be 'Stale'
    }

    It 'makes a command time out with an error naming the manager and its last heartbeat' {
        { Send-SwarmControl -Site alpha -Command Status -Timeout 3 } | Should -Throw -ErrorId 'AgentManagerNoReply,SwarmPS.Cmdlets.SendSwarmControlCommand'
        try { Send-SwarmControl -Site alpha -Command Status -Timeout 3 } catch { $silence = $_ }
        $silence.Exception.Message | Should -Match "agent manager of $([Environment]::UserName) on site 'alpha'.*last heartbeat \d{4}-\d\d-\d\dT"
        $silence.ErrorDetails.RecommendedAction | Should -Match 'Get-SwarmAgentManager'
    }

    It 'is taken over cleanly by a new manager, which knows the slice the dead one started and runs no stale command' {
        $successor = Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false
        $successor.Pid | Should -Not -Be $Doomed.Pid
        $started = Get-ManagerEvent | Where-Object { $_.kind -eq 'manager_started' -and $_.pid -eq $successor.Pid }
        @($started).Count | Should -Be 1
        $started.took_over_from | Should -Be "pid $($Doomed.Pid) on $([Environment]::MachineName)"
        $status = Send-SwarmControl -Site alpha -Command Status
        ($status.Runs | Where-Object RunId -eq $KeptRun).Lifecycle | Should -Be 'Running'
        # The two Status commands that timed out were still queued: the successor refuses them as expired.
        Wait-Until { @(Get-ManagerEvent | Where-Object { $_.kind -eq 'control_command' -and $_.error_id -eq 'ControlCommandExpired' }).Count -ge 2 } -Seconds 20
        (Get-SwarmAgentManager -Site alpha).State | Should -Be 'Running'
        $stopped = Send-SwarmControl -Site alpha -Command Stop -Confirm:$false
        $stopped.Runs.RunId | Should -Contain $KeptRun
        Wait-Until { @(Get-RunProcess $KeptRun).Count -eq 0 } -Seconds 20
    }

    It 'shows Stopped after Stop-SwarmAgentManager, and the commands then say there is no manager' {
        $final = Stop-SwarmAgentManager -Site alpha -Confirm:$false
        $final.State | Should -Be 'Stopped'
        { Send-SwarmControl -Site alpha -Command Status } | Should -Throw -ErrorId 'AgentManagerNotFound,SwarmPS.Cmdlets.SendSwarmControlCommand'
    }
}

Describe 'Stopping a manager from a shell without the exchange settings' {
    It 'stops what its record names, warns that the mailbox is left to go INACTIVE, and shows it Stopped' {
        $manager = Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false
        $url = $env:SWARM_EXCHANGE_URL
        $env:SWARM_EXCHANGE_URL = $null
        try {
            $stopped = Stop-SwarmAgentManager -Site alpha -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        } finally { $env:SWARM_EXCHANGE_URL = $url }
        $stopped.State | Should -Be 'Stopped'
        "$warned" | Should -Match 'mailbox is not terminated from here'
        Wait-Until { -not (Test-Path "/proc/$($manager.Pid)") -or (Get-Content "/proc/$($manager.Pid)/stat" -ErrorAction SilentlyContinue) -match '^\d+ \(.*\) Z' } -Seconds 20
        (Get-ManagerEvent | Where-Object kind -eq 'manager_stopped' | Select-Object -Last 1).by | Should -Be 'Stop-SwarmAgentManager'
        # Its mailbox still looks live on the exchange; the next manager here sees the recorded process gone and takes over at once.
        $next = Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false
        (Send-SwarmControl -Site alpha -Command Status).Manager | Should -Match "pid $($next.Pid)$"
        Stop-Manager
    }
}

Describe 'Two namespaces on one exchange' {
    BeforeAll {
        $script:Red = Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false
        $env:SWARM_CONTROL_TOKEN = $BlueToken
        try { $script:Blue = Start-SwarmAgentManager -Site alpha -Namespace blue -Detach -Confirm:$false }
        finally { $env:SWARM_CONTROL_TOKEN = $DefaultToken }
        $script:RedRun = New-RunId 'red'
        $script:BlueRun = New-RunId 'blue'
    }

    AfterAll {
        Stop-Manager 'default'
        Stop-Manager 'blue'
        Stop-AllRuns
    }

    It 'runs one manager per namespace, each with its own mailbox' {
        $Blue.Namespace | Should -Be 'blue'
        $Blue.MailboxId | Should -Not -Be $Red.MailboxId
        (Get-SwarmAgentManager -Namespace blue).Namespace | Should -Be @('blue')
        (Get-SwarmAgentManager).Namespace | Should -Be @('default')
    }

    It 'starts agents in each namespace without crosstalk' {
        Send-SwarmControl -Site alpha -Command Start -Campaign $Campaign -RunId $RedRun -Confirm:$false | Out-Null
        # Red's agents running does not stop blue from starting its own: AgentsAlreadyRunning is per namespace.
        $env:SWARM_CONTROL_TOKEN = $BlueToken
        try {
            (Send-SwarmControl -Site alpha -Namespace blue -Command Start -Campaign $Campaign -RunId $BlueRun -Confirm:$false).Runs[0].Lifecycle | Should -Be 'Running'
            (Send-SwarmControl -Site alpha -Namespace blue -Command Status).Runs.RunId | Should -Be @($BlueRun)
        } finally { $env:SWARM_CONTROL_TOKEN = $DefaultToken }
        (Send-SwarmControl -Site alpha -Command Status).Runs.RunId | Should -Not -Contain $BlueRun
        (Read-AgentEnvironment $RedRun).Namespace | Should -Be 'default'
        (Read-AgentEnvironment $BlueRun).Namespace | Should -Be 'blue'
    }

    It 'refuses a command to the other namespace sealed with this namespace''s token' {
        { Send-SwarmControl -Site alpha -Namespace blue -Command Stop -Confirm:$false -Timeout 20 } | Should -Throw -ErrorId 'ControlTokenRejected,SwarmPS.Cmdlets.SendSwarmControlCommand'
        @(Get-RunProcess $BlueRun).Count | Should -BeGreaterThan 0
    }

    It 'names the namespaces that do have a manager when the one asked for has none' {
        { Send-SwarmControl -Site alpha -Namespace green -Command Status } | Should -Throw -ErrorId 'AgentManagerNotFound,SwarmPS.Cmdlets.SendSwarmControlCommand'
        try { Send-SwarmControl -Site alpha -Namespace green -Command Status } catch { $missing = $_ }
        $missing.Exception.Message | Should -Match "namespace 'blue', 'default'"
    }

    It 'stops one namespace''s agents only' {
        Send-SwarmControl -Site alpha -Command Stop -Confirm:$false | Out-Null
        Wait-Until { @(Get-RunProcess $RedRun).Count -eq 0 } -Seconds 20
        @(Get-RunProcess $BlueRun).Count | Should -BeGreaterThan 0
    }
}

Describe 'Workflows of a campaign the manager started' {
    BeforeAll {
        # The workflow agent reads its namespace's token file (the site never hands it SWARM_CONTROL_TOKEN).
        $script:TokenFile = Join-Path $env:XDG_CONFIG_HOME 'swarmps/control/default.token'
        New-Item -ItemType Directory -Force (Split-Path $TokenFile) | Out-Null
        Set-Content $TokenFile $DefaultToken
        chmod 600 $TokenFile
        # The example's agent command is relative to where the manager runs: the repository root.
        Push-Location $RepoRoot
        try { $script:WorkflowManager = Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false } finally { Pop-Location }
        $script:WorkflowRun = New-RunId 'wf'
        Send-SwarmControl -Site alpha -Command Start -Campaign (Join-Path $ExamplesRoot 'workflows/campaign.yaml') -RunId $WorkflowRun -Confirm:$false | Out-Null
    }

    AfterAll {
        Stop-Manager
        Stop-AllRuns
        Remove-Item $TokenFile -ErrorAction SilentlyContinue
    }

    It 'starts a named workflow with parameters and returns its execution id' {
        $execution = Start-SwarmWorkflow -Name hello -RunId $WorkflowRun -Parameters @{ who = 'pester'; tries = 2 } -Confirm:$false
        $execution.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Control.WorkflowExecution'
        $execution.ExecutionId | Should -Be 'hello-default-1'
        $execution.Namespace | Should -Be 'default'
        ($execution.Parameters | ConvertFrom-Json).who | Should -Be 'pester'
        Wait-Until { (Get-SwarmWorkflow -RunId $WorkflowRun hello-default-1).State -eq 'Succeeded' } -Seconds 30
        (Get-SwarmWorkflow -RunId $WorkflowRun hello-default-1).ExitCode | Should -Be 0
        Get-Content (Join-Path $AlphaRuns "$WorkflowRun/alpha/agents/workflow/workflows/hello-default-1.log") -Raw | Should -Match '"who":\s*"pester"'
    }

    It 'lists executions and stops a running one, from the pipeline' {
        (Start-SwarmWorkflow -Name sleep -RunId $WorkflowRun -Confirm:$false).ExecutionId | Should -Be 'sleep-default-2'
        $listed = Get-SwarmWorkflow -RunId $WorkflowRun
        $listed.ExecutionId | Should -Be @('hello-default-1', 'sleep-default-2')
        ($listed | Where-Object Workflow -eq sleep).State | Should -Be 'Running'
        $stopped = Get-SwarmWorkflow -RunId $WorkflowRun 'sleep*' | Stop-SwarmWorkflow -Confirm:$false
        $stopped.State | Should -Be 'Stopped'
        (Get-SwarmWorkflow -RunId $WorkflowRun sleep-default-2).State | Should -Be 'Stopped'
    }

    It 'says so for a workflow the agent does not know' {
        { Start-SwarmWorkflow -Name nonesuch -RunId $WorkflowRun -Confirm:$false } | Should -Throw -ErrorId 'WorkflowUnknown,SwarmPS.Cmdlets.StartSwarmWorkflowCommand'
    }

    It 'refuses a workflow command of another namespace, even sealed with the same token' {
        { Get-SwarmWorkflow -RunId $WorkflowRun -Namespace blue } | Should -Throw -ErrorId 'ControlNamespaceMismatch,SwarmPS.Cmdlets.GetSwarmWorkflowCommand'
    }
}

Describe 'Bad input to the control cmdlets' {
    BeforeAll {
        # A site this machine reaches over SSH: its manager belongs on its own login node.
        $script:RemoteProfile = Join-Path $TestDrive 'sites/gamma.yaml'
        Set-Content -Path $RemoteProfile -Value "scheduler: local`nrun_root: /tmp/gamma-runs`nssh:`n  host: gamma.invalid`n  user: nobody`n"
    }

    AfterAll { Remove-Item $RemoteProfile -ErrorAction SilentlyContinue }

    It 'refuses <Case>' -TestCases @(
        @{ Case = 'a manager for a site reached over SSH'; Command = { Start-SwarmAgentManager -Site gamma -Confirm:$false }; ErrorId = 'AgentManagerSiteRemote,SwarmPS.Cmdlets.StartSwarmAgentManagerCommand' }
        @{ Case = 'an invalid namespace'; Command = { Send-SwarmControl -Site alpha -Namespace 'Bad_Name' -Command Status }; ErrorId = 'NamespaceInvalid,SwarmPS.Cmdlets.SendSwarmControlCommand' }
        @{ Case = 'a manager of another user that does not exist'; Command = { Send-SwarmControl -Site alpha -User someone-else -Command Status }; ErrorId = 'AgentManagerNotFound,SwarmPS.Cmdlets.SendSwarmControlCommand' }
        @{ Case = 'Start without -Campaign'; Command = { Send-SwarmControl -Site alpha -Command Start -RunId x-1 -Confirm:$false }; ErrorId = 'ControlArgumentMissing,SwarmPS.Cmdlets.SendSwarmControlCommand' }
        @{ Case = 'a manager without a site among several'; Command = { Start-SwarmAgentManager -Confirm:$false }; ErrorId = 'AgentManagerSiteRequired,SwarmPS.Cmdlets.StartSwarmAgentManagerCommand' }
        @{ Case = 'a manager for a site not in the catalog'; Command = { Start-SwarmAgentManager -Site nowhere -Confirm:$false }; ErrorId = 'SiteNotFound,SwarmPS.Cmdlets.StartSwarmAgentManagerCommand' }
        @{ Case = 'a workflow without a run id'; Command = { Get-SwarmWorkflow }; ErrorId = 'WorkflowRunIdRequired,SwarmPS.Cmdlets.GetSwarmWorkflowCommand' }
        @{ Case = 'a workflow agent that is not there'; Command = { Get-SwarmWorkflow -RunId no-such-run }; ErrorId = 'WorkflowAgentNotFound,SwarmPS.Cmdlets.GetSwarmWorkflowCommand' }
        @{ Case = 'stopping a manager this machine has no record of'; Command = { Stop-SwarmAgentManager -Site beta -Namespace nothing-here -Confirm:$false }; ErrorId = 'AgentManagerNotFound,SwarmPS.Cmdlets.StopSwarmAgentManagerCommand' }
    ) {
        param($Command, $ErrorId)
        $Command | Should -Throw -ErrorId $ErrorId
    }

    Context 'the control token' {
        BeforeEach { $env:SWARM_CONTROL_TOKEN = $null; $env:SWARM_CONTROL_TOKEN_FILE = $null }
        AfterEach { $env:SWARM_CONTROL_TOKEN = $DefaultToken; $env:SWARM_CONTROL_TOKEN_FILE = $null }

        It 'is refused when <Case>' -TestCases @(
            @{ Case = 'none is given'; Setup = { }; ErrorId = 'ControlTokenMissing' }
            @{ Case = 'it is short'; Setup = { $env:SWARM_CONTROL_TOKEN = 'short' }; ErrorId = 'ControlTokenInvalid' }
            @{ Case = 'its file can be read by others'; Setup = {
                    $file = Join-Path $TestDrive 'open.token'; Set-Content $file ('t' * 40); chmod 644 $file; $env:SWARM_CONTROL_TOKEN_FILE = $file }; ErrorId = 'ControlTokenFileUnsafe' }
            @{ Case = 'its file is not a regular file'; Setup = { $env:SWARM_CONTROL_TOKEN_FILE = '/dev/zero' }; ErrorId = 'ControlTokenFileUnreadable' }
        ) {
            param($Setup, $ErrorId)
            . $Setup
            $record = Join-Path $env:XDG_STATE_HOME 'swarmps/managers/default/alpha/manager.json'
            $before = Get-Content $record -Raw -ErrorAction SilentlyContinue
            { Start-SwarmAgentManager -Site alpha -Confirm:$false } | Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.StartSwarmAgentManagerCommand"
            { Send-SwarmControl -Site alpha -Command Status } | Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.SendSwarmControlCommand"
            Get-Content $record -Raw -ErrorAction SilentlyContinue | Should -Be $before -Because 'a refused start changes nothing already written'
        }

        It 'is read from the namespace''s default file when nothing else is set, owner-only' {
            $file = Join-Path $env:XDG_CONFIG_HOME 'swarmps/control/default.token'
            New-Item -ItemType Directory -Force (Split-Path $file) | Out-Null
            Set-Content $file $DefaultToken
            chmod 600 $file
            try {
                $manager = Start-SwarmAgentManager -Site alpha -Detach -Confirm:$false
                $manager.State | Should -Be 'Running'
                (Send-SwarmControl -Site alpha -Command Status).Manager | Should -Match "pid $($manager.Pid)$"
            } finally {
                Stop-Manager
                Remove-Item $file
            }
        }
    }
}
