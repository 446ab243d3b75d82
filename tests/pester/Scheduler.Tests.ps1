#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Acceptance tests for the scheduler cmdlets, on the built-in 'local' site (the local process pool).
# Run from the repository root after building: Invoke-Pester tests/pester/Scheduler.Tests.ps1

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../SwarmPS.psd1') -Force
    $env:XDG_DATA_HOME = Join-Path $TestDrive 'data'
}

Describe 'New-SwarmTaskSet' {
    It 'crosses axes, ranges and seeds' {
        $set = New-SwarmTaskSet -Axis @{ depth = 2, 4 } -Logspace @{ lr = -3, -1, 3 } -Seeds 2
        $set.Count | Should -Be 12
        $set.ParameterNames | Should -Be @('depth', 'lr', 'seed')
    }

    It 'takes an explicit list from the pipeline' {
        $set = @(@{ model = 'a' }, @{ model = 'b' }) | New-SwarmTaskSet -Seeds 3
        $set.Count | Should -Be 6
    }

    It 'refuses <Case> with <ErrorId>' -TestCases @(
        @{ Case = 'nothing'; Arguments = @{}; ErrorId = 'TaskSetEmpty' }
        @{ Case = 'a product over 10 million'; Arguments = @{ Linspace = [ordered]@{ a = 0, 1, 10000; b = 0, 1, 10000 } }; ErrorId = 'TaskSetTooLarge' }
        @{ Case = 'a duplicate axis name'; Arguments = @{ Axis = @{ lr = 1 }; Linspace = @{ LR = 0, 1, 2 } }; ErrorId = 'TaskParameterDuplicate' }
        @{ Case = 'an empty range'; Arguments = @{ Linspace = @{ x = 0, 1, 0 } }; ErrorId = 'TaskRangeEmpty' }
        @{ Case = 'a non-finite range'; Arguments = @{ Linspace = @{ x = 0, [double]::PositiveInfinity, 3 } }; ErrorId = 'TaskRangeInvalid' }
    ) {
        param($Case, $Arguments, $ErrorId)
        { New-SwarmTaskSet @Arguments } | Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.NewSwarmTaskSetCommand"
    }
}

Describe 'New-SwarmJobPlan' {
    It 'splits into arrays and waves and estimates the wall-clock time' {
        $plan = New-SwarmTaskSet -Axis @{ n = 1..25 } |
            New-SwarmJobPlan -Site local -Command 'true' -MaxArraySize 10 -MaxConcurrentJobs 2 -Throttle 5 -TaskDuration 00:01:00
        $plan.ArrayCount | Should -Be 3
        $plan.WaveCount | Should -Be 2
        $plan.EstimatedWallClock | Should -Be ([timespan]'00:03:00')
    }

    It 'refuses an unknown site' {
        { New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site no-such-site -Command 'true' } |
            Should -Throw -ErrorId 'SiteNotFound,SwarmPS.Cmdlets.NewSwarmJobPlanCommand'
    }
}

Describe 'Submit, wait, get, resume and stop on the local pool' {
    BeforeEach {
        Push-Location $TestDrive
    }

    AfterEach {
        Pop-Location
    }

    It '-WhatIf prints the commands and submits nothing' {
        $plan = New-SwarmTaskSet -Seeds 3 | New-SwarmJobPlan -Site local -Command 'true'
        $plan | Submit-SwarmJob -WhatIf
        Test-Path (Join-Path $TestDrive ".swarm/jobs/$($plan.Key).json") | Should -BeFalse
    }

    It 'records a failing task with its exit code, then resumes only it' {
        $flag = Join-Path $TestDrive 'fail-1'
        Set-Content $flag ''
        $plan = New-SwarmTaskSet -Axis @{ n = 0, 1, 2 } |
            New-SwarmJobPlan -Site local -Command 'bash', '-c', 'if [ -e "$1/fail-$SWARM_KW_N" ]; then exit 7; fi', 'task', $TestDrive

        $job = $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:02:00
        $job.State | Should -Be 'Failed'
        $job.Tasks.Task | Should -Be 1
        $job.Tasks.ExitCode | Should -Be 7

        { $plan | Submit-SwarmJob } | Should -Throw -ErrorId 'JobAlreadySubmitted,SwarmPS.Cmdlets.SubmitSwarmJobCommand'

        Remove-Item $flag
        $again = $plan | Submit-SwarmJob -Resume | Wait-SwarmJob -PollInterval 5 -Timeout 00:02:00
        $again.State | Should -Be 'Succeeded'
        $again.Attempts | Should -Be 2
        (Get-SwarmJob -Id $plan.Key -Task 1).State | Should -Be 'Succeeded'
    }

    It 'stops a running job from the pipeline' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site local -Command 'sleep', '300' -Throttle 1
        $null = $plan | Submit-SwarmJob
        $stopped = Get-SwarmJob -Id $plan.Key | Stop-SwarmJob -Confirm:$false
        $final = Wait-SwarmJob -Id $stopped.Id -PollInterval 5 -Timeout 00:01:00
        $final.Succeeded | Should -Be 0
        ($final.Cancelled + $final.Failed) | Should -Be 2
    }

    It 'Wait-SwarmJob refuses a poll interval below 5 seconds' {
        { Wait-SwarmJob -Id 'x' -PollInterval 1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SwarmPS.Cmdlets.WaitSwarmJobCommand'
    }

    It 'Get-SwarmJob names an unknown job' {
        { Get-SwarmJob -Id 'feedfacefeedface' } | Should -Throw -ErrorId 'JobNotFound,SwarmPS.Cmdlets.GetSwarmJobCommand'
    }
}
