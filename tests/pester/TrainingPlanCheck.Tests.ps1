# Acceptance tests for Test-SwarmTrainingPlan and New-SwarmTrainingPlan in real pwsh, on real files: a base
# snapshot written by the dotnet.cpu trainer's base mode (so its digest is real), the shipped corpus as data
# shards, and the real python3 for pytorch.cpu (docs/training-plan.md, "Checking a plan here" and "Writing a plan").
# Run after building: Invoke-Pester ./tests/pester/TrainingPlanCheck.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Saved = Save-Environment 'SWARM_TRAINING_TOKEN', 'SWARMPS_TEST_UNSET_TOKEN'
    $env:SWARM_TRAINING_TOKEN = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(16))
    Remove-Item Env:SWARMPS_TEST_UNSET_TOKEN -ErrorAction SilentlyContinue

    # The base of base_seed 1, written as the trainer contract says: a 'base' job file, the trainer in a child process.
    $script:Work = Join-Path $TestDrive 'plans'
    New-Item -ItemType Directory $script:Work | Out-Null
    $job = Join-Path $script:Work 'base.json'
    @{ schema_version = 1; mode = 'base'; backend = 'dotnet.cpu'; base_seed = 1; output_directory = (Join-Path $script:Work 'base') } |
        ConvertTo-Json | Set-Content $job
    & dotnet (Join-Path $RepoRoot 'bin/trainer/SwarmPS.Trainer.dll') $job | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "the dotnet.cpu trainer could not write the base snapshot (exit $LASTEXITCODE)" }
    $script:Base = Join-Path $script:Work 'base/base.safetensors'
    $script:BaseDigest = 'sha256:' + (Get-FileHash -Algorithm SHA256 $script:Base).Hash.ToLowerInvariant()
    $script:Corpus = Join-Path $ExamplesRoot 'training/corpus'

    $script:Alpha = @{ id = 'c1'; site = 'alpha'; backend = 'dotnet.cpu'; device = 'cpu:0'; shard = 'shard-0' }
    $script:Beta = @{ id = 'c2'; site = 'beta'; backend = 'pytorch.cpu'; device = 'cpu:0'; shard = 'shard-1' }

    # A plan written by New-SwarmTrainingPlan into the work folder, with the given contributors and options.
    function New-Plan([string] $Name, [hashtable[]] $Contributor = @($script:Alpha, $script:Beta), [hashtable] $Options = @{}) {
        New-SwarmTrainingPlan -Path (Join-Path $script:Work $Name) -Namespace ft-demo -CoordinatorSite alpha -BaseSnapshot $script:Base `
            -Contributor $Contributor -Confirm:$false @Options
    }

    # The codes of the findings that are errors.
    function Get-ErrorCode($Findings) { @($Findings | Where-Object { $_.Severity -eq 'Error' } | ForEach-Object Code) }
}

AfterAll {
    Restore-Environment $script:Saved
}

Describe 'Test-SwarmTrainingPlan' {
    It 'finds nothing in a plan whose base, shards, token and trainers are all here' {
        New-Plan ready.yaml | Out-Null

        $findings = @(Test-SwarmTrainingPlan -Path (Join-Path $script:Work 'ready.yaml') -DataDirectory $script:Corpus)

        $findings | Should -BeNullOrEmpty -Because ($findings | Out-String)
    }

    It 'writes the plan after its findings with -PassThru, and takes a plan object from the pipeline' {
        $plan = Import-SwarmTrainingPlan (Join-Path $script:Work 'ready.yaml')

        $out = @($plan | Test-SwarmTrainingPlan -DataDirectory $script:Corpus -PassThru)

        $out.Count | Should -Be 1
        $out[0].PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Training.TrainingPlan'
        $out[0].Digest | Should -Be $plan.Digest
    }

    It 'reports <Code> when <Case>' -TestCases @(
        @{ Case = 'the digest is not the base''s'; Code = 'BaseSnapshotDigestMismatch'; Remedy = 'New-SwarmTrainingPlan computes the digest'
           Change = { param($text) $text.Replace($script:BaseDigest, 'sha256:' + ('0' * 64)) } }
        @{ Case = 'the base is missing'; Code = 'BaseSnapshotNotFound'; Remedy = 'Put the base snapshot at'
           Change = { param($text) $text.Replace('./base/base.safetensors', './base/gone.safetensors') } }
        @{ Case = 'the base is truncated'; Code = 'BaseSnapshotUnreadable'; Remedy = 'Copy the base snapshot again'
           Change = { param($text)
               $bytes = [IO.File]::ReadAllBytes($script:Base)
               [IO.File]::WriteAllBytes((Join-Path $script:Work 'base/short.safetensors'), $bytes[0..($bytes.Length - 1001)])
               $text.Replace('./base/base.safetensors', './base/short.safetensors') } }
        @{ Case = 'the coordinator site''s shard is missing'; Code = 'DataShardNotFound'; Remedy = 'pass -DataDirectory'
           Change = { param($text) $text.Replace('shard: "shard-0"', 'shard: "shard-9"') } }
    ) {
        param($Case, $Code, $Remedy, $Change)
        $text = Get-Content -Raw (Join-Path $script:Work 'ready.yaml')
        $changed = & $Change $text
        $changed | Should -Not -Be $text -Because 'the change must apply'
        $path = Join-Path $script:Work "case-$Code.yaml"
        Set-Content -Path $path -Value $changed -NoNewline

        $findings = @(Test-SwarmTrainingPlan -Path $path -DataDirectory $script:Corpus)

        Get-ErrorCode $findings | Should -Be @($Code)
        $finding = $findings | Where-Object Code -eq $Code
        $finding.Remediation | Should -BeLike "*$Remedy*"
        $finding.Message | Should -Not -BeNullOrEmpty
    }

    It 'reports a base that is not the tiny model''s five tensors (BaseSnapshotLayoutMismatch)' {
        # An adapter is safetensors too, but not a base: two tensors of other names.
        $header = [Text.Encoding]::UTF8.GetBytes('{"m.lora_A.weight":{"dtype":"F32","shape":[2,4],"data_offsets":[0,32]}}')
        $other = Join-Path $script:Work 'not-a-base.safetensors'
        [IO.File]::WriteAllBytes($other, [byte[]]([BitConverter]::GetBytes([uint64]$header.Length) + $header + [byte[]]::new(32)))
        New-SwarmTrainingPlan -Path (Join-Path $script:Work 'layout.yaml') -Namespace ft-demo -CoordinatorSite alpha -BaseSnapshot $other `
            -Contributor $script:Alpha -Confirm:$false | Out-Null

        $findings = @(Test-SwarmTrainingPlan -Path (Join-Path $script:Work 'layout.yaml') -DataDirectory $script:Corpus)

        Get-ErrorCode $findings | Should -Be @('BaseSnapshotLayoutMismatch')
        ($findings | Where-Object Code -eq BaseSnapshotLayoutMismatch).Message | Should -BeLike "*no tensor 'embed.weight'*"
    }

    It 'reports an unknown backend as information, naming the trainer contract' {
        New-Plan unknown.yaml -Contributor $script:Alpha, @{ id = 'c3'; site = 'gamma'; backend = 'mlx.metal'; device = 'cpu:0'; shard = 'shard-x' } | Out-Null

        $findings = @(Test-SwarmTrainingPlan -Path (Join-Path $script:Work 'unknown.yaml') -DataDirectory $script:Corpus)

        $findings.Code | Should -Be @('BackendUnknown')
        $findings[0].Severity | Should -Be 'Information'
        $findings[0].Subject | Should -Be 'mlx.metal'
        $findings[0].Message | Should -BeLike '*docs/trainer-contract.md*'
        $findings[0].Remediation | Should -Not -BeNullOrEmpty
    }

    It 'warns when the admission token variable is unset, without an error' {
        New-Plan token.yaml -Options @{ AdmissionTokenVariable = 'SWARMPS_TEST_UNSET_TOKEN' } | Out-Null

        $findings = @(Test-SwarmTrainingPlan -Path (Join-Path $script:Work 'token.yaml') -DataDirectory $script:Corpus)

        $findings.Code | Should -Be @('AdmissionTokenNotSet')
        $findings[0].Severity | Should -Be 'Warning'
        $findings[0].Remediation | Should -BeLike '*export SWARMPS_TEST_UNSET_TOKEN=*'
    }

    It 'never shows the token''s value in a finding' {
        $findings = @(Test-SwarmTrainingPlan -Path (Join-Path $script:Work 'case-BaseSnapshotDigestMismatch.yaml') -DataDirectory (Join-Path $TestDrive 'nowhere'))

        $findings | Should -Not -BeNullOrEmpty
        ($findings | Format-List * | Out-String) | Should -Not -Match $env:SWARM_TRAINING_TOKEN
    }

    It 'resolves shards against the plan file''s folder by default' {
        $folder = Join-Path $TestDrive 'beside'
        New-Item -ItemType Directory $folder | Out-Null
        Copy-Item (Join-Path $script:Corpus 'shard-0.txt') $folder
        New-SwarmTrainingPlan -Path (Join-Path $folder 'plan.yaml') -Namespace ft-demo -CoordinatorSite alpha -BaseSnapshot $script:Base `
            -Contributor $script:Alpha -Confirm:$false | Out-Null

        @(Test-SwarmTrainingPlan -Path (Join-Path $folder 'plan.yaml')) | Should -BeNullOrEmpty
        Remove-Item (Join-Path $folder 'shard-0.txt')
        Get-ErrorCode (Test-SwarmTrainingPlan -Path (Join-Path $folder 'plan.yaml')) | Should -Be @('DataShardNotFound')
    }

    It 'gives the reader''s error for a plan that cannot be read' {
        $bad = Join-Path $script:Work 'bad.yaml'
        Set-Content $bad "schema_version: 1`nnamespace: ft-demo`n"

        { Test-SwarmTrainingPlan -Path $bad -ErrorAction Stop } | Should -Throw -ErrorId 'TrainingPlanInvalid,SwarmPS.Cmdlets.TestSwarmTrainingPlanCommand'
        { Test-SwarmTrainingPlan -Path (Join-Path $script:Work 'absent.yaml') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigFileNotFound,SwarmPS.Cmdlets.TestSwarmTrainingPlanCommand'
    }
}

Describe 'New-SwarmTrainingPlan' {
    It 'writes a plan Import reads back with the same digest, the base digest computed and its path relative' {
        $plan = New-Plan written.yaml -Options @{ Rank = 8; Alpha = 16; Steps = 30; Seed = 11; LearningRate = 0.25; ReplaySample = 0.5; MinAccepted = 2 }

        $plan.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Training.TrainingPlan'
        $plan.BaseSnapshotDigest | Should -Be $script:BaseDigest
        $plan.BaseSnapshotFile | Should -Be './base/base.safetensors'
        $plan.Contract.Rank | Should -Be 8
        $plan.Steps | Should -Be 30
        $imported = Import-SwarmTrainingPlan (Join-Path $script:Work 'written.yaml')
        $imported.Digest | Should -Be $plan.Digest
        $imported.BaseSnapshotDigest | Should -Be $script:BaseDigest
        $imported.Contributors.Id | Should -Be @('c1', 'c2')
        # Every field is written out, timing and gates included.
        $text = Get-Content -Raw (Join-Path $script:Work 'written.yaml')
        foreach ($field in 'heartbeat_interval_ms', 'max_worker_skew_ms', 'replay_tolerance', 'min_replay_checked', 'min_loss_improvement') {
            $text | Should -Match "(?m)^\s+$($field): "
        }
    }

    It 'writes defaults under which its own default training is accepted (the update-norm bound holds it)' {
        $plan = New-Plan defaults.yaml -Contributor @($script:Alpha)
        $output = Join-Path $TestDrive 'default-training'
        $job = "$output.json"
        [ordered]@{
            schema_version = 1; mode = 'train'; run_id = 'ft-defaults'; contributor = 'c1'; site = 'alpha'; backend = 'dotnet.cpu'
            plan_digest = $plan.Digest; base_snapshot_path = $script:Base; base_snapshot_digest = $script:BaseDigest
            adapter_contract = [ordered]@{ target_modules = @($plan.Contract.TargetModules); rank = $plan.Contract.Rank; alpha = $plan.Contract.Alpha; dtype = 'F32' }
            data_shard = 'shard-0'; data_path = (Join-Path $script:Corpus 'shard-0.txt'); steps = $plan.Steps; seed = $plan.Seed
            learning_rate = $plan.LearningRate; output_directory = $output
        } | ConvertTo-Json -Depth 4 | Set-Content $job
        & dotnet (Join-Path $RepoRoot 'bin/trainer/SwarmPS.Trainer.dll') $job | Out-Null
        $LASTEXITCODE | Should -Be 0

        $repo = New-Item -ItemType Directory (Join-Path $TestDrive 'defaults-repo')
        git -C $repo.FullName init --quiet
        Push-Location $repo
        try {
            $verdict = Test-SwarmContribution -Path $output -Plan $plan
        } finally { Pop-Location }

        $plan.MaxUpdateNorm | Should -Be 100
        $verdict.Verdict | Should -Be 'Accepted' -Because ($verdict.Reasons -join '; ')
        ($verdict.Checks | Where-Object Name -eq 'update_norm').Detail | Should -BeLike 'update norm * within the bound 100'
    }

    It 'writes a base outside the plan''s folder as an absolute path' {
        $plan = New-SwarmTrainingPlan -Path (Join-Path $TestDrive 'elsewhere/plan.yaml') -Namespace ft-demo -CoordinatorSite alpha -BaseSnapshot $script:Base `
            -Contributor $script:Alpha -Confirm:$false

        $plan.BaseSnapshotFile | Should -Be $script:Base
    }

    It 'refuses a bad rank as the reader does, naming the field, and writes nothing' {
        $path = Join-Path $script:Work 'bad-rank.yaml'

        { New-Plan bad-rank.yaml -Options @{ Rank = 0; ErrorAction = 'Stop' } } |
            Should -Throw -ErrorId 'TrainingPlanInvalid,SwarmPS.Cmdlets.NewSwarmTrainingPlanCommand' -ExpectedMessage '*bad-rank.yaml:*: adapter.rank:*'
        Test-Path $path | Should -BeFalse
    }

    It 'refuses a contributor key it does not know, naming it' {
        { New-Plan typo.yaml -Contributor @{ id = 'c1'; site = 'alpha'; backend = 'dotnet.cpu'; device = 'cpu:0'; sahrd = 'shard-0' } -Options @{ ErrorAction = 'Stop' } } |
            Should -Throw -ErrorId 'TrainingPlanContributorInvalid,SwarmPS.Cmdlets.NewSwarmTrainingPlanCommand' -ExpectedMessage "*'sahrd'*"
        Test-Path (Join-Path $script:Work 'typo.yaml') | Should -BeFalse
    }

    It 'writes nothing with -WhatIf' {
        New-SwarmTrainingPlan -Path (Join-Path $script:Work 'whatif.yaml') -Namespace ft-demo -CoordinatorSite alpha -BaseSnapshot $script:Base `
            -Contributor $script:Alpha -WhatIf | Should -BeNullOrEmpty

        Test-Path (Join-Path $script:Work 'whatif.yaml') | Should -BeFalse
    }

    It 'refuses an existing file, leaving it as it was, and replaces it with -Force' {
        $path = Join-Path $script:Work 'existing.yaml'
        Set-Content $path 'an operator''s own file'

        { New-Plan existing.yaml -Options @{ ErrorAction = 'Stop' } } | Should -Throw -ErrorId 'TrainingPlanFileExists,SwarmPS.Cmdlets.NewSwarmTrainingPlanCommand'
        Get-Content -Raw $path | Should -Be "an operator's own file`n"

        (New-Plan existing.yaml -Options @{ Force = $true }).BaseSnapshotDigest | Should -Be $script:BaseDigest
        Import-SwarmTrainingPlan $path | Should -Not -BeNullOrEmpty
    }

    It 'refuses a base snapshot that is not there, as the safetensors reader names it' {
        { New-SwarmTrainingPlan -Path (Join-Path $script:Work 'nobase.yaml') -Namespace ft-demo -CoordinatorSite alpha -BaseSnapshot (Join-Path $script:Work 'none.safetensors') `
            -Contributor $script:Alpha -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'SafetensorsFileNotFound,SwarmPS.Cmdlets.NewSwarmTrainingPlanCommand'
        Test-Path (Join-Path $script:Work 'nobase.yaml') | Should -BeFalse
    }
}
