# How SwarmPS loads in a real pwsh: every way an operator imports it, and beside other modules' copies of
# its own dependencies (YamlDotNet 13, Microsoft.Data.Sqlite 8 with SQLitePCLRaw 2.1 and their native
# e_sqlite3) in PowerShell's default load context, in both orders. Every case runs in a fresh child pwsh:
# a module's assemblies never unload, so this session proves nothing about a first import.
#
# The foreign assemblies come from the NuGet feed (build/tools.proj, restored into obj/tools/packages by
# build.ps1 -Task Test). docs/architecture.md, "Loading", explains the pattern these tests hold in place.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Packages = Join-Path $RepoRoot 'obj/tools/packages'
    $script:CampaignPath = Join-Path $ExamplesRoot 'federated-chat/campaign.yaml'

    # Runs a script block in a fresh pwsh (the one this session runs: $PSHOME/pwsh) and returns what it
    # wrote as JSON, or throws with everything it printed when it failed.
    function Invoke-FreshPwsh([scriptblock] $Script, [object[]] $Arguments = @(), [string] $WorkingDirectory = $RepoRoot) {
        $out = Join-Path $TestDrive "fresh-$([guid]::NewGuid().ToString('N')).out"
        Push-Location $WorkingDirectory
        try {
            & $PwshPath -NoProfile -NonInteractive -OutputFormat Text -Command $Script -args $Arguments *> $out
        }
        finally {
            Pop-Location
        }
        $text = Get-Content -Raw -Path $out
        if ($LASTEXITCODE -ne 0) {
            throw "The child pwsh failed (exit code $LASTEXITCODE):`n$text"
        }
        $json = ($text -split "`n" | Where-Object { $_ -like 'RESULT *' } | Select-Object -Last 1) -replace '^RESULT '
        if (-not $json) {
            throw "The child pwsh printed no RESULT line:`n$text"
        }
        $json | ConvertFrom-Json
    }

    # One cmdlet of each pillar that works in-process, written so each child can call it after importing.
    # Sites, Campaigns (YAML), Exchange (agent ids), Scheduler (planning), Launch (events), Ledger (SQLite).
    $script:UseEveryPillar = {
        param($Work, $CampaignPath)
        $ErrorActionPreference = 'Stop'
        $repository = New-Item -ItemType Directory -Force -Path (Join-Path $Work ([guid]::NewGuid().ToString('N')))
        git -C $repository init --quiet
        $null = Initialize-SwarmRepository -Path $repository -Confirm:$false
        $run = New-SwarmRun -Repository $repository -Statepoint @{ lr = 0.1 } -Confirm:$false
        $events = Join-Path $repository 'events.jsonl'
        Set-Content -Path $events -Value '{"ts":"2026-12-01T09:00:00.000Z","site":"alpha","agent":"ping","kind":"agent_started"}'
        [ordered]@{
            Site      = (Get-SwarmSite local).Name
            Agents    = @((Import-SwarmCampaign $CampaignPath).Agents).Count
            AgentId   = (Get-SwarmAgentId -RunId demo-001 -Name agent-a).Id.ToString()
            Tasks     = (New-SwarmJobPlan -Tasks (New-SwarmTaskSet -Axis @{ lr = 0.1, 0.2 }) -Site local -Command bash, -c, 'exit 0').TaskCount
            Events    = @(Get-SwarmEvent -Path $events).Count
            RunStored = (Get-SwarmRun -Repository $repository -Id $run.Id).Id -eq $run.Id
        }
    }
}

Describe 'Importing SwarmPS in a fresh pwsh' {
    It 'imports <How> and every pillar works' -TestCases @(
        @{ How = 'by relative path from the clone'; Import = { Import-Module ./SwarmPS.psd1 } }
        @{ How = 'by name from PSModulePath'; Import = {
                # A module folder must be named after the module: link one to the clone.
                $modules = Join-Path ([IO.Path]::GetTempPath()) "swarmps-modules-$PID"
                New-Item -ItemType Directory -Force -Path $modules | Out-Null
                New-Item -ItemType SymbolicLink -Force -Path (Join-Path $modules 'SwarmPS') -Target $PWD.Path | Out-Null
                $env:PSModulePath = $modules + [IO.Path]::PathSeparator + $env:PSModulePath
                Import-Module SwarmPS
                if ((Get-Module SwarmPS).ModuleBase -ne (Join-Path $modules 'SwarmPS')) { throw "imported from $((Get-Module SwarmPS).ModuleBase)" }
            }
        }
        @{ How = 'with -Force twice'; Import = { Import-Module ./SwarmPS.psd1 -Force; Import-Module ./SwarmPS.psd1 -Force } }
        @{ How = 'again after Remove-Module'; Import = {
                Import-Module ./SwarmPS.psd1
                $null = Get-SwarmAgentId -RunId demo-001 -Name agent-a
                Remove-Module SwarmPS
                Import-Module ./SwarmPS.psd1
            }
        }
    ) {
        $result = Invoke-FreshPwsh -Script {
            param($Import, $Use, $Work, $CampaignPath)
            $ErrorActionPreference = 'Stop'
            & ([scriptblock]::Create($Import))
            $used = & ([scriptblock]::Create($Use)) $Work $CampaignPath
            'RESULT ' + ($used | ConvertTo-Json -Compress)
        } -Arguments $Import.ToString(), $UseEveryPillar.ToString(), $TestDrive, $CampaignPath

        $result.Site | Should -Be 'local'
        $result.Agents | Should -Be 2
        $result.AgentId | Should -Be 'bf4054fa-595d-51a7-b606-b747510f14cb'
        $result.Tasks | Should -Be 2
        $result.Events | Should -Be 1
        $result.RunStored | Should -BeTrue
    }

    It 'imports in a child pwsh started by Start-Job from a session that has it imported' {
        $job = Start-Job -ScriptBlock {
            param($Manifest)
            Import-Module $Manifest -ErrorAction Stop
            (Get-SwarmAgentId -RunId demo-001 -Name agent-a).Id.ToString()
        } -ArgumentList $ModuleManifest
        try {
            $job | Wait-Job -Timeout 60 | Receive-Job -ErrorAction Stop | Should -Be 'bf4054fa-595d-51a7-b606-b747510f14cb'
        }
        finally {
            $job | Remove-Job -Force
        }
    }

    It 'imports in under a second in a fresh session' {
        # The figure itself is measured by bench/import.ps1 (docs/benchmarks.md); this guards a regression
        # of an order of magnitude (a scan that loads the engine, a resolver that probes the disk per type).
        $result = Invoke-FreshPwsh -Script {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            Import-Module ./SwarmPS.psd1 -ErrorAction Stop
            'RESULT ' + (@{ Ms = $watch.Elapsed.TotalMilliseconds } | ConvertTo-Json -Compress)
        }
        $result.Ms | Should -BeLessThan 5000
    }
}

Describe 'SwarmPS beside other copies of YamlDotNet and SQLite' {
    BeforeAll {
        # What another module ships: YamlDotNet 13 and Microsoft.Data.Sqlite 8 over SQLitePCLRaw 2.1 with its
        # own native e_sqlite3, in one folder, loaded into the default context with Add-Type -Path as
        # powershell-yaml and SQLite-shipping modules do.
        $script:Foreign = New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'foreign')
        $rid = "$(if ($IsMacOS) { 'osx' } elseif ($IsWindows) { 'win' } else { 'linux' })-$([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant())"
        $files = @(
            'yamldotnet/13.7.1/lib/net7.0/YamlDotNet.dll'
            'microsoft.data.sqlite.core/8.0.34/lib/net8.0/Microsoft.Data.Sqlite.dll'
            'sqlitepclraw.core/2.1.11/lib/netstandard2.0/SQLitePCLRaw.core.dll'
            'sqlitepclraw.provider.e_sqlite3/2.1.11/lib/net6.0/SQLitePCLRaw.provider.e_sqlite3.dll'
        )
        $files += Get-ChildItem (Join-Path $Packages "sqlitepclraw.lib.e_sqlite3/2.1.11/runtimes/$rid/native") -File |
            ForEach-Object { [IO.Path]::GetRelativePath($Packages, $_.FullName) }
        foreach ($file in $files) {
            $source = Join-Path $Packages $file
            if (-not (Test-Path $source)) {
                throw "$source is missing: restore the test tools first (dotnet restore build/tools.proj --packages obj/tools/packages, which build.ps1 -Task Test does)."
            }
            Copy-Item -Path $source -Destination $Foreign
        }

        # Loads the foreign assemblies and proves they work: YAML parsed, a SQLite query answered.
        $script:UseForeign = {
            param($Folder)
            foreach ($name in 'YamlDotNet', 'SQLitePCLRaw.core', 'SQLitePCLRaw.provider.e_sqlite3', 'Microsoft.Data.Sqlite') {
                Add-Type -Path (Join-Path $Folder "$name.dll")
            }
            [SQLitePCL.raw]::SetProvider([SQLitePCL.SQLite3Provider_e_sqlite3]::new())
            $yaml = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build().Deserialize[object]('answer: 42')
            $connection = [Microsoft.Data.Sqlite.SqliteConnection]::new('Data Source=:memory:')
            $connection.Open()
            $command = $connection.CreateCommand()
            $command.CommandText = 'select sqlite_version()'
            $version = $command.ExecuteScalar()
            $connection.Dispose()
            @{ Yaml = $yaml['answer']; SqliteVersion = $version }
        }

        # Which assembly of each name is loaded in which context, and which e_sqlite3 files are mapped.
        $script:Inventory = {
            $assemblies = [AppDomain]::CurrentDomain.GetAssemblies() |
                Where-Object { $_.GetName().Name -in 'YamlDotNet', 'Microsoft.Data.Sqlite', 'SQLitePCLRaw.core', 'SwarmPS.Engine' } |
                ForEach-Object { '{0} {1} {2}' -f $_.GetName().Name, $_.GetName().Version, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).Name }
            $native = if (Test-Path /proc/self/maps) {
                Get-Content /proc/self/maps | ForEach-Object { ($_ -split '\s+', 6)[5] } | Where-Object { $_ -like '*e_sqlite3*' } | Sort-Object -Unique
            }
            @{ Assemblies = @($assemblies | Sort-Object); Native = @($native) }
        }
    }

    It 'works with <Order>' -TestCases @(
        @{ Order = 'the other copies loaded first' }
        @{ Order = 'SwarmPS loaded first' }
    ) {
        $result = Invoke-FreshPwsh -Script {
            param($Order, $Foreign, $UseForeign, $UseEveryPillar, $Inventory, $Work, $CampaignPath)
            $ErrorActionPreference = 'Stop'
            $useForeign = [scriptblock]::Create($UseForeign)
            if ($Order -like 'the other*') {
                $foreignResult = & $useForeign $Foreign
                Import-Module ./SwarmPS.psd1
                $swarm = & ([scriptblock]::Create($UseEveryPillar)) $Work $CampaignPath
            }
            else {
                Import-Module ./SwarmPS.psd1
                $swarm = & ([scriptblock]::Create($UseEveryPillar)) $Work $CampaignPath
                $foreignResult = & $useForeign $Foreign
            }
            # Both keep working after the other arrived.
            $again = & ([scriptblock]::Create($UseEveryPillar)) $Work $CampaignPath
            $foreignAgain = & $useForeign $Foreign
            'RESULT ' + (@{ Foreign = $foreignResult; ForeignAgain = $foreignAgain; Swarm = $swarm; SwarmAgain = $again; Inventory = (& ([scriptblock]::Create($Inventory))) } | ConvertTo-Json -Depth 5 -Compress)
        } -Arguments $Order, $Foreign.FullName, $UseForeign.ToString(), $UseEveryPillar.ToString(), $Inventory.ToString(), $TestDrive, $CampaignPath

        foreach ($swarm in $result.Swarm, $result.SwarmAgain) {
            $swarm.Agents | Should -Be 2
            $swarm.RunStored | Should -BeTrue
            $swarm.Tasks | Should -Be 2
        }
        foreach ($other in $result.Foreign, $result.ForeignAgain) {
            $other.Yaml | Should -Be '42'
            $other.SqliteVersion | Should -Match '^3\.\d+\.\d+$'
        }
        $result.Inventory.Assemblies | Should -Contain 'YamlDotNet 13.0.0.0 Default'
        $result.Inventory.Assemblies | Should -Contain 'YamlDotNet 16.0.0.0 SwarmPS.Dependencies'
        $result.Inventory.Assemblies | Should -Contain 'SwarmPS.Engine 0.1.0.0 SwarmPS.Dependencies'
        ($result.Inventory.Assemblies -like 'Microsoft.Data.Sqlite 8.* Default') | Should -HaveCount 1
        ($result.Inventory.Assemblies -like 'Microsoft.Data.Sqlite 9.* SwarmPS.Dependencies') | Should -HaveCount 1
        if ($IsLinux) {
            # Two native SQLites, each from its own folder: the module's own and the other module's.
            $result.Inventory.Native | Should -Contain (Join-Path $RepoRoot 'bin/dependencies/runtimes/linux-x64/native/libe_sqlite3.so')
            $result.Inventory.Native | Should -Contain (Join-Path $Foreign.FullName 'libe_sqlite3.so')
        }
    }
}

Describe 'Naming SwarmPS output types in scripts' {
    # The engine lives in its own load context, which PowerShell's type resolution does not search, so a
    # type literal such as [SwarmPS.Engine.Campaigns.Campaign] does not resolve. What works is the type
    # name PowerShell reports (PSTypeNames), which is also what [OutputType('...')] takes as a string.
    # docs/architecture.md ("Output types in scripts") says so; no doc shows a literal.
    It 'matches an output object by its type name' {
        $campaign = Import-SwarmCampaign (Join-Path $ExamplesRoot 'federated-chat/campaign.yaml')
        $campaign.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Campaigns.Campaign'
        $campaign.PSObject.TypeNames -contains 'SwarmPS.Engine.Campaigns.Campaign' | Should -BeTrue
    }

    It 'takes the type name as a string in an operator''s own [OutputType]' {
        function Get-MyCampaign {
            [OutputType('SwarmPS.Engine.Campaigns.Campaign')]
            param()
            Import-SwarmCampaign (Join-Path $ExamplesRoot 'federated-chat/campaign.yaml')
        }
        (Get-Command Get-MyCampaign).OutputType.Name | Should -Be 'SwarmPS.Engine.Campaigns.Campaign'
        (Get-MyCampaign).PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Campaigns.Campaign'
    }

    It 'does not resolve an engine type literal (the documented limit)' {
        { [scriptblock]::Create('[SwarmPS.Engine.Campaigns.Campaign]').Invoke() } | Should -Throw '*Unable to find type*'
    }

    It 'compares enum-valued properties as strings' {
        $campaign = Join-Path $TestDrive 'unknown-site.yaml'
        Set-Content -Path $campaign -Value "name: x`ninitial_agent: a`nuser_task: go`nagents:`n  - {name: a, site: nowhere, command: [run]}`n"
        $finding = Test-SwarmCampaign -Path $campaign | Where-Object Code -eq 'SiteUnknown'
        $finding.Severity -eq 'Error' | Should -BeTrue
        $finding.Severity -eq 'error' | Should -BeTrue
    }

    It 'shows no engine type literal in the README, docs, help or examples' {
        $files = Get-ChildItem -Path (Join-Path $RepoRoot 'README.md'), (Join-Path $RepoRoot 'docs'), (Join-Path $RepoRoot 'help'), (Join-Path $RepoRoot 'examples'), (Join-Path $RepoRoot 'module') -Recurse -File
        $hits = $files | Select-String -Pattern '\[SwarmPS\.Engine\.[A-Za-z.]+\](?!\()' | ForEach-Object { "$($_.Path):$($_.LineNumber): $($_.Line.Trim())" }
        $hits | Should -BeNullOrEmpty
    }
}
