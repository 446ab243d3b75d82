#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
# SwarmPS installs the way PowerShell modules do: the package `build.ps1 -Task Package` makes is published to
# a local file repository with PSResourceGet (it ships with pwsh 7.4+), installed by name into a clean module
# path, and imported by name in a fresh pwsh that has nothing else on PSModulePath, where a cmdlet that needs
# the native SQLite works. The Test task runs Package before this file.
#
# Every PSResourceGet call runs in a child pwsh whose HOME is in TestDrive (and XDG_DATA_HOME unset), so the
# repository it registers ($HOME/.local/share/PSResourceGet) and the CurrentUser scope it installs into
# ($HOME/.local/share/powershell/Modules on Linux and macOS, whatever XDG_DATA_HOME says) are this test's own
# and never the operator's; the repository is unregistered all the same.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $RepoRoot 'build/PackageMetadata.ps1')

    $script:Version = ([xml] (Get-Content -Raw (Join-Path $RepoRoot 'Directory.Build.props'))).Project.PropertyGroup.Version |
        Where-Object { $_ } | Select-Object -First 1
    $script:PackageFolder = Join-Path $RepoRoot "out/SwarmPS/$Version"
    $script:Nupkg = Join-Path $RepoRoot "out/SwarmPS.$Version.nupkg"
    foreach ($path in $PackageFolder, $Nupkg) {
        if (-not (Test-Path $path)) {
            throw "The package is not built ($path): run './build.ps1 -Task Package' (the Test task does)."
        }
    }
    $built = (Get-FileHash (Join-Path $RepoRoot 'bin/SwarmPS.Cmdlets.dll')).Hash
    if ((Get-FileHash (Join-Path $PackageFolder 'bin/SwarmPS.Cmdlets.dll')).Hash -ne $built) {
        throw "$PackageFolder holds another build than bin/: run './build.ps1 -Task Package' again."
    }

    # Runs a script block in a fresh pwsh with this test's own HOME and returns what it wrote as JSON on its
    # RESULT line, or throws with everything it printed when it failed.
    function Invoke-IsolatedPwsh([scriptblock] $Script, [object[]] $Arguments = @()) {
        $out = Join-Path $TestDrive "child-$([guid]::NewGuid().ToString('N')).out"
        $saved = $env:HOME, $env:XDG_DATA_HOME
        $env:HOME = $script:TestHome
        $env:XDG_DATA_HOME = $null
        try {
            & $PwshPath -NoProfile -NonInteractive -OutputFormat Text -Command $Script -args $Arguments *> $out
        }
        finally {
            $env:HOME, $env:XDG_DATA_HOME = $saved
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

    $script:TestHome = Join-Path $TestDrive 'home'
    # Where PSResourceGet puts the CurrentUser scope on Linux and macOS.
    $script:CleanModules = Join-Path $TestHome '.local/share/powershell/Modules'
    $script:RepositoryFolder = Join-Path $TestDrive 'feed'
    # .NET returns no ApplicationData or LocalApplicationData folder that does not exist, and NuGet (inside
    # PSResourceGet) would then write NuGet/NuGet.Config into the working directory: make both.
    New-Item -ItemType Directory -Force -Path (Join-Path $TestHome '.config'), (Join-Path $TestHome '.local/share'), $RepositoryFolder | Out-Null
}

Describe 'Install-PSResource SwarmPS from a local repository' {
    BeforeAll {
        # Register, publish the nupkg build.ps1 made, install by name, unregister: one child, as an operator
        # would type it (the repository is trusted, so nothing prompts).
        $script:Installed = Invoke-IsolatedPwsh -Arguments $RepositoryFolder, $Nupkg -Script {
            param($Feed, $Nupkg)
            $ErrorActionPreference = 'Stop'
            $name = 'SwarmPSPackageTest'
            if (-not $HOME.StartsWith([IO.Path]::GetTempPath())) {
                throw "HOME is $HOME, not the test's own: installing would touch the operator's modules."
            }
            Register-PSResourceRepository -Name $name -Uri $Feed -Trusted
            try {
                Publish-PSResource -NupkgPath $Nupkg -Repository $name
                $found = Find-PSResource -Name SwarmPS -Repository $name
                Install-PSResource -Name SwarmPS -Repository $name -Scope CurrentUser -Quiet
                $installed = Get-InstalledPSResource -Name SwarmPS -Scope CurrentUser
            }
            finally {
                Unregister-PSResourceRepository -Name $name
            }
            $result = [ordered]@{
                Published    = @(Get-ChildItem -Path $Feed -Name)
                Version      = $found.Version.ToString()
                Tags         = @($found.Tags)
                ReleaseNotes = $found.ReleaseNotes
                Location     = $installed.InstalledLocation
                Repositories = @((Get-PSResourceRepository).Name)
            }
            'RESULT ' + ($result | ConvertTo-Json -Compress)
        }
        $script:ModuleFolder = Join-Path $CleanModules "SwarmPS/$Version"
    }

    It 'publishes the package to the file repository' {
        $Installed.Published | Should -Be @("SwarmPS.$Version.nupkg")
        $Installed.Version | Should -Be $Version
    }

    It 'carries the tags and the release notes of CHANGELOG.md' {
        $Installed.Tags | Should -Contain 'PSEdition_Core'
        $Installed.Tags | Should -Contain 'HPC'
        $Installed.ReleaseNotes | Should -Be (Get-SwarmReleaseNotes -Path (Join-Path $RepoRoot 'CHANGELOG.md') -Version $Version)
    }

    It 'installs into the clean CurrentUser module path, file for file the laid-out package' {
        $Installed.Location | Should -Be $CleanModules
        $expected = Get-ChildItem -Path $PackageFolder -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($PackageFolder, $_.FullName) } | Sort-Object
        $actual = Get-ChildItem -Path $ModuleFolder -Recurse -File | ForEach-Object { [IO.Path]::GetRelativePath($ModuleFolder, $_.FullName) } |
            Where-Object { $_ -ne 'PSGetModuleInfo.xml' } | Sort-Object
        $actual | Should -Be $expected
        # PSResourceGet's own record of the install, nothing else.
        Join-Path $ModuleFolder 'PSGetModuleInfo.xml' | Should -Exist
    }

    It 'installs the native SQLite of every platform the module ships for' {
        foreach ($native in 'linux-x64/native/libe_sqlite3.so', 'linux-arm64/native/libe_sqlite3.so',
            'osx-arm64/native/libe_sqlite3.dylib', 'win-x64/native/e_sqlite3.dll') {
            Join-Path $ModuleFolder "bin/dependencies/runtimes/$native" | Should -Exist
        }
    }

    It 'installs the pytorch.cpu trainer where the module looks for it, every source file of it' {
        # ModuleTrainer.Defaults (src/SwarmPS.Cmdlets) offers pytorch.cpu only when <module root>/trainers/pytorch_cpu/train.py exists.
        Join-Path $ModuleFolder 'trainers/pytorch_cpu/train.py' | Should -Exist
        $sources = Get-ChildItem -Path (Join-Path $RepoRoot 'trainers/pytorch_cpu') -Filter '*.py' -File | Select-Object -ExpandProperty Name | Sort-Object
        $installed = Get-ChildItem -Path (Join-Path $ModuleFolder 'trainers/pytorch_cpu') -File | Select-Object -ExpandProperty Name | Sort-Object
        $installed | Should -Be $sources
    }

    It 'leaves no repository registered' {
        $Installed.Repositories | Should -Not -Contain 'SwarmPSPackageTest'
    }

    Context 'imported by name in a fresh pwsh with only the clean path and $PSHOME/Modules' {
        BeforeAll {
            $script:Used = Invoke-IsolatedPwsh -Arguments $CleanModules, (Join-Path $TestDrive 'experiment') -Script {
                param($Modules, $Work)
                $ErrorActionPreference = 'Stop'
                # pwsh adds its user and shared paths at start-up; replace the whole list before importing.
                $env:PSModulePath = $Modules + [IO.Path]::PathSeparator + (Join-Path $PSHOME 'Modules')
                Import-Module SwarmPS
                $module = Get-Module SwarmPS
                # A cmdlet of the ledger: SQLite through Microsoft.Data.Sqlite and the native e_sqlite3.
                New-Item -ItemType Directory -Force -Path $Work | Out-Null
                git -C $Work init --quiet
                $null = Initialize-SwarmRepository -Path $Work -Confirm:$false
                $run = New-SwarmRun -Repository $Work -Statepoint @{ lr = 0.1; seed = 1 } -Confirm:$false
                $stored = Get-SwarmRun -Repository $Work -Id $run.Id
                # Which native SQLite the process mapped (Linux shows it in /proc/self/maps).
                $sqlite = @(if ($IsLinux) {
                        Get-Content /proc/self/maps | Where-Object { $_ -match '/native/[^/]*e_sqlite3' } | ForEach-Object { ($_ -split '\s+', 6)[5] } | Select-Object -Unique
                    })
                $result = [ordered]@{
                    ModuleBase   = $module.ModuleBase
                    Version      = $module.Version.ToString()
                    Cmdlets      = $module.ExportedCmdlets.Count
                    StoredId     = $stored.Id
                    RunId        = $run.Id
                    Statepoint   = "$($stored.Statepoint)"
                    Status       = "$($stored.Status)"
                    NativeSqlite = $sqlite
                    Synopsis     = (Get-Help Get-SwarmRun).Synopsis
                    ReleaseNotes = $module.ReleaseNotes
                }
                'RESULT ' + ($result | ConvertTo-Json -Compress)
            }
        }

        It 'loads the installed copy, not the clone' {
            $Used.ModuleBase | Should -Be $ModuleFolder
            $Used.Version | Should -Be $Version
            $Used.Cmdlets | Should -Be @((Import-PowerShellDataFile $ModuleManifest).CmdletsToExport).Count
        }

        It 'stores and reads a run in SQLite' {
            $Used.StoredId | Should -Be $Used.RunId
            $Used.Statepoint | Should -Be '{"lr":0.1,"seed":1}'
            $Used.Status | Should -Be 'Created'
        }

        It 'loads the native SQLite from the installed package' -Skip:(-not $IsLinux) {
            @($Used.NativeSqlite) | Should -HaveCount 1
            @($Used.NativeSqlite)[0] | Should -BeLike "$ModuleFolder/bin/dependencies/runtimes/*/native/libe_sqlite3.so"
        }

        It 'finds the MAML help in the package' {
            $Used.Synopsis | Should -Not -BeNullOrEmpty
            $Used.Synopsis | Should -Not -Match '^\s*Get-SwarmRun\s'
        }

        It 'reports the release notes through Get-Module' {
            $Used.ReleaseNotes | Should -Be $Installed.ReleaseNotes
        }
    }
}

Describe 'Get-SwarmReleaseNotes (build/PackageMetadata.ps1)' {
    BeforeAll {
        function New-Changelog([string] $Text) {
            $path = Join-Path $TestDrive "CHANGELOG-$([guid]::NewGuid().ToString('N')).md"
            Set-Content -Path $path -Value $Text
            $path
        }
    }

    It 'takes the section of the version up to the next version' {
        $path = New-Changelog "# Changelog`n`n## [0.2.0] - 2027-01-01`n- newer`n`n## [0.1.0] - 2026-12-01`n### Added`n- first`n`n## [0.0.1]`n- older"
        Get-SwarmReleaseNotes -Path $path -Version 0.1.0 | Should -Be "### Added`n- first"
    }

    It 'takes the last section to the end of the file' {
        $path = New-Changelog "## [0.1.0]`n- only`n"
        Get-SwarmReleaseNotes -Path $path -Version 0.1.0 | Should -Be '- only'
    }

    It 'does not take a version that only starts the same' {
        $path = New-Changelog "## [0.1.0-beta]`n- beta`n`n## [0.1.0]`n- release"
        Get-SwarmReleaseNotes -Path $path -Version 0.1.0 | Should -Be '- release'
    }

    It 'refuses a changelog without the version, naming the heading to add' {
        $path = New-Changelog "## [0.0.9]`n- older"
        { Get-SwarmReleaseNotes -Path $path -Version 0.1.0 } | Should -Throw "*no section for 0.1.0*Add '## ``[0.1.0``] - <date>'*"
    }

    It 'refuses an empty section' {
        $path = New-Changelog "## [0.1.0]`n`n## [0.0.9]`n- older"
        { Get-SwarmReleaseNotes -Path $path -Version 0.1.0 } | Should -Throw '*section for 0.1.0 is empty*'
    }

    It 'refuses a missing changelog' {
        { Get-SwarmReleaseNotes -Path (Join-Path $TestDrive 'none.md') -Version 0.1.0 } | Should -Throw '*does not exist*'
    }
}

Describe 'Get-SwarmProjectUri (build/PackageMetadata.ps1)' {
    It 'gives <Origin> as <Expected>' -TestCases @(
        @{ Origin = 'https://github.com/swarmps/SwarmPS.git'; Expected = 'https://github.com/swarmps/SwarmPS' }
        @{ Origin = 'https://git.example.org/hpc/swarmps'; Expected = 'https://git.example.org/hpc/swarmps' }
        @{ Origin = 'git@github.com:swarmps/SwarmPS.git'; Expected = 'https://github.com/swarmps/SwarmPS' }
        @{ Origin = 'https://bob:ghp_secret@github.com/swarmps/SwarmPS.git'; Expected = 'https://github.com/swarmps/SwarmPS' }
    ) {
        $clone = Join-Path $TestDrive "clone-$([guid]::NewGuid().ToString('N'))"
        git init --quiet $clone
        git -C $clone remote add origin $Origin
        Get-SwarmProjectUri -RepositoryRoot $clone | Should -Be $Expected
    }

    It 'gives nothing for <Case>' -TestCases @(
        @{ Case = 'a clone without origin'; Origin = $null }
        @{ Case = 'a local path'; Origin = '/srv/git/swarmps.git' }
        @{ Case = 'an ssh:// remote'; Origin = 'ssh://git@host:2222/swarmps.git' }
    ) {
        $clone = Join-Path $TestDrive "clone-$([guid]::NewGuid().ToString('N'))"
        git init --quiet $clone
        if ($Origin) {
            git -C $clone remote add origin $Origin
        }
        Get-SwarmProjectUri -RepositoryRoot $clone | Should -BeNullOrEmpty
    }

    It 'gives nothing outside a git clone' {
        Get-SwarmProjectUri -RepositoryRoot (New-Item -ItemType Directory -Path (Join-Path $TestDrive 'plain')).FullName | Should -BeNullOrEmpty
    }
}

Describe 'ConvertTo-SwarmPackagedManifest (build/PackageMetadata.ps1)' {
    BeforeAll {
        $script:Source = Get-Content -Raw -Path $ModuleManifest
    }

    It 'stamps the version, the release notes and the project URI into the real manifest' {
        $notes = "### Added`n- it's ""quoted"", `$(not expanded) and multi-line"
        $stamped = ConvertTo-SwarmPackagedManifest -Text $Source -Version 9.8.7 -ReleaseNotes $notes -ProjectUri 'https://git.example.org/swarmps'
        $path = Join-Path $TestDrive 'stamped.psd1'
        Set-Content -Path $path -Value $stamped -NoNewline
        $data = Import-PowerShellDataFile -Path $path
        $data.ModuleVersion | Should -Be '9.8.7'
        $data.PrivateData.PSData.ReleaseNotes | Should -BeExactly $notes
        $data.PrivateData.PSData.ProjectUri | Should -Be 'https://git.example.org/swarmps'
        $data.PrivateData.PSData.Tags | Should -Be (Import-PowerShellDataFile -Path $ModuleManifest).PrivateData.PSData.Tags
        $data.CmdletsToExport | Should -Be (Import-PowerShellDataFile -Path $ModuleManifest).CmdletsToExport
    }

    It 'adds no ProjectUri when there is none' {
        $stamped = ConvertTo-SwarmPackagedManifest -Text $Source -Version 0.1.0 -ReleaseNotes '- notes'
        $stamped | Should -Not -Match '(?m)^\s*ProjectUri\s*='
    }

    It 'refuses a manifest without the ReleaseNotes line it fills in' {
        $withoutLine = $Source -replace "(?m)^\s*ReleaseNotes\s*=\s*''\s*$", ''
        { ConvertTo-SwarmPackagedManifest -Text $withoutLine -Version 0.1.0 -ReleaseNotes '- notes' } |
            Should -Throw "*ReleaseNotes = '' line*"
    }
}
