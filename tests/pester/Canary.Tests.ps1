#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Submit-SwarmJob -Canary in real pwsh: on the local pool, and on the real SLURM on loopback
# (tests/infra/start-slurm.sh; .ci/run starts it, and BeforeAll starts it when it is not up: the script is idempotent).

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $slurm = bash (Join-Path $RepoRoot 'tests/infra/start-slurm.sh') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-slurm.sh failed: $slurm" }

    $script:Saved = Save-Environment 'SWARMPS_SITE_PATH', 'XDG_DATA_HOME'
    $env:XDG_DATA_HOME = Join-Path $TestDrive 'data'
    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    Set-Content -Path (Join-Path $sites 'pool.yaml') -Value "scheduler: local`nrun_root: $(Join-Path $TestDrive 'pool/runs')`n"
    Set-Content -Path (Join-Path $sites 'cluster.yaml') -Value "scheduler: slurm`nrun_root: $(Join-Path $TestDrive 'cluster/runs')`n"
    $env:SWARMPS_SITE_PATH = $sites.FullName

    # Submits with -Canary and returns the error record it stopped with (the canary's errors are terminating).
    function Get-CanaryError([Parameter(ValueFromPipeline)] $Plan, [hashtable] $Canary = @{}) {
        process {
            $arguments = @{ CanaryTimeout = [timespan]'00:02:00' }
            foreach ($name in $Canary.Keys) { $arguments[$name] = $Canary[$name] }
            try { $Plan | Submit-SwarmJob -Canary @arguments | Out-Null; $null }
            catch { $_ }
        }
    }

    # The records in this test's job store: sweeps and canaries alike.
    function Get-JobRecord { @(Get-ChildItem (Join-Path $TestDrive '.swarm/jobs') -Filter *.json -ErrorAction Ignore | ForEach-Object { Get-Content -Raw $_ | ConvertFrom-Json }) }
}

AfterAll {
    Restore-Environment $script:Saved
}

Describe 'Submit-SwarmJob -Canary' {
    BeforeEach {
        Push-Location $TestDrive
        Remove-Item -Recurse -Force (Join-Path $TestDrive '.swarm') -ErrorAction Ignore
    }

    AfterEach {
        Pop-Location
    }

    It 'runs the first task alone, checks its declared output, then submits the sweep (local pool)' {
        $plan = New-SwarmTaskSet -Axis @{ n = 3, 4, 5 } |
            New-SwarmJobPlan -Site pool -Command 'sh', '-c', 'echo "$SWARM_KW_N" > out.txt'
        $job = $plan | Submit-SwarmJob -Canary -CanaryOutput 'out.txt' -InformationVariable told | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
        $job.State | Should -Be 'Succeeded'
        $job.TaskCount | Should -Be 3
        "$told" | Should -Match 'canary of job [0-9a-f]{16}: task 0 succeeded as job [0-9a-f]{16} attempt 1, with its 1 declared output'

        # The canary is a job of its own, naming the sweep it tried; its result is not in the sweep's results.
        $records = Get-JobRecord
        $canary = $records | Where-Object CanaryOf -EQ $plan.Key
        @($canary).Count | Should -Be 1
        $canary.Key | Should -Not -Be $plan.Key
        Get-Content (Join-Path $canary.JobRoot 'results/0/out.txt') | Should -Be '3'
        Get-Content (Join-Path $job.JobRoot 'results/0/out.txt') | Should -Be '3'
        Get-Content (Join-Path $job.JobRoot 'results/2/out.txt') | Should -Be '5'
    }

    It 'stops the submit when the canary fails, with its exit code, its stderr tail and the fix; nothing of the sweep is queued' {
        $plan = New-SwarmTaskSet -Seeds 50 | New-SwarmJobPlan -Site pool -Command 'sh', '-c', 'echo "no such file: data/train.csv" >&2; exit 3'
        $failure = $plan | Get-CanaryError
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -Be 'CanaryFailed,SwarmPS.Cmdlets.SubmitSwarmJobCommand'
        $failure.Exception.Message | Should -Match 'task 0, job [0-9a-f]{16} attempt 1\) exited 3'
        $failure.Exception.Message | Should -Match 'no such file: data/train.csv'
        $failure.ErrorDetails.RecommendedAction | Should -Match "task's own error"
        Test-Path (Join-Path $TestDrive ".swarm/jobs/$($plan.Key).json") | Should -BeFalse
        @(Get-JobRecord).Count | Should -Be 1
    }

    It 'names a command the compute node cannot find (exit 127) and suggests shipping the code' {
        $failure = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site pool -Command 'sh', '-c', 'no-such-program-swarmps --epochs 3' | Get-CanaryError
        $failure.FullyQualifiedErrorId | Should -Be 'CanaryFailed,SwarmPS.Cmdlets.SubmitSwarmJobCommand'
        $failure.Exception.Message | Should -Match 'exited 127'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'not found on the compute node.*Sync-SwarmCode'
    }

    It 'stops the submit when a declared output is missing, naming it' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site pool -Command 'sh', '-c', 'echo done > metrics.txt'
        $failure = $plan | Get-CanaryError -Canary @{ CanaryOutput = 'metrics.json', 'metrics.txt' }
        $failure.FullyQualifiedErrorId | Should -Be 'CanaryOutputMissing,SwarmPS.Cmdlets.SubmitSwarmJobCommand'
        $failure.Exception.Message | Should -Match "did not write 'metrics.json' in "
        $failure.Exception.Message | Should -Not -Match "'metrics.txt'"
        Test-Path (Join-Path $TestDrive ".swarm/jobs/$($plan.Key).json") | Should -BeFalse
    }

    It 'runs a failed canary again when the submit is repeated after the fix, then submits the sweep' {
        $flag = Join-Path $TestDrive 'broken'
        Set-Content $flag ''
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site pool -Command 'sh', '-c', 'if [ -e "$1" ]; then echo broken >&2; exit 4; fi', 'canary', $flag
        ($plan | Get-CanaryError).FullyQualifiedErrorId | Should -Be 'CanaryFailed,SwarmPS.Cmdlets.SubmitSwarmJobCommand'

        Remove-Item $flag
        $job = $plan | Submit-SwarmJob -Canary | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
        $job.State | Should -Be 'Succeeded'
        $canary = Get-JobRecord | Where-Object CanaryOf -EQ $plan.Key
        @($canary.Attempts).Count | Should -Be 2
    }

    It 'warns and runs no canary when the sweep was submitted before (-Resume)' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site pool -Command 'true'
        $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00 | Out-Null
        $null = $plan | Submit-SwarmJob -Resume -Canary -WarningVariable warned 3>$null
        "$warned" | Should -Match 'No canary: job [0-9a-f]{16} was submitted before'
        @(Get-JobRecord | Where-Object CanaryOf).Count | Should -Be 0
    }

    It 'shows the canary step with -WhatIf and submits nothing' {
        # What if: goes to the host, not to a stream: a child pwsh's output shows it.
        $script = "Import-Module '$ModuleManifest'; Set-Location '$TestDrive'; New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site pool -Command true | Submit-SwarmJob -Canary -WhatIf"
        $shown = & $PwshPath -NoProfile -NonInteractive -Command $script 2>&1 | Out-String
        $shown | Should -Match 'First run task 0 alone as canary job [0-9a-f]{16} and wait for it \(at most 00:30:00\)'
        @(Get-JobRecord).Count | Should -Be 0
    }

    It 'refuses a -CanaryOutput outside the task''s directory (<Output>) before anything runs' -TestCases @(
        @{ Output = '/etc/passwd' }, @{ Output = '../other/out.txt' }, @{ Output = '~/out' }, @{ Output = ' ' }
    ) {
        param($Output)
        $plan = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site pool -Command 'true'
        { $plan | Submit-SwarmJob -Canary -CanaryOutput $Output } | Should -Throw -ErrorId 'CanaryOutputInvalid,SwarmPS.Cmdlets.SubmitSwarmJobCommand'
        @(Get-JobRecord).Count | Should -Be 0
    }

    It 'stops at -CanaryTimeout with the canary still running, and the same submit waits for it again' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site pool -Command 'sleep', '6'
        $failure = $plan | Get-CanaryError -Canary @{ CanaryTimeout = [timespan]'00:00:01' }
        $failure.FullyQualifiedErrorId | Should -Be 'CanaryTimeout,SwarmPS.Cmdlets.SubmitSwarmJobCommand'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'Run the same Submit-SwarmJob -Canary again to wait for it'
        $job = $plan | Submit-SwarmJob -Canary -CanaryTimeout 00:01:00 -InformationVariable told | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
        $job.State | Should -Be 'Succeeded'
        "$told" | Should -Match 'attempt 1'
        @((Get-JobRecord | Where-Object CanaryOf).Attempts).Count | Should -Be 1
    }

    It 'runs the canary on the real SLURM and stops a failing one there' {
        $good = New-SwarmTaskSet -Axis @{ n = 7, 8 } | New-SwarmJobPlan -Site cluster -Command 'sh', '-c', 'echo "$SLURM_JOB_ID" > job.txt'
        $job = $good | Submit-SwarmJob -Canary -CanaryOutput 'job.txt' -CanaryTimeout 00:02:00 | Wait-SwarmJob -PollInterval 5 -Timeout 00:02:00
        $job.State | Should -Be 'Succeeded'
        $canary = Get-JobRecord | Where-Object CanaryOf -EQ $good.Key
        Get-Content (Join-Path $canary.JobRoot 'results/0/job.txt') | Should -Match '^\d+$'

        $bad = New-SwarmTaskSet -Seeds 3 | New-SwarmJobPlan -Site cluster -Command 'sh', '-c', 'echo "module torch not loaded" >&2; exit 1'
        $failure = $bad | Get-CanaryError
        $failure.FullyQualifiedErrorId | Should -Be 'CanaryFailed,SwarmPS.Cmdlets.SubmitSwarmJobCommand'
        $failure.Exception.Message | Should -Match 'module torch not loaded'
        Test-Path (Join-Path $TestDrive ".swarm/jobs/$($bad.Key).json") | Should -BeFalse
    }
}
