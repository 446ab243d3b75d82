# Acceptance tests for Import-SwarmSignacProject in real pwsh: a repository with signac ids, a signac project
# made by real Python (tests/python/make_signac_project.py: 20 jobs, by i % 5 complete, failed, running, no
# status, an unknown word; plus 1 mismatched and 10 invalid planted entries), -WhatIf, the import, again.
# Needs python3 and git on PATH. Run from the repository root after building:
#   Invoke-Pester ./tests/pester/SignacImport.Tests.ps1
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:MakeProject = Join-Path $RepoRoot 'tests/python/make_signac_project.py'

    function New-SignacRepository([string] $Scheme = 'Signac') {
        $repo = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $repo | Out-Null
        git -C $repo init --quiet
        Initialize-SwarmRepository -Path $repo -MachineLabel signac-test -IdScheme $Scheme | Out-Null
        $repo
    }

    # The project's path and what Python made (ids => status word, counts).
    function New-SignacProject([int] $Count) {
        $project = Join-Path $TestDrive ([guid]::NewGuid())
        $made = python3 $script:MakeProject $project $Count
        if ($LASTEXITCODE -ne 0) { throw "make_signac_project.py failed: $made" }
        [pscustomobject]@{ Path = $project; Made = ($made | ConvertFrom-Json -AsHashtable) }
    }

    function Get-LedgerState([string] $Repo) {
        @(Get-ChildItem (Join-Path $Repo '.swarm/ledger') -Filter *.json -File -ErrorAction SilentlyContinue |
            Sort-Object Name | ForEach-Object { '{0} {1} {2}' -f $_.Name, $_.LastWriteTimeUtc.Ticks, (Get-FileHash $_.FullName).Hash })
    }
}

Describe 'Import-SwarmSignacProject' {
    BeforeAll {
        $script:Repo = New-SignacRepository
        $script:Project = New-SignacProject 20
        $script:Terminal = @($Project.Made.ids.GetEnumerator() | Where-Object Value -in 'complete', 'failed' | ForEach-Object Key | Sort-Object)
    }

    It 'shows the counts and the findings under -WhatIf and writes nothing' {
        # -WhatIf text goes to the host: a child pwsh captures it with every stream.
        $script = "Import-Module '$ModuleManifest' -ErrorAction Stop; Import-SwarmSignacProject -Path '$($Project.Path)' -Repository '$Repo' -WhatIf *>&1 | Out-String -Width 400"
        $text = (& $PwshPath -NoProfile -NonInteractive -Command $script) -join "`n"
        $LASTEXITCODE | Should -Be 0
        $text | Should -Match 'What if: .*Import 20 signac job\(s\) and move 0 already imported, of which 8 terminal would be promoted to \.swarm/ledger/; skip 0 already imported and unchanged, 0 in conflict; mismatched 1, invalid 10'
        ([regex]::Matches($text, 'SignacJobInvalid: ')).Count | Should -Be 10
        ([regex]::Matches($text, 'SignacIdMismatch: ')).Count | Should -Be 1
        ([regex]::Matches($text, 'SignacStatusUnknown: ')).Count | Should -Be 4

        @(Get-SwarmRun -Repository $Repo) | Should -HaveCount 0
        Get-LedgerState $Repo | Should -BeNullOrEmpty
    }

    It 'imports every job under its directory name and promotes the terminal ones' {
        $result = Import-SwarmSignacProject -Path $Project.Path -Repository $Repo -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue

        $result.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Ledger.SignacImportResult'
        $result.Imported | Should -Be 20
        $result.Updated | Should -Be 0
        $result.Skipped | Should -Be 0
        $result.Mismatched | Should -Be 1
        $result.Invalid | Should -Be 10
        $result.Promoted | Should -Be 8
        $result.Findings | Should -HaveCount 15
        $warned | Should -HaveCount 15
        $warned[0].Message | Should -Match '^Signac\w+: '

        $runs = @(Get-SwarmRun -Repository $Repo)
        @($runs.Id | Sort-Object) | Should -Be @($Project.Made.ids.Keys | Sort-Object)
        foreach ($run in $runs) {
            $run.Status.ToString().ToLowerInvariant() | Should -Be $Project.Made.ids[$run.Id]
        }
        $ledger = @(Get-SwarmLedger -Repository $Repo)
        @($ledger.Id | Sort-Object) | Should -Be $Terminal
        ($ledger | Where-Object Id -eq $Terminal[0]).Machine | Should -Be 'signac-test'
    }

    It 'imports nothing the second time and rewrites no ledger entry' {
        $before = Get-LedgerState $Repo
        $again = Import-SwarmSignacProject -Path $Project.Path -Repository $Repo -Confirm:$false -WarningAction SilentlyContinue

        $again.Imported | Should -Be 0
        $again.Updated | Should -Be 0
        $again.Skipped | Should -Be 20
        $again.Promoted | Should -Be 0
        Get-LedgerState $Repo | Should -Be $before
        @(Get-SwarmRun -Repository $Repo) | Should -HaveCount 20
    }

    It 'reports a terminal run whose document now disagrees as a conflict and keeps it' {
        $id = $Terminal[0]
        $was = $Project.Made.ids[$id]
        $other = $was -eq 'complete' ? 'failed' : 'complete'
        Set-Content (Join-Path $Project.Path "workspace/$id/signac_job_document.json") "{`"status`": `"$other`"}"
        $before = Get-LedgerState $Repo

        $result = Import-SwarmSignacProject -Path $Project.Path -Repository $Repo -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue

        $result.Conflicts | Should -Be 1
        $result.Skipped | Should -Be 19
        ($warned | Where-Object Message -Match '^SignacStatusConflict: ').Message | Should -Match "Run $id is $was in this machine's store, but its job document says $other"
        Get-LedgerState $Repo | Should -Be $before
        (Get-SwarmLedger -Repository $Repo -Id $id).Status.ToString().ToLowerInvariant() | Should -Be $was
    }

    It "gives a new run signac's id in that repository" {
        (New-SwarmRun -Repository $Repo -Statepoint @{ a = 0 }).Id | Should -Be '9bfd29df07674bc4aa960cf661b5acd2'
    }

    It 'follows the PowerShell location for -Path and the repository' {
        $repo = New-SignacRepository
        $project = New-SignacProject 5
        Push-Location $repo
        try {
            $result = Import-SwarmSignacProject -Path ([IO.Path]::GetRelativePath($repo, $project.Path)) -Confirm:$false -WarningAction SilentlyContinue
        }
        finally {
            Pop-Location
        }
        $result.Imported | Should -Be 5
        $result.ProjectPath | Should -Be $project.Path
    }
}

Describe 'Import-SwarmSignacProject refuses' {
    It 'a directory that is not a signac project' {
        $repo = New-SignacRepository
        $notProject = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))
        { Import-SwarmSignacProject -Path $notProject -Repository $repo -Confirm:$false } |
            Should -Throw -ErrorId 'SignacProjectNotFound,SwarmPS.Cmdlets.ImportSwarmSignacProjectCommand'
    }

    It 'a repository whose ids follow the swarm scheme, writing nothing' {
        $repo = New-SignacRepository -Scheme Swarm
        $project = New-SignacProject 3
        $caught = $null
        try {
            Import-SwarmSignacProject -Path $project.Path -Repository $repo -Confirm:$false
        }
        catch {
            $caught = $_
        }
        $caught.FullyQualifiedErrorId | Should -Be 'IdSchemeMismatch,SwarmPS.Cmdlets.ImportSwarmSignacProjectCommand'
        $caught.ErrorDetails.Message | Should -Match 'Initialize-SwarmRepository -Path .* -IdScheme Signac'
        @(Get-SwarmRun -Repository $repo) | Should -HaveCount 0
        Get-LedgerState $repo | Should -BeNullOrEmpty
    }
}
