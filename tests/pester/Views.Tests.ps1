# Acceptance tests of the default views (module/*.format.ps1xml) as an operator sees them: one real object
# of every [OutputType] type of every exported cmdlet, made by running the cmdlets (the built-in local site,
# a temporary git repository, an exchange on 127.0.0.1 started here and stopped after), formatted with
# Format-Table at 120 columns. Also the warnings the ledger cmdlets write.
# Needs python3 and git on PATH. Run from the repository root after building:
#   Invoke-Pester ./tests/pester/Views.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Saved = Save-Environment 'SWARMPS_SITE_PATH', 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'SWARM_TRAINING_TOKEN',
        'XDG_STATE_HOME', 'SWARM_CONTROL_TOKEN', 'SWARM_CONTROL_TOKEN_FILE', 'SWARM_NAMESPACE', 'SWARM_SITE', 'SWARM_RUN_ID'

    # The built-in local site, its run root and preflight cache on TestDrive; no user site files.
    $env:XDG_DATA_HOME = Join-Path $TestDrive 'data'
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
    Remove-Item Env:SWARMPS_SITE_PATH -ErrorAction SilentlyContinue

    # Every object made below, by its type name; the test cases are the types the cmdlets declare.
    $script:Samples = @{}
    function Add-Sample {
        param([Parameter(ValueFromPipeline)] $InputObject)
        process {
            if ($null -ne $InputObject -and -not $script:Samples.ContainsKey($InputObject.PSTypeNames[0])) {
                $script:Samples[$InputObject.PSTypeNames[0]] = $InputObject
            }
        }
    }

    function Wait-SiteEnd([string] $RunDirectory) {
        $deadline = (Get-Date).AddSeconds(60)
        do {
            Start-Sleep -Milliseconds 250
            $ended = @(Get-SwarmEvent -Path $RunDirectory -Kind site_finished, site_failed, site_stopped)
        } until ($ended.Count -ge 1 -or (Get-Date) -gt $deadline)
    }

    # --- Exchange: a real one on 127.0.0.1, and a second started only to be stopped (ExchangeStateFile).
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:ExchangeState = Join-Path $TestDrive 'exchange'
    Start-SwarmExchange -StateDirectory $script:ExchangeState -PassThru -Confirm:$false | Add-Sample
    $env:SWARM_EXCHANGE_URL = (Get-SwarmExchange -StateDirectory $script:ExchangeState).Url.ToString()
    $other = Join-Path $TestDrive 'exchange-2'
    Start-SwarmExchange -StateDirectory $other -Confirm:$false | Out-Null
    Stop-SwarmExchange -StateDirectory $other -PassThru -Confirm:$false | Add-Sample

    $mailboxRun = 'views-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
    Register-SwarmMailbox -RunId $mailboxRun -Name agent-a, agent-b -Confirm:$false | Add-Sample
    $identity = Get-SwarmAgentId -RunId $mailboxRun -Name agent-b
    $identity | Add-Sample
    $to = $identity.Id
    'a message body that is long enough to be cut by the view, as agents write them: JSON, prose, anything' |
        Send-SwarmMessage -To $to -Confirm:$false | Add-Sample
    Receive-SwarmMessage -Mailbox $to -MaxMessages 1 | Add-Sample

    # --- Campaigns and launches on the local site: a counter of two python agents, run twice.
    $agent = ConvertTo-Json (Join-Path $RepoRoot 'examples/federated-chat/agent.py')
    $script:CampaignFile = Join-Path $TestDrive 'views-counter.yaml'
    Set-Content -Path $script:CampaignFile -Value @"
name: views-counter
initial_agent: ping
user_task: Count from 1 to 3, one number per turn.
startup_timeout: 60
exchange:
  heartbeat_interval: 1s
agents:
  - name: ping
    site: local
    command: ["python3", $agent, "--stop-at", "3", "--pace", "0", "--idle-timeout", "60"]
    peers: [pong]
  - name: pong
    site: local
    command: ["python3", $agent, "--stop-at", "3", "--pace", "0", "--idle-timeout", "60"]
    peers: [ping]
"@
    $campaign = Import-SwarmCampaign $script:CampaignFile
    $campaign | Add-Sample
    $campaign.Agents[0] | Add-Sample
    Set-Content -Path (Join-Path $TestDrive 'bad.yaml') -Value "name: bad`ninitial_agent: ghost`nuser_task: go`nagents:`n  - name: a`n    site: nowhere`n    command: [x]`n    peers: [b]`n"
    Test-SwarmCampaign -Path (Join-Path $TestDrive 'bad.yaml') | Add-Sample

    $foreground = 'views-fg-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
    $campaign | Start-SwarmSite -RunId $foreground -Site local -Bootstrap -Confirm:$false | Add-Sample

    $script:Detached = 'views-bg-' + [Guid]::NewGuid().ToString('N').Substring(0, 8)
    $campaign | Start-SwarmSite -RunId $script:Detached -Site local -Detach -Confirm:$false | Add-Sample
    $campaign | Send-SwarmBootstrap -RunId $script:Detached -Timeout 60 -Confirm:$false | Add-Sample
    $runDirectory = Join-Path $env:XDG_DATA_HOME "swarmps/runs/$($script:Detached)"
    Wait-SiteEnd $runDirectory
    Get-SwarmAgent -RunId $script:Detached | Add-Sample
    Get-SwarmEvent -Path $runDirectory | Where-Object Kind -eq 'site_starting' | Add-Sample
    Stop-SwarmSite -RunId $script:Detached -Confirm:$false | Add-Sample

    # --- Control: this user's agent manager of the local site (its files on TestDrive), asked for its status,
    # and the example workflow agent (examples/workflows) of a run on the local site, asked to run hello.
    # The agent reads the control token from its default file, so the same token is in the variable and there.
    $env:XDG_STATE_HOME = Join-Path $TestDrive 'state'
    $env:SWARM_CONTROL_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    Remove-Item Env:SWARM_CONTROL_TOKEN_FILE, Env:SWARM_NAMESPACE, Env:SWARM_SITE, Env:SWARM_RUN_ID -ErrorAction SilentlyContinue
    $tokenFile = Join-Path $env:XDG_CONFIG_HOME 'swarmps/control/default.token'
    New-Item -ItemType Directory -Force (Split-Path $tokenFile) | Out-Null
    Set-Content -Path $tokenFile -Value $env:SWARM_CONTROL_TOKEN -NoNewline
    [IO.File]::SetUnixFileMode($tokenFile, [IO.UnixFileMode]::UserRead -bor [IO.UnixFileMode]::UserWrite)
    $script:ManagerStarted = $true
    Start-SwarmAgentManager -Site local -Detach -Confirm:$false | Add-Sample
    Send-SwarmControl -Site local -Command Status | Add-Sample

    $workflowAgent = ConvertTo-Json (Join-Path $ExamplesRoot 'workflows/workflow_agent.py')
    $workflows = ConvertTo-Json (Join-Path $ExamplesRoot 'workflows/workflows.json')
    $workflowCampaign = Join-Path $TestDrive 'views-workflows.yaml'
    Set-Content -Path $workflowCampaign -Value @"
name: views-workflows
initial_agent: workflow
user_task: Run the workflows you are asked to run.
startup_timeout: 60
exchange:
  heartbeat_interval: 1s
agents:
  - name: workflow
    site: local
    command: ["python3", $workflowAgent, "--workflows", $workflows]
    environment:
      PYTHONUNBUFFERED: "1"
"@
    $script:WorkflowRun = New-RunId 'views-wf'
    Import-SwarmCampaign $workflowCampaign | Start-SwarmSite -RunId $script:WorkflowRun -Site local -Detach -Confirm:$false | Out-Null
    Start-SwarmWorkflow -Name hello -RunId $script:WorkflowRun -Parameters @{ who = 'views' } -Confirm:$false | Add-Sample

    # --- Sites.
    Get-SwarmSite local | Add-Sample
    Test-SwarmSite local | Add-Sample

    # --- Scheduler, in a temporary git repository (job records and runs live there).
    $script:Repo = Join-Path $TestDrive 'repo'
    New-Item -ItemType Directory $script:Repo | Out-Null
    git -C $script:Repo init --quiet
    Set-Content (Join-Path $script:Repo '.gitignore') '.swarm/'
    Initialize-SwarmRepository -Path $script:Repo -MachineLabel views-test -WarningAction SilentlyContinue | Add-Sample
    Set-Content (Join-Path $script:Repo '.gitignore') ''
    Initialize-SwarmRepository -Path $script:Repo -WarningAction SilentlyContinue | Out-Null
    Push-Location $script:Repo
    try {
        $tasks = New-SwarmTaskSet -Axis @{ n = 1, 2 }
        $tasks | Add-Sample
        $plan = $tasks | New-SwarmJobPlan -Site local -Command 'true'
        $plan | Add-Sample
        $plan | Submit-SwarmJob -Confirm:$false | Add-Sample
        Wait-SwarmJob -Id $plan.Key -PollInterval 5 -Timeout 00:01:00 | Out-Null
        Get-SwarmJob -Id $plan.Key -Task 0 | Add-Sample
        Invoke-SwarmAggregation -Id $plan.Key -Reducer 'sh', '-c', 'cat "$SWARM_AGGREGATE_INPUTS" > "$SWARM_SUMMARY"' | Add-Sample
        # A task that fails on its own: Watch-SwarmJob reports it is not resubmitted (a WatchDecision, information stream).
        $failing = New-SwarmTaskSet -Axis @{ n = 1 } | New-SwarmJobPlan -Site local -Command 'false'
        $failing | Submit-SwarmJob -Confirm:$false | Out-Null
        $failing | Watch-SwarmJob -PollInterval 5 -Timeout 00:01:00 -InformationVariable watched -WarningAction SilentlyContinue | Out-Null
        $watched | ForEach-Object MessageData | Where-Object { $null -ne $_ -and $_.PSTypeNames[0] -eq 'SwarmPS.Engine.Scheduler.WatchDecision' } | Add-Sample

        # --- Ledger.
        $run = New-SwarmRun -Statepoint @{ lr = 0.1; seed = 1 } -Experiment views-sweep
        $run | Add-Sample
        Set-SwarmRunStatus -Id $run.Id -Status complete -Confirm:$false | Out-Null
        Get-SwarmLedger -Id $run.Id | Add-Sample
        Publish-SwarmLedgerEntry -Id $run.Id -Confirm:$false | Add-Sample
        Sync-SwarmLedger -Confirm:$false | Add-Sample
        # A signac repository and a one-job signac project: signac's documented {"a": 0}.
        $signacRepo = New-Item -ItemType Directory (Join-Path $TestDrive 'signac-repo')
        Initialize-SwarmRepository -Path $signacRepo -IdScheme Signac | Out-Null
        $signacJob = New-Item -ItemType Directory (Join-Path $TestDrive 'signac-project/workspace/9bfd29df07674bc4aa960cf661b5acd2')
        Set-Content (Join-Path $signacJob 'signac_statepoint.json') '{"a": 0}'
        Import-SwarmSignacProject -Path (Join-Path $TestDrive 'signac-project') -Repository $signacRepo -Confirm:$false | Add-Sample
        Sync-SwarmCode -Site local -Confirm:$false | Add-Sample
        New-Item -ItemType Directory findings | Out-Null
        Set-Content findings/broken.md "---`ncites:`n  runs:`n    - 0123456789abcdef0123456789abcdef`n---`nText."
        Test-SwarmCitation -Path findings/broken.md | Add-Sample
        # An aexp ledger written by Python, converted in a repository of signac ids.
        $aexpRepo = Join-Path $TestDrive 'aexp-repo'
        New-Item -ItemType Directory $aexpRepo | Out-Null
        git -C $aexpRepo init --quiet
        Initialize-SwarmRepository -Path $aexpRepo -MachineLabel views-test -IdScheme Signac | Out-Null
        & python3 (Join-Path $RepoRoot 'tests/python/make_aexp_ledger.py') $aexpRepo 7 | Out-Null
        Convert-SwarmLedger -From Aexp -Repository $aexpRepo -WarningAction SilentlyContinue | Add-Sample

        # --- Intents (campaign memory).
        $tasks | Save-SwarmIntent views-sweep -Goal 'a sample for the views' -TaskKind train -Command 'true' -Path intents -Confirm:$false | Add-Sample
        Find-SwarmIntent -Root intents -Rollup | Add-Sample
    }
    finally {
        Pop-Location
    }

    # --- Training: a two-tensor LoRA adapter written byte by byte (8-byte length, header, data).
    $header = [Text.Encoding]::UTF8.GetBytes('{"m.lora_A.weight":{"dtype":"F32","shape":[2,4],"data_offsets":[0,32]},"m.lora_B.weight":{"dtype":"F32","shape":[4,2],"data_offsets":[32,64]}}')
    $adapterFile = Join-Path $TestDrive 'views.safetensors'
    [IO.File]::WriteAllBytes($adapterFile, [byte[]]([BitConverter]::GetBytes([uint64]$header.Length) + $header + [byte[]]::new(64)))
    Get-SwarmAdapter -Path $adapterFile | Add-Sample
    Merge-SwarmContribution -Path $adapterFile -OutputPath (Join-Path $TestDrive 'views-merged.safetensors') | Add-Sample
    Import-SwarmTrainingPlan -Path (Join-Path $ExamplesRoot 'training/plan.yaml') | Add-Sample
    # Its findings here: the example's base snapshot is not shipped, so at least BaseSnapshotNotFound.
    Test-SwarmTrainingPlan -Path (Join-Path $ExamplesRoot 'training/plan.yaml') | Add-Sample
    # An evidence bundle of a run whose record holds only its plan (Evidence.Tests.ps1 builds whole ones).
    $viewsRecord = Join-Path $script:Repo '.swarm/training/views-run'
    New-Item -ItemType Directory $viewsRecord -Force | Out-Null
    Set-Content (Join-Path $viewsRecord 'plan.json') '{}'
    Export-SwarmEvidence -RunId views-run -Path (Join-Path $TestDrive 'views-bundle') -Repository $script:Repo | Add-Sample
    Test-SwarmEvidence -Path (Join-Path $TestDrive 'views-bundle') | Add-Sample
    $contributionRun = New-RunId 'views-contrib'
    New-ContributionDirectory -RunId $contributionRun -Contributor 'site-views' | Send-SwarmContribution -Confirm:$false | Add-Sample
    Get-SwarmContribution -RunId $contributionRun | Add-Sample
    # The coordinator's verdict on it (Rejected: the sample is not of the example plan's contract) and a
    # publication refused for want of accepted contributions.
    $viewsPlan = Import-SwarmTrainingPlan -Path (Join-Path $ExamplesRoot 'training/plan.yaml')
    Get-SwarmContribution -RunId $contributionRun | Test-SwarmContribution -Plan $viewsPlan -Repository $script:Repo -WarningAction SilentlyContinue | Add-Sample
    Merge-SwarmContribution -Path $adapterFile -OutputPath (Join-Path $TestDrive 'views-publish.safetensors') |
        Publish-SwarmSnapshot -RunId $contributionRun -Destination (Join-Path $TestDrive 'views-snapshot') -Repository $script:Repo -WarningAction SilentlyContinue | Add-Sample

    # --- Live training: one failure drill on the local site (the coordinator and two dotnet.cpu contributors,
    # about 10 s), the cheapest whole live run there is. It gives the drill's report, and the coordinator's
    # status of the same run, read back as an operator reads it.
    $env:SWARM_TRAINING_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $liveRoot = New-Item -ItemType Directory (Join-Path $TestDrive 'live')
    $liveBase = Join-Path $liveRoot 'base.safetensors'
    & python3 (Join-Path $PSScriptRoot 'tiny-base.py') base $liveBase 1
    if ($LASTEXITCODE -ne 0) { throw 'tests/pester/tiny-base.py could not write the base snapshot.' }
    $liveDigest = 'sha256:' + (Get-FileHash $liveBase -Algorithm SHA256).Hash.ToLowerInvariant()
    $livePlan = Join-Path $liveRoot 'plan.yaml'
    Set-Content -Path $livePlan -Value @"
schema_version: 1
namespace: views-live
coordinator: { site: local }
base_snapshot: { path: ./base.safetensors, digest: "$liveDigest" }
adapter: { target_modules: [lm_head], rank: 4, alpha: 8, dtype: F32 }
training: { steps: 20, seed: 7, learning_rate: 0.5 }
admission_token_env: SWARM_TRAINING_TOKEN
timing: { heartbeat_interval_ms: 500, stale_worker_ms: 5000, contributor_loss_grace_ms: 30000, max_worker_skew_ms: 30000 }
contributors:
  - { id: c1, site: local, backend: dotnet.cpu, device: "cpu:0", shard: shard-0 }
  - { id: c2, site: local, backend: dotnet.cpu, device: "cpu:0", shard: shard-1 }
validation: { max_update_norm: 1000.0, replay_sample: 0, replay_tolerance: 1.0e-4 }
gates: { min_accepted: 1, min_replay_checked: 0, min_loss_improvement: 0.0 }
"@
    $liveRepo = New-Item -ItemType Directory (Join-Path $liveRoot 'repo')
    git -C $liveRepo.FullName init --quiet
    Initialize-SwarmRepository -Path $liveRepo.FullName -MachineLabel views-live -WarningAction SilentlyContinue | Out-Null
    $corpus = Join-Path $ExamplesRoot 'training/corpus'
    Push-Location $liveRepo
    try {
        $drill = Import-SwarmTrainingPlan -Path $livePlan |
            Invoke-SwarmFailureDrill -Drill UploadDisagreement -DataPath $corpus -HeldOutPath (Join-Path $corpus 'held-out.txt') -Confirm:$false
        $drill | Add-Sample
        Get-SwarmTrainingStatus -RunId $drill.RunId | Add-Sample
    }
    finally {
        Pop-Location
    }

    # Every [OutputType] of every exported cmdlet that PowerShell does not format itself.
    $script:DeclaredTypes = Get-Command -Module SwarmPS -CommandType Cmdlet |
        ForEach-Object { $_.OutputType.Name } |
        Where-Object { $_ -and $_ -notlike 'System.*' } |
        Sort-Object -Unique

    # --- Dashboard: one on a run directory of TestDrive (any free port), then stopped.
    $dashboardRun = Join-Path $TestDrive 'dashboard-run/views-dashboard'
    New-Item -ItemType Directory -Path (Join-Path $dashboardRun 'alpha') -Force | Out-Null
    Set-Content -Path (Join-Path $dashboardRun 'alpha/events.jsonl') -Value '{"ts":"2026-12-01T10:00:00.000Z","site":"alpha","agent":"ping","kind":"message_sent","n":1,"to":"pong"}'
    $dashboardMirrors = Join-Path $TestDrive 'dashboard-mirrors'
    Start-SwarmDashboard -RunId views-dashboard -Path $dashboardRun -Port 0 -MirrorRoot $dashboardMirrors -NoBrowser -Confirm:$false | Add-Sample
    Stop-SwarmDashboard -RunId views-dashboard -MirrorRoot $dashboardMirrors -Confirm:$false | Add-Sample

    # The headers each view declares, read from the format files the manifest loads.
    $script:Headers = @{}
    foreach ($file in Get-ChildItem (Join-Path $RepoRoot 'module') -Filter '*.format.ps1xml') {
        foreach ($view in ([xml](Get-Content $file -Raw)).Configuration.ViewDefinitions.View) {
            if ($view.TableControl) {
                $script:Headers[$view.ViewSelectedBy.TypeName] = @($view.TableControl.TableHeaders.TableColumnHeader | ForEach-Object Label)
            }
        }
    }
}

AfterAll {
    if ($script:WorkflowRun) {
        Stop-SwarmSite -RunId $script:WorkflowRun -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    }
    if ($script:ManagerStarted) {
        Stop-SwarmAgentManager -Site local -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    }
    if ($script:Detached) {
        Stop-SwarmSite -RunId $script:Detached -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    }
    Stop-SwarmExchange -StateDirectory $script:ExchangeState -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    Restore-Environment $script:Saved
}

Describe 'Default views at 120 columns' {
    It 'has made an object of every declared output type' {
        @($script:DeclaredTypes | Where-Object { -not $script:Samples.ContainsKey($_) }) | Should -BeNullOrEmpty
        $script:DeclaredTypes.Count | Should -BeGreaterThan 20
    }

    It '<Type> uses its table view and fits in 120 columns' -TestCases @(
        # One case per type a cmdlet declares; 'has made an object of every declared output type' keeps this list whole.
        'SwarmPS.Engine.Campaigns.AgentIdentity', 'SwarmPS.Engine.Campaigns.Campaign', 'SwarmPS.Engine.Campaigns.CampaignAgent',
        'SwarmPS.Engine.Campaigns.CampaignFinding', 'SwarmPS.Engine.Events.SwarmEvent', 'SwarmPS.Engine.Exchange.ExchangeInfo',
        'SwarmPS.Engine.Exchange.ExchangeStateFile', 'SwarmPS.Engine.Exchange.MailboxStatus', 'SwarmPS.Engine.Exchange.ReceivedMessage',
        'SwarmPS.Engine.Exchange.SendReceipt', 'SwarmPS.Engine.Launch.AgentReport', 'SwarmPS.Engine.Launch.BootstrapReceipt',
        'SwarmPS.Engine.Launch.SiteLaunchResult', 'SwarmPS.Engine.Launch.SiteStatus', 'SwarmPS.Engine.Launch.SiteStopResult',
        'SwarmPS.Engine.Ledger.LedgerEntry', 'SwarmPS.Engine.Ledger.LedgerFinding', 'SwarmPS.Engine.Ledger.LedgerRun',
        'SwarmPS.Engine.Ledger.LedgerSyncResult', 'SwarmPS.Engine.Ledger.PromotionOutcome', 'SwarmPS.Engine.Ledger.RepositoryInitialization',
        'SwarmPS.Engine.Ledger.SignacImportResult',
        'SwarmPS.Engine.Ledger.AexpConversionResult',
        'SwarmPS.Engine.Scheduler.JobPlan', 'SwarmPS.Engine.Scheduler.SwarmJob', 'SwarmPS.Engine.Scheduler.SwarmTaskStatus',
        'SwarmPS.Engine.Scheduler.AggregationResult',
        'SwarmPS.Engine.Scheduler.TaskSet', 'SwarmPS.Engine.Scheduler.WatchDecision', 'SwarmPS.Engine.Sites.PreflightCheck', 'SwarmPS.Engine.Sites.SiteEntry',
        'SwarmPS.Engine.Training.Adapter', 'SwarmPS.Engine.Training.AdapterMergeReceipt', 'SwarmPS.Engine.Training.TrainingPlan',
        'SwarmPS.Engine.Training.EvidenceExportResult', 'SwarmPS.Engine.Training.EvidenceReport',
        'SwarmPS.Engine.Exchange.ContributionArrival', 'SwarmPS.Engine.Training.ArrivedContribution',
        'SwarmPS.Engine.Training.ContributionVerdict', 'SwarmPS.Engine.Training.PublicationReceipt',
        'SwarmPS.Engine.Training.TrainingPlanFinding',
        'SwarmPS.Engine.LiveTraining.TrainingContributorStatus', 'SwarmPS.Engine.LiveTraining.DrillReport',
        'SwarmPS.Engine.Dashboard.DashboardInfo', 'SwarmPS.Engine.Dashboard.DashboardStopResult',
        'SwarmPS.Engine.Control.AgentManagerInfo', 'SwarmPS.Engine.Control.ControlResult', 'SwarmPS.Engine.Control.WorkflowExecution',
        'SwarmPS.Engine.Intents.CampaignIntent', 'SwarmPS.Engine.Intents.IntentRollup', 'SwarmPS.Engine.CodeSync.CodeSyncResult' |
        ForEach-Object { @{ Type = $_ } }
    ) {
        param($Type)
        $sample = $script:Samples[$Type]
        $sample | Should -Not -BeNullOrEmpty -Because "the BeforeAll makes a $Type"
        $script:Headers[$Type] | Should -Not -BeNullOrEmpty -Because "module/*.format.ps1xml has a table view for $Type"

        $lines = @(($sample | Format-Table | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() })
        # The header line holds every label of the view (not the property names a default table would show).
        $header = $lines[0]
        foreach ($label in $script:Headers[$Type]) {
            $header | Should -Match ([regex]::Escape($label)) -Because "the header line is '$header'"
        }
        $lines.Count | Should -Be 3 -Because "one object is a header, a rule and one row, not wrapped:`n$($lines -join "`n")"
        foreach ($line in $lines) {
            $line.Length | Should -BeLessOrEqual 120 -Because "'$line' must fit"
        }
        # A value is cut ('…') only by the right edge, never inside a column left too narrow.
        if ($lines[2].Contains([char]0x2026)) {
            $lines[2].IndexOf([char]0x2026) | Should -BeGreaterOrEqual 110 -Because "only the last column may be cut, at the edge: '$($lines[2])'"
        }
    }

    It '<Type> does not wrap its header at 80 columns' -TestCases @(
        @{ Type = 'SwarmPS.Engine.Exchange.MailboxStatus' }
        @{ Type = 'SwarmPS.Engine.Exchange.SendReceipt' }
        @{ Type = 'SwarmPS.Engine.LiveTraining.TrainingContributorStatus' }
    ) {
        param($Type)
        $lines = @(($script:Samples[$Type] | Format-Table | Out-String -Width 80) -split "`r?`n" | Where-Object { $_.Trim() })
        $lines.Count | Should -Be 3 -Because "one object is a header, a rule and one row:`n$($lines -join "`n")"
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
    }

    It 'shows every date as yyyy-MM-dd HH:mm:ss in UTC' -TestCases @(
        @{ Type = 'SwarmPS.Engine.Exchange.ExchangeStateFile'; Property = 'StartedAt' }
        @{ Type = 'SwarmPS.Engine.Exchange.MailboxStatus'; Property = 'LastHeartbeat' }
        @{ Type = 'SwarmPS.Engine.Exchange.ReceivedMessage'; Property = 'SentAt' }
        @{ Type = 'SwarmPS.Engine.Launch.BootstrapReceipt'; Property = 'SentAt' }
        @{ Type = 'SwarmPS.Engine.Launch.AgentReport'; Property = 'LastHeartbeat' }
        @{ Type = 'SwarmPS.Engine.Events.SwarmEvent'; Property = 'Timestamp' }
        @{ Type = 'SwarmPS.Engine.Ledger.LedgerRun'; Property = 'CreatedAt' }
        @{ Type = 'SwarmPS.Engine.Ledger.LedgerEntry'; Property = 'EndedAt' }
        @{ Type = 'SwarmPS.Engine.Exchange.ContributionArrival'; Property = 'ArrivedAt' }
        @{ Type = 'SwarmPS.Engine.Training.ArrivedContribution'; Property = 'ArrivedAt' }
        @{ Type = 'SwarmPS.Engine.LiveTraining.TrainingContributorStatus'; Property = 'LastHeartbeat' }
        @{ Type = 'SwarmPS.Engine.Control.AgentManagerInfo'; Property = 'LastHeartbeat' }
        @{ Type = 'SwarmPS.Engine.Control.WorkflowExecution'; Property = 'StartedAt' }
    ) {
        param($Type, $Property)
        $sample = $script:Samples[$Type]
        $expected = $sample.$Property.UtcDateTime.ToString('yyyy-MM-dd HH:mm:ss')
        $table = $sample | Format-Table | Out-String -Width 120
        $table | Should -Match ([regex]::Escape($expected))
        # No culture-formatted date (12/01/2026 09:03:02 +00:00) anywhere in the table.
        $table | Should -Not -Match '\d{1,2}/\d{1,2}/\d{4}'
    }

    It 'shows the event details in the room left at 120 columns' {
        $event = $script:Samples['SwarmPS.Engine.Events.SwarmEvent']
        $row = @(($event | Format-Table | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() })[2]
        $details = "$($event.Details)"
        $details.Length | Should -BeGreaterThan 50 -Because 'the sample must be longer than the ~22 characters the old view showed'
        # Everything but the time, site, agent and kind goes to the details: 53 of the 120 columns.
        $row | Should -Match ([regex]::Escape($details.Substring(0, [Math]::Min(50, $details.Length))))
    }

    It 'shows a drill report''s checks passed of run, and in full with Format-List' {
        $report = $script:Samples['SwarmPS.Engine.LiveTraining.DrillReport']
        $passed = @($report.Checks | Where-Object Passed).Count
        $passed | Should -BeGreaterThan 0
        $row = @(($report | Format-Table | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() })[2]
        $row | Should -Match ("^UploadDisagreement +c2 +True +$passed/$(@($report.Checks).Count) +Published ")
        # The list view is the report as it is read after a drill: what was expected, and each check by name.
        $list = $report | Format-List | Out-String -Width 120
        $list | Should -Match ([regex]::Escape("Expected     : $($report.Expected.Substring(0, 40))"))
        $list | Should -Match 'Checks +: ok rejected, ok left_out, ok outcome, ok nothing_half_published'
    }

    It 'shows the array size of a plan without int.MaxValue' {
        $plan = $script:Samples['SwarmPS.Engine.Scheduler.JobPlan']
        $table = $plan | Format-Table | Out-String -Width 120
        $table | Should -Not -Match '2147483647'
    }
}

Describe 'Ledger warnings read as the problem and its fix' {
    BeforeAll {
        $script:WarnRepo = Join-Path $TestDrive 'warn-repo'
        New-Item -ItemType Directory $script:WarnRepo | Out-Null
        git -C $script:WarnRepo init --quiet
        Initialize-SwarmRepository -Path $script:WarnRepo -MachineLabel w | Out-Null
    }

    It 'writes <Code> without a severity word in front' -TestCases @(
        @{ Code = 'LedgerEntryInvalid'; Script = {
                Set-Content (Join-Path $script:WarnRepo '.swarm/ledger/0123456789abcdef0123456789abcdef.json') 'not json'
                Get-SwarmLedger -Repository $script:WarnRepo -WarningVariable warned -WarningAction SilentlyContinue | Out-Null
                $warned } }
        @{ Code = 'GitIgnoreHidesLedger'; Script = {
                Add-Content (Join-Path $script:WarnRepo '.gitignore') '.swarm/'
                Initialize-SwarmRepository -Path $script:WarnRepo -WarningVariable warned -WarningAction SilentlyContinue | Out-Null
                $warned } }
    ) {
        param($Code, $Script)
        $warnings = @(& $Script)
        $warnings.Count | Should -Be 1
        $text = $warnings[0].Message
        $text | Should -Match "^$Code\: "
        $text | Should -Not -Match '^(error|warning)\b'
        $text | Should -Match '\((\.swarm/ledger/[0-9a-f]{32}\.json|\S*\.gitignore:\d+)\)$'
    }
}
