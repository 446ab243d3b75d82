# Acceptance tests of the coordinator's path in real pwsh, on real parts end to end: two contributors train with
# the real pytorch.cpu trainer (trainers/pytorch_cpu/train.py) on their own shards, send their contributions to a
# real exchange on 127.0.0.1 (Send-SwarmContribution), and the coordinator, in a git repository set up for the
# ledger, lists them (Get-SwarmContribution), validates them under the plan (Test-SwarmContribution), checks one
# by a replay it trains itself, merges the accepted ones (Merge-SwarmContribution), has the merged adapter
# evaluated on the held-out shard by the trainer, publishes the snapshot only under the plan's gates
# (Publish-SwarmSnapshot), and exports and re-checks the evidence (Export-/Test-SwarmEvidence). Then the refusals.
# Pester empties TestDrive at the end of each Describe, so each Describe makes the runs it checks.
# Needs /usr/bin/python3 with python3-torch and git. Run after building: Invoke-Pester ./tests/pester/Coordinator.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Saved = Save-Environment 'SWARM_EXCHANGE_URL', 'SWARM_EXCHANGE_TOKEN'
    $env:SWARM_EXCHANGE_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))
    $script:ExchangeState = Join-Path $TestDrive 'exchange'
    $env:SWARM_EXCHANGE_URL = (Start-SwarmExchange -StateDirectory $script:ExchangeState -PassThru -Confirm:$false).Url.ToString()

    $script:Python = '/usr/bin/python3'
    $script:Trainer = Join-Path $RepoRoot 'trainers/pytorch_cpu/train.py'
    $script:Corpus = Join-Path $RepoRoot 'examples/training/corpus'
    function Get-Sha256([string] $Path) { 'sha256:' + (Get-FileHash $Path -Algorithm SHA256).Hash.ToLowerInvariant() }

    $script:Repo = Join-Path $TestDrive 'coordinator'
    New-Item -ItemType Directory $script:Repo | Out-Null
    git -C $script:Repo init --quiet
    Initialize-SwarmRepository -Path $script:Repo -MachineLabel coordinator -WarningAction SilentlyContinue | Out-Null

    $script:Base = Join-Path $TestDrive 'base.safetensors'
    & $script:Python (Join-Path $PSScriptRoot 'tiny-base.py') base $script:Base 1
    if ($LASTEXITCODE -ne 0) { throw 'tests/pester/tiny-base.py could not write the base snapshot.' }
    $script:BaseDigest = Get-Sha256 $script:Base

    # The plan of a run: two contributors, no replay sampled (the test asks for the one it wants), gates that
    # need both accepted, one replay-checked, and a held-out loss better than the base's by 0.1.
    function New-Plan([string] $Name, [int] $MinReplayChecked = 1, [string] $BasePath = './base.safetensors') {
        $path = Join-Path $TestDrive "$Name.yaml"
        @"
schema_version: 1
namespace: $Name
coordinator: { site: alpha }
base_snapshot: { path: $BasePath, digest: "$script:BaseDigest" }
adapter: { target_modules: [lm_head], rank: 4, alpha: 8, dtype: F32 }
training: { steps: 60, seed: 7, learning_rate: 0.5 }
admission_token_env: SWARM_TRAINING_TOKEN
# A minute's staleness: the trainers heartbeat from their first step, and on a loaded CI machine their setup
# (reading the shard, torch's import) has taken over 20 s, which the default 5 s would call stale.
timing: { heartbeat_interval_ms: 1000, stale_worker_ms: 60000, contributor_loss_grace_ms: 90000, max_worker_skew_ms: 120000 }
contributors:
  - { id: c1, site: alpha, backend: pytorch.cpu, device: "cpu:0", shard: shard-0 }
  - { id: c2, site: beta, backend: pytorch.cpu, device: "cpu:0", shard: shard-1 }
validation: { max_update_norm: 1000.0, replay_sample: 0, replay_tolerance: 1.0e-4 }
gates: { min_accepted: 2, min_replay_checked: $MinReplayChecked, min_loss_improvement: 0.1 }
"@ | Set-Content -Path $path
        Import-SwarmTrainingPlan -Path $path
    }

    # Runs a real trainer on one job (docs/trainer-contract.md) and returns its output directory: pytorch.cpu
    # (trainers/pytorch_cpu/train.py), or dotnet.cpu (the module's bin/trainer/SwarmPS.Trainer.dll).
    $script:Jobs = 0
    function Invoke-Trainer([hashtable] $Job, [string] $Backend = 'pytorch.cpu') {
        $script:Jobs++
        $output = Join-Path $TestDrive "trainer-$($script:Jobs)"
        $full = [ordered]@{
            schema_version = 1; backend = $Backend; base_snapshot_path = $script:Base; base_snapshot_digest = $script:BaseDigest
            adapter_contract = [ordered]@{ target_modules = @('lm_head'); rank = 4; alpha = 8; dtype = 'F32' }; output_directory = $output
        }
        foreach ($name in $Job.Keys) { $full[$name] = $Job[$name] }
        $path = "$output.json"
        Set-Content -Path $path -Value ($full | ConvertTo-Json -Depth 5) -NoNewline
        $log = if ($Backend -eq 'dotnet.cpu') { & dotnet (Join-Path $RepoRoot 'bin/trainer/SwarmPS.Trainer.dll') $path 2>&1 } else { & $script:Python $script:Trainer $path 2>&1 }
        if ($LASTEXITCODE -ne 0) { throw "the trainer failed on $path`: $log" }
        $output
    }

    # -Plan: the plan the job is trained under (its digest goes into the adapter), by default the file's main plan.
    function Invoke-Training([string] $RunId, [string] $Contributor, [string] $Shard, [int] $Seed = 7, [string] $Backend = 'pytorch.cpu', $Plan = $script:Plan) {
        Invoke-Trainer -Backend $Backend @{
            mode = 'train'; run_id = $RunId; contributor = $Contributor; site = 'alpha'; plan_digest = $Plan.Digest
            data_shard = $Shard; data_path = Join-Path $script:Corpus "$Shard.txt"; steps = 60; seed = $Seed; learning_rate = 0.5
            heartbeat_interval_ms = 1000
        }
    }

    $script:Plan = New-Plan 'ft-coord'
    $script:RunId = New-RunId 'ft'
    $script:C1 = Invoke-Training $script:RunId 'c1' 'shard-0'
    $script:C2 = Invoke-Training $script:RunId 'c2' 'shard-1'
    $script:Sent = @(Get-Item $script:C1, $script:C2 | Send-SwarmContribution -Confirm:$false)
    Push-Location $script:Repo
}

AfterAll {
    Pop-Location
    Stop-SwarmExchange -StateDirectory $script:ExchangeState -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
    Restore-Environment $script:Saved
}

Describe 'The coordinator, from arrival to published snapshot' {
    It 'validates each arrived contribution under the plan, listing every check' {
        $script:Verdicts = @(Get-SwarmContribution -RunId $script:RunId | Test-SwarmContribution -Plan $script:Plan)

        $script:Verdicts.Contributor | Should -Be @('c1', 'c2')
        foreach ($verdict in $script:Verdicts) {
            $verdict.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Training.ContributionVerdict'
            $verdict.Verdict | Should -Be 'Accepted' -Because ($verdict.Reasons -join '; ')
            @($verdict.Checks.Name) | Should -Be @('adapter_digest', 'upload_digest', 'base_snapshot', 'plan', 'manifest_contract', 'dtype', 'lora_layout', 'finite', 'update_norm', 'heartbeats')
            $verdict.ReplayChecked | Should -BeFalse
            $verdict.Backend | Should -Be 'pytorch.cpu'
        }
        $script:Verdicts[0].AdapterDigest | Should -Be (Get-Sha256 (Join-Path $script:C1 'adapter.safetensors'))
        $script:Verdicts[0].ManifestDigest | Should -Be (Get-Sha256 (Join-Path $script:C1 'manifest.json'))
        $script:Verdicts[0].ExampleCount | Should -BeGreaterThan 20000
    }

    It 'files what it checked in the run''s record: the manifest and the adapter as they arrived, and the verdict' {
        $record = Join-Path $script:Repo ".swarm/training/$script:RunId"
        Get-Sha256 (Join-Path $record 'contributions/c1/manifest.json') | Should -Be (Get-Sha256 (Join-Path $script:C1 'manifest.json'))
        Get-Sha256 (Join-Path $record 'contributions/c2/adapter.safetensors') | Should -Be (Get-Sha256 (Join-Path $script:C2 'adapter.safetensors'))
        (Get-Content -Raw (Join-Path $record 'verdicts/c1.json') | ConvertFrom-Json).verdict | Should -Be 'Accepted'
        $script:Verdicts[0].AdapterPath | Should -Be (Join-Path $record 'contributions/c1/adapter.safetensors')
        (Get-Item (Join-Path $record 'plan.json')).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'accepts a replay the coordinator trained with the contribution''s seed, shard and steps as bitwise the same' {
        $replay = Invoke-Training $script:RunId 'c1' 'shard-0'

        $verdict = Get-SwarmContribution -RunId $script:RunId -Contributor c1 | Test-SwarmContribution -ReplayPath $replay

        $verdict.Verdict | Should -Be 'Accepted'
        $verdict.ReplayChecked | Should -BeTrue
        ($verdict.Checks | Where-Object Name -eq 'replay').Detail | Should -Be 'replayed on the same backend (pytorch.cpu): bitwise the same'
        $receipt = Get-Content -Raw (Join-Path $script:Repo ".swarm/training/$script:RunId/replays/c1.json") | ConvertFrom-Json
        $receipt.match | Should -Be 'Bitwise'
    }

    It 'accepts a replay on the other backend within the plan''s tolerance, and says it was across backends' {
        $replay = Invoke-Training $script:RunId 'c2' 'shard-1' -Backend dotnet.cpu

        $verdict = Get-SwarmContribution -RunId $script:RunId -Contributor c2 | Test-SwarmContribution -ReplayPath $replay

        $verdict.Verdict | Should -Be 'Accepted' -Because ($verdict.Reasons -join '; ')
        $receipt = Get-Content -Raw (Join-Path $script:Repo ".swarm/training/$script:RunId/replays/c2.json") | ConvertFrom-Json
        $receipt.match | Should -BeIn 'WithinTolerance', 'Bitwise'
        $receipt.replay_backend | Should -Be 'dotnet.cpu'
        $receipt.contributed_backend | Should -Be 'pytorch.cpu'
        $receipt.max_relative_difference | Should -BeLessOrEqual 1e-4
        Write-Host "cross-backend replay: largest relative difference $($receipt.max_relative_difference)"
        ($verdict.Checks | Where-Object Name -eq 'replay').Detail | Should -BeLike 'replayed on dotnet.cpu, the contribution was trained on pytorch.cpu: *'
    }

    It 'keeps the replay on a later review of the same adapter, and merges the accepted contributions of the run' {
        $script:Merged = Join-Path $TestDrive 'merged.safetensors'

        $script:Merge = Get-SwarmContribution -RunId $script:RunId | Test-SwarmContribution |
            Merge-SwarmContribution -Method Exact -OutputPath $script:Merged

        $script:Merge.RunId | Should -Be $script:RunId
        $script:Merge.Method | Should -Be 'Exact'
        $script:Merge.LoraAlpha | Should -Be 8
        @($script:Merge.Inputs.Sha256 | ForEach-Object { "sha256:$_" }) | Should -Be @($script:Verdicts.AdapterDigest)
        @($script:Merge.Inputs.Weight) | Should -Be @($script:Verdicts.ExampleCount)
        (Get-Content -Raw (Join-Path $script:Repo ".swarm/training/$script:RunId/verdicts/c1.json") | ConvertFrom-Json).replay_checked | Should -BeTrue
    }

    It 'publishes the merged adapter in the PEFT layout when every gate holds' {
        $evaluation = Invoke-Trainer @{
            mode = 'evaluate'; data_shard = 'held-out'; data_path = Join-Path $script:Corpus 'held-out.txt'; adapter_path = $script:Merged
        }
        $script:Snapshot = Join-Path $TestDrive 'snapshots/ft'
        New-Item -ItemType Directory (Split-Path $script:Snapshot) | Out-Null

        $script:Publication = $script:Merge | Publish-SwarmSnapshot -Destination $script:Snapshot -EvaluationPath (Join-Path $evaluation 'evaluation.json')

        $script:Publication.Publish | Should -Be 'Published' -Because ($script:Publication.Reasons -join '; ')
        $script:Publication.Decision.Result | Should -Be 'BoundedSuccess'
        $script:Publication.Evidence.Accepted | Should -Be 2
        $script:Publication.Evidence.ReplayChecked | Should -Be 2
        $script:Publication.Evidence.MergedHeldOutLoss | Should -BeLessThan ($script:Publication.Evidence.BaseHeldOutLoss - 0.1)
        @(Get-ChildItem $script:Snapshot | ForEach-Object Name | Sort-Object) | Should -Be @('adapter_config.json', 'adapter_model.safetensors', 'publish_manifest.json')
        Get-Sha256 (Join-Path $script:Snapshot 'adapter_model.safetensors') | Should -Be "sha256:$($script:Merge.OutputDigest)"
        $config = Get-Content -Raw (Join-Path $script:Snapshot 'adapter_config.json') | ConvertFrom-Json
        $config.peft_type | Should -Be 'LORA'
        $config.r | Should -Be 4
        $manifest = Get-Content -Raw (Join-Path $script:Snapshot 'publish_manifest.json') | ConvertFrom-Json
        $manifest.plan_digest | Should -Be $script:Plan.Digest
        $manifest.files.'adapter_config.json' | Should -Be (Get-Sha256 (Join-Path $script:Snapshot 'adapter_config.json'))
    }

    It 'refuses to publish again over the published snapshot' {
        { $script:Merge | Publish-SwarmSnapshot -Destination $script:Snapshot -ErrorAction Stop } |
            Should -Throw -ErrorId 'SnapshotDestinationExists,SwarmPS.Cmdlets.PublishSwarmSnapshotCommand'
    }

    It 'refuses two evaluations at once, writing nothing' {
        $destination = Join-Path $TestDrive 'twice'
        { $script:Merge | Publish-SwarmSnapshot -Destination $destination -EvaluationPath ./e.json -HeldOutPath (Join-Path $script:Corpus 'held-out.txt') -ErrorAction Stop } |
            Should -Throw -ErrorId 'PublicationEvaluationTwice,SwarmPS.Cmdlets.PublishSwarmSnapshotCommand'
        Test-Path $destination | Should -BeFalse
    }

    It 'refuses a replay that did not train what the contribution did' {
        $otherSeed = Invoke-Training $script:RunId 'c2' 'shard-1' -Seed 99
        { Get-SwarmContribution -RunId $script:RunId -Contributor c2 | Test-SwarmContribution -ReplayPath $otherSeed -ErrorAction Stop } |
            Should -Throw -ErrorId 'ReplayNotComparable,SwarmPS.Cmdlets.TestSwarmContributionCommand'
    }

    It 'records one ledger run per contribution, validation, aggregation and publication' {
        $runs = @(Get-SwarmRun | Where-Object { $_.Statepoint -like "*$script:RunId*" })
        $steps = $runs | ForEach-Object { ($_.Statepoint | ConvertFrom-Json).training }
        @($steps | Where-Object { $_ -eq 'contribution' }).Count | Should -Be 2
        @($steps | Where-Object { $_ -eq 'validation' }).Count | Should -BeGreaterOrEqual 2
        @($steps | Where-Object { $_ -eq 'aggregation' }).Count | Should -Be 1
        @($steps | Where-Object { $_ -eq 'publication' }).Count | Should -Be 1
        @($runs | Where-Object Status -ne 'complete').Count | Should -Be 0
        @(Get-SwarmLedger | Where-Object { $_.Id -in $runs.Id }).Count | Should -Be $runs.Count
    }

    It 'exports evidence that Test-SwarmEvidence finds whole' {
        $bundle = Join-Path $TestDrive 'evidence'

        $export = Export-SwarmEvidence -RunId $script:RunId -Path $bundle
        $report = Test-SwarmEvidence -Path $bundle

        $export.PlanDigest | Should -Be $script:Plan.Digest
        $report.Passed | Should -BeTrue -Because ($report.Problems -join '; ')
        Test-Path (Join-Path $bundle 'replays/c1.json') | Should -BeTrue
        @(Get-ChildItem (Join-Path $bundle 'snapshots') -Recurse -File).Count | Should -Be 3
    }
}

Describe 'The coordinator refuses' {
    It 'holds a publication short of replay-checked contributions, writing nothing' {
        $plan = New-Plan 'ft-held' -MinReplayChecked 2
        $run = New-RunId 'ft-held'
        $dirs = (Invoke-Training $run 'c1' 'shard-0' -Plan $plan), (Invoke-Training $run 'c2' 'shard-1' -Plan $plan)
        $merged = Join-Path $TestDrive 'held.safetensors'
        $merge = Test-SwarmContribution -Path $dirs -Plan $plan | Merge-SwarmContribution -OutputPath $merged
        $destination = Join-Path $TestDrive 'held-snapshot'

        $receipt = $merge | Publish-SwarmSnapshot -Destination $destination

        $receipt.Publish | Should -Be 'Refused'
        $receipt.Decision.Promotion | Should -Be 'Held'
        $receipt.Reasons | Should -Contain '0 contribution(s) checked by replay, the plan asks for at least 2'
        $receipt.Reasons | Should -Contain 'the held-out loss of the base and of the merged adapter was not measured'
        Test-Path $destination | Should -BeFalse
        (Test-SwarmEvidence -Path (Export-SwarmEvidence -RunId $run -Path (Join-Path $TestDrive 'held-evidence')).Path).Passed | Should -BeTrue
    }

    It 'rejects an upload whose adapter is not the one its manifest names' {
        $run = New-RunId 'ft-upload'
        $dir = Invoke-Training $run 'c1' 'shard-0'
        $other = Invoke-Training $run 'c1' 'shard-0' -Seed 8
        Copy-Item (Join-Path $other 'adapter.safetensors') (Join-Path $dir 'adapter.safetensors') -Force
        & $script:Python -c "import sys; sys.path.insert(0, '$RepoRoot/examples/agents'); import swarm_exchange as s; s.Exchange.from_environment().put_contribution('$run', 'c1', '$dir/manifest.json', '$dir/adapter.safetensors')"
        $LASTEXITCODE | Should -Be 0

        $verdict = Get-SwarmContribution -RunId $run | Test-SwarmContribution -Plan $script:Plan

        $verdict.Verdict | Should -Be 'Rejected'
        ($verdict.Checks | Where-Object Name -eq 'adapter_digest').Passed | Should -BeFalse
        { Get-SwarmContribution -RunId $run | Test-SwarmContribution | Merge-SwarmContribution -OutputPath (Join-Path $TestDrive 'none.safetensors') -WarningAction SilentlyContinue -ErrorAction Stop } |
            Should -Throw -ErrorId 'MergeNoAcceptedContribution,SwarmPS.Cmdlets.MergeSwarmContributionCommand'
    }

    It 'rejects a contribution announced under another contributor than its manifest names, saying so' {
        $run = New-RunId 'ft-named'
        $dir = Invoke-Training $run 'c1' 'shard-0'
        & $script:Python -c "import sys; sys.path.insert(0, '$RepoRoot/examples/agents'); import swarm_exchange as s; s.Exchange.from_environment().put_contribution('$run', 'c2', '$dir/manifest.json', '$dir/adapter.safetensors')"
        $LASTEXITCODE | Should -Be 0

        $verdict = Get-SwarmContribution -RunId $run | Test-SwarmContribution -Plan $script:Plan

        $verdict.Contributor | Should -Be 'c2'
        $verdict.Verdict | Should -Be 'Rejected'
        $check = $verdict.Checks | Where-Object Name -eq 'manifest'
        $check.Passed | Should -BeFalse
        $check.Detail | Should -BeLike "*it is the manifest of contributor 'c1'*announced under another name*"
        Test-Path (Join-Path $script:Repo ".swarm/training/$run/verdicts/c2.json") | Should -BeTrue
        Get-Sha256 (Join-Path $script:Repo ".swarm/training/$run/contributions/c2/manifest.json") | Should -Be (Get-Sha256 "$dir/manifest.json")
    }

    It 'replays a contribution that needs it on its own dotnet.cpu trainer when given the shards' {
        $run = New-RunId 'ft-auto'
        $dir = Invoke-Training $run 'c1' 'shard-0'

        $verdict = Test-SwarmContribution -Path $dir -Plan $script:Plan -Replay -DataDirectory $script:Corpus

        $verdict.Verdict | Should -Be 'Accepted' -Because ($verdict.Reasons -join '; ')
        $verdict.ReplayChecked | Should -BeTrue
        ($verdict.Checks | Where-Object Name -eq 'replay').Detail | Should -BeLike 'replayed on dotnet.cpu, the contribution was trained on pytorch.cpu: within the tolerance*'
        $replays = @(Get-ChildItem (Join-Path $script:Repo ".swarm/training/$run/contributions/c1") -Directory -Filter 'replay-*')
        $replays.Count | Should -Be 1
        (Get-Content -Raw (Join-Path $replays[0].FullName 'manifest.json') | ConvertFrom-Json).backend | Should -Be 'dotnet.cpu'
    }

    It 'rejects a contribution trained under another plan than the run''s as a drift, naming both digests' {
        $other = New-Plan 'ft-elsewhere'
        $run = New-RunId 'ft-drift'
        $dir = Invoke-Training $run 'c1' 'shard-0' -Plan $other

        $verdict = Test-SwarmContribution -Path $dir -Plan $script:Plan

        $verdict.Verdict | Should -Be 'Rejected'
        ($verdict.Checks | Where-Object Name -eq 'plan').Detail | Should -Be "trained under plan $($other.Digest), the run's plan is $($script:Plan.Digest): a drift from the run's contract"
    }

    It 'says which shard a replay needs when the data directory lacks it' {
        $run = New-RunId 'ft-nodata'
        $dir = Invoke-Training $run 'c1' 'shard-0'
        $empty = Join-Path $TestDrive 'no-shards'
        New-Item -ItemType Directory $empty | Out-Null

        { Test-SwarmContribution -Path $dir -Plan $script:Plan -Replay -DataDirectory $empty -ErrorAction Stop } |
            Should -Throw -ErrorId 'ReplayDataNotFound,SwarmPS.Cmdlets.TestSwarmContributionCommand'
    }

    It 'publishes on the held-out loss it measures itself, after replaying every contribution itself' {
        $run = New-RunId 'ft-self'
        $dirs = (Invoke-Training $run 'c1' 'shard-0'), (Invoke-Training $run 'c2' 'shard-1')
        $destination = Join-Path $TestDrive 'self-snapshot'

        $receipt = Test-SwarmContribution -Path $dirs -Plan $script:Plan -Replay -DataDirectory $script:Corpus |
            Merge-SwarmContribution -Method Exact -OutputPath (Join-Path $TestDrive 'self.safetensors') |
            Publish-SwarmSnapshot -Destination $destination -HeldOutPath (Join-Path $script:Corpus 'held-out.txt')

        $receipt.Publish | Should -Be 'Published' -Because ($receipt.Reasons -join '; ')
        $receipt.Evidence.ReplayChecked | Should -Be 2
        $receipt.Evidence.MergedHeldOutLoss | Should -BeLessThan ($receipt.Evidence.BaseHeldOutLoss - 0.1)
        $evaluation = Get-ChildItem (Join-Path $script:Repo ".swarm/training/$run/evaluations") -Filter *.json | Get-Content -Raw | ConvertFrom-Json
        $evaluation.backend | Should -Be 'dotnet.cpu'
        $evaluation.held_out_shard | Should -Be 'held-out'
        $evaluation.adapter_digest | Should -Be $receipt.AggregationOutputDigest
        Test-Path (Join-Path $destination 'adapter_model.safetensors') | Should -BeTrue
        $report = Export-SwarmEvidence -RunId $run -Path (Join-Path $TestDrive 'self-evidence') | Test-SwarmEvidence
        $report.Passed | Should -BeTrue -Because ($report.Problems -join '; ')
    }

    It 'names the trainer''s own error when a replay cannot train' {
        $run = New-RunId 'ft-nobase'
        $plan = New-Plan 'ft-nobase' -BasePath './moved-away.safetensors'
        $dir = Invoke-Training $run 'c1' 'shard-0' -Plan $plan

        $caught = try { Test-SwarmContribution -Path $dir -Plan $plan -Replay -DataDirectory $script:Corpus -ErrorAction Stop } catch { $_ }

        $caught.FullyQualifiedErrorId | Should -Be 'CoordinatorTrainerFailed,SwarmPS.Cmdlets.TestSwarmContributionCommand'
        $caught.Exception.Message | Should -BeLike 'The dotnet.cpu trainer could not replay c1: TrainerInputNotFound: The base snapshot *moved-away.safetensors*'
    }

    It 'asks for the plan the first time a run is tested, and refuses another plan for a run' {
        $run = New-RunId 'ft-plan'
        $dir = Invoke-Training $run 'c1' 'shard-0'
        { Test-SwarmContribution -Path $dir -ErrorAction Stop } | Should -Throw -ErrorId 'TrainingPlanMissing,SwarmPS.Cmdlets.TestSwarmContributionCommand'
        Test-SwarmContribution -Path $dir -Plan $script:Plan | Out-Null
        { Test-SwarmContribution -Path $dir -Plan (New-Plan 'ft-other') -ErrorAction Stop } | Should -Throw -ErrorId 'TrainingPlanDrift,SwarmPS.Cmdlets.TestSwarmContributionCommand'
    }
}
