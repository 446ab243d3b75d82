#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Invoke-SwarmAggregation in real pwsh: on the local pool, and on the real SLURM on loopback
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

    # Each task writes its parameter; the reducer sums them, one line per task it read, and the total.
    $script:Reducer = Join-Path $TestDrive 'reduce.py'
    Set-Content -Path $script:Reducer -Value @'
import json, os
total, seen = 0, []
with open(os.environ["SWARM_AGGREGATE_INPUTS"]) as inputs:
    for line in inputs:
        task, directory = line.rstrip("\n").split("\t")
        with open(os.path.join(directory, "value.txt")) as value:
            total += int(value.read())
        seen.append(int(task))
with open(os.environ["SWARM_SUMMARY"], "w") as summary:
    json.dump({"tasks": seen, "total": total, "job": os.environ["SWARM_JOB_KEY"]}, summary)
'@
    $script:Write = 'if [ -e "$1/fail-$SWARM_KW_N" ]; then exit 5; fi; echo "$SWARM_KW_N" > value.txt'
}

AfterAll {
    Restore-Environment $script:Saved
}

Describe 'Invoke-SwarmAggregation' {
    BeforeEach {
        Push-Location $TestDrive
    }

    AfterEach {
        Pop-Location
    }

    It 'finds a missing task, combines nothing, then combines all after the resubmission' {
        Set-Content (Join-Path $TestDrive 'fail-20') ''
        $plan = New-SwarmTaskSet -Axis @{ n = 10, 20, 30, 40 } |
            New-SwarmJobPlan -Site pool -Command 'sh', '-c', $script:Write, 'task', $TestDrive -MaxArraySize 2
        $plan.ArrayCount | Should -Be 2
        $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00 3>$null | Out-Null

        $gap = Invoke-SwarmAggregation -Id $plan.Key -Reducer python3, $script:Reducer -ErrorVariable incomplete -ErrorAction SilentlyContinue
        $gap.Complete | Should -BeFalse
        $gap.MissingTasks | Should -Be @(1)
        $gap.Combined | Should -Be 0
        $gap.SummaryPath | Should -BeNullOrEmpty
        $gap.Finding | Should -Match '1 of 4 tasks have no result: 1'
        $incomplete[0].FullyQualifiedErrorId | Should -Be 'AggregationIncomplete,SwarmPS.Cmdlets.InvokeSwarmAggregationCommand'
        Test-Path (Join-Path $TestDrive ".swarm/aggregates/$($plan.Key)/summary") | Should -BeFalse

        Remove-Item (Join-Path $TestDrive 'fail-20')
        $plan | Submit-SwarmJob -Resume | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00 | Out-Null
        $all = Get-SwarmJob -Id $plan.Key | Invoke-SwarmAggregation -Reducer python3, $script:Reducer
        $all.Complete | Should -BeTrue
        $all.Combined | Should -Be 4
        $all.SummaryPath | Should -Be (Join-Path $TestDrive ".swarm/aggregates/$($plan.Key)/summary")
        $summary = Get-Content -Raw $all.SummaryPath | ConvertFrom-Json
        $summary.tasks | Should -Be @(0, 1, 2, 3)
        $summary.total | Should -Be 100
        $summary.job | Should -Be $plan.Key
    }

    It 'refuses a result another job wrote, a stray directory, and a task directory without its marker' {
        $plan = New-SwarmTaskSet -Axis @{ n = 1, 2, 3 } | New-SwarmJobPlan -Site pool -Command 'sh', '-c', $script:Write, 'task', $TestDrive
        $other = New-SwarmTaskSet -Axis @{ n = 7, 8, 9 } | New-SwarmJobPlan -Site pool -Command 'sh', '-c', $script:Write, 'task', $TestDrive
        $job = $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
        $foreign = $other | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
        $first = Invoke-SwarmAggregation -Id $plan.Key -Reducer python3, $script:Reducer
        $first.Complete | Should -BeTrue

        # Another run's result copied over task 2's, a stray folder, and a marker removed.
        $results = Join-Path $job.JobRoot 'results'
        # -Force: PowerShell treats dot files as hidden and leaves them alone without it.
        Remove-Item -Recurse -Force (Join-Path $results '2')
        Copy-Item -Recurse -Force (Join-Path $foreign.JobRoot 'results/2') (Join-Path $results '2')
        New-Item -ItemType Directory (Join-Path $results 'scratch') | Out-Null
        Remove-Item -Force (Join-Path $results '0/.swarm-task')
        Test-Path (Join-Path $results '2/.swarm-task') | Should -BeTrue

        $found = Invoke-SwarmAggregation -Id $plan.Key -Reducer python3, $script:Reducer -ErrorAction SilentlyContinue
        $found.Complete | Should -BeFalse
        $found.MissingTasks | Should -BeNullOrEmpty
        $found.ForeignResults.Count | Should -Be 3
        $found.ForeignResults -join "`n" | Should -Match "results/2: \.swarm-task says '$($other.Key) 2 1', not job $($plan.Key) task 2"
        $found.ForeignResults -join "`n" | Should -Match 'results/scratch: not a task of this job \(it has tasks 0 to 2\)'
        $found.ForeignResults -join "`n" | Should -Match 'results/0: no \.swarm-task'
        # The summary of the earlier, complete aggregation is left as it was.
        (Get-Content -Raw $first.SummaryPath | ConvertFrom-Json).total | Should -Be 6
    }

    It 'refuses a job still running, and says which reducer failed with its stderr' {
        $slow = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site pool -Command 'sleep', '30'
        $slow | Submit-SwarmJob | Out-Null
        try {
            { Invoke-SwarmAggregation -Id $slow.Key -Reducer true -ErrorAction Stop } | Should -Throw -ErrorId 'AggregationJobRunning,SwarmPS.Cmdlets.InvokeSwarmAggregationCommand'
        }
        finally {
            Stop-SwarmJob -Id $slow.Key -Confirm:$false | Out-Null
        }

        $plan = New-SwarmTaskSet -Axis @{ n = 5 } | New-SwarmJobPlan -Site pool -Command 'sh', '-c', $script:Write, 'task', $TestDrive
        $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00 | Out-Null
        $failed = try { Invoke-SwarmAggregation -Id $plan.Key -Reducer 'sh', '-c', 'echo "reduce: no module named numpy" >&2; exit 2' -ErrorAction Stop } catch { $_ }
        $failed.FullyQualifiedErrorId | Should -Be 'AggregationReducerFailed,SwarmPS.Cmdlets.InvokeSwarmAggregationCommand'
        $failed.Exception.Message | Should -Match 'exited 2.*\n.*reduce: no module named numpy'

        $silent = try { Invoke-SwarmAggregation -Id $plan.Key -Reducer true -ErrorAction Stop } catch { $_ }
        $silent.FullyQualifiedErrorId | Should -Be 'AggregationSummaryMissing,SwarmPS.Cmdlets.InvokeSwarmAggregationCommand'
    }

    It 'checks only with -CheckOnly, and brings a binary summary home byte for byte to -Destination' {
        $plan = New-SwarmTaskSet -Axis @{ n = 1, 2 } | New-SwarmJobPlan -Site pool -Command 'sh', '-c', $script:Write, 'task', $TestDrive
        $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00 | Out-Null
        $check = Invoke-SwarmAggregation -Id $plan.Key -Reducer 'false' -CheckOnly
        $check.Complete | Should -BeTrue
        $check.Reducer | Should -BeNullOrEmpty

        $target = Join-Path $TestDrive 'home/summary.bin'
        $result = Invoke-SwarmAggregation -Id $plan.Key -Reducer 'sh', '-c', 'printf "\000\001\377\n\r\200" > "$SWARM_SUMMARY"' -Destination $target
        $result.SummaryBytes | Should -Be 6
        [IO.File]::ReadAllBytes($target) | Should -Be @(0, 1, 255, 10, 13, 128)
        [IO.File]::GetUnixFileMode($target) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
    }

    It 'combines a sweep on the real SLURM' {
        $plan = New-SwarmTaskSet -Axis @{ n = 1, 2, 3 } | New-SwarmJobPlan -Site cluster -Command 'sh', '-c', $script:Write, 'task', $TestDrive
        $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:02:00 | Out-Null
        $result = Invoke-SwarmAggregation -Id $plan.Key -Reducer python3, $script:Reducer
        $result.Complete | Should -BeTrue
        (Get-Content -Raw $result.SummaryPath | ConvertFrom-Json).total | Should -Be 6
    }
}
