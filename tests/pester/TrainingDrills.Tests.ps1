# The four failure drills in real pwsh, each a whole live training run on real parts (a real exchange, two
# local sites, the real dotnet.cpu and pytorch.cpu trainers, a git repository for the ledger) with one failure
# planted in contributor c2 (beta, pytorch.cpu): Invoke-SwarmFailureDrill pauses it (StaleWorker), makes its
# upload disagree with its manifest (UploadDisagreement), kills it while it trains (ContributorLoss, once where
# the gate lets the run proceed and once where it blocks), or slows it past the worker skew (UnevenSpeed), and
# returns the report of the posture expected and observed; the report goes into the run's evidence bundle.
# Timings are short so the drills take seconds: stale after 2 s, lost after 12 s, skew 2 s.
# Needs /usr/bin/python3 with python3-torch, and git. Run after building: Invoke-Pester ./tests/pester/TrainingDrills.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Bed = Start-TwoSiteBed
    $script:SavedToken = Save-Environment 'SWARM_TRAINING_TOKEN'
    $env:SWARM_TRAINING_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(32))

    $script:Corpus = Join-Path $RepoRoot 'examples/training/corpus'
    $script:Trainers = @{ 'pytorch.cpu' = @('/usr/bin/python3', (Join-Path $RepoRoot 'trainers/pytorch_cpu/train.py')) }
    $base = Join-Path $TestDrive 'base.safetensors'
    & /usr/bin/python3 (Join-Path $PSScriptRoot 'tiny-base.py') base $base 1
    if ($LASTEXITCODE -ne 0) { throw 'tests/pester/tiny-base.py could not write the base snapshot.' }
    $digest = 'sha256:' + (Get-FileHash $base -Algorithm SHA256).Hash.ToLowerInvariant()

    # No replay sampled, so a replay in a report is one the drill caused; one accepted contribution is enough
    # to publish (the loss drills then proceed without c2) unless -MinAccepted 2 asks for both.
    function New-DrillPlan([int] $MinAccepted = 1) {
        $path = Join-Path $TestDrive "drill-$MinAccepted.yaml"
        @"
schema_version: 1
namespace: ft-drills
coordinator: { site: alpha }
base_snapshot: { path: ./base.safetensors, digest: "$digest" }
adapter: { target_modules: [lm_head], rank: 4, alpha: 8, dtype: F32 }
training: { steps: 60, seed: 7, learning_rate: 0.5 }
admission_token_env: SWARM_TRAINING_TOKEN
timing: { heartbeat_interval_ms: 500, stale_worker_ms: 2000, contributor_loss_grace_ms: 12000, max_worker_skew_ms: 2000 }
contributors:
  - { id: c1, site: alpha, backend: dotnet.cpu, device: "cpu:0", shard: shard-0 }
  - { id: c2, site: beta, backend: pytorch.cpu, device: "cpu:0", shard: shard-1 }
validation: { max_update_norm: 1000.0, replay_sample: 0, replay_tolerance: 1.0e-4 }
gates: { min_accepted: $MinAccepted, min_replay_checked: 0, min_loss_improvement: 0.0 }
"@ | Set-Content -Path $path
        Import-SwarmTrainingPlan -Path $path
    }

    $script:Repo = New-Item -ItemType Directory (Join-Path $TestDrive 'coordinator')
    git -C $script:Repo.FullName init --quiet
    Initialize-SwarmRepository -Path $script:Repo.FullName -MachineLabel coordinator -WarningAction SilentlyContinue | Out-Null
    Push-Location $script:Repo

    function Invoke-Drill([string] $Drill, [int] $MinAccepted = 1) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $report = New-DrillPlan $MinAccepted | Invoke-SwarmFailureDrill -Drill $Drill -DataPath $script:Corpus -HeldOutPath (Join-Path $script:Corpus 'held-out.txt') -Trainer $script:Trainers -Confirm:$false
        Write-Host "$Drill drill (gate $MinAccepted): $([int] $clock.Elapsed.TotalSeconds) s, $($report.Phase); $($report.Observed)"
        $report
    }

    function Get-Check($Report, [string] $Name) { $Report.Checks | Where-Object Name -eq $Name }

    # What every drill must show besides its own checks: the report filed and in the evidence, and nothing left running.
    function Assert-DrillFiled($Report) {
        $Report.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.LiveTraining.DrillReport'
        $Report.Passed | Should -BeTrue -Because $Report.Observed
        $Report.Contributor | Should -Be 'c2'
        Test-Path $Report.ReportPath | Should -BeTrue
        (Get-Content -Raw (Join-Path $Report.EvidencePath "drills/$($Report.Drill).json") | ConvertFrom-Json).drill | Should -Be $Report.Drill
        $evidence = Test-SwarmEvidence -Path $Report.EvidencePath
        $evidence.Passed | Should -BeTrue -Because ($evidence.Problems -join '; ')
        @(Get-RunProcess $Report.RunId).Count | Should -Be 0
    }
}

AfterAll {
    Pop-Location
    Restore-Environment $script:SavedToken
    Stop-TwoSiteBed $script:Bed
}

Describe 'Failure drills, executed' {
    It 'StaleWorker: a contributor silent past the threshold is stale, and its contribution counts only after a replay' {
        $report = Invoke-Drill StaleWorker

        Assert-DrillFiled $report
        (Get-Check $report 'worker_stale').Passed | Should -BeTrue
        (Get-Check $report 'replay_required').Detail | Should -BeLike 'accepted only after a replay*'
        (Get-Check $report 'not_lost').Passed | Should -BeTrue
        $report.Expected | Should -BeLike '*ReplayRequired*'
    }

    It 'UploadDisagreement: an upload whose adapter is not its manifest''s is Rejected and left out of the merge' {
        $report = Invoke-Drill UploadDisagreement

        Assert-DrillFiled $report
        (Get-Check $report 'rejected').Detail | Should -BeLike 'verdict Rejected*'
        (Get-Check $report 'left_out').Passed | Should -BeTrue
        $report.Phase | Should -Be 'Published'
    }

    It 'ContributorLoss: a contributor killed while it trains is lost; the run proceeds without it when the gate allows' {
        $report = Invoke-Drill ContributorLoss

        Assert-DrillFiled $report
        (Get-Check $report 'contributor_lost').Passed | Should -BeTrue
        $report.Expected | Should -BeLike '*proceeds without it*'
        $report.Phase | Should -Be 'Published'
    }

    It 'ContributorLoss: below the gate aggregation is blocked and nothing is published' {
        $report = Invoke-Drill ContributorLoss -MinAccepted 2

        Assert-DrillFiled $report
        $report.Expected | Should -BeLike '*aggregation is blocked*'
        $report.Phase | Should -Be 'Blocked'
        (Get-Check $report 'nothing_half_published').Detail | Should -Be 'no snapshot was published'
        Test-Path (Join-Path $script:Repo "snapshots/$($report.RunId)") | Should -BeFalse
    }

    It 'UnevenSpeed: a contributor slowed past the skew is waited for up to the grace, then excluded' {
        $report = Invoke-Drill UnevenSpeed

        Assert-DrillFiled $report
        (Get-Check $report 'contributor_late').Passed | Should -BeTrue
        (Get-Check $report 'late').Passed | Should -BeTrue
        $report.Phase | Should -Be 'Published'
    }

    It 'refuses a drill it does not know, and a contributor the plan does not name' {
        { New-DrillPlan | Invoke-SwarmFailureDrill -Drill Meteor -DataPath $script:Corpus -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,SwarmPS.Cmdlets.InvokeSwarmFailureDrillCommand'
        { New-DrillPlan | Invoke-SwarmFailureDrill -Drill StaleWorker -Contributor nobody -DataPath $script:Corpus -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'FailureDrillContributorUnknown,SwarmPS.Cmdlets.InvokeSwarmFailureDrillCommand'
    }
}
