# Acceptance tests of a migration from aexp 0.6 (docs/ledger.md, "Migrating from aexp 0.6") in real pwsh, with real
# git across two clones of one bare repository and an aexp ledger written by real Python
# (tests/python/make_aexp_ledger.py, with planted bad files). Run from the repository root after building:
#   Invoke-Pester ./tests/pester/AexpMigration.Tests.ps1
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Python = '/usr/bin/python3'
    $script:MakeAexp = Join-Path $RepoRoot 'tests/python/make_aexp_ledger.py'

    function New-AexpLedger([string] $Repository, [int] $Count) {
        $json = & $script:Python $script:MakeAexp $Repository $Count
        $LASTEXITCODE | Should -Be 0
        $json | ConvertFrom-Json
    }

    # Name, kind and bytes of every entry of the aexp ledger (a FIFO is never opened), to prove it is left alone.
    function Get-AexpSnapshot([string] $Repository) {
        Get-ChildItem -Force (Join-Path $Repository '.aexp/ledger') | Sort-Object Name | ForEach-Object {
            $kind = if ($_.LinkTarget) { "link:$($_.LinkTarget)" } elseif ($_.UnixFileMode -and (& stat -c %F $_.FullName) -eq 'fifo') { 'fifo' } else { (Get-FileHash $_.FullName).Hash }
            "$($_.Name) $kind"
        }
    }

    function Invoke-Git([string] $Directory) {
        git -C $Directory -c user.email=t@example.org -c user.name=tester @args
        $LASTEXITCODE | Should -Be 0 -Because "git $args"
    }

    $script:Workspace = Join-Path $TestDrive 'aexp'
    New-Item -ItemType Directory $script:Workspace | Out-Null
    $script:Origin = Join-Path $script:Workspace 'origin.git'
    git init --quiet --bare --initial-branch=main $script:Origin
    $script:A = Join-Path $script:Workspace 'cluster'
    $script:B = Join-Path $script:Workspace 'laptop'
    git clone --quiet $script:Origin $script:A 2>$null
    git clone --quiet $script:Origin $script:B 2>$null
}

Describe 'Migrating from aexp 0.6 across two clones' {
    It 'clone A: initialises with signac ids and sees aexp citations as warnings only' {
        $init = Initialize-SwarmRepository -Path $A -MachineLabel cluster -IdScheme Signac
        $init.IdScheme.ToString() | Should -Be 'Signac'
        $script:Made = New-AexpLedger $A 14
        $script:Complete = $Made.entries[0].id
        $script:Failed = $Made.entries[1].id
        $script:Abandoned = $Made.entries[3].id
        $Made.entries[0].status | Should -Be 'complete'
        $Made.entries[1].status | Should -Be 'failed'
        $Made.entries[3].status | Should -Be 'abandoned'
        New-Item -ItemType Directory (Join-Path $A 'findings') | Out-Null
        Set-Content (Join-Path $A 'findings/lr.md') "---`ntitle: lr`ncites:`n  runs:`n    - $Complete`n    - $Failed`n    - $Abandoned`n  batches:`n    - experiment: lr-sweep`n      status: complete`n    - experiment: ablation`n---`nText."

        $findings = @(Test-SwarmCitation -Path (Join-Path $A 'findings') -Repository $A)
        @($findings | Where-Object { $_.Severity -eq 'Error' }) | Should -BeNullOrEmpty
        $cited = @($findings | Where-Object Code -eq CitedInAexpLedger)
        @($cited.CitedId | Where-Object { $_ -match '^[0-9a-f]{32}$' } | Sort-Object) | Should -Be (@($Complete, $Failed, $Abandoned) | Sort-Object)
        $cited.Count | Should -Be 5 -Because 'three runs and two batches resolve only in .aexp/ledger'
        $cited[0].Message | Should -Match 'Convert-SwarmLedger -From Aexp'
        # Every planted bad file is a warning, not an error, while a batch makes every aexp entry be read.
        @($findings | Where-Object Code -eq AexpEntryInvalid).Count | Should -Be 7
        Test-SwarmCitation -Path (Join-Path $A 'findings') -Repository $A -Quiet | Should -BeTrue
    }

    It 'clone A: -WhatIf shows the counts and writes nothing' {
        $before = Get-AexpSnapshot $A
        $out = & $PwshPath -NoProfile -NonInteractive -c "Import-Module '$ModuleManifest'; Convert-SwarmLedger -From Aexp -Repository '$A' -WhatIf" *>&1 | Out-String
        $LASTEXITCODE | Should -Be 0
        $out | Should -Match 'What if:'
        $out | Should -Match 'write 8 ledger entries'
        $out | Should -Match '6 live runs skipped'
        $out | Should -Match '7 invalid files'
        @(Get-ChildItem -Force (Join-Path $A '.swarm/ledger')) | Should -BeNullOrEmpty
        Convert-SwarmLedger -From Aexp -Repository $A -WhatIf | Should -BeNullOrEmpty
        @(Get-ChildItem -Force (Join-Path $A '.swarm/ledger')) | Should -BeNullOrEmpty
        Get-AexpSnapshot $A | Should -Be $before
    }

    It 'clone A: converts the terminal entries under the same ids, sanitized, and a second run changes nothing' {
        $before = Get-AexpSnapshot $A
        $result = Convert-SwarmLedger -From Aexp -Repository $A -WarningVariable warned -WarningAction SilentlyContinue
        $result.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Ledger.AexpConversionResult'
        $result.Converted | Should -Be 8
        $result.Skipped | Should -Be 6
        $result.Invalid | Should -Be 7
        $result.Unchanged | Should -Be 0
        $result.Conflicts | Should -Be 0
        ($warned -join "`n") | Should -Match '6 aexp runs are still live'
        # Each file not converted is one warning in the ledger cmdlets' shape: 'Code: problem and fix (file)'.
        @($warned | Where-Object { $_.Message -match '^AexpEntryInvalid: .*\(\.aexp/ledger/[^)]+\)$' }).Count | Should -Be 7
        $terminal = @($Made.entries | Where-Object status -in complete, failed, abandoned, stopped | ForEach-Object id | Sort-Object)
        @(Get-ChildItem (Join-Path $A '.swarm/ledger') -Filter *.json | ForEach-Object BaseName | Sort-Object) | Should -Be $terminal

        $entry = Get-Content -Raw (Join-Path $A ".swarm/ledger/$Complete.json") | ConvertFrom-Json
        $entry.id | Should -Be $Complete
        $entry.statepoint.api_token | Should -Be '<redacted>'
        $entry.statepoint.data | Should -Be '<path>/train.csv'
        $entry.PSObject.Properties.Name | Should -Not -Contain 'workdir'
        $entry.tracker.url | Should -Be 'https://mlflow.example.org/runs/0'
        (Get-Item (Join-Path $A ".swarm/ledger/$Complete.json")).UnixFileMode | Should -Be ([System.IO.UnixFileMode]'UserRead, UserWrite')
        (Get-SwarmLedger -Repository $A -Id $Complete).Status.ToString() | Should -Be 'Complete'
        @(Test-SwarmLedger -Repository $A) | Should -BeNullOrEmpty

        $times = Get-ChildItem (Join-Path $A '.swarm/ledger') | ForEach-Object { "$($_.Name) $($_.LastWriteTimeUtc.Ticks)" }
        $again = Convert-SwarmLedger -From Aexp -Repository $A -WarningAction SilentlyContinue
        $again.Converted | Should -Be 0
        $again.Unchanged | Should -Be 8
        Get-ChildItem (Join-Path $A '.swarm/ledger') | ForEach-Object { "$($_.Name) $($_.LastWriteTimeUtc.Ticks)" } | Should -Be $times
        Get-AexpSnapshot $A | Should -Be $before

        # The converted runs and the batches now resolve in the SwarmPS ledger.
        @(Test-SwarmCitation -Path (Join-Path $A 'findings') -Repository $A | Where-Object Code -eq CitedInAexpLedger) | Should -BeNullOrEmpty
    }

    It 'clone A: commits and pushes the ledger, the config and the findings' {
        Invoke-Git $A add .swarm/ledger .swarm/config.json .gitignore findings
        $staged = @(git -C $A diff --cached --name-only)
        $staged | Should -Contain '.swarm/config.json'
        @($staged | Where-Object { $_ -like '.aexp/*' }) | Should -BeNullOrEmpty
        @($staged | Where-Object { $_ -like '.swarm/ledger/*' }).Count | Should -Be 8
        Invoke-Git $A commit --quiet -m 'ledger: runs from aexp'
        Invoke-Git $A push --quiet origin HEAD:refs/heads/main
    }

    It 'clone B: pulls, keeps the signac scheme, and every citation resolves without aexp warnings, with or without .aexp' {
        Invoke-Git $B pull --quiet origin main
        $init = Initialize-SwarmRepository -Path $B -MachineLabel laptop
        $init.IdScheme.ToString() | Should -Be 'Signac'
        # The same aexp ledger on this machine too (the same statepoints give the same ids).
        New-AexpLedger $B 14 | Out-Null
        $findings = @(Test-SwarmCitation -Path (Join-Path $B 'findings') -Repository $B)
        @($findings | Where-Object Code -eq CitedInAexpLedger) | Should -BeNullOrEmpty
        $findings | Should -BeNullOrEmpty
        Test-SwarmCitation -Path (Join-Path $B 'findings') -Repository $B -Quiet | Should -BeTrue

        Remove-Item -Recurse -Force (Join-Path $B '.aexp')
        @(Test-SwarmCitation -Path (Join-Path $B 'findings') -Repository $B) | Should -BeNullOrEmpty
        Test-SwarmCitation -Path (Join-Path $B 'findings') -Repository $B -Quiet | Should -BeTrue
    }
}

Describe 'Convert-SwarmLedger refuses' {
    BeforeEach {
        $script:Repo = New-GitRepository
    }

    It 'a repository of swarm ids (IdSchemeMismatch), writing nothing' {
        Initialize-SwarmRepository -Path $Repo -MachineLabel a | Out-Null
        New-AexpLedger $Repo 3 | Out-Null
        { Convert-SwarmLedger -From Aexp -Repository $Repo } |
            Should -Throw -ErrorId 'IdSchemeMismatch,SwarmPS.Cmdlets.ConvertSwarmLedgerCommand'
        @(Get-ChildItem -Force (Join-Path $Repo '.swarm/ledger')) | Should -BeNullOrEmpty
    }

    It 'a source other than Aexp' {
        Initialize-SwarmRepository -Path $Repo -MachineLabel a -IdScheme Signac | Out-Null
        { Convert-SwarmLedger -From Signac -Repository $Repo } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,SwarmPS.Cmdlets.ConvertSwarmLedgerCommand'
    }

    It 'a repository without .aexp/ledger (AexpLedgerNotFound)' {
        Initialize-SwarmRepository -Path $Repo -MachineLabel a -IdScheme Signac | Out-Null
        { Convert-SwarmLedger -From Aexp -Repository $Repo } |
            Should -Throw -ErrorId 'AexpLedgerNotFound,SwarmPS.Cmdlets.ConvertSwarmLedgerCommand'
    }

    It 'a linked .aexp/ledger (AexpLedgerLinked), reading nothing through it' {
        Initialize-SwarmRepository -Path $Repo -MachineLabel a -IdScheme Signac | Out-Null
        $elsewhere = Join-Path $TestDrive ([guid]::NewGuid())
        New-AexpLedger $elsewhere 2 | Out-Null
        New-Item -ItemType Directory (Join-Path $Repo '.aexp') | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $Repo '.aexp/ledger') -Target (Join-Path $elsewhere '.aexp/ledger') | Out-Null
        { Convert-SwarmLedger -From Aexp -Repository $Repo } |
            Should -Throw -ErrorId 'AexpLedgerLinked,SwarmPS.Cmdlets.ConvertSwarmLedgerCommand'
        @(Get-ChildItem -Force (Join-Path $Repo '.swarm/ledger')) | Should -BeNullOrEmpty
    }
}
