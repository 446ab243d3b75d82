#Requires -Version 7.4
<#
.SYNOPSIS
    The live federated demo: exchange, sites alpha and beta as detached launchers, kickoff, wait, merged
    timeline, stop everything.

.DESCRIPTION
    Lists the demo sites, checks the campaign, generates an exchange token for this session only (in the
    environment, never printed), starts the embedded exchange, starts site alpha (agent ping) and site beta
    (agent pong) as separate detached launchers with their own run roots, sends the kickoff, waits until
    every agent has finished, prints the merged timeline and the agents, and stops everything it started,
    also after an error or Ctrl+C. Exits 0 when both agents exited 0, 1 otherwise.

    With -Dashboard the run is also shown live in a browser from before the kickoff (Start-SwarmDashboard -Site
    alpha, beta; on a desktop the browser opens, elsewhere the URL is printed), and the dashboard stays up
    -DashboardSeconds after the agents end (Ctrl+C ends it sooner), then is stopped with everything else.

    With -Backend RabbitMq the exchange is two gateways on a RabbitMQ broker (docs/exchange.md, "Backends"):
    site alpha's agents use gateway A first and B second, beta's B first and A second, so every message
    crosses gateways. The broker is -BrokerUri (default: the one tests/infra/start-rabbitmq.sh runs on
    127.0.0.1:5673, whose test account the demo uses when SWARM_BROKER_USER is unset).

    Run it in a fresh pwsh (the module's assemblies cannot be unloaded, and the token must not outlive the
    demo); `pwsh ./build.ps1 -Task Demo` builds the module first and does exactly that.

.EXAMPLE
    pwsh -NoProfile -File examples/federated-chat/Invoke-Demo.ps1     # after the build, from anywhere

.EXAMPLE
    pwsh -NoProfile -File examples/federated-chat/Invoke-Demo.ps1 -Dashboard    # and watch it in the browser

.EXAMPLE
    bash tests/infra/start-rabbitmq.sh; pwsh -NoProfile -File examples/federated-chat/Invoke-Demo.ps1 -Backend RabbitMq
#>
[CmdletBinding()]
param(
    # The module to import; the clone's own manifest by default (after `./build.ps1`).
    [string] $ManifestPath = (Join-Path $PSScriptRoot '../../SwarmPS.psd1'),

    # How long the agents may take before the demo stops them and fails.
    [ValidateRange(1, 3600)]
    [int] $TimeoutSeconds = 120,

    # What keeps the mailboxes: one SQLite exchange, or two gateways on a RabbitMQ broker.
    [ValidateSet('Sqlite', 'RabbitMq')]
    [string] $Backend = 'Sqlite',

    # The broker's nodes for -Backend RabbitMq (credentials from SWARM_BROKER_USER/SWARM_BROKER_PASSWORD).
    [string] $BrokerUri = 'amqp://127.0.0.1:5673/test',

    # Also show the run live in the browser dashboard (Start-SwarmDashboard -Site alpha, beta), from before the kickoff.
    [switch] $Dashboard,

    # With -Dashboard: how long the dashboard stays up after the agents end, before everything is stopped.
    [ValidateRange(0, 86400)]
    [int] $DashboardSeconds = 300
)

$ErrorActionPreference = 'Stop'
# The agent commands in campaign.yaml (examples/federated-chat/agent.py) are relative to the repository root.
$RepositoryRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$CampaignPath = Join-Path $PSScriptRoot 'campaign.yaml'
$SitesPath = Join-Path $RepositoryRoot 'examples/sites'
foreach ($path in $ManifestPath, $CampaignPath, (Join-Path $SitesPath 'alpha.yaml'), (Join-Path $SitesPath 'beta.yaml')) {
    if (-not (Test-Path $path)) {
        throw "The demo needs $path, which does not exist."
    }
}
Set-Location $RepositoryRoot
Import-Module $ManifestPath
$needed = 'Get-SwarmSite', 'Import-SwarmCampaign', 'Test-SwarmCampaign', 'Get-SwarmAgentId', 'Start-SwarmExchange',
    'Stop-SwarmExchange', 'Start-SwarmSite', 'Send-SwarmBootstrap', 'Get-SwarmAgent', 'Get-SwarmEvent', 'Stop-SwarmSite',
    'Start-SwarmDashboard', 'Stop-SwarmDashboard'
$missing = $needed | Where-Object { -not (Get-Command -Module SwarmPS -Name $_ -ErrorAction SilentlyContinue) }
if ($missing) {
    throw "Demo needs $($missing -join ', '), which this build of SwarmPS does not have."
}

function Show($Title, [scriptblock] $Pipeline) {
    Write-Host ''
    Write-Host "PS> $Title" -ForegroundColor Cyan
    & $Pipeline | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
}

# The demo site profiles (examples/sites) put their run roots under SWARMPS_DEMO_ROOT: a fresh
# folder, so this run's directories hold nothing from an earlier one.
$env:SWARMPS_SITE_PATH = $SitesPath
$env:SWARMPS_DEMO_ROOT = (New-Item -ItemType Directory -Path (Join-Path ([IO.Path]::GetTempPath()) "swarmps-demo-$([Guid]::NewGuid().ToString('N').Substring(0, 8))")).FullName
$runId = 'demo-' + (Get-Date -Format 'yyyyMMdd-HHmmss')
# One state directory per gateway: one for the SQLite exchange, two for the RabbitMQ backend's gateways.
$exchangeStates = @(if ($Backend -eq 'RabbitMq') { 'gateway-a', 'gateway-b' } else { 'exchange' }) | ForEach-Object { Join-Path $env:SWARMPS_DEMO_ROOT $_ }
Write-Host "Demo: run $runId ($Backend backend); files under $env:SWARMPS_DEMO_ROOT"

# Step 1: what there is: the sites, the campaign's check, the agents' mailbox ids.
Show 'Get-SwarmSite alpha, beta' { Get-SwarmSite alpha, beta }
$findings = @(Import-SwarmCampaign $CampaignPath | Test-SwarmCampaign)
Show "Import-SwarmCampaign $CampaignPath | Test-SwarmCampaign" { $findings }
if ($findings | Where-Object Severity -eq 'Error') {
    throw "The demo campaign $CampaignPath has errors (above); fix them first."
}
Show "(Import-SwarmCampaign $CampaignPath).Agents.Name | Get-SwarmAgentId -RunId $runId" {
    (Import-SwarmCampaign $CampaignPath).Agents.Name | Get-SwarmAgentId -RunId $runId
}

# A token for this session only: in the environment (the exchange, the launchers and the agents
# inherit it), never printed, never on a command line.
$env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
$exitCode = 1
$exchangesStarted = [System.Collections.Generic.List[string]]::new()
$brokerAccount = $Backend -eq 'RabbitMq' -and -not $env:SWARM_BROKER_USER
if ($brokerAccount) {
    # The test broker's own account (tests/infra/start-rabbitmq.sh), for this demo only.
    $env:SWARM_BROKER_USER, $env:SWARM_BROKER_PASSWORD = 'test', 'test'
}
$sitesStarted = [System.Collections.Generic.List[string]]::new()
$dashboardMirrors = Join-Path $env:SWARMPS_DEMO_ROOT 'dashboard'
$board = $null
try {
    # Step 2: the exchange, detached, on a free port of 127.0.0.1: one SQLite exchange, or two gateways
    # of one exchange on the broker (same -BrokerName).
    $brokerName = 'demo-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
    $gateways = foreach ($state in $exchangeStates) {
        $exchangesStarted.Add($state)
        if ($Backend -eq 'RabbitMq') {
            Start-SwarmExchange -Backend RabbitMq -BrokerUri $BrokerUri -BrokerName $brokerName -StateDirectory $state -PassThru -Confirm:$false
        }
        else {
            Start-SwarmExchange -StateDirectory $state -PassThru -Confirm:$false
        }
    }
    foreach ($gateway in $gateways) {
        Write-Host "Demo: exchange at $($gateway.Url) (pid $($gateway.Pid))"
    }
    $env:SWARM_EXCHANGE_URL = ($gateways.Url | ForEach-Object ToString) -join ','
    # Each site's agents start on a gateway of their own and move to the other if it fails.
    $siteUrls = @{
        alpha = $env:SWARM_EXCHANGE_URL
        beta  = (@($gateways.Url)[-1..-($gateways.Count)] | ForEach-Object ToString) -join ','
    }

    # Step 3: each site starts only its own agent, in a detached launcher of its own, with its own
    # run root (as two centres would); the kickoff is left to the operator (bootstrap_skipped).
    foreach ($slice in @{ Agent = 'ping'; Site = 'alpha' }, @{ Agent = 'pong'; Site = 'beta' }) {
        $url = $siteUrls[$slice.Site]
        Write-Host "PS> Import-SwarmCampaign $CampaignPath | Select-SwarmAgent $($slice.Agent) | Start-SwarmSite -RunId $runId -Site $($slice.Site) -ExchangeUrl $url -Detach" -ForegroundColor Cyan
        $sitesStarted.Add($slice.Site)
        $status = Import-SwarmCampaign $CampaignPath | Select-SwarmAgent $slice.Agent |
            Start-SwarmSite -RunId $runId -Site $slice.Site -ExchangeUrl $url -Detach -Confirm:$false
        $status | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
    }

    # Step 3b (-Dashboard): both sites live in the browser, before anything happens.
    if ($Dashboard) {
        Write-Host "PS> Start-SwarmDashboard -RunId $runId -Site alpha, beta" -ForegroundColor Cyan
        $board = Start-SwarmDashboard -RunId $runId -Site alpha, beta -MirrorRoot $dashboardMirrors -Confirm:$false
        $board | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
        Write-Host "Demo: dashboard at $($board.Url)"
    }

    # Step 4: the operator's kickoff, from here; it waits until ping is live.
    Show "Import-SwarmCampaign $CampaignPath | Send-SwarmBootstrap -RunId $runId" {
        Import-SwarmCampaign $CampaignPath | Send-SwarmBootstrap -RunId $runId -Timeout 120 -Confirm:$false
    }

    # Step 5: wait until every agent has finished. Stale (recorded running, process gone) is only
    # believed once it persists: an agent is briefly Stale between its exit and its launcher noting it.
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $staleSince = @{}
    $lastLine = ''
    while ($true) {
        $agents = @(Get-SwarmAgent -RunId $runId -Site alpha, beta)
        $now = [DateTime]::UtcNow
        foreach ($agent in $agents) {
            if ($agent.State -ne 'Stale') { $staleSince.Remove($agent.Name) }
            elseif (-not $staleSince.ContainsKey($agent.Name)) { $staleSince[$agent.Name] = $now }
        }
        $pending = @($agents | Where-Object {
                $_.State -notin 'Exited', 'Failed', 'Stopped' -and
                -not ($_.State -eq 'Stale' -and ($now - $staleSince[$_.Name]).TotalSeconds -ge 5)
            })
        $line = ($agents | ForEach-Object { "$($_.Name)@$($_.Site) $($_.State) in:$($_.MessagesIn) out:$($_.MessagesOut)" }) -join '; '
        if ($line -ne $lastLine) {
            Write-Host "Demo: $line"
            $lastLine = $line
        }
        Write-Progress -Id 1 -Activity "Demo $runId" -Status $line
        if ($agents.Count -gt 0 -and $pending.Count -eq 0) {
            break
        }
        if ($now -gt $deadline) {
            Write-Warning "Demo: agents still running after $TimeoutSeconds s: $(($pending.Name) -join ', '). Stopping everything."
            break
        }
        Start-Sleep -Milliseconds 500
    }
    Write-Progress -Id 1 -Activity "Demo $runId" -Completed

    # The launchers end right after their agents (site_finished, mailboxes terminated); let them
    # write their last lines rather than stopping them mid-sentence.
    $runDirectories = 'alpha', 'beta' | ForEach-Object { Join-Path (Get-SwarmSite $_).Profile.RunRoot $runId }
    $settled = [DateTime]::UtcNow.AddSeconds(30)
    while ([DateTime]::UtcNow -lt $settled -and
        @(Get-SwarmEvent -Path $runDirectories -Kind site_finished, site_failed, site_stopped | Select-Object -ExpandProperty Site -Unique).Count -lt 2) {
        Start-Sleep -Milliseconds 200
    }

    # Step 6: one timeline from both sites' run directories, and the agents' final state.
    Show "Get-SwarmEvent $($runDirectories -join ', ')" { Get-SwarmEvent -Path $runDirectories }
    $final = @(Get-SwarmAgent -RunId $runId -Site alpha, beta)
    Show "Get-SwarmAgent -RunId $runId" { $final }

    $failed = @($final | Where-Object { $_.State -ne 'Exited' -or $_.LastExitCode -ne 0 })
    if ($final.Count -eq 2 -and $failed.Count -eq 0) {
        Write-Host "Demo: every agent exited 0. Logs: $($runDirectories -join ', ')" -ForegroundColor Green
        $exitCode = 0
    }
    else {
        Write-Host "Demo: FAILED: $(($failed | ForEach-Object { "$($_.Name) $($_.State) exit $($_.LastExitCode)" }) -join '; '). Read <run dir>/<site>/agents/*/stderr.log and launcher.log under $($runDirectories -join ', ')." -ForegroundColor Red
    }
    if ($board -and $DashboardSeconds -gt 0) {
        Write-Host "Demo: the dashboard stays up for $DashboardSeconds s at $($board.Url) (Ctrl+C ends it sooner)"
        Start-Sleep -Seconds $DashboardSeconds
    }
}
finally {
    # Everything this demo started is stopped, also after an error or Ctrl+C. Each step on its own,
    # so one failing cleanup does not skip the next.
    if ($board) {
        try {
            Stop-SwarmDashboard -RunId $runId -MirrorRoot $dashboardMirrors -Confirm:$false | Out-Null
            Write-Host 'Demo: dashboard stopped.'
        }
        catch {
            Write-Warning "Demo: Stop-SwarmDashboard: $_"
        }
    }
    if ($sitesStarted.Count -gt 0) {
        try {
            Show "Stop-SwarmSite -RunId $runId" { Stop-SwarmSite -RunId $runId -Site $sitesStarted -Confirm:$false }
        }
        catch {
            Write-Warning "Demo: Stop-SwarmSite: $_"
        }
    }
    foreach ($state in $exchangesStarted) {
        try {
            Stop-SwarmExchange -StateDirectory $state -Confirm:$false
            Write-Host "Demo: $(Split-Path -Leaf $state) stopped."
        }
        catch {
            Write-Warning "Demo: Stop-SwarmExchange: $_"
        }
    }
    Remove-Item Env:SWARM_EXCHANGE_TOKEN, Env:SWARM_EXCHANGE_URL -ErrorAction SilentlyContinue
    if ($brokerAccount) {
        Remove-Item Env:SWARM_BROKER_USER, Env:SWARM_BROKER_PASSWORD -ErrorAction SilentlyContinue
    }
}
exit $exitCode
