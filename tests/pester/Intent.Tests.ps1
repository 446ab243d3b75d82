# Acceptance tests of campaign memory (Save-SwarmIntent, Find-SwarmIntent) in real pwsh: three campaigns saved
# in a real git repository, their runs recorded and promoted to its ledger with the ledger cmdlets, recalled
# most recent first and rolled up. Needs git on PATH. Run from the repository root after building:
#   Invoke-Pester ./tests/pester/Intent.Tests.ps1
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Saved = Save-Environment 'XDG_CONFIG_HOME'

    $script:Repo = Join-Path $TestDrive 'experiment'
    New-Item -ItemType Directory $Repo | Out-Null
    git -C $Repo init --quiet
    Initialize-SwarmRepository -Path $Repo -MachineLabel cluster -WarningAction SilentlyContinue | Out-Null
    $script:Sweeps = Join-Path $Repo 'sweeps'

    # One finished (or failed) run of a task, recorded as Submit-SwarmJob records it: {command, parameters}.
    function Complete-Task([string[]] $Command, $Parameters, [string] $Status = 'complete') {
        $values = @{}
        foreach ($pair in $Parameters.GetEnumerator()) { $values[$pair.Key] = $pair.Value }
        $run = New-SwarmRun -Statepoint @{ command = $Command; parameters = $values } -Repository $Repo
        Set-SwarmRunStatus -Id $run.Id -Status running -Repository $Repo -Confirm:$false | Out-Null
        Start-Sleep -Milliseconds 30
        Set-SwarmRunStatus -Id $run.Id -Status $Status -Repository $Repo -Confirm:$false | Out-Null
        $run.Id
    }

    # Three campaigns, saved one after another: lr-a (4 tasks, train), lr-b (12 tasks, train, no runs), eval-c (30 tasks, eval).
    $script:TasksA = New-SwarmTaskSet -Axis @{ lr = 0.1, 0.01 } -Seeds 2
    $script:A = $TasksA | Save-SwarmIntent lr-a -Goal 'a first lr sweep' -TaskKind train -Command python3, train.py `
        -Budget '10 core-hours' -AbortWhen 'loss is NaN' -Site local -Path $Sweeps -Confirm:$false
    Start-Sleep -Milliseconds 20
    $script:B = New-SwarmTaskSet -Axis @{ lr = 0.001, 0.5, 0.2 } -Seeds 4 -SeedStart 10 |
        Save-SwarmIntent lr-b -Goal 'a wider lr sweep' -TaskKind train -Command python3, train.py -Path $Sweeps -Confirm:$false
    Start-Sleep -Milliseconds 20
    $script:TasksC = New-SwarmTaskSet -Axis @{ model = 'small', 'large' } -Seeds 15
    $script:C = $TasksC | Save-SwarmIntent eval-c -Goal 'evaluate both models' -TaskKind eval -Generator evals.ps1 `
        -Command python3, eval.py -Path (Join-Path $Sweeps 'evals') -Confirm:$false

    # lr-a: its four tasks complete (train.py as Submit-SwarmJob resolves it: an absolute path, ./train.py in the ledger).
    $script:RunsA = foreach ($i in 0..3) { Complete-Task 'python3', (Join-Path $Repo 'train.py') $TasksA.GetTask($i) }
    # eval-c: two tasks complete, one fails (not a finished run).
    $script:RunsC = foreach ($i in 0, 29) { Complete-Task 'python3', 'eval.py' $TasksC.GetTask($i) }
    Complete-Task 'python3', 'eval.py' $TasksC.GetTask(5) failed | Out-Null
    # Neither campaign's: another program with lr-a's parameters, and lr-a's program with parameters none of its tasks has.
    Complete-Task 'python3', 'other.py' $TasksA.GetTask(0) | Out-Null
    Complete-Task 'python3', 'train.py' @{ lr = '0.3'; seed = '0' } | Out-Null

    # Nearest rank, as the rollup documents it: the value at rank ceil(p·n/100) of the sorted values.
    function Get-NearestRank([double[]] $Values, [int] $Percent) {
        $sorted = @($Values | Sort-Object)
        $sorted[[Math]::Max(1, [Math]::Ceiling($Percent * $sorted.Count / 100)) - 1]
    }
}

AfterAll {
    Restore-Environment $script:Saved
}

Describe 'Save-SwarmIntent' {
    It 'writes the named .intent.json file next to the task set, readable by others and writable only by its owner' {
        $A.Path | Should -Be (Join-Path $Sweeps 'lr-a.intent.json')
        $A.Path | Should -Exist
        $A.TaskCount | Should -Be 4
        $A.TaskSetFingerprint | Should -Be $TasksA.Fingerprint
        $A.Command | Should -Be @('python3', 'train.py')
        "$($A.Budget)" | Should -Be '10 core-hours'
        $A.Provenance.User | Should -Be ([Environment]::UserName)
        $A.Provenance.GitCommit | Should -BeNullOrEmpty -Because 'the repository has no commit yet'
        $mode = (Get-Item $A.Path).UnixFileMode
        ($mode -band [IO.UnixFileMode]::OtherWrite) | Should -Be 0
        ($mode -band [IO.UnixFileMode]::GroupWrite) | Should -Be 0
        $json = Get-Content $A.Path -Raw | ConvertFrom-Json
        $json.schema_version | Should -Be 1
        $json.generator.axes.name | Should -Be @('lr', 'seed')
    }

    It 'refuses to replace a saved intent without -Force' {
        $before = Get-Content $A.Path -Raw
        { $TasksA | Save-SwarmIntent lr-a -Goal 'again' -Path $Sweeps -Confirm:$false } |
            Should -Throw -ErrorId 'IntentExists,SwarmPS.Cmdlets.SaveSwarmIntentCommand'
        Get-Content $A.Path -Raw | Should -Be $before
    }

    It 'writes nothing with -WhatIf' {
        $TasksA | Save-SwarmIntent what-if -Goal 'g' -Path $TestDrive -WhatIf | Should -BeNullOrEmpty
        Join-Path $TestDrive 'what-if.intent.json' | Should -Not -Exist
    }

    It 'refuses <Case>' -TestCases @(
        @{ Case = 'a budget without a unit'; Arguments = @{ Name = 'x'; Goal = 'g'; Budget = '500' }; ErrorId = 'IntentBudgetInvalid' }
        @{ Case = 'a name with a slash'; Arguments = @{ Name = '../x'; Goal = 'g' }; ErrorId = 'IntentNameInvalid' }
        @{ Case = 'an empty goal'; Arguments = @{ Name = 'x'; Goal = ' ' }; ErrorId = 'IntentGoalMissing' }
    ) {
        param($Arguments, $ErrorId)
        { $TasksA | Save-SwarmIntent @Arguments -Path $TestDrive -Confirm:$false } |
            Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.SaveSwarmIntentCommand"
    }
}

Describe 'Find-SwarmIntent' {
    It 'returns the three campaigns most recent first' {
        $found = @(Find-SwarmIntent -Root $Sweeps)
        $found.Name | Should -Be @('eval-c', 'lr-b', 'lr-a')
        $found[0].PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Intents.CampaignIntent'
    }

    It 'rolls the three campaigns up to the exact counts, quantiles and ranges' {
        $rollup = Find-SwarmIntent -Root $Sweeps -Rollup
        $rollup.Campaigns | Should -Be 3
        $rollup.TaskKinds['train'] | Should -Be 2
        $rollup.TaskKinds['eval'] | Should -Be 1
        $rollup.TotalTasks | Should -Be 46
        $rollup.TaskCounts.P50 | Should -Be 12
        $rollup.TaskCounts.P90 | Should -Be 30
        $rollup.TaskCounts.Max | Should -Be 30
        ($rollup.TaskCountHistogram | ForEach-Object { "$($_.Range)=$($_.Count)" }) -join ' ' | Should -Be '[1, 10)=1 [10, 100)=2'

        # Walltimes: the six finished runs of lr-a and eval-c, as the ledger holds them; nothing of lr-b, the failed
        # run, or the two runs of neither campaign.
        $rollup.Runs | Should -Be 6
        $rollup.CampaignsWithRuns | Should -Be 2
        $walls = @(Get-SwarmLedger -Id ($RunsA + $RunsC) -Repository $Repo | ForEach-Object WallSeconds)
        $walls.Count | Should -Be 6
        $rollup.WallSeconds.Count | Should -Be 6
        $rollup.WallSeconds.Min | Should -Be ($walls | Measure-Object -Minimum).Minimum
        $rollup.WallSeconds.P50 | Should -Be (Get-NearestRank $walls 50)
        $rollup.WallSeconds.P90 | Should -Be (Get-NearestRank $walls 90)
        $rollup.WallSeconds.Max | Should -Be ($walls | Measure-Object -Maximum).Maximum
        ($rollup.WallSecondsHistogram | Measure-Object Count -Sum).Sum | Should -Be 6

        $ranges = $rollup.Parameters | ForEach-Object {
            if ($_.Numeric) { '{0}/{1}: {2}..{3} ({4} values)' -f $_.Generator, $_.Parameter, $_.Min, $_.Max, $_.DistinctValues }
            else { '{0}/{1}: {2}' -f $_.Generator, $_.Parameter, ($_.Values -join ',') }
        }
        $ranges | Should -Be @(
            'New-SwarmTaskSet/lr: 0.001..0.5 (5 values)'
            'New-SwarmTaskSet/seed: 0..13 (6 values)'
            'evals.ps1/model: large,small'
            'evals.ps1/seed: 0..14 (15 values)'
        )
    }

    It 'filters by -TaskKind and -Name' {
        (Find-SwarmIntent -Root $Sweeps -TaskKind eval).Name | Should -Be 'eval-c'
        $train = Find-SwarmIntent -Root $Sweeps -TaskKind train -Rollup
        $train.Campaigns | Should -Be 2
        $train.Runs | Should -Be 4
        $train.CampaignsWithRuns | Should -Be 1
        @(Find-SwarmIntent -Root $Sweeps -Name 'lr-*').Name | Should -Be @('lr-b', 'lr-a')
    }

    It 'says a campaign set without finished runs has no walltimes, not made-up ones' {
        $b = Find-SwarmIntent -Root $Sweeps -Name lr-b -Rollup
        $b.Campaigns | Should -Be 1
        $b.Runs | Should -Be 0
        $b.WallSeconds | Should -BeNullOrEmpty
        ($b | Format-Table | Out-String -Width 120) | Should -Match 'no finished runs'
    }

    It 'skips a <Case> with a warning naming it, and still returns the others' -TestCases @(
        @{ Case = 'broken file'; Text = '{ "schema_version": 1, '; ErrorId = 'IntentInvalid' }
        @{ Case = 'file of an unknown schema version'; Text = '{ "schema_version": 7 }'; ErrorId = 'IntentSchemaUnsupported' }
    ) {
        param($Text, $ErrorId)
        $root = Join-Path $TestDrive ([guid]::NewGuid())
        Copy-Item -Recurse $Sweeps $root
        Set-Content (Join-Path $root 'broken.intent.json') $Text
        $found = @(Find-SwarmIntent -Root $root -WarningVariable warned -WarningAction SilentlyContinue)
        $found.Count | Should -Be 3
        $warned.Count | Should -Be 1
        "$($warned[0])" | Should -Match $ErrorId
        "$($warned[0])" | Should -Match 'broken\.intent\.json'
    }

    It 'refuses a root that does not exist' {
        { Find-SwarmIntent -Root (Join-Path $TestDrive 'nowhere') } |
            Should -Throw -ErrorId 'IntentRootNotFound,SwarmPS.Cmdlets.FindSwarmIntentCommand'
    }
}

Describe 'Default roots from config.yaml' {
    BeforeEach {
        $env:XDG_CONFIG_HOME = Join-Path $TestDrive ([guid]::NewGuid())
        $script:ConfigFile = Join-Path $env:XDG_CONFIG_HOME 'swarmps/config.yaml'
        New-Item -ItemType Directory (Split-Path $ConfigFile) | Out-Null
    }

    It 'searches the intent_roots of the user''s config.yaml when no -Root is given' {
        Set-Content $ConfigFile "intent_roots:`n  - $Sweeps`n"
        (Find-SwarmIntent).Name | Should -Be @('eval-c', 'lr-b', 'lr-a')
        (Find-SwarmIntent -Rollup).Campaigns | Should -Be 3
    }

    It 'names the config key when there is neither -Root nor intent_roots' {
        $thrown = { Find-SwarmIntent } | Should -Throw -ErrorId 'IntentRootsMissing,SwarmPS.Cmdlets.FindSwarmIntentCommand' -PassThru
        "$($thrown.Exception.Message)" | Should -Match 'intent_roots'
        "$($thrown.Exception.Message)" | Should -Match ([regex]::Escape($ConfigFile))
    }

    It 'reads config.yaml strictly: <Case>' -TestCases @(
        @{ Case = 'an unknown key'; Text = "intent_root:`n  - /tmp`n"; ErrorId = 'ConfigUnknownKey' }
        @{ Case = 'a relative root'; Text = "intent_roots:`n  - experiments`n"; ErrorId = 'ConfigIntentRootRelative' }
    ) {
        param($Text, $ErrorId)
        Set-Content $ConfigFile $Text
        { Find-SwarmIntent } | Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.FindSwarmIntentCommand"
    }
}
