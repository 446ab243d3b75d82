# Watch-SwarmJob on the real schedulers on loopback (tests/infra/start-slurm.sh, start-sge.sh; .ci/run starts
# them, and BeforeAll starts them too when they are not up, as the scripts are idempotent): each failed task is
# classified from the scheduler's own data, resubmitted with more walltime or memory where that mends it, and
# every decision is reported. SLURM here runs without cgroups (task/none), so it cannot enforce memory: its
# out-of-memory class is tested against recorded sacct words in the engine tests (FailureClassifierTests).
# Grid Engine enforces h_vmem as an address-space limit, so the out-of-memory path runs for real on it (the task
# allocates a second apart, so execd's sampled maxvmem sees its peak).
# Slow by nature: SLURM kills at its one-minute walltime granularity (about 90 s here), once.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $slurm = bash (Join-Path $RepoRoot 'tests/infra/start-slurm.sh') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-slurm.sh failed: $slurm" }
    $sge = bash (Join-Path $RepoRoot 'tests/infra/start-sge.sh') 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tests/infra/start-sge.sh failed: $sge" }

    $script:Saved = Save-Environment 'SWARMPS_SITE_PATH', 'SGE_ROOT', 'SGE_CELL', 'SGE_ARCH', 'SGE_QMASTER_PORT', 'SGE_EXECD_PORT', 'PATH'
    # The script prints ". <cell>/common/settings.sh": its variables (and qsub's directory on PATH) for this process.
    $settings = ($sge | Where-Object { "$_".StartsWith('. ') } | Select-Object -Last 1).Substring(2).Trim()
    foreach ($line in Get-Content $settings) {
        foreach ($assignment in ($line -split ';' | ForEach-Object Trim)) {
            if ($assignment -match '^(SGE_[A-Z_]+)=(.+)$') { Set-Item "Env:$($Matches[1])" $Matches[2] }
        }
    }

    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    Set-Content -Path (Join-Path $sites 'cluster.yaml') -Value "scheduler: slurm`nrun_root: $(Join-Path $TestDrive 'cluster/runs')`nlimits:`n  max_walltime: 2h`n"
    Set-Content -Path (Join-Path $sites 'grid.yaml') -Value "scheduler: sge`nrun_root: $(Join-Path $TestDrive 'grid/runs')`n"
    $env:SWARMPS_SITE_PATH = $sites.FullName
    Push-Location $TestDrive

    # One command for every sweep: its task's parameters (SWARM_KW_MODE, SWARM_KW_SECONDS) say how it ends.
    $script:Command = @('bash', '-c', @'
case "$SWARM_KW_MODE" in
  slow)   sleep "$SWARM_KW_SECONDS" ;;
  memory) python3 -c 'import time
x = []
for _ in range(6): x.append(bytearray(50 * 1024 * 1024)); time.sleep(1)' ;;
  fail)   echo "bad input" >&2; exit 3 ;;
esac
'@)

    function Invoke-Watch($Plan, [int] $MaxAttempts = 3, [string] $Timeout = '00:08:00') {
        $jobs = $Plan | Watch-SwarmJob -MaxAttempts $MaxAttempts -PollInterval 5 -Timeout $Timeout -InformationVariable info -WarningVariable warned -WarningAction SilentlyContinue
        [pscustomobject]@{
            Job       = @($jobs)
            Decisions = @($info | ForEach-Object MessageData | Where-Object { $null -ne $_ -and $_.PSTypeNames[0] -eq 'SwarmPS.Engine.Scheduler.WatchDecision' })
            Warnings  = @($warned)
        }
    }
}

AfterAll {
    Pop-Location
    Restore-Environment $script:Saved
}

Describe 'Watch-SwarmJob on SLURM' {
    BeforeAll {
        # SLURM checks time limits every 30 s or so: a one-minute walltime kills between 60 and about 95 s, so the
        # sleeper sleeps 105 s, within the two minutes it is given next.
        $plan = New-SwarmTaskSet -Axis @{ mode = 'slow', 'fail'; seconds = 105 } | New-SwarmJobPlan -Site cluster -Command $script:Command -Walltime 00:01:00
        $plan | Submit-SwarmJob -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $script:SlurmPlan = $plan
        $script:Slurm = Invoke-Watch $plan
    }

    It 'classifies the task past its walltime as Walltime and resubmits it with twice the walltime' {
        $decision = @($script:Slurm.Decisions | Where-Object Failure -EQ 'Walltime')
        $decision.Count | Should -Be 1
        $decision[0].Action | Should -Be 'Resubmitted'
        $decision[0].Attempt | Should -Be 1
        $decision[0].OldWalltime | Should -Be ([TimeSpan]::FromMinutes(1))
        $decision[0].NewWalltime | Should -Be ([TimeSpan]::FromMinutes(2))
        $decision[0].NewAttempt | Should -Be 2
        $decision[0].NewResources | Should -Match 'walltime 00:02:00'
    }

    It 'does not resubmit the task that failed on its own, and names its stderr.log' {
        $decision = @($script:Slurm.Decisions | Where-Object Failure -EQ 'NonZeroExit')
        $decision.Count | Should -Be 1
        $decision[0].Action | Should -Be 'NotResubmitted'
        Get-Content $decision[0].StandardErrorLog | Should -Be 'bad input'
        $script:Slurm.Decisions.Count | Should -Be 2 -Because 'one decision per failed task, each once'
    }

    It 'returns the job once the resubmitted task has succeeded' {
        $job = $script:Slurm.Job
        $job.Count | Should -Be 1
        $job[0].Succeeded | Should -Be 1
        $job[0].Failed | Should -Be 1
        $job[0].Attempts | Should -Be 2
        $script:Slurm.Warnings -join "`n" | Should -Match 'task 1 \(exit code 3\)'
    }

    It 'shows the class of the failed task in Get-SwarmJob''s task view' {
        $task = Get-SwarmJob -Id $script:SlurmPlan.Key | Select-Object -ExpandProperty Tasks
        @($task).Count | Should -Be 1
        $task.Failure | Should -Be 'NonZeroExit'
        ($task | Format-Table | Out-String) | Should -Match 'NonZeroExit'
        $walltimeTask = Get-SwarmJob -Id $script:SlurmPlan.Key -Task 0, 1 | Where-Object State -NE 'Failed'
        $walltimeTask.Attempt | Should -Be 2
        $walltimeTask.State | Should -Be 'Succeeded'
    }
}

Describe 'Watch-SwarmJob on Grid Engine' {
    BeforeAll {
        # h_rt of 8 s kills the 11 s sleeper; h_vmem of 250M (the plan's memory) fails the 300 MB allocation (6 s).
        $plan = New-SwarmTaskSet -Axis @{ mode = 'slow', 'memory'; seconds = 11 } | New-SwarmJobPlan -Site grid -Command $script:Command -Walltime 00:00:08
        $plan.Memory = 250MB
        $plan | Submit-SwarmJob -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $script:GridPlan = $plan
        $script:Grid = Invoke-Watch $plan
    }

    It 'classifies the h_rt kill as Walltime and the h_vmem failure as OutOfMemory, from qacct' {
        ($script:Grid.Decisions | ForEach-Object { "$($_.Failure)" } | Sort-Object) -join ',' | Should -Be 'OutOfMemory,Walltime'
        $script:Grid.Decisions.Action | Sort-Object -Unique | Should -Be 'Resubmitted'
    }

    It 'gives the walltime task twice the walltime and the memory task half as much memory again' {
        $walltime = $script:Grid.Decisions | Where-Object Failure -EQ 'Walltime'
        $walltime.NewWalltime | Should -Be ([TimeSpan]::FromSeconds(16))
        $walltime.NewMemory | Should -Be 250MB
        $memory = $script:Grid.Decisions | Where-Object Failure -EQ 'OutOfMemory'
        $memory.OldMemory | Should -Be 250MB
        $memory.NewMemory | Should -Be 375MB
        $memory.NewWalltime | Should -Be ([TimeSpan]::FromSeconds(8))
        $walltime.NewAttempt | Should -Not -Be $memory.NewAttempt -Because 'each set of resources is its own attempt'
    }

    It 'ends with both tasks succeeded' {
        $script:Grid.Job[0].State | Should -Be 'Succeeded'
        $script:Grid.Job[0].Succeeded | Should -Be 2
        $script:Grid.Job[0].Attempts | Should -Be 3
    }

    It 'respects -MaxAttempts: a walltime failure at the last attempt is given up, and says so' {
        $plan = New-SwarmTaskSet -Axis @{ mode = 'slow'; seconds = 9 } | New-SwarmJobPlan -Site grid -Command $script:Command -Walltime 00:00:05
        $plan | Submit-SwarmJob -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $watched = Invoke-Watch $plan -MaxAttempts 1 -Timeout '00:03:00'
        $watched.Decisions.Count | Should -Be 1
        $watched.Decisions[0].Failure | Should -Be 'Walltime'
        $watched.Decisions[0].Action | Should -Be 'GaveUp'
        $watched.Decisions[0].Message | Should -Match '-MaxAttempts'
        $watched.Job[0].State | Should -Be 'Failed'
        $watched.Job[0].Attempts | Should -Be 1
        (Get-SwarmJob -Id $plan.Key).Tasks[0].Failure | Should -Be 'Walltime'
    }
}

Describe 'Watch-SwarmJob on Grid Engine over ssh' {
    BeforeAll {
        # The same watch on a remote site: user swarmps-remote behind the real sshd on 127.0.0.1
        # (tests/infra/start-remote-user.sh), submitting to the loopback Grid Engine from its own login. Staging,
        # qsub, each poll's qstat/qacct and the resubmission all go through the site's ssh.
        $script:Remote = Start-RemoteUser
        $script:FarRoot = "swarm-watch-pester-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        $sgeRoot = $env:SGE_ROOT
        Set-Content -Path (Join-Path $env:SWARMPS_SITE_PATH 'gridfar.yaml') -Value @"
scheduler: sge
run_root: ~/$($script:FarRoot)
environment:
  SGE_ROOT: $sgeRoot
  SGE_CELL: $env:SGE_CELL
  SGE_QMASTER_PORT: "$env:SGE_QMASTER_PORT"
  SGE_EXECD_PORT: "$env:SGE_EXECD_PORT"
  PATH: $sgeRoot/bin/$($env:SGE_ARCH):/usr/local/bin:/usr/bin:/bin
$($script:Remote.SshYaml)
"@
        $plan = New-SwarmTaskSet -Axis @{ mode = 'slow'; seconds = 9 } | New-SwarmJobPlan -Site gridfar -Command $script:Command -Walltime 00:00:05
        $plan | Submit-SwarmJob -Confirm:$false -WarningAction SilentlyContinue | Out-Null
        $script:FarPlan = $plan
        $script:Far = Invoke-Watch $plan -Timeout '00:04:00'
    }

    AfterAll {
        if ($script:FarRoot) { Invoke-RemoteUser $script:Remote "rm -rf ~/$($script:FarRoot)" | Out-Null }
        Stop-RemoteUser $script:Remote
    }

    It 'classifies the h_rt kill on the remote site as Walltime, from qacct over ssh, and resubmits with twice the walltime' {
        $script:Far.Decisions.Count | Should -Be 1
        $script:Far.Decisions[0].Failure | Should -Be 'Walltime'
        $script:Far.Decisions[0].Action | Should -Be 'Resubmitted'
        $script:Far.Decisions[0].NewWalltime | Should -Be ([TimeSpan]::FromSeconds(10))
    }

    It 'ends with the task succeeded in its second attempt, run as the remote user under its run root' {
        $script:Far.Job[0].State | Should -Be 'Succeeded'
        $script:Far.Job[0].Attempts | Should -Be 2
        $script:Far.Job[0].JobRoot | Should -BeLike "*$($script:FarRoot)/jobs/$($script:FarPlan.Key)"
        $owner = Invoke-RemoteUser $script:Remote "stat -c %U ~/$($script:FarRoot)/jobs/$($script:FarPlan.Key)/a2/tasks.txt"
        $owner | Should -Be $script:Remote.User
    }
}

Describe 'Watch-SwarmJob input' {
    It 'refuses a plan that was never submitted, naming the fix' {
        $plan = New-SwarmTaskSet -Axis @{ mode = 'never' } | New-SwarmJobPlan -Site cluster -Command $script:Command
        { $plan | Watch-SwarmJob -ErrorAction Stop } | Should -Throw -ErrorId 'JobNotFound*'
    }

    It 'refuses -MaxAttempts 0' {
        $plan = New-SwarmTaskSet -Axis @{ mode = 'never' } | New-SwarmJobPlan -Site cluster -Command $script:Command
        { $plan | Watch-SwarmJob -MaxAttempts 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}
