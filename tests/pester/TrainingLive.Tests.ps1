# The live training run in real pwsh, end to end on real parts: a real exchange on 127.0.0.1, two local sites
# with their own run roots (alpha: the coordinator and a dotnet.cpu contributor; beta: a pytorch.cpu
# contributor), each started by Start-SwarmTraining as a detached site of the campaign derived from the plan,
# so every role is an agent with a mailbox, supervised by its site's launcher. The contributors train on their
# own shards and upload through the blob store; the coordinator validates, replays one contribution of each
# backend, merges, evaluates on the held-out shard, publishes, and exports the evidence. Then admission: a
# contributor with the wrong token is refused and the refusal is an event; and Start-SwarmTraining's refusals.
# Needs /usr/bin/python3 with python3-torch, and git. Run after building: Invoke-Pester ./tests/pester/TrainingLive.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Bed = Start-TwoSiteBed
    $script:SavedToken = Save-Environment 'SWARM_TRAINING_TOKEN'
    $script:Token = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $env:SWARM_TRAINING_TOKEN = $script:Token

    $script:Corpus = Join-Path $RepoRoot 'examples/training/corpus'
    $script:HeldOut = Join-Path $script:Corpus 'held-out.txt'
    $script:Trainers = @{ 'pytorch.cpu' = @('/usr/bin/python3', (Join-Path $RepoRoot 'trainers/pytorch_cpu/train.py')) }
    $script:Base = Join-Path $TestDrive 'base.safetensors'
    & /usr/bin/python3 (Join-Path $PSScriptRoot 'tiny-base.py') base $script:Base 1
    if ($LASTEXITCODE -ne 0) { throw 'tests/pester/tiny-base.py could not write the base snapshot.' }
    $script:BaseDigest = 'sha256:' + (Get-FileHash $script:Base -Algorithm SHA256).Hash.ToLowerInvariant()

    # A plan of two sites and two backends; every contribution is replayed (replay_sample 1) and both replays
    # must confirm it. Thresholds of a minute: a loaded CI machine can be slow, and this file is not a drill.
    function New-LivePlan([string] $Name, [int] $MinAccepted = 2, [int] $MinReplayChecked = 2, [string] $BetaSite = 'beta') {
        $path = Join-Path $TestDrive "$Name.yaml"
        @"
schema_version: 1
namespace: $Name
coordinator: { site: alpha }
base_snapshot: { path: ./base.safetensors, digest: "$script:BaseDigest" }
adapter: { target_modules: [lm_head], rank: 4, alpha: 8, dtype: F32 }
training: { steps: 60, seed: 7, learning_rate: 0.5 }
admission_token_env: SWARM_TRAINING_TOKEN
timing: { heartbeat_interval_ms: 1000, stale_worker_ms: 60000, contributor_loss_grace_ms: 90000, max_worker_skew_ms: 120000 }
contributors:
  - { id: c1, site: alpha, backend: dotnet.cpu, device: "cpu:0", shard: shard-0 }
  - { id: c2, site: $BetaSite, backend: pytorch.cpu, device: "cpu:0", shard: shard-1 }
validation: { max_update_norm: 1000.0, replay_sample: 1.0, replay_tolerance: 1.0e-4 }
gates: { min_accepted: $MinAccepted, min_replay_checked: $MinReplayChecked, min_loss_improvement: 0.1 }
"@ | Set-Content -Path $path
        Import-SwarmTrainingPlan -Path $path
    }

    # The coordinator works in an experiment repository; beta's contributor anywhere.
    function New-CoordinatorRepository([string] $Name) {
        $repo = New-Item -ItemType Directory (Join-Path $TestDrive $Name)
        git -C $repo.FullName init --quiet
        Initialize-SwarmRepository -Path $repo.FullName -MachineLabel coordinator -WarningAction SilentlyContinue | Out-Null
        $repo.FullName
    }

    # Starts a site's roles from its own working directory: alpha's is the coordinator's repository; beta's a
    # folder of its own under TestDrive. Returns the site's status.
    function Start-Alpha($Plan, [string] $RunId, [string] $Repository) {
        Push-Location $Repository
        try { $Plan | Start-SwarmTraining -RunId $RunId -Site alpha -DataPath $script:Corpus -HeldOutPath $script:HeldOut -Confirm:$false }
        finally { Pop-Location }
    }

    function Start-Beta($Plan, [string] $RunId, [string] $Folder) {
        $work = New-Item -ItemType Directory -Force (Join-Path $TestDrive $Folder)
        Push-Location $work
        try { $Plan | Start-SwarmTraining -RunId $RunId -Site beta -DataPath $script:Corpus -Trainer $script:Trainers -Confirm:$false }
        finally { Pop-Location }
    }

    function Wait-TrainingEnd([string] $RunId, [int] $Seconds = 240) {
        Wait-Until -Seconds $Seconds -PollMilliseconds 500 {
            $status = @(Get-SwarmTrainingStatus -RunId $RunId -Site alpha -ErrorAction SilentlyContinue)
            $status.Count -gt 0 -and $status[0].Phase -in 'Published', 'Blocked', 'Failed', 'Stopped'
        }
        @(Get-SwarmTrainingStatus -RunId $RunId -Site alpha)
    }

    function Get-SiteDirectory([string] $Site, [string] $RunId) { Join-Path $TestDrive "$Site-host/runs/$RunId/$Site" }

    function Get-SiteEvent([string] $Site, [string] $RunId) {
        Get-Content (Join-Path (Get-SiteDirectory $Site $RunId) 'events.jsonl') | ForEach-Object { $_ | ConvertFrom-Json }
    }

    # Command lines of the run's processes, read while it runs: the token must be in none of them.
    function Get-RunCommandLine([string] $RunId) {
        foreach ($id in Get-RunProcess $RunId) {
            try { [IO.File]::ReadAllText("/proc/$id/cmdline").Replace([char]0, ' ') } catch { }
        }
    }
}

AfterAll {
    Restore-Environment $script:SavedToken
    Stop-TwoSiteBed $script:Bed
}

Describe 'A live two-site training run, from start to published snapshot' {
    BeforeAll {
        $script:Plan = New-LivePlan 'ft-live'
        $script:RunId = New-RunId 'ft-live'
        $script:Repo = New-CoordinatorRepository 'coordinator'
        $script:Alpha = Start-Alpha $script:Plan $script:RunId $script:Repo
        $script:Beta = Start-Beta $script:Plan $script:RunId 'beta-work'

        $script:CommandLines = [Collections.Generic.List[string]]::new()
        $clock = [Diagnostics.Stopwatch]::StartNew()
        Wait-Until -Seconds 240 -PollMilliseconds 500 {
            foreach ($line in Get-RunCommandLine $script:RunId) { $script:CommandLines.Add($line) }
            $status = @(Get-SwarmTrainingStatus -RunId $script:RunId -Site alpha -ErrorAction SilentlyContinue)
            $status.Count -gt 0 -and $status[0].Phase -in 'Published', 'Blocked', 'Failed', 'Stopped'
        }
        Write-Host "live run: $([int] $clock.Elapsed.TotalSeconds) s from both sites started to the coordinator's end"
        $script:Status = @(Get-SwarmTrainingStatus -RunId $script:RunId -Site alpha)
        $script:Record = Join-Path $script:Repo ".swarm/training/$script:RunId"
    }

    It 'starts each site detached, its roles registered, and returns its status' {
        $script:Alpha.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Launch.SiteStatus'
        @($script:Alpha.Agents.Name) | Should -Be @('coordinator', 'c1')
        @($script:Beta.Agents.Name) | Should -Be @('c2')
        Test-Path (Join-Path (Get-SiteDirectory alpha $script:RunId) 'training-campaign.yaml') | Should -BeTrue
        (Get-Item (Join-Path (Get-SiteDirectory beta $script:RunId) 'training-settings.json')).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'publishes: both contributions accepted, each confirmed by a replay' {
        $script:Status[0].Phase | Should -Be 'Published' -Because $script:Status[0].PhaseDetail
        $script:Status.Contributor | Should -Be @('c1', 'c2')
        foreach ($contributor in $script:Status) {
            $contributor.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.LiveTraining.TrainingContributorStatus'
            $contributor.State | Should -Be 'Contributed'
            $contributor.Verdict | Should -Be 'Accepted'
            $contributor.ReplayChecked | Should -BeTrue
            $contributor.Stale | Should -BeFalse
            $contributor.Step | Should -Be 60
            $contributor.Heartbeats | Should -BeGreaterThan 1
            $contributor.LastHeartbeat | Should -Not -BeNullOrEmpty
        }
        ($script:Status | Where-Object Contributor -eq c2).Backend | Should -Be 'pytorch.cpu'
    }

    It 'replays the pytorch.cpu contribution on dotnet.cpu within tolerance, and the dotnet.cpu one bitwise' {
        $c1 = Get-Content -Raw (Join-Path $script:Record 'replays/c1.json') | ConvertFrom-Json
        $c2 = Get-Content -Raw (Join-Path $script:Record 'replays/c2.json') | ConvertFrom-Json
        $c1.match | Should -Be 'Bitwise'
        $c2.match | Should -BeIn 'WithinTolerance', 'Bitwise'
        $c2.contributed_backend | Should -Be 'pytorch.cpu'
        $c2.replay_backend | Should -Be 'dotnet.cpu'
    }

    It 'writes the snapshot in the PEFT layout and evidence that Test-SwarmEvidence finds whole' {
        $snapshot = Join-Path $script:Repo "snapshots/$script:RunId"
        @(Get-ChildItem $snapshot -File).Name | Sort-Object | Should -Be @('adapter_config.json', 'adapter_model.safetensors', 'publish_manifest.json')
        $report = Test-SwarmEvidence -Path (Join-Path $script:Repo "evidence/$script:RunId")
        $report.Passed | Should -BeTrue -Because ($report.Problems -join '; ')
    }

    It 'records one ledger run per contribution, validation, aggregation and publication' {
        Push-Location $script:Repo
        try {
            $runs = @(Get-SwarmRun | Where-Object { $_.Statepoint -like "*$script:RunId*" })
        } finally { Pop-Location }
        $steps = $runs | ForEach-Object { ($_.Statepoint | ConvertFrom-Json).training }
        @($steps | Where-Object { $_ -eq 'contribution' }).Count | Should -Be 2
        @($steps | Where-Object { $_ -eq 'validation' }).Count | Should -BeGreaterOrEqual 2
        @($steps | Where-Object { $_ -eq 'aggregation' }).Count | Should -Be 1
        @($steps | Where-Object { $_ -eq 'publication' }).Count | Should -Be 1
    }

    It 'tells the story in each site''s events, and both sites finish' {
        $alpha = @(Get-SiteEvent alpha $script:RunId)
        $beta = @(Get-SiteEvent beta $script:RunId)
        @($alpha | Where-Object kind -eq 'contributor_admitted').contributor | Sort-Object | Should -Be @('c1', 'c2')
        @($alpha | Where-Object kind -eq 'contribution_reviewed').Count | Should -Be 2
        @($alpha | Where-Object kind -eq 'snapshot_published').Count | Should -Be 1
        @($beta | Where-Object kind -eq 'training_admitted').contributor | Should -Be 'c2'
        @($beta | Where-Object kind -eq 'contribution_sent').contributor | Should -Be 'c2'
        Wait-Until -Seconds 60 { (Get-Content -Raw (Join-Path (Get-SiteDirectory alpha $script:RunId) 'status.json') | ConvertFrom-Json).state -eq 'Finished' }
        Wait-Until -Seconds 60 { (Get-Content -Raw (Join-Path (Get-SiteDirectory beta $script:RunId) 'status.json') | ConvertFrom-Json).state -eq 'Finished' }
        @(Get-RunProcess $script:RunId).Count | Should -Be 0
    }

    It 'never writes the admission token: not in argv, events, logs, manifests, the record or the evidence' {
        $script:CommandLines.Count | Should -BeGreaterThan 0
        @($script:CommandLines | Where-Object { $_.Contains($script:Token) }).Count | Should -Be 0
        $written = Get-ChildItem -Recurse -File (Join-Path $TestDrive 'alpha-host'), (Join-Path $TestDrive 'beta-host'), (Join-Path $script:Repo '.swarm'), (Join-Path $script:Repo 'evidence')
        $written.Count | Should -BeGreaterThan 20
        @($written | Where-Object { [IO.File]::ReadAllText($_.FullName).Contains($script:Token) }).FullName | Should -BeNullOrEmpty
    }
}

Describe 'Admission' {
    It 'refuses a contributor whose token is not the plan''s, records the refusal as an event, and publishes nothing below the gate' {
        $plan = New-LivePlan 'ft-admission'
        $run = New-RunId 'ft-adm'
        $repo = New-CoordinatorRepository 'admission'
        Start-Alpha $plan $run $repo | Out-Null
        try {
            $env:SWARM_TRAINING_TOKEN = 'not-the-token'
            Start-Beta $plan $run 'admission-beta' | Out-Null
        } finally { $env:SWARM_TRAINING_TOKEN = $script:Token }

        $status = Wait-TrainingEnd $run

        $status[0].Phase | Should -Be 'Blocked'
        ($status | Where-Object Contributor -eq c2).State | Should -Be 'Refused'
        ($status | Where-Object Contributor -eq c2).Detail | Should -Be 'its admission proof does not match the plan''s token'
        $refusal = @(Get-SiteEvent alpha $run | Where-Object kind -eq 'admission_refused')
        $refusal.contributor | Should -Be 'c2'
        @(Get-SiteEvent beta $run | Where-Object kind -eq 'training_refused').Count | Should -Be 1
        Test-Path (Join-Path $repo "snapshots/$run") | Should -BeFalse
        Test-Path (Join-Path (Get-SiteDirectory beta $run) 'training/c2') | Should -BeFalse -Because 'a refused contributor trains nothing'
    }
}

Describe 'A contributor that fails on the coordinator''s own site' {
    It 'is the coordinator''s to judge: the site goes on, the run ends Blocked below the gate, with its evidence' {
        $plan = New-LivePlan 'ft-onesite' -BetaSite alpha
        $run = New-RunId 'ft-one'
        $repo = New-CoordinatorRepository 'onesite'
        $trainers = $script:Trainers + @{ 'dotnet.cpu' = @('/bin/false') }
        Push-Location $repo
        try {
            $plan | Start-SwarmTraining -RunId $run -DataPath $script:Corpus -HeldOutPath $script:HeldOut -Trainer $trainers -Confirm:$false | Out-Null
        } finally { Pop-Location }

        $status = Wait-TrainingEnd $run

        $status[0].Phase | Should -Be 'Blocked' -Because $status[0].PhaseDetail
        ($status | Where-Object Contributor -eq c1).State | Should -Be 'Failed'
        ($status | Where-Object Contributor -eq c1).Detail | Should -BeLike 'the dotnet.cpu trainer exited 1*'
        ($status | Where-Object Contributor -eq c2).Verdict | Should -Be 'Accepted'
        (Test-SwarmEvidence -Path (Join-Path $repo "evidence/$run")).Passed | Should -BeTrue
        Wait-Until -Seconds 60 { (Get-Content -Raw (Join-Path (Get-SiteDirectory alpha $run) 'status.json') | ConvertFrom-Json).state -eq 'Finished' }
        @(Get-SiteEvent alpha $run | Where-Object { $_.kind -eq 'agent_failed' -and $_.agent -eq 'c1' }).Count | Should -Be 1
    }
}

Describe 'A drift from the plan' {
    It 'stops the run when a contributor reports another plan than the coordinator''s, and publishes nothing' {
        $plan = New-LivePlan 'ft-drift'
        $run = New-RunId 'ft-drift'
        $repo = New-CoordinatorRepository 'drift'
        Start-Alpha $plan $run $repo | Out-Null
        # The same run started on beta under another plan (one gate changed): another digest, another contract.
        $other = New-LivePlan 'ft-drift' -MinReplayChecked 1
        $other.Digest | Should -Not -Be $plan.Digest
        Start-Beta $other $run 'drift-beta' | Out-Null

        $status = Wait-TrainingEnd $run

        $status[0].Phase | Should -Be 'Stopped'
        $status[0].PhaseDetail | Should -BeLike "stopped: contributor c2 reports plan $($other.Digest), the run's plan is $($plan.Digest)"
        $drift = @(Get-SiteEvent alpha $run | Where-Object kind -eq 'plan_drift')
        $drift.contributor | Should -Be 'c2'
        Test-Path (Join-Path $repo "snapshots/$run") | Should -BeFalse
        Wait-Until -Seconds 60 { @(Get-RunProcess $run).Count -eq 0 }
    }
}

Describe 'Start-SwarmTraining refuses, before anything starts' {
    BeforeAll {
        $script:Plan = New-LivePlan 'ft-refusals'
        $script:RefusalRepo = New-CoordinatorRepository 'refusals'
        Push-Location $script:RefusalRepo
    }

    AfterAll { Pop-Location }

    It 'a plan of two sites without -Site' {
        { $script:Plan | Start-SwarmTraining -RunId (New-RunId 'r') -DataPath $script:Corpus -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TrainingSiteRequired,SwarmPS.Cmdlets.StartSwarmTrainingCommand'
    }

    It 'a site the plan gives no role' {
        Set-Content -Path (Join-Path $env:SWARMPS_SITE_PATH 'gamma.yaml') -Value "scheduler: local`nrun_root: $(Join-Path $TestDrive 'gamma-host/runs')`n"
        { $script:Plan | Start-SwarmTraining -RunId (New-RunId 'r') -Site gamma -DataPath $script:Corpus -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TrainingSiteHasNoRole,SwarmPS.Cmdlets.StartSwarmTrainingCommand'
    }

    It 'a shard that is not in -DataPath, naming the file' {
        $empty = New-Item -ItemType Directory (Join-Path $TestDrive 'no-shards')
        { $script:Plan | Start-SwarmTraining -RunId (New-RunId 'r') -Site beta -DataPath $empty -Trainer $script:Trainers -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TrainingShardNotFound,SwarmPS.Cmdlets.StartSwarmTrainingCommand' -ExpectedMessage "*$(Join-Path $empty 'shard-1.txt')*"
    }

    It 'a trainer program that does not exist' {
        { $script:Plan | Start-SwarmTraining -RunId (New-RunId 'r') -Site beta -DataPath $script:Corpus -Trainer @{ 'pytorch.cpu' = @('/nonexistent/python3', 'train.py') } -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TrainerNotFound,SwarmPS.Cmdlets.StartSwarmTrainingCommand'
    }

    It 'the coordinator''s site without the admission token in its environment, since it could admit nobody' {
        Remove-Item Env:SWARM_TRAINING_TOKEN
        try {
            { $script:Plan | Start-SwarmTraining -RunId (New-RunId 'r') -Site alpha -DataPath $script:Corpus -HeldOutPath $script:HeldOut -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'AdmissionTokenMissing,SwarmPS.Cmdlets.StartSwarmTrainingCommand'
        } finally { $env:SWARM_TRAINING_TOKEN = $script:Token }
    }

    It 'the coordinator''s site without held-out data' {
        { $script:Plan | Start-SwarmTraining -RunId (New-RunId 'r') -Site alpha -DataPath $script:Corpus -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'HeldOutDataRequired,SwarmPS.Cmdlets.StartSwarmTrainingCommand'
    }

    It 'a destination that already exists, so no run trains for a snapshot it could not publish' {
        $taken = New-Item -ItemType Directory (Join-Path $TestDrive 'taken')
        { $script:Plan | Start-SwarmTraining -RunId (New-RunId 'r') -Site alpha -DataPath $script:Corpus -HeldOutPath $script:HeldOut -Destination $taken -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'SnapshotDestinationExists,SwarmPS.Cmdlets.StartSwarmTrainingCommand'
    }

    It 'takes back what it wrote when the exchange cannot be reached, so the run id can be started again' {
        $run = New-RunId 'r'
        { $script:Plan | Start-SwarmTraining -RunId $run -Site beta -DataPath $script:Corpus -Trainer $script:Trainers -ExchangeUrl 'http://127.0.0.1:9/' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ExchangeUnreachable,SwarmPS.Cmdlets.StartSwarmTrainingCommand'
        Test-Path (Join-Path (Get-SiteDirectory beta $run) 'training-settings.json') | Should -BeFalse
        $site = $script:Plan | Start-SwarmTraining -RunId $run -Site beta -DataPath $script:Corpus -Trainer $script:Trainers -Confirm:$false
        $site.State | Should -BeIn 'WaitingForPeers', 'Running'
        Stop-SwarmSite -RunId $run -Site beta -Confirm:$false | Out-Null
        Wait-Until -Seconds 30 { @(Get-RunProcess $run).Count -eq 0 }
    }

    It 'leaves nothing behind after a refusal: no site directory was written' {
        @(Get-ChildItem (Join-Path $TestDrive 'alpha-host/runs') -Directory -ErrorAction SilentlyContinue | Where-Object Name -like 'r-*').Count | Should -Be 0
    }

    It 'Get-SwarmTrainingStatus of a run that never started is RunNotFound' {
        { Get-SwarmTrainingStatus -RunId 'never-started' -ErrorAction Stop } | Should -Throw -ErrorId 'RunNotFound,SwarmPS.Cmdlets.GetSwarmTrainingStatusCommand'
    }
}
