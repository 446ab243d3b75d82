# The workflow agent of examples/workflows (Python) against a real exchange.
# 1. tests/python/test_workflow_agent.py drives real agent processes with a control caller of its own
#    (docs/control-protocol.md); this file checks that every one of its tests ran and passed.
# 2. The example campaign itself, launched by Start-SwarmSite -Detach and driven by a second caller written
#    here in PowerShell (HMAC-SHA256 over the payload text), then stopped by Stop-SwarmSite.
# Needs python3 on PATH. Run from the repository root after building: Invoke-Pester ./tests/pester/WorkflowAgent.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Saved = Save-Environment 'SWARMPS_TEST_EXCHANGE_URL', 'SWARMPS_PWSH', 'XDG_CONFIG_HOME', 'SWARM_CONTROL_TOKEN', 'SWARM_CONTROL_TOKEN_FILE', 'SWARM_NAMESPACE'
    $script:Bed = Start-TwoSiteBed
    $script:Url = $script:Bed.Exchange.Url.ToString().TrimEnd('/')
    $script:Headers = @{ Authorization = "Bearer $env:SWARM_EXCHANGE_TOKEN" }

    function Invoke-Exchange([string] $Path, $Body) {
        Invoke-RestMethod -Method Post -Uri "$script:Url/$Path" -Headers $script:Headers -ContentType 'application/json' -Body (ConvertTo-Json -InputObject $Body -Depth 8 -Compress)
    }

    function Get-Mac([string] $Token, [string] $Text) {
        $mac = [Security.Cryptography.HMACSHA256]::HashData([Text.Encoding]::UTF8.GetBytes($Token), [Text.Encoding]::UTF8.GetBytes($Text))
        [Convert]::ToHexString($mac).ToLowerInvariant()
    }

    # One control command to a mailbox, sealed with the token; returns the reply's payload once its MAC checks.
    function Invoke-Control([string] $Token, [string] $Target, [string] $ReplyTo, [string] $Command, [hashtable] $Arguments = @{}) {
        $now = [DateTime]::UtcNow
        $payload = [ordered]@{
            type = 'command'; namespace = 'default'; correlation_id = [Guid]::NewGuid().ToString(); command = $Command
            target = $Target; reply_to = $ReplyTo; sent_at = $now.ToString('yyyy-MM-ddTHH:mm:ss.fffZ'); expires_at = $now.AddMinutes(1).ToString('yyyy-MM-ddTHH:mm:ss.fffZ')
            sender = @{ user = 'pester'; host = [Environment]::MachineName; pid = $PID }; args = $Arguments
        } | ConvertTo-Json -Depth 8 -Compress
        $body = [ordered]@{ swarm_control = 1; payload = $payload; mac = (Get-Mac $Token $payload) } | ConvertTo-Json -Compress
        $null = Invoke-Exchange "v1/mailboxes/$Target/messages" @{ id = [Guid]::NewGuid().ToString(); from = $ReplyTo; body = $body }
        $correlation = ($payload | ConvertFrom-Json).correlation_id
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while ([DateTime]::UtcNow -lt $deadline) {
            foreach ($message in (Invoke-Exchange "v1/mailboxes/$ReplyTo/receive" @{ maxMessages = 10; waitMilliseconds = 1000 }).messages) {
                $null = Invoke-Exchange "v1/mailboxes/$ReplyTo/acknowledge" @{ ids = @($message.id) }
                $outer = $message.body | ConvertFrom-Json
                if ($outer.mac -ne (Get-Mac $Token $outer.payload)) { throw "a reply that is not sealed with the token: $($outer.payload)" }
                $reply = $outer.payload | ConvertFrom-Json -DateKind String
                if ($reply.correlation_id -eq $correlation) { return $reply }
            }
        }
        throw "no reply to $Command within 30 s"
    }
}

AfterAll {
    Stop-TwoSiteBed $script:Bed
    Restore-Environment $script:Saved
}

Describe 'tests/python/test_workflow_agent.py' {
    It 'passes every one of its tests' {
        $env:SWARMPS_TEST_EXCHANGE_URL = $script:Url + '/'
        $env:SWARMPS_PWSH = $PwshPath
        $start = [Diagnostics.ProcessStartInfo]::new((Get-Command python3 -CommandType Application | Select-Object -First 1).Source)
        foreach ($argument in (Join-Path $RepoRoot 'tests/python/test_workflow_agent.py'), '-v') { $start.ArgumentList.Add($argument) }
        $start.WorkingDirectory = $RepoRoot
        $start.UseShellExecute = $false
        $start.RedirectStandardInput = $true
        $start.RedirectStandardOutput = $true
        $start.RedirectStandardError = $true
        $python = [Diagnostics.Process]::Start($start)
        $python.StandardInput.Close()
        $stdout = $python.StandardOutput.ReadToEndAsync()
        $stderr = $python.StandardError.ReadToEndAsync()
        if (-not $python.WaitForExit(120000)) {
            $python.Kill($true)
            throw 'tests/python/test_workflow_agent.py did not finish within 120 s.'
        }
        $null = $stdout.Wait(5000), $stderr.Wait(5000)
        # unittest reports on stderr; shown whole on failure, so the failing test is named in Pester's output.
        $report = $stderr.Result + $stdout.Result
        $python.ExitCode | Should -Be 0 -Because $report
        # The number of tests in the file: a test that silently stopped being collected fails here.
        $report | Should -Match 'Ran 21 tests' -Because $report
        $report | Should -Match '(?m)^OK$' -Because $report
        $report | Should -Not -Match 'skipped' -Because $report
    }
}

Describe 'The example campaign examples/workflows/campaign.yaml under Start-SwarmSite' {
    BeforeAll {
        # The control token in the agent's default place (XDG_CONFIG_HOME, inherited through the launcher), owner-only.
        Remove-Item Env:SWARM_CONTROL_TOKEN, Env:SWARM_CONTROL_TOKEN_FILE, Env:SWARM_NAMESPACE -ErrorAction SilentlyContinue
        $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
        $tokenFile = Join-Path $env:XDG_CONFIG_HOME 'swarmps/control/default.token'
        $null = New-Item -ItemType Directory -Force (Split-Path $tokenFile)
        $script:ControlToken = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
        Set-Content -Path $tokenFile -Value $script:ControlToken -NoNewline
        [IO.File]::SetUnixFileMode($tokenFile, [IO.UnixFileMode]::UserRead -bor [IO.UnixFileMode]::UserWrite)

        $script:RunId = New-RunId 'pester-workflow'
        Push-Location $RepoRoot  # the campaign's command is relative to the repository root
        try {
            $null = Import-SwarmCampaign (Join-Path $ExamplesRoot 'workflows/campaign.yaml') | Start-SwarmSite -RunId $script:RunId -Site alpha -Detach -Confirm:$false
        } finally { Pop-Location }
        $script:Agent = (Get-SwarmAgentId -RunId $script:RunId -Name workflow).Id
        $script:Reply = (Invoke-Exchange 'v1/mailboxes' @{ runId = 'control.default'; name = 'reply.pester.0' }).id  # the first slot of the pool: this exchange is new
        $script:RunDirectory = Join-Path $TestDrive "alpha-host/runs/$script:RunId/alpha"
    }

    AfterAll {
        Stop-SwarmSite -RunId $script:RunId -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
        if ($script:Reply) { $null = Invoke-Exchange "v1/mailboxes/$script:Reply/terminate" @{} }
    }

    It 'runs hello with its parameters, then stops a running sleep when the site is stopped' {
        $started = Invoke-Control $script:ControlToken $script:Agent $script:Reply 'workflow.start' @{ workflow = 'hello'; parameters = @{ who = 'pester' } }
        $started.ok | Should -BeTrue -Because ($started | ConvertTo-Json -Depth 5)
        $started.result.execution_id | Should -Be 'hello-default-1'
        Wait-Until { (Invoke-Control $script:ControlToken $script:Agent $script:Reply 'workflow.list').result.executions[0].state -eq 'Succeeded' } -Seconds 20
        Get-Content -Raw (Join-Path $script:RunDirectory 'agents/workflow/workflows/hello-default-1.log') | Should -Match ([regex]::Escape('{"who":"pester"}'))

        $sleeper = (Invoke-Control $script:ControlToken $script:Agent $script:Reply 'workflow.start' @{ workflow = 'sleep' }).result.execution_id
        $sleeper | Should -Be 'sleep-default-2'
        $null = Stop-SwarmSite -RunId $script:RunId -Confirm:$false
        $events = @(Get-Content (Join-Path $script:RunDirectory 'events.jsonl') | ConvertFrom-Json -DateKind String)
        # Its last words before exit 0, after the workflows were stopped (the launcher records no exit code on a stop).
        $events.kind | Should -Contain 'workflow_agent_stopped'
        @($events | Where-Object kind -eq 'workflow_state' | ForEach-Object { "$($_.execution_id) $($_.from)->$($_.to)" })[-1] | Should -Be "$sleeper Running->Stopped"
        $state = Get-Content -Raw (Join-Path $script:RunDirectory 'agents/workflow/workflows.json') | ConvertFrom-Json
        ($state.executions | Where-Object execution_id -eq $sleeper).state | Should -Be 'Stopped'
        Get-RunProcess $script:RunId | Should -BeNullOrEmpty -Because 'the workflows of a stopped site are gone with it'
    }
}
