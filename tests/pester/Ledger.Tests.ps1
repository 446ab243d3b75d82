# Acceptance tests for the ledger cmdlets. Run from the repository root after building:
#   Invoke-Pester ./tests/pester/Ledger.Tests.ps1
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Unknown = '0123456789abcdef0123456789abcdef'
}

Describe 'Initialize-SwarmRepository' {
    BeforeEach {
        $script:Repo = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $Repo | Out-Null
        git -C $Repo init --quiet
    }

    It 'creates .swarm, the label and the .gitignore block' {
        $result = Initialize-SwarmRepository -Path $Repo -MachineLabel cluster-a
        $result.MachineLabel | Should -Be 'cluster-a'
        Join-Path $Repo '.swarm/ledger' | Should -Exist
        Get-Content (Join-Path $Repo '.gitignore') | Should -Contain '!.swarm/ledger/'
    }

    It 'keeps the label when run again without one' {
        Initialize-SwarmRepository -Path $Repo -MachineLabel laptop | Out-Null
        (Initialize-SwarmRepository -Path $Repo).MachineLabel | Should -Be 'laptop'
    }

    It 'warns about a user line that hides the ledger' {
        Set-Content (Join-Path $Repo '.gitignore') '.swarm/'
        $result = Initialize-SwarmRepository -Path $Repo -MachineLabel a -WarningVariable warned -WarningAction SilentlyContinue
        $result.Warnings[0].Code | Should -Be 'GitIgnoreHidesLedger'
        $result.Warnings[0].Line | Should -Be 1
        $warned | Should -Not -BeNullOrEmpty
    }

    It 'refuses a bad label' {
        { Initialize-SwarmRepository -Path $Repo -MachineLabel 'has space' } |
            Should -Throw -ErrorId 'MachineLabelInvalid,SwarmPS.Cmdlets.InitializeSwarmRepositoryCommand'
    }
}

Describe 'Runs and the ledger' {
    BeforeEach {
        $script:Repo = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $Repo | Out-Null
        git -C $Repo init --quiet
        Initialize-SwarmRepository -Path $Repo -MachineLabel cluster | Out-Null
        Push-Location $Repo
    }
    AfterEach { Pop-Location }

    It 'gives the same run for the same statepoint' {
        $a = New-SwarmRun -Statepoint @{ lr = 0.1; seed = 1 }
        $b = New-SwarmRun -Statepoint @{ seed = 1; lr = 0.1 }
        $a.Id | Should -Be $b.Id
        $a.Id | Should -Be 'bf579a3899ac1776a2ae715bcbe96a82'
    }

    It 'promotes a run on its terminal status and reads it back from the ledger' {
        $run = New-SwarmRun -Statepoint @{ lr = 0.2 } -Experiment lr-sweep
        Set-SwarmRunStatus -Id $run.Id -Status running | Out-Null
        (Set-SwarmRunStatus -Id $run.Id -Status complete).Status | Should -Be 'Complete'
        Join-Path $Repo ".swarm/ledger/$($run.Id).json" | Should -Exist
        (Get-SwarmLedger -Id $run.Id).Machine | Should -Be 'cluster'
        (Get-SwarmLedger -Status complete).Id | Should -Contain $run.Id
    }

    It 'lists runs by status and reads one by id with Get-SwarmRun' {
        $done = New-SwarmRun -Statepoint @{ lr = 0.4 }
        $open = New-SwarmRun -Statepoint @{ lr = 0.5 }
        Set-SwarmRunStatus -Id $done.Id -Status complete | Out-Null
        (Get-SwarmRun -Id $open.Id).Id | Should -Be $open.Id
        (Get-SwarmRun -Status complete).Id | Should -Contain $done.Id
        (Get-SwarmRun -Status complete).Id | Should -Not -Contain $open.Id
        { Get-SwarmRun -Id ('0' * 32) -ErrorAction Stop } | Should -Throw -ErrorId 'RunNotFound,SwarmPS.Cmdlets.GetSwarmRunCommand'
    }

    It 'refuses leaving a terminal status' {
        $run = New-SwarmRun -Statepoint @{ lr = 0.3 }
        Set-SwarmRunStatus -Id $run.Id -Status failed | Out-Null
        { Set-SwarmRunStatus -Id $run.Id -Status running -ErrorAction Stop } |
            Should -Throw -ErrorId 'RunStatusTerminal,SwarmPS.Cmdlets.SetSwarmRunStatusCommand'
    }

    It 'refuses bad input with its error id' -TestCases @(
        @{ Script = { Set-SwarmRunStatus -Id $Unknown -Status finished }; ErrorId = 'RunStatusInvalid,SwarmPS.Cmdlets.SetSwarmRunStatusCommand' }
        @{ Script = { Set-SwarmRunStatus -Id $Unknown -Status complete }; ErrorId = 'RunNotFound,SwarmPS.Cmdlets.SetSwarmRunStatusCommand' }
        @{ Script = { Set-SwarmRunStatus -Id '../../etc/passwd' -Status complete }; ErrorId = 'RunIdMalformed,SwarmPS.Cmdlets.SetSwarmRunStatusCommand' }
        @{ Script = { New-SwarmRun -Statepoint @{} }; ErrorId = 'StatepointInvalid,SwarmPS.Cmdlets.NewSwarmRunCommand' }
        @{ Script = { Publish-SwarmLedgerEntry -Id $Unknown }; ErrorId = 'RunNotFound,SwarmPS.Cmdlets.PublishSwarmLedgerEntryCommand' }
        @{ Script = { Set-SwarmRunLink -Id $Unknown }; ErrorId = 'RunLinkMissing,SwarmPS.Cmdlets.SetSwarmRunLinkCommand' }
    ) {
        param($Script, $ErrorId)
        { $ErrorActionPreference = 'Stop'; & $Script } | Should -Throw -ErrorId $ErrorId
    }

    It 'syncs missing entries and counts them' {
        $run = New-SwarmRun -Statepoint @{ lr = 0.4 }
        Set-SwarmRunStatus -Id $run.Id -Status complete | Out-Null
        Remove-Item (Join-Path $Repo ".swarm/ledger/$($run.Id).json")
        $sync = Sync-SwarmLedger
        $sync.Promoted | Should -Be 1
        $sync.Failed | Should -Be 0
    }
}

Describe 'Test-SwarmCitation' {
    BeforeAll {
        $script:Repo = Join-Path $TestDrive 'citations'
        New-Item -ItemType Directory $Repo | Out-Null
        git -C $Repo init --quiet
        Initialize-SwarmRepository -Path $Repo -MachineLabel laptop | Out-Null
        Push-Location $Repo
        $script:Done = New-SwarmRun -Statepoint @{ lr = 0.5 } -Experiment sweep
        Set-SwarmRunStatus -Id $Done.Id -Status complete | Out-Null
        New-Item -ItemType Directory findings | Out-Null
        Set-Content findings/good.md "---`ncites:`n  runs:`n    - $($Done.Id)`n  batches:`n    - experiment: sweep`n---`nText."
        Set-Content findings/broken.md "---`ncites:`n  runs:`n    - $Unknown`n    - ../../etc/passwd`n---`nText."
        Pop-Location
    }

    It 'passes a finding whose citations resolve' {
        Test-SwarmCitation -Path (Join-Path $Repo 'findings/good.md') | Should -BeNullOrEmpty
        Test-SwarmCitation -Path (Join-Path $Repo 'findings/good.md') -Quiet | Should -BeTrue
    }

    It 'reports <Code> at line <Line>' -TestCases @(
        @{ Code = 'BrokenRunCitation'; Line = 4 }
        @{ Code = 'MalformedCitation'; Line = 5 }
    ) {
        param($Code, $Line)
        $found = Test-SwarmCitation -Path (Join-Path $Repo 'findings/broken.md') | Where-Object Code -eq $Code
        $found.Line | Should -Be $Line
        $found.Severity | Should -Be 'Error'
    }

    It 'turns broken citations into warnings with -StrictRuns warn, but not malformed ones' {
        $found = Test-SwarmCitation -Path (Join-Path $Repo 'findings') -StrictRuns warn
        ($found | Where-Object Code -eq 'BrokenRunCitation').Severity | Should -Be 'Warning'
        ($found | Where-Object Code -eq 'MalformedCitation').Severity | Should -Be 'Error'
        Test-SwarmCitation -Path (Join-Path $Repo 'findings') -StrictRuns warn -Quiet | Should -BeFalse
    }

    It 'fails for a missing path' {
        { Test-SwarmCitation -Path (Join-Path $Repo 'nope') } |
            Should -Throw -ErrorId 'PathNotFound,SwarmPS.Cmdlets.TestSwarmCitationCommand'
    }
}
