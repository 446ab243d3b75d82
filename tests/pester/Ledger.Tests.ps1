# Acceptance tests for the ledger cmdlets. Run from the repository root after building:
#   Invoke-Pester ./tests/pester/Ledger.Tests.ps1
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Unknown = '0123456789abcdef0123456789abcdef'
}

Describe 'Initialize-SwarmRepository' {
    BeforeEach {
        $script:Repo = New-GitRepository
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

Describe 'The run id scheme (Initialize-SwarmRepository -IdScheme)' {
    BeforeEach {
        $script:Repo = New-GitRepository
    }

    It 'records Signac in a committed .swarm/config.json and gives signac job ids' {
        $result = Initialize-SwarmRepository -Path $Repo -MachineLabel a -IdScheme Signac
        $result.IdScheme | Should -Be 'Signac'
        $result.IdSchemeChanged | Should -BeTrue
        (Get-Content -Raw (Join-Path $Repo '.swarm/config.json') | ConvertFrom-Json).id_scheme | Should -Be 'signac'
        git -C $Repo add -A
        git -C $Repo diff --cached --name-only | Should -Contain '.swarm/config.json'
        Push-Location $Repo
        try {
            # signac's documented example.
            (New-SwarmRun -Statepoint @{ a = 0 }).Id | Should -Be '9bfd29df07674bc4aa960cf661b5acd2'
            (Initialize-SwarmRepository).IdScheme | Should -Be 'Signac'
        } finally { Pop-Location }
    }

    It 'gives the id Python computes for 200 generated statepoints passed as PowerShell hashtables' {
        Initialize-SwarmRepository -Path $Repo -MachineLabel a -IdScheme Signac | Out-Null
        $lines = & /usr/bin/python3 (Join-Path $RepoRoot 'tests/python/signac_statepoints.py') 200 7
        $LASTEXITCODE | Should -Be 0
        $lines.Count | Should -Be 200
        Push-Location $Repo
        try {
            $wrong = foreach ($line in $lines) {
                $case = $line | ConvertFrom-Json -AsHashtable
                $id = (New-SwarmRun -Statepoint $case.statepoint).Id
                if ($id -ne $case.id) { "$($case.id) != $id for $line" }
            }
        } finally { Pop-Location }
        $wrong | Should -BeNullOrEmpty
    }

    It 'refuses to change a recorded scheme without -Force, and says what keeps its id with it' {
        Initialize-SwarmRepository -Path $Repo -MachineLabel a | Out-Null
        Push-Location $Repo
        try { $swarmRun = New-SwarmRun -Statepoint @{ lr = 0.1; seed = 1 } } finally { Pop-Location }
        { Initialize-SwarmRepository -Path $Repo -IdScheme Signac } |
            Should -Throw -ErrorId 'IdSchemeChangeRefused,SwarmPS.Cmdlets.InitializeSwarmRepositoryCommand'
        Join-Path $Repo '.swarm/config.json' | Should -Not -Exist

        $forced = Initialize-SwarmRepository -Path $Repo -IdScheme Signac -Force -WarningVariable warned -WarningAction SilentlyContinue
        $forced.IdScheme | Should -Be 'Signac'
        ($warned -join "`n") | Should -Match 'keep their swarm ids'
        Get-SwarmRun -Repository $Repo -Id $swarmRun.Id | Should -Not -BeNullOrEmpty
    }

    It 'names a config.json it cannot trust' {
        Initialize-SwarmRepository -Path $Repo -MachineLabel a | Out-Null
        Set-Content (Join-Path $Repo '.swarm/config.json') '{"id_scheme": "sha1", "schema_version": 1}'
        Push-Location $Repo
        try {
            { New-SwarmRun -Statepoint @{ a = 1 } -ErrorAction Stop } | Should -Throw -ErrorId 'RepositoryConfigInvalid,SwarmPS.Cmdlets.NewSwarmRunCommand'
        } finally { Pop-Location }
    }
}

Describe 'Runs and the ledger' {
    BeforeEach {
        $script:Repo = New-GitRepository
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

    It 'shows a run and its ledger entry with the properties, type names and table views they always had' {
        $created = New-SwarmRun -Statepoint @{ lr = 0.6 } -Experiment views
        Set-SwarmRunStatus -Id $created.Id -Status running | Out-Null
        Set-SwarmRunStatus -Id $created.Id -Status complete | Out-Null
        $run = Get-SwarmRun -Id $created.Id
        $entry = Get-SwarmLedger -Id $created.Id

        $run.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Ledger.LedgerRun'
        $entry.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Ledger.LedgerEntry'
        @($run.PSObject.Properties.Name | Sort-Object) | Should -Be @(
            'CodeCommit', 'CodeDirty', 'CreatedAt', 'EndedAt', 'Experiments', 'Id', 'IsTerminal', 'Machine', 'PromotedAt',
            'PromotionError', 'StartedAt', 'Statepoint', 'Status', 'Tracker', 'TrackerConfiguration', 'WallSeconds', 'WorkingDirectory')
        @($entry.PSObject.Properties.Name | Sort-Object) | Should -Be @(
            'CodeCommit', 'CodeDirty', 'CreatedAt', 'EndedAt', 'Experiments', 'File', 'Id', 'Machine', 'PromotedAt',
            'SchemaVersion', 'StartedAt', 'Statepoint', 'Status', 'Tracker', 'WallSeconds')
        foreach ($name in 'Id', 'Statepoint', 'Status', 'Machine', 'CreatedAt', 'StartedAt', 'EndedAt', 'WallSeconds', 'CodeCommit', 'CodeDirty', 'Experiments', 'PromotedAt') {
            "$name=$($entry.$name)" | Should -Be "$name=$($run.$name)"
        }
        $entry.File | Should -Be ".swarm/ledger/$($run.Id).json"
        # Format-List keeps the order the records always declared, Id first (the shared fields live in a base type).
        $listed = { param($Object) @(($Object | Format-List | Out-String -Width 200) -split "`r?`n" | Where-Object { $_ -match '^\w+\s+:' } | ForEach-Object { ($_ -split '\s+:')[0] }) -join ',' }
        & $listed $run | Should -Be ('Id,Statepoint,Status,Machine,CreatedAt,StartedAt,EndedAt,WallSeconds,CodeCommit,CodeDirty,' +
            'Experiments,Tracker,TrackerConfiguration,WorkingDirectory,PromotedAt,PromotionError,IsTerminal')
        & $listed $entry | Should -Be ('Id,SchemaVersion,Status,Machine,Statepoint,CreatedAt,StartedAt,EndedAt,WallSeconds,CodeCommit,CodeDirty,' +
            'Experiments,Tracker,PromotedAt,File')
        ($run | Format-Table | Out-String -Width 200) | Should -Match "Id\s+Status\s+Machine\s+CreatedAt \(UTC\)\s+WallSeconds\s+Experiments"
        ($run | Format-Table | Out-String -Width 200) | Should -Match "$($run.Id)\s+complete\s+cluster\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[\d.]+\s+views"
        ($entry | Format-Table | Out-String -Width 200) | Should -Match "Id\s+Status\s+Machine\s+EndedAt \(UTC\)\s+WallSeconds\s+Experiments"
        ($entry | Format-Table | Out-String -Width 200) | Should -Match "$($run.Id)\s+complete\s+cluster\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+[\d.]+\s+views"
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

Describe 'Ledger errors come from the engine with their id and fix' {
    BeforeAll {
        # No .git or .swarm/ above it: TestDrive lives in the temporary directory.
        $script:Outside = Join-Path $TestDrive 'outside-any-repository'
        New-Item -ItemType Directory $Outside | Out-Null
    }

    It '<Command> outside any repository is RepositoryNotFound with a recommended action' -TestCases @(
        @{ Command = 'Sync-SwarmLedger'; Script = { Sync-SwarmLedger -ErrorAction Stop } }
        @{ Command = 'Get-SwarmLedger'; Script = { Get-SwarmLedger -ErrorAction Stop } }
        @{ Command = 'Publish-SwarmLedgerEntry'; Script = { Publish-SwarmLedgerEntry -Id $Unknown -ErrorAction Stop } }
        @{ Command = 'Set-SwarmRunLink'; Script = { Set-SwarmRunLink -Id $Unknown -Experiment sweep -ErrorAction Stop } }
    ) {
        param($Command, $Script)
        Push-Location $Outside
        try {
            $caught = $null
            try { & $Script } catch { $caught = $_ }
            $class = ($Command -replace '-', '') + 'Command'
            $caught.FullyQualifiedErrorId | Should -Be "RepositoryNotFound,SwarmPS.Cmdlets.$class"
            $caught.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $caught.ErrorDetails.RecommendedAction | Should -Match 'Initialize-SwarmRepository'
            $caught.TargetObject | Should -Be $Outside
        }
        finally {
            Pop-Location
        }
    }

    It 'Get-SwarmLedger writes LedgerEntryNotFound for each id it lacks and still writes the others' {
        $repo = Join-Path $TestDrive 'with-one-entry'
        New-Item -ItemType Directory $repo | Out-Null
        git -C $repo init --quiet
        Initialize-SwarmRepository -Path $repo -MachineLabel a | Out-Null
        $run = New-SwarmRun -Repository $repo -Statepoint @{ lr = 0.9 }
        Set-SwarmRunStatus -Repository $repo -Id $run.Id -Status complete | Out-Null

        $found = Get-SwarmLedger -Repository $repo -Id $run.Id, $Unknown -ErrorVariable missing -ErrorAction SilentlyContinue
        $found.Id | Should -Be $run.Id
        $missing.Count | Should -Be 1
        $missing[0].FullyQualifiedErrorId | Should -Be 'LedgerEntryNotFound,SwarmPS.Cmdlets.GetSwarmLedgerCommand'
        $missing[0].TargetObject | Should -Be $Unknown
        $missing[0].ErrorDetails.RecommendedAction | Should -Match 'Sync-SwarmLedger'
    }

    It 'Set-SwarmRunLink with nothing to link says what to pass' {
        $caught = $null
        try { Set-SwarmRunLink -Id $Unknown -ErrorAction Stop } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'RunLinkMissing,SwarmPS.Cmdlets.SetSwarmRunLinkCommand'
        $caught.ErrorDetails.RecommendedAction | Should -Match '-Experiment'
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

    It 'sorts by Severity from Warning to Error, the order campaign findings share' {
        $found = Test-SwarmCitation -Path (Join-Path $Repo 'findings') -StrictRuns warn
        "$(($found | Sort-Object Severity -Descending)[0].Severity)" | Should -Be 'Error'
        "$(($found | Sort-Object Severity)[0].Severity)" | Should -Be 'Warning'
    }

    It 'fails for a missing path' {
        { Test-SwarmCitation -Path (Join-Path $Repo 'nope') } |
            Should -Throw -ErrorId 'PathNotFound,SwarmPS.Cmdlets.TestSwarmCitationCommand'
    }
}

# Hostile files and shared hosts (issue 10). A clone can carry links, a login node can hold FIFOs, and other
# users share the machine: each attack runs in a child pwsh bounded by a timeout, so a regression fails here
# instead of hanging CI, and each asserts the process survives and names what it refused.
Describe 'Hostile ledger files' {
    BeforeAll {
        # Runs $Script in a fresh pwsh in $Directory; returns its exit code, output and peak memory, or fails after $Seconds.
        function Invoke-Bounded([string] $Directory, [string] $Script, [int] $Seconds = 60) {
            $start = [System.Diagnostics.ProcessStartInfo]::new($PwshPath)
            foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$ModuleManifest' -ErrorAction Stop; Set-Location '$Directory'; $Script; 'PEAK=' + [System.Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64") {
                $start.ArgumentList.Add($argument)
            }
            $start.RedirectStandardOutput = $true
            $start.RedirectStandardError = $true
            $start.RedirectStandardInput = $true
            $process = [System.Diagnostics.Process]::Start($start)
            $output = $process.StandardOutput.ReadToEndAsync()
            $errors = $process.StandardError.ReadToEndAsync()
            if (-not $process.WaitForExit($Seconds * 1000)) {
                $process.Kill($true)
                throw "'$Script' did not finish within $Seconds s"
            }
            $text = $output.Result + $errors.Result
            [pscustomobject]@{
                ExitCode = $process.ExitCode
                Output   = $text
                PeakMB   = [regex]::Match($text, 'PEAK=(\d+)').Groups[1].Value / 1MB
            }
        }

        function New-LedgerRepository {
            $repo = New-GitRepository
            Initialize-SwarmRepository -Path $repo -MachineLabel cluster | Out-Null
            Push-Location $repo
            try {
                $run = New-SwarmRun -Statepoint @{ lr = 0.7 } -Experiment sweep
                Set-SwarmRunStatus -Id $run.Id -Status complete | Out-Null
            }
            finally { Pop-Location }
            [pscustomobject]@{ Root = $repo; Good = $run.Id; Ledger = Join-Path $repo '.swarm/ledger' }
        }
    }

    It '<Command> survives an entry that is <Kind> and reports LedgerEntryInvalid' -TestCases @(
        @{ Command = 'Get-SwarmLedger'; Kind = 'a link to /dev/zero'; Script = 'Get-SwarmLedger 3>&1 | Out-String -Width 400' }
        @{ Command = 'Get-SwarmLedger'; Kind = 'a FIFO'; Script = 'Get-SwarmLedger 3>&1 | Out-String -Width 400' }
        @{ Command = 'Test-SwarmCitation'; Kind = 'a link to /dev/zero'; Script = 'Test-SwarmCitation -Path findings | Format-List Code, CitedId, Message | Out-String -Width 400' }
        @{ Command = 'Test-SwarmCitation'; Kind = 'a FIFO'; Script = 'Test-SwarmCitation -Path findings | Format-List Code, CitedId, Message | Out-String -Width 400' }
    ) {
        param($Command, $Kind, $Script)
        $repo = New-LedgerRepository
        $planted = Join-Path $repo.Ledger ('e' * 32 + '.json')
        if ($Kind -eq 'a FIFO') { mkfifo $planted } else { New-Item -ItemType SymbolicLink -Path $planted -Target /dev/zero | Out-Null }
        New-Item -ItemType Directory (Join-Path $repo.Root findings) | Out-Null
        Set-Content (Join-Path $repo.Root findings/a.md) "---`ncites:`n  batches:`n    - experiment: sweep`n---`n"

        $result = Invoke-Bounded $repo.Root $Script

        $result.ExitCode | Should -Be 0
        $result.Output | Should -Match 'LedgerEntryInvalid'
        $result.Output | Should -Match ('e' * 32)
        $result.Output | Should -Match ($Kind -eq 'a FIFO' ? 'is a FIFO' : 'symbolic link')
        $result.PeakMB | Should -BeLessThan 400
        if ($Command -eq 'Get-SwarmLedger') { $result.Output | Should -Match $repo.Good }
    }

    It 'Test-SwarmCitation survives a finding linked to /dev/zero and reports FrontMatterInvalid' {
        $repo = New-LedgerRepository
        New-Item -ItemType Directory (Join-Path $repo.Root findings) | Out-Null
        New-Item -ItemType SymbolicLink -Path (Join-Path $repo.Root findings/zero.md) -Target /dev/zero | Out-Null

        $result = Invoke-Bounded $repo.Root 'Test-SwarmCitation -Path findings | Format-List Code, File, Message | Out-String -Width 400'

        $result.ExitCode | Should -Be 0
        $result.Output | Should -Match 'FrontMatterInvalid'
        $result.Output | Should -Match 'a character device'
    }

    It 'refuses to promote into a linked .swarm/ledger with LedgerDirectoryLinked' {
        $repo = New-LedgerRepository
        $elsewhere = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $elsewhere | Out-Null
        Remove-Item -Recurse $repo.Ledger
        New-Item -ItemType SymbolicLink -Path $repo.Ledger -Target $elsewhere | Out-Null
        Push-Location $repo.Root
        try {
            { Publish-SwarmLedgerEntry -Id $repo.Good -ErrorAction Stop } |
                Should -Throw -ErrorId 'LedgerDirectoryLinked,SwarmPS.Cmdlets.PublishSwarmLedgerEntryCommand'
            (Test-SwarmLedger).Code | Should -Contain 'LedgerDirectoryLinked'
        }
        finally { Pop-Location }
        Get-ChildItem -Force $elsewhere | Should -BeNullOrEmpty
    }

    It 'creates .swarm, the store and the ledger owner-only' {
        $repo = New-LedgerRepository
        [IO.File]::GetUnixFileMode((Join-Path $repo.Root .swarm)).ToString() | Should -Be 'UserExecute, UserWrite, UserRead'
        foreach ($file in 'runs.db', 'machine.json', "ledger/$($repo.Good).json") {
            [IO.File]::GetUnixFileMode((Join-Path $repo.Root ".swarm/$file")).ToString() | Should -Be 'UserWrite, UserRead' -Because $file
        }
    }
}

Describe 'Redaction and Test-SwarmLedger' {
    BeforeEach {
        $script:Repo = New-GitRepository
        Initialize-SwarmRepository -Path $Repo -MachineLabel cluster | Out-Null
        Push-Location $Repo
    }
    AfterEach { Pop-Location }

    It 'keeps <Key> out of the committed entry' -TestCases @(
        @{ Key = 'secret_value'; Value = 'hunter2'; Shown = '<redacted>' }
        @{ Key = 'api_key_2'; Value = 'hunter2'; Shown = '<redacted>' }
        @{ Key = 'authorization'; Value = 'Bearer hunter2'; Shown = '<redacted>' }
        @{ Key = 'db'; Value = 'postgres://u:hunter2@db/x'; Shown = 'postgres://<redacted>@db/x' }
        @{ Key = 'data'; Value = 'https://h.example.org/f?X-Amz-Signature=hunter2&page=2'; Shown = 'https://h.example.org/f?X-Amz-Signature=<redacted>&page=2' }
        @{ Key = 'WANDB_KEY'; Value = 'hunter2'; Shown = '<redacted>' }
        @{ Key = 'tokenizer'; Value = 'bert-base'; Shown = 'bert-base' }
    ) {
        param($Key, $Value, $Shown)
        Set-Content .swarm/redact.txt "# this lab's own keys`nwandb_key"
        $run = New-SwarmRun -Statepoint @{ $Key = $Value }
        Set-SwarmRunStatus -Id $run.Id -Status complete | Out-Null
        $text = Get-Content -Raw ".swarm/ledger/$($run.Id).json"
        if ($Shown -ne $Value) { $text | Should -Not -Match 'hunter2' }
        ((Get-SwarmLedger -Id $run.Id).Statepoint | ConvertFrom-Json).$Key | Should -Be $Shown
        Test-SwarmLedger -Quiet | Should -BeTrue
    }

    It 'reports a hand-edited entry with <What> as LedgerEntryUnsanitized, without the value' -TestCases @(
        @{ What = 'an absolute path'; Key = 'data'; Value = '/home/alice/hunter2.csv' }
        @{ What = 'credentials in a URL'; Key = 'db'; Value = 'mysql://u:hunter2@db/x' }
        @{ What = 'a value under a secret-looking key'; Key = 'hf_token'; Value = 'hunter2' }
    ) {
        param($What, $Key, $Value)
        $run = New-SwarmRun -Statepoint @{ lr = 0.1 }
        Set-SwarmRunStatus -Id $run.Id -Status complete | Out-Null
        $path = ".swarm/ledger/$($run.Id).json"
        (Get-Content -Raw $path) -replace '"lr": 0.1', ('"{0}": "{1}",{2}    "lr": 0.1' -f $Key, $Value, "`n") | Set-Content -NoNewline $path

        $found = Test-SwarmLedger

        $found.Code | Should -Be 'LedgerEntryUnsanitized'
        $found.CitedId | Should -Be $run.Id
        $found.Message | Should -Match "^statepoint\.$Key holds $What"
        $found.Message | Should -Not -Match 'hunter2'
        Test-SwarmLedger -Quiet | Should -BeFalse
        $found | Out-String | Should -Match 'LedgerEntryUnsanitized'
    }

    It 'refuses a redact.txt linked to /dev/zero with RedactionFileInvalid' {
        New-Item -ItemType SymbolicLink -Path .swarm/redact.txt -Target /dev/zero | Out-Null
        { Test-SwarmLedger } | Should -Throw -ErrorId 'RedactionFileInvalid,SwarmPS.Cmdlets.TestSwarmLedgerCommand'
    }
}
