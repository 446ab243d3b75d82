#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# Acceptance tests for the scheduler cmdlets, on the built-in 'local' site (the local process pool).
# Run from the repository root after building: Invoke-Pester tests/pester/Scheduler.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $env:XDG_DATA_HOME = Join-Path $TestDrive 'data'

    # A real git repository set up for the ledger, as an experiment repository is.
    function New-TestRepository([string] $Name) {
        $path = Join-Path $TestDrive $Name
        $null = New-Item -ItemType Directory $path -Force
        git -C $path init --quiet
        $null = Initialize-SwarmRepository -Path $path -MachineLabel 'pester'
        $path
    }

    # Polls (without Wait-SwarmJob) until a task of the job runs, so a test stops a job that really started.
    function Wait-TaskRunning([string] $Id) {
        foreach ($i in 1..100) {
            if ((Get-SwarmJob -Id $Id).Running -gt 0) { return }
            Start-Sleep -Milliseconds 200
        }
        throw "no task of job $Id started within 20 s"
    }

    # Processes this pwsh started and still has (the module's probes and shells run as children).
    function Get-ChildProcess {
        @(Get-Process | Where-Object { $_.Parent -and $_.Parent.Id -eq $PID })
    }
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

    It 'reads keys and values that come wrapped from the pipeline as the plain values they hold' {
        # Write-Output wraps what it emits in PSObject; the set must not see the wrapper.
        $wrapped = New-SwarmTaskSet -Axis @{ (Write-Output 'lr') = (Write-Output 0.1 0.2) } -Seeds 1
        $plain = New-SwarmTaskSet -Axis @{ lr = 0.1, 0.2 } -Seeds 1
        $wrapped.ParameterNames | Should -Be @('lr', 'seed')
        $wrapped.GetValue(1, 0) | Should -Be '0.2'
        $wrapped.Fingerprint | Should -Be $plain.Fingerprint
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
            New-SwarmJobPlan -Site local -Command 'true' -MaxArraySize 10 -MaxConcurrentJobs 20 -Throttle 5 -TaskDuration 00:01:00
        $plan.ArrayCount | Should -Be 3
        $plan.WaveCount | Should -Be 2
        $plan.EstimatedWallClock | Should -Be ([timespan]'00:03:00')
    }

    It 'takes the array limit from -MaxArraySize, else from the local pool''s default (it has no scheduler to ask)' {
        $given = New-SwarmTaskSet -Seeds 3 | New-SwarmJobPlan -Site local -Command 'true' -MaxArraySize 2
        $default = New-SwarmTaskSet -Seeds 3 | New-SwarmJobPlan -Site local -Command 'true'
        "$($given.MaxArraySizeSource) $($given.MaxArraySize) $($given.ArrayCount)" | Should -Be '-MaxArraySize 2 2'
        "$($default.MaxArraySizeSource) $($default.MaxArraySize) $($default.ArrayCount)" | Should -Be "default $([int]::MaxValue) 1"
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

    It 'shows, filters, sorts and serialises a job''s State by its word' {
        # State is an enum; operators compare and sort it as the word it was when it was a string.
        $failed = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site local -Command 'sh', '-c', 'exit 3'
        $succeeded = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site local -Command 'sh', '-c', 'exit 0'
        $jobs = foreach ($plan in $succeeded, $failed) {
            $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00 3>$null
        }

        "$($jobs.State)" | Should -Be 'Succeeded Failed'
        @($jobs | Where-Object State -EQ 'Failed').Id | Should -Be $failed.Key
        @($jobs | Where-Object State -In 'Queued', 'Succeeded').Id | Should -Be $succeeded.Key
        @($jobs | Sort-Object State).Id | Should -Be @($failed.Key, $succeeded.Key)
        ($jobs[1] | Format-Table | Out-String -Width 200) | Should -Match "$($failed.Key)\s+local\s+Failed\s"
        ($jobs[1] | Select-Object Id, State | ConvertTo-Json -EnumsAsStrings | ConvertFrom-Json).State | Should -Be 'Failed'
    }

    It 'stops a running job from the pipeline' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site local -Command 'sleep', '300' -Throttle 1
        $null = $plan | Submit-SwarmJob
        $stopped = Get-SwarmJob -Id $plan.Key | Stop-SwarmJob -Confirm:$false
        $final = Wait-SwarmJob -Id $stopped.Id -PollInterval 5 -Timeout 00:01:00
        $final.Succeeded | Should -Be 0
        $final.State | Should -Be 'Cancelled'
        $final.Cancelled | Should -Be 2
    }

    It 'keeps a job''s record and files owner-only, and its task does not see the session''s exchange token' {
        $saved = $env:SWARM_EXCHANGE_TOKEN
        $env:SWARM_EXCHANGE_TOKEN = 'pester-session-token'
        try {
            $plan = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site local -Command 'sh', '-c', 'env; echo made > output.txt'
            $job = $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
        }
        finally {
            $env:SWARM_EXCHANGE_TOKEN = $saved
        }
        $job.State | Should -Be 'Succeeded'
        $record = Join-Path $TestDrive ".swarm/jobs/$($plan.Key).json"
        $jobRoot = (Get-Content -Raw $record | ConvertFrom-Json).jobRoot
        $stdout = Get-Content -Raw (Join-Path $jobRoot 'results/0/stdout.log')
        $stdout | Should -Match 'SWARM_TASK_INDEX=0'
        $stdout | Should -Not -Match 'pester-session-token'

        # A login node is shared: folders 0700, scripts 0700, everything else 0600.
        $entries = @((Get-Item (Join-Path $TestDrive '.swarm/jobs')), (Get-Item $record), (Get-Item $jobRoot)) + @(Get-ChildItem $jobRoot -Recurse -Force)
        @($entries | Where-Object Name -EQ 'output.txt').Count | Should -Be 1
        foreach ($entry in $entries) {
            $expected = if ($entry.PSIsContainer -or $entry.Name -like '*.sh') { 'rwx------' } else { 'rw-------' }
            "$($entry.FullName) $($entry.UnixMode.Substring(1))" | Should -Be "$($entry.FullName) $expected"
        }
    }

    It 'Wait-SwarmJob refuses a poll interval below 5 seconds' {
        { Wait-SwarmJob -Id 'x' -PollInterval 1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,SwarmPS.Cmdlets.WaitSwarmJobCommand'
    }

    It 'Get-SwarmJob names an unknown job' {
        { Get-SwarmJob -Id 'feedfacefeedface' } | Should -Throw -ErrorId 'JobNotFound,SwarmPS.Cmdlets.GetSwarmJobCommand'
    }
}

Describe 'Stop-SwarmJob in an experiment repository' {
    BeforeEach {
        $repo = New-TestRepository "stop-$([guid]::NewGuid().ToString('N').Substring(0, 8))"
        Push-Location $repo
    }

    AfterEach {
        Pop-Location
    }

    It 'reads Cancelled with a cancelled count, and every cancelled task is a stopped run in the ledger' {
        $plan = New-SwarmTaskSet -Seeds 3 | New-SwarmJobPlan -Site local -Command 'sleep', '300' -Throttle 1
        $null = $plan | Submit-SwarmJob
        Wait-TaskRunning $plan.Key
        @(Get-SwarmRun).Status | Sort-Object | Should -Be @('Queued', 'Queued', 'Running')

        $stopped = Stop-SwarmJob -Id $plan.Key -Confirm:$false -WarningVariable notes

        $notes | Should -BeNullOrEmpty
        $stopped.State | Should -Be 'Cancelled'
        $stopped.Cancelled | Should -Be 3
        $stopped.Failed | Should -Be 0
        $table = $stopped | Format-Table | Out-String -Width 200
        $table | Should -Match 'Failed\s+Cancelled'
        $table | Should -Match "$($plan.Key)\s+local\s+Cancelled\s+3\s+0\s+0\s+0\s+0\s+3"
        $runs = @(Get-SwarmRun)
        $runs.Status | Sort-Object -Unique | Should -Be 'Stopped'
        foreach ($run in $runs) {
            Join-Path $repo ".swarm/ledger/$($run.Id).json" | Should -Exist
        }
        (Get-SwarmJob -Id $plan.Key).State | Should -Be 'Cancelled'
    }

    It '-WhatIf cancels nothing and leaves the runs as they are' {
        $plan = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site local -Command 'sleep', '300'
        $null = $plan | Submit-SwarmJob
        Wait-TaskRunning $plan.Key

        Stop-SwarmJob -Id $plan.Key -WhatIf | Should -BeNullOrEmpty

        (Get-SwarmJob -Id $plan.Key).State | Should -Be 'Running'
        (Get-SwarmRun).Status | Should -Be 'Running'
        (Stop-SwarmJob -Id $plan.Key -Confirm:$false).State | Should -Be 'Cancelled'
        (Get-SwarmRun).Status | Should -Be 'Stopped'
    }
}

Describe 'Relative paths in a sweep''s command' {
    BeforeAll {
        $repo = New-TestRepository 'paths'
        Set-Content (Join-Path $repo 'train.py') 'import os, sys; print("lr", os.environ["SWARM_KW_LR"], "in", os.getcwd())'
        $null = New-Item -ItemType Directory (Join-Path $repo 'conf') -Force
        Set-Content (Join-Path $repo 'conf/a.txt') 'from conf'
    }

    BeforeEach {
        Push-Location $repo
    }

    AfterEach {
        Pop-Location
    }

    It 'runs python3 train.py from the submitting directory although each task runs in results/N/' {
        $plan = New-SwarmTaskSet -Axis @{ lr = '0.1', '0.2' } | New-SwarmJobPlan -Site local -Command python3, train.py
        $plan.RunCommand | Should -Be @('python3', (Join-Path $repo 'train.py'))

        $job = $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00

        $job.State | Should -Be 'Succeeded'
        Get-Content (Join-Path $job.JobRoot 'results/1/stdout.log') | Should -Be "lr 0.2 in $($job.JobRoot)/results/1"
        # The ledger's statepoint keeps the command as the operator wrote it, without this clone's path.
        (Get-SwarmRun)[0].Statepoint | Should -Match '"command":\["python3","train.py"\]'
    }

    It 'refuses <Program> at plan time with TaskProgramNotFound naming <Hint>' -TestCases @(
        @{ Program = './missing.sh'; Hint = 'submitting directory' }
        @{ Program = 'no-such-program-swarmps'; Hint = 'submitting directory' }
        @{ Program = 'train.py'; Hint = 'write ./train.py' }
    ) {
        param($Program, $Hint)
        $failure = $null
        try { New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site local -Command $Program, 'x' } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -Be 'TaskProgramNotFound,SwarmPS.Cmdlets.NewSwarmJobPlanCommand'
        $failure.ErrorDetails.RecommendedAction | Should -BeLike "*$Hint*"
        $failure.ErrorDetails.RecommendedAction | Should -BeLike "*$repo*"
    }

    It 'points a failed task at its stderr.log, in the task status and in the Wait-SwarmJob warning' {
        $plan = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site local -Command python3, missing.py
        $job = $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00 -WarningVariable warned 3>$null

        $job.State | Should -Be 'Failed'
        $log = Join-Path $job.JobRoot 'results/0/stderr.log'
        $job.Tasks[0].StandardErrorLog | Should -Be $log
        Get-Content $log -Raw | Should -Match 'missing\.py'
        @($warned).Count | Should -Be 1
        "$warned" | Should -BeLike "*task 0 (exit code 2): see $log*"
    }
}

Describe 'Two repositories submitting the same sweep to one site' {
    It 'get two jobs, and neither overwrites the other''s record or task status' {
        $repos = 'clone-a', 'clone-b' | ForEach-Object { New-TestRepository $_ }
        $jobs = foreach ($repo in $repos) {
            Push-Location $repo
            try {
                New-SwarmTaskSet -Seeds 2 |
                    New-SwarmJobPlan -Site local -Command bash, -c, 'echo "$SWARM_JOB_ROOT" > owner.txt' |
                    Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
            }
            finally {
                Pop-Location
            }
        }

        $jobs.State | Should -Be @('Succeeded', 'Succeeded')
        $jobs[0].Id | Should -Not -Be $jobs[1].Id
        $jobs[0].JobRoot | Should -Not -Be $jobs[1].JobRoot
        foreach ($i in 0, 1) {
            $onSite = Get-Content (Join-Path $jobs[$i].JobRoot 'record.json') -Raw | ConvertFrom-Json
            $onSite.repository | Should -Be $repos[$i]
            Get-Content (Join-Path $jobs[$i].JobRoot 'results/1/owner.txt') | Should -Be $jobs[$i].JobRoot
            Push-Location $repos[$i]
            try {
                (Get-SwarmJob).Id | Should -Be $jobs[$i].Id
                (Get-SwarmJob).State | Should -Be 'Succeeded'
            }
            finally {
                Pop-Location
            }
        }
    }
}

Describe 'The job cmdlets on a PowerShell drive' {
    BeforeAll {
        $script:DriveRepo = New-TestRepository 'on-a-drive'
        $null = New-PSDrive -Name SwarmJobs -PSProvider FileSystem -Root $DriveRepo
    }

    AfterAll {
        Remove-PSDrive -Name SwarmJobs
    }

    It 'submit, wait, get and stop from <Location> use the repository the drive maps to' -TestCases @(
        @{ Location = 'a New-PSDrive'; Path = 'SwarmJobs:\'; Seeds = 2 }
        @{ Location = 'TestDrive:'; Path = 'TestDrive:\on-a-drive'; Seeds = 3 }
    ) {
        param($Location, $Path, $Seeds)
        Push-Location $Path
        try {
            $plan = New-SwarmTaskSet -Seeds $Seeds | New-SwarmJobPlan -Site local -Command 'true'
            $job = $plan | Submit-SwarmJob | Wait-SwarmJob -PollInterval 5 -Timeout 00:01:00
            $job.State | Should -Be 'Succeeded'
            Join-Path $DriveRepo ".swarm/jobs/$($plan.Key).json" | Should -Exist
            (Get-SwarmJob -Id $plan.Key).State | Should -Be 'Succeeded'
            (Get-SwarmJob).Id | Should -Contain $plan.Key
            Stop-SwarmJob -Id $plan.Key -WhatIf
            # Every task is a run of the repository's run store: the recorder found it from the drive too.
            @(Get-SwarmRun -Status complete).Count | Should -BeGreaterOrEqual $Seeds
        }
        finally {
            Pop-Location
        }
    }

    It '-Repository names the repository by a drive path, from outside it' {
        Push-Location SwarmJobs:\
        try {
            $plan = New-SwarmTaskSet -Seeds 1 | New-SwarmJobPlan -Site local -Command 'true'
        }
        finally {
            Pop-Location
        }

        $outside = Join-Path $TestDrive 'not-a-repository'
        $null = New-Item -ItemType Directory $outside -Force
        Push-Location $outside
        try {
            $job = $plan | Submit-SwarmJob -Repository SwarmJobs:\ | Wait-SwarmJob -Repository SwarmJobs:\ -PollInterval 5 -Timeout 00:01:00
            $job.State | Should -Be 'Succeeded'
            (Get-SwarmJob -Repository SwarmJobs:\ -Id $plan.Key).State | Should -Be 'Succeeded'
            Join-Path $DriveRepo ".swarm/jobs/$($plan.Key).json" | Should -Exist
            Join-Path $outside '.swarm' | Should -Not -Exist
            { Get-SwarmJob -Id $plan.Key -ErrorAction Stop } | Should -Throw -ErrorId 'JobNotFound,SwarmPS.Cmdlets.GetSwarmJobCommand'
        }
        finally {
            Pop-Location
        }
    }
}

Describe 'Wait-SwarmJob in a runspace' {
    BeforeAll {
        $repo = New-TestRepository 'wait'
        # A runspace of this process with the module imported, in the repository; the caller adds the command.
        function New-WaitRunspace([string] $Script) {
            $ps = [powershell]::Create()
            $null = $ps.AddScript("Import-Module '$ModuleManifest'; Set-Location '$repo'; $Script")
            $ps
        }
    }

    BeforeEach {
        Push-Location $repo
    }

    AfterEach {
        Pop-Location
    }

    It 'stops within 2 s on Stop() (Ctrl+C), leaves no child process or locked store, and the tasks keep running until Stop-SwarmJob' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site local -Command 'sleep', '300'
        $null = $plan | Submit-SwarmJob
        Wait-TaskRunning $plan.Key
        $ps = New-WaitRunspace "Wait-SwarmJob -Id $($plan.Key) -PollInterval 5"
        try {
            $handle = $ps.BeginInvoke()
            # Let it poll at least once, so it is waiting between polls or inside one when stopped.
            foreach ($i in 1..200) { if ($ps.Streams.Progress.Count -gt 0) { break }; Start-Sleep -Milliseconds 100 }
            $ps.Streams.Progress.Count | Should -BeGreaterThan 0

            $clock = [Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $clock.Stop()

            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $handle.IsCompleted | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
        }

        Get-ChildProcess | Should -BeNullOrEmpty
        Get-ChildItem (Join-Path $repo '.swarm/jobs') -Filter '*.tmp' | Should -BeNullOrEmpty
        # The run store is free: a poll right away updates it with no warning; the tasks still run (documented).
        $job = Get-SwarmJob -Id $plan.Key -WarningVariable notes
        $notes | Should -BeNullOrEmpty
        $job.Running | Should -Be 2
        (Stop-SwarmJob -Id $plan.Key -Confirm:$false).State | Should -Be 'Cancelled'
    }

    It 'writes progress under one activity id while it waits, and a Completed record for every bar at the end' {
        $plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site local -Command 'sleep', '2'
        $null = $plan | Submit-SwarmJob
        $ps = New-WaitRunspace "Wait-SwarmJob -Id $($plan.Key) -PollInterval 5"
        try {
            $job = $ps.Invoke()
            $progress = @($ps.Streams.Progress)
        }
        finally {
            $ps.Dispose()
        }

        $job.State | Should -Be 'Succeeded'
        $parent = @($progress | Where-Object ActivityId -EQ 5100)
        $parent.Count | Should -BeGreaterThan 1
        $parent[0].RecordType | Should -Be 'Processing'
        $parent[0].StatusDescription | Should -Match '^\d+ of 2 tasks ended$'
        $parent[-1].RecordType | Should -Be 'Completed'
        $progress[-1].ActivityId | Should -Be 5100
        # Every other bar is a child of that one activity (a wave) and is closed too.
        $children = $progress | Where-Object ActivityId -NE 5100
        $children | ForEach-Object { $_.ParentActivityId | Should -Be 5100 }
        foreach ($group in $children | Group-Object ActivityId) {
            $group.Group[-1].RecordType | Should -Be 'Completed'
        }
    }
}
