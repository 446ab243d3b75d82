# Acceptance tests for Import-SwarmTrainingPlan in real pwsh, on real files: the example plan, its views,
# and refusals as TrainingPlanInvalid naming file, line and field (docs/training-plan.md).
# Run after building: Invoke-Pester ./tests/pester/TrainingPlan.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:ExamplePlan = Join-Path $ExamplesRoot 'training/plan.yaml'
    $script:Sound = Get-Content -Raw $script:ExamplePlan

    function New-PlanFile([string] $Name, [string] $Text) {
        $path = Join-Path $TestDrive $Name
        New-Item -ItemType Directory -Force (Split-Path $path) | Out-Null
        Set-Content -Path $path -Value $Text -NoNewline
        $path
    }

    # The example with one piece changed; the piece must be in it, or the test would prove nothing.
    function Set-PlanText([string] $From, [string] $To) {
        if (-not $script:Sound.Contains($From)) { throw "'$From' is not in the example plan" }
        $script:Sound.Replace($From, $To)
    }

    # The line of the example plan that holds $Text (1-based).
    function Get-PlanLine([string] $Text) {
        $lines = $script:Sound -split "`n"
        for ($i = 0; $i -lt $lines.Count; $i++) { if ($lines[$i].Contains($Text)) { return $i + 1 } }
        throw "'$Text' is not in the example plan"
    }
}

Describe 'Import-SwarmTrainingPlan' {
    It 'imports the example plan with its digest and its base snapshot resolved beside it' {
        $plan = Import-SwarmTrainingPlan -Path $script:ExamplePlan

        $plan.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Training.TrainingPlan'
        $plan.Namespace | Should -Be 'ft-demo'
        $plan.CoordinatorSite | Should -Be 'alpha'
        $plan.Contributors.Id | Should -Be @('c1', 'c2')
        $plan.Contributors.Backend | Should -Be @('dotnet.cpu', 'pytorch.cpu')
        $plan.Contract.Rank | Should -Be 4
        $plan.Contract.TargetModules | Should -Be @('lm_head')
        $plan.Steps | Should -Be 50
        $plan.ReplaySample | Should -Be 0.5
        $plan.Gates.MinimumAccepted | Should -Be 2
        $plan.StaleAfter.TotalMilliseconds | Should -Be 5000
        $plan.AdmissionTokenVariable | Should -Be 'SWARM_TRAINING_TOKEN'
        $plan.BaseSnapshotFile | Should -Be './base.safetensors'
        $plan.BaseSnapshotPath | Should -Be (Join-Path $ExamplesRoot 'training/base.safetensors')
        $plan.Digest | Should -Match '^sha256:[0-9a-f]{64}$'
    }

    It 'gives the same digest to a copy elsewhere, read by a relative path from the PowerShell location, and another to a changed plan' {
        $copy = New-PlanFile 'copy/plan.yaml' $script:Sound
        $changed = New-PlanFile 'changed/plan.yaml' (Set-PlanText 'steps: 50' 'steps: 60')
        $original = (Import-SwarmTrainingPlan $script:ExamplePlan).Digest

        Push-Location (Split-Path $copy)
        try { $relative = Import-SwarmTrainingPlan ./plan.yaml }
        finally { Pop-Location }

        $relative.Digest | Should -Be $original
        $relative.BaseSnapshotPath | Should -Be (Join-Path (Split-Path $copy) 'base.safetensors')
        (Import-SwarmTrainingPlan $changed).Digest | Should -Not -Be $original
    }

    It 'takes files from Get-ChildItem by FullName' {
        New-PlanFile 'many/a.yaml' $script:Sound | Out-Null
        New-PlanFile 'many/b.yaml' (Set-PlanText 'namespace: ft-demo' 'namespace: ft-other') | Out-Null

        $plans = Get-ChildItem (Join-Path $TestDrive 'many') -Filter *.yaml | Import-SwarmTrainingPlan

        $plans.Namespace | Should -Be @('ft-demo', 'ft-other')
    }

    It 'shows a plan as a list by default, as a table with Format-Table, and its contributors as a table' {
        $plan = Import-SwarmTrainingPlan $script:ExamplePlan

        $list = $plan | Out-String -Width 200
        foreach ($label in 'Namespace', 'CoordinatorSite', 'Contributors', 'BaseSnapshotDigest', 'Contract', 'Steps', 'Seed', 'ReplaySample', 'Gates', 'Digest') {
            $list | Should -Match "(?m)^$label\s+: " -Because "the list view shows $label"
        }
        $list | Should -Match 'Contributors\s+: c1 \(alpha, dotnet\.cpu, cpu:0\), c2 \(beta, pytorch\.cpu, cpu:0\)'
        $list | Should -Match 'Contract\s+: rank 4, alpha 8, F32 on lm_head'
        $list | Should -Match 'Gates\s+: accepted >= 2, replay-checked >= 1, loss improvement >= 0'
        $list | Should -Match ('(?m)^Digest\s+: ' + [regex]::Escape($plan.Digest) + '$')
        ($plan | Format-List | Out-String -Width 200) | Should -Be $list

        $table = @(($plan | Format-Table | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() })
        $table[0] | Should -Match '^Namespace\s+Coordinator\s+Contributors\s+Rank\s+Steps\s+Replay\s+Digest\s+BaseSnapshot'
        $table[2] | Should -Match '^ft-demo\s+alpha\s+c1, c2\s+4\s+50\s+0\.5\s+sha256:[0-9a-f]{12}\s'

        $contributors = @(($plan.Contributors | Format-Table | Out-String -Width 120) -split "`r?`n" | Where-Object { $_.Trim() })
        $contributors[0] | Should -Match '^Id\s+Site\s+Backend\s+Device\s+Shard$'
        $contributors[2] | Should -Match '^c1\s+alpha\s+dotnet\.cpu\s+cpu:0\s+shard-0$'
        $contributors[3] | Should -Match '^c2\s+beta\s+pytorch\.cpu\s+cpu:0\s+shard-1$'
    }

    It 'refuses <Problem> with TrainingPlanInvalid naming file, line and field' -TestCases @(
        @{ Problem = 'a rank of 0'; From = 'rank: 4'; To = 'rank: 0'; Field = 'adapter.rank' }
        @{ Problem = 'a misspelt field'; From = 'replay_sample: 0.5'; To = 'replay_sampel: 0.5'; Field = 'validation.replay_sampel' }
        @{ Problem = 'a repeated contributor id'; From = 'id: c2'; To = 'id: c1'; Field = 'contributors[1].id' }
        @{ Problem = 'a device not like cpu:N'; From = 'device: "cpu:0", shard: shard-1'; To = 'device: gpu, shard: shard-1'; Field = 'contributors[1].device' }
        @{ Problem = 'a replay sample above 1'; From = 'replay_sample: 0.5'; To = 'replay_sample: 2'; Field = 'validation.replay_sample' }
        @{ Problem = 'an upper-case digest'; From = '9f2c4b0e'; To = '9F2C4B0E'; Field = 'base_snapshot.digest' }
    ) {
        param($Problem, $From, $To, $Field)
        $path = New-PlanFile 'bad.yaml' (Set-PlanText $From $To)
        $line = Get-PlanLine $From

        $failure = { Import-SwarmTrainingPlan -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId 'TrainingPlanInvalid,SwarmPS.Cmdlets.ImportSwarmTrainingPlanCommand' -PassThru

        $failure.Exception.Message | Should -BeLike ([WildcardPattern]::Escape("$($path):$($line): $($Field): ") + '*')
        $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        $failure.TargetObject | Should -Be $path
    }

    It 'suggests the field a typo was meant to be' {
        $path = New-PlanFile 'typo.yaml' (Set-PlanText 'replay_sample: 0.5' 'replay_sampel: 0.5')

        $failure = { Import-SwarmTrainingPlan $path -ErrorAction Stop } | Should -Throw -PassThru

        $failure.ErrorDetails.RecommendedAction | Should -BeLike "*Did you mean 'replay_sample'?*"
    }

    It 'refuses a token written where its variable name goes, and never shows the token' {
        $token = 'ghp_' + [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(16)).ToLowerInvariant()
        $path = New-PlanFile 'token.yaml' (Set-PlanText 'admission_token_env: SWARM_TRAINING_TOKEN' "admission_token_env: `"$token`"")

        $failure = { Import-SwarmTrainingPlan $path -ErrorAction Stop } |
            Should -Throw -ErrorId 'TrainingPlanInvalid,SwarmPS.Cmdlets.ImportSwarmTrainingPlanCommand' -PassThru

        $failure.Exception.Message | Should -BeLike ([WildcardPattern]::Escape("$($path):$(Get-PlanLine 'admission_token_env'): admission_token_env: ") + '*')
        ($failure | Out-String -Width 500) | Should -Not -Match $token
        "$($failure.Exception) $($failure.ErrorDetails.RecommendedAction) $($failure.TargetObject)" | Should -Not -Match $token
    }

    It 'refuses a missing file with the module''s not-found error' {
        { Import-SwarmTrainingPlan (Join-Path $TestDrive 'nope.yaml') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigFileNotFound,SwarmPS.Cmdlets.ImportSwarmTrainingPlanCommand'
    }

    It 'goes on with the next file after one that is refused' {
        $bad = New-PlanFile 'mixed/bad.yaml' (Set-PlanText 'rank: 4' 'rank: 0')

        $plans = Import-SwarmTrainingPlan $bad, $script:ExamplePlan -ErrorAction SilentlyContinue -ErrorVariable failures

        @($plans).Count | Should -Be 1
        $failures.Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'TrainingPlanInvalid,SwarmPS.Cmdlets.ImportSwarmTrainingPlanCommand'
    }
}
