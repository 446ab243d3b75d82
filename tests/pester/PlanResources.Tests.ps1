#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Memory and GPUs per task, waves counted in array elements, and the estimate from the ledger's history,
# in real pwsh. Memory is proven by what the real loopback SLURM (scontrol show job) and Grid Engine
# (qstat -j) recorded for the submitted job. GPUs: the loopback SLURM has two stand-in GPUs
# (tests/infra/start-slurm.sh, gres.conf), so a task of -Gpus 1 runs with one; the loopback Grid Engine has a
# consumable gpu complex of 2 (tests/infra/start-sge.sh), granted to a task of -Gpus 1 (rendered text:
# ResourceRequestTests). tests/infra/start-slurm.sh and start-sge.sh are idempotent: BeforeAll
# starts them when .ci/run has not. Needs root (the infra scripts). Run after building:
#   Invoke-Pester ./tests/pester/PlanResources.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Saved = Save-Environment 'SWARMPS_SITE_PATH', 'SLURM_CONF', 'SGE_ROOT', 'SGE_CELL', 'SGE_ARCH', 'SGE_QMASTER_PORT', 'SGE_EXECD_PORT', 'XDG_DATA_HOME'
    $env:XDG_DATA_HOME = Join-Path $TestDrive 'data'

    $slurm = bash (Join-Path $RepoRoot 'tests/infra/start-slurm.sh') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-slurm.sh failed: $slurm" }
    $env:SLURM_CONF = '/tmp/swarmps-infra/slurm/slurm.conf'
    $sge = bash (Join-Path $RepoRoot 'tests/infra/start-sge.sh') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-sge.sh failed: $sge" }
    # The script's last line is ". <cell>/common/settings.sh": take its variables, as SgeFixture does.
    $settings = (@($sge) | Where-Object { "$_" -like '. *' } | Select-Object -Last 1).ToString().Substring(2).Trim()
    foreach ($line in Get-Content $settings) {
        if ($line -match '^\s*([A-Z_]+)=([^;]*);') { [Environment]::SetEnvironmentVariable($Matches[1], $Matches[2]) }
    }

    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    Set-Content -Path (Join-Path $sites 'res-slurm.yaml') -Value "scheduler: slurm`nrun_root: $(Join-Path $TestDrive 'slurm/runs')`n"
    Set-Content -Path (Join-Path $sites 'res-sge.yaml') -Value "scheduler: sge`nrun_root: $(Join-Path $TestDrive 'sge/runs')`n"
    Set-Content -Path (Join-Path $sites 'res-sge-gpu.yaml') -Value "scheduler: sge`nrun_root: $(Join-Path $TestDrive 'sge-gpu/runs')`nscheduler_resources:`n  memory_complex: h_vmem`n  gpu_complex: gpu`n"
    Set-Content -Path (Join-Path $sites 'res-slurm-bad.yaml') -Value "scheduler: slurm`nrun_root: /x`nscheduler_resources:`n  gpu_complex: gpu`n"
    $env:SWARMPS_SITE_PATH = $sites.FullName

    $script:Repo = Join-Path $TestDrive 'repo'
    $null = New-Item -ItemType Directory $script:Repo
    git -C $script:Repo init --quiet
    $null = Initialize-SwarmRepository -Path $script:Repo -MachineLabel 'pester'
    Push-Location $script:Repo

    # The job name of array 0 of wave 0 of attempt 1, which every scheduler shows.
    function Get-ArrayName($Plan) { "swarm-$($Plan.Key)-a1-w0-0" }
}

AfterAll {
    Pop-Location
    Restore-Environment $script:Saved
}

Describe 'Memory per task on the real schedulers' {
    It 'SLURM records -Memory 100MB as the job''s minimum memory per node (100M)' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site res-slurm -Command sleep, 30 -Memory 100MB
        $plan.Memory | Should -Be 104857600
        $null = $plan | Submit-SwarmJob -Confirm:$false
        try {
            $job = scontrol show job -o | Where-Object { $_ -match "JobName=$(Get-ArrayName $plan)\b" } | Select-Object -First 1
            $job | Should -Not -BeNullOrEmpty
            # The loopback cluster does not treat memory as consumable (CR_Core), so TRES leaves it out; the request is MinMemoryNode.
            $job | Should -Match 'MinMemoryNode=100M\b'
        }
        finally {
            $null = Stop-SwarmJob -Id $plan.Key -Confirm:$false
        }
    }

    It 'Grid Engine records -Memory 64MB as the hard resource h_vmem=64M' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site res-sge -Command sleep, 30 -Memory 64MB
        $null = $plan | Submit-SwarmJob -Confirm:$false
        try {
            $details = (qstat -j (Get-ArrayName $plan) 2>&1) -join "`n"
            $details | Should -Match 'hard resource_list:\s+h_vmem=64M'
        }
        finally {
            $null = Stop-SwarmJob -Id $plan.Key -Confirm:$false
        }
    }

    It 'rounds a request that is not whole MiB up, never down (SLURM: 2M for 1 MiB + 1 byte)' {
        $plan = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site res-slurm -Command sleep, 30 -Memory (1MB + 1)
        $null = $plan | Submit-SwarmJob -Confirm:$false
        try {
            scontrol show job -o | Where-Object { $_ -match "JobName=$(Get-ArrayName $plan)\b" } | Should -Match 'MinMemoryNode=2M\b'
        }
        finally {
            $null = Stop-SwarmJob -Id $plan.Key -Confirm:$false
        }
    }
}

Describe 'GPUs per task reach the real schedulers' {
    It 'SLURM gives a task of -Gpus 1 one of the loopback node''s two stand-in GPUs (--gres=gpu:1)' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site res-slurm -Gpus 1 -Command bash, -c, 'printf "%s %s" "$CUDA_VISIBLE_DEVICES" "$SLURM_GPUS_ON_NODE" > gpus.txt'
        $plan.Gpus | Should -Be 1
        $null = $plan | Submit-SwarmJob -Confirm:$false
        $job = Wait-SwarmJob -Id $plan.Key -PollInterval 5 -Timeout 00:02:00
        $job.State | Should -Be 'Succeeded'
        foreach ($task in 0, 1) {
            # One GPU each: its index on the node (0 or 1, as SLURM hands them out), and a count of 1.
            Get-Content (Join-Path $job.JobRoot "results/$task/gpus.txt") | Should -Match '^[01] 1$'
        }
    }

    It 'SLURM refuses a task of more GPUs than the node has (-Gpus 3 of 2), naming gres' {
        $plan = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site res-slurm -Command true -Gpus 3
        $failure = { $plan | Submit-SwarmJob -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -BeLike 'SubmitRejected,*'
        $failure.Exception.Message | Should -Match 'node configuration is not available'
    }

    It 'Grid Engine grants the profile''s gpu complex (-l gpu=1) from the loopback cell''s two stand-in GPUs' {
        $plan = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site res-sge-gpu -Command sleep, 31 -Gpus 1 -Memory 32MB
        $null = $plan | Submit-SwarmJob -Confirm:$false
        try {
            Wait-Until { (Get-SwarmJob -Id $plan.Key -WarningAction SilentlyContinue).Running -eq 1 } -Seconds 60 -PollMilliseconds 1000
            $details = (qstat -j (Get-ArrayName $plan) 2>&1) -join "`n"
            $details | Should -Match 'hard resource_list:\s+(h_vmem=32M,gpu=1|gpu=1,h_vmem=32M)'
            # The host's consumable count, as the scheduler sees it while the task holds one GPU.
            (qhost -F gpu 2>&1) -join "`n" | Should -Match 'hc:gpu=1\.0+'
        }
        finally {
            $null = Stop-SwarmJob -Id $plan.Key -Confirm:$false
        }
    }
}

Describe 'Bad memory and GPU requests are refused at planning' {
    It 'refuses <Case> with <ErrorId>' -TestCases @(
        @{ Case = 'memory under 1 MiB'; Site = 'res-slurm'; Arguments = @{ Memory = 1000 }; ErrorId = 'PlanMemoryInvalid' }
        @{ Case = 'negative memory'; Site = 'res-slurm'; Arguments = @{ Memory = -1GB }; ErrorId = 'PlanMemoryInvalid' }
        @{ Case = 'zero GPUs'; Site = 'res-slurm'; Arguments = @{ Gpus = 0 }; ErrorId = 'PlanGpusInvalid' }
        @{ Case = 'GPUs on Grid Engine without a gpu complex'; Site = 'res-sge'; Arguments = @{ Gpus = 1 }; ErrorId = 'GpuComplexNotConfigured' }
        @{ Case = 'GPUs on the local pool'; Site = 'local'; Arguments = @{ Gpus = 2 }; ErrorId = 'PlanGpusUnsupported' }
    ) {
        param($Case, $Site, $Arguments, $ErrorId)
        $failure = { New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site $Site -Command true @Arguments } | Should -Throw -PassThru
        $failure.FullyQualifiedErrorId | Should -Be "$ErrorId,SwarmPS.Cmdlets.NewSwarmJobPlanCommand"
        $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'names the profile key to set when Grid Engine has no gpu complex' {
        $failure = { New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site res-sge -Command true -Gpus 1 } | Should -Throw -PassThru
        $failure.ErrorDetails.RecommendedAction | Should -Match 'scheduler_resources\.gpu_complex'
    }

    It 'refuses scheduler_resources in a profile for a scheduler other than Grid Engine' {
        $failure = { New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site res-slurm-bad -Command true } | Should -Throw -PassThru
        "$($failure.Exception.Message) $($failure.ErrorDetails.RecommendedAction)" | Should -Match 'scheduler_resources'
    }

    It 'plans memory on the local pool, which enforces none' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site local -Command true -Memory 2GB
        $plan.Memory | Should -Be 2147483648
    }
}

Describe 'Waves count array elements' {
    It 'fills each wave with at most -MaxConcurrentJobs tasks, cutting the last array of a wave to fit' {
        $plan = New-SwarmTaskSet -Seeds 45 | New-SwarmJobPlan -Site local -Command true -MaxArraySize 10 -MaxConcurrentJobs 25
        $plan.WaveCount | Should -Be 2
        @($plan.Waves | ForEach-Object TaskCount) | Should -Be @(25, 20)
        @($plan.Arrays | ForEach-Object Count) | Should -Be @(10, 10, 5, 10, 10)
    }

    It 'caps an array limit above the concurrent limit by it' {
        $plan = New-SwarmTaskSet -Seeds 700 | New-SwarmJobPlan -Site local -Command true -MaxArraySize 1000 -MaxConcurrentJobs 300
        @($plan.Arrays | ForEach-Object Count) | Should -Be @(300, 300, 100)
        $plan.WaveCount | Should -Be 3
    }
}

Describe 'The estimate from the ledger''s history of the same command' {
    It 'takes the median of the finished runs when no -TaskDuration is given, and says so' {
        # The store's wall time runs from the poll that first saw a task running to the one that saw it end,
        # so the tasks outlast a poll interval (5 s) to be seen running at all.
        $tasks = New-SwarmTaskSet -Seeds 3
        $first = $tasks | New-SwarmJobPlan -Site local -Command sleep, 12 -Throttle 3
        $first.EstimateSource | Should -BeNullOrEmpty
        $first.EstimatedWallClock | Should -BeNullOrEmpty
        $null = $first | Submit-SwarmJob -Confirm:$false
        $done = Wait-SwarmJob -Id $first.Key -PollInterval 5 -Timeout 00:01:00
        $done.State | Should -Be 'Succeeded'

        $again = New-SwarmTaskSet -Seeds 6 | New-SwarmJobPlan -Site local -Command sleep, 12 -Throttle 3
        $again.EstimateSource | Should -Be 'ledger (3 runs)'
        # Two rounds of the median run (as the polls measured it: within a poll interval of 12 s either way).
        $again.EstimatedWallClock | Should -BeGreaterThan ([timespan]::FromSeconds(2 * 5))
        $again.EstimatedWallClock | Should -BeLessThan ([timespan]::FromSeconds(2 * 25))
        ($again | Format-Table | Out-String -Width 160) | Should -Match '\(ledger \(3 runs\)\)'

        $given = New-SwarmTaskSet -Seeds 6 | New-SwarmJobPlan -Site local -Command sleep, 12 -Throttle 3 -TaskDuration 00:10:00
        "$($given.EstimateSource) $($given.EstimatedWallClock)" | Should -Be '-TaskDuration 00:20:00'
        (New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site local -Command sleep, 2).EstimateSource | Should -BeNullOrEmpty
    }
}
