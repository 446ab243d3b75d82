#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, documents, packages and demonstrates SwarmPS.

.DESCRIPTION
    Plain PowerShell 7: no build module is required. Tasks run in the order given, each at most once;
    a task that needs the module built (Package, Demo, TrainingDemo) builds it first, incrementally.
    `pwsh ./build.ps1 -Task Help` lists the tasks with their one-line synopsis.

.EXAMPLE
    pwsh ./build.ps1                          # Build (Release) and verify the laid-out module in bin/

.EXAMPLE
    pwsh ./build.ps1 -Task Build, Test        # build, run xunit, then Pester 5 when it is installed

.EXAMPLE
    pwsh ./build.ps1 -Task Docs, Package      # MAML help, then out/SwarmPS/<version>/
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Package', 'Docs', 'Demo', 'TrainingDemo', 'Clean', 'Help')]
    [string[]] $Task = 'Build',

    [string] $Configuration = 'Release',

    # Demo only: the exchange's backend (RabbitMq: two gateways on the broker of tests/infra/start-rabbitmq.sh, started if needed).
    [ValidateSet('Sqlite', 'RabbitMq')]
    [string] $Backend = 'Sqlite',

    # Demo only: also show the run live in the browser dashboard, kept up 5 minutes after the agents end.
    [switch] $Dashboard
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$Root = $PSScriptRoot
$Solution = Join-Path $Root 'SwarmPS.sln'
$Manifest = Join-Path $Root 'SwarmPS.psd1'
$ModuleBin = Join-Path $Root 'bin'
# PowerShell looks for a module's MAML and about_ topics in <ModuleBase>/<culture>/, next to the manifest.
$HelpOutput = Join-Path $Root 'en-US'
$CompletedTasks = [System.Collections.Generic.HashSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)

# ---------------------------------------------------------------------------------------------------------
# Tasks: each is Invoke-Task<Name> with a "# Synopsis:" line above it (the Help task lists those lines).
# ---------------------------------------------------------------------------------------------------------

# Synopsis: Compile the solution (skipped when no source is newer than bin/) and verify the laid-out module.
function Invoke-TaskBuild {
    $stamp = Join-Path $Root "obj/build.ps1.$Configuration.stamp"
    $newerSource = Get-NewerSource -Than $stamp
    if ($null -eq $newerSource) {
        Write-Host "Build: up to date ($Configuration); nothing under src/ or tests/ is newer than the last build."
    }
    else {
        Write-Host "Build: $newerSource changed; running dotnet build ($Configuration)."
        Invoke-Native dotnet 'build', $Solution, '--configuration', $Configuration, '--nologo'
        New-Item -ItemType Directory -Force -Path (Split-Path $stamp) | Out-Null
        Set-Content -Path $stamp -Value (Get-Date -Format o)
    }

    Assert-ModuleLayout
    Assert-ManifestVersion
}

# Synopsis: Everything CI checks: xunit (dotnet test), the MAML help, the package, the Pester suite in a fresh pwsh (with the README tour and the install from a PSResourceGet repository), then the Demo.
function Invoke-TaskTest {
    $counts = [ordered]@{ Passed = 0; Failed = 0; Skipped = 0 }
    Invoke-XunitSuite -Counts $counts
    # The help acceptance tests (tests/pester/Help.Tests.ps1) need the MAML; Docs builds and checks it.
    Invoke-Task Docs
    # tests/pester/Package.Tests.ps1 publishes and installs the package this makes.
    Invoke-Task Package
    Invoke-PesterSuite -Counts $counts
    Invoke-Task Demo
    # One plain closing line for whoever reads the log last (CI does).
    Write-Host ("Test: {0} passed, {1} failed, {2} skipped" -f $counts.Passed, $counts.Failed, $counts.Skipped)
}

# Synopsis: Turn help/*.md into MAML (en-US/SwarmPS.Cmdlets.dll-Help.xml, no PlatyPS), place the about_ topic beside it, and fail when a page disagrees with its cmdlet.
function Invoke-TaskDocs {
    # The pages are checked against the built cmdlets.
    Invoke-Task Build

    # First the check. Get-Command's metadata comes from a fresh pwsh (the module's assemblies never
    # unload, so this session never imports it). Exit 0: the pages agree; 1: findings; 2: it could not run.
    $check = {
        param($RepositoryRoot)
        try {
            $ErrorActionPreference = 'Stop'
            . (Join-Path $RepositoryRoot 'build/HelpToMaml.ps1')
            . (Join-Path $RepositoryRoot 'build/HelpConformance.ps1')
            $module = Import-Module (Join-Path $RepositoryRoot 'SwarmPS.psd1') -PassThru
            $findings = @(Test-SwarmHelpConformance -HelpPath (Join-Path $RepositoryRoot 'help') -Module $module)
        }
        catch {
            [Console]::Error.WriteLine("Docs: the help check could not run: $_")
            exit 2
        }
        foreach ($finding in $findings) {
            [Console]::Error.WriteLine($finding.Message)
        }
        if ($findings.Count -gt 0) {
            [Console]::Error.WriteLine("Docs: $($findings.Count) disagreement(s) between help/*.md and the cmdlets.")
        }
        exit [int] ($findings.Count -gt 0)
    }
    # $PSHOME/pwsh, not this process's path (that is dotnet when pwsh runs as a dotnet tool).
    $pwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })
    & $pwsh -NoProfile -NonInteractive -Command $check -args $Root
    if ($LASTEXITCODE -eq 1) {
        throw 'Docs: help/*.md disagrees with the cmdlets (each finding above names the page, the parameter and the fix). Correct the pages: the cmdlets are the truth.'
    }
    if ($LASTEXITCODE -ne 0) {
        throw "Docs: the help check failed to run (exit code $LASTEXITCODE); see the message above."
    }
    Write-Host 'Docs: every help page agrees with its cmdlet (parameters, types, sets, positions, pipeline input, syntax).'

    # Only checked pages become MAML. The converter needs no module, so it runs here. PowerShell finds
    # the MAML in <ModuleBase>/en-US/, and ModuleBase is the folder of SwarmPS.psd1 (the repository root,
    # or the packaged version folder).
    . (Join-Path $Root 'build/HelpToMaml.ps1')
    $maml = Convert-SwarmHelpToMaml -Path (Join-Path $Root 'help') -OutputPath (Join-Path $HelpOutput 'SwarmPS.Cmdlets.dll-Help.xml')
    Copy-Item -Path (Join-Path $Root 'module/about_*.help.txt') -Destination $HelpOutput -Force
    Write-Host "Docs: MAML help written to $($maml.FullName)"
}

# Synopsis: The module package: out/SwarmPS/<version>/ as it installs (manifest stamped with the version, the CHANGELOG's release notes and the project URI) and out/SwarmPS.<version>.nupkg for Publish-PSResource -NupkgPath.
function Invoke-TaskPackage {
    Invoke-Task Build

    $version = Get-ModuleVersion
    $target = Join-Path $Root "out/SwarmPS/$version"
    if (Test-Path $target) {
        Remove-Item -Recurse -Force $target
    }
    New-Item -ItemType Directory -Force -Path $target | Out-Null

    Copy-Item -Recurse -Path $ModuleBin -Destination (Join-Path $target 'bin')
    Copy-Item -Recurse -Path (Join-Path $Root 'module') -Destination (Join-Path $target 'module')
    # The launcher for callers that are not PowerShell (docs/launcher.md): the script and its sh wrapper,
    # which must stay executable so `<module>/module/swarmps` runs as a command. No file may be named after the
    # package (swarmps.ps1): PSResourceGet would install the package as something other than a module.
    foreach ($launcher in 'module/swarmps-cli.ps1', 'module/swarmps') {
        if (-not (Test-Path (Join-Path $target $launcher))) {
            throw "Package: $launcher is missing from $target; callers outside PowerShell would have no swarmps."
        }
    }
    if (-not $IsWindows -and -not ((Get-Item (Join-Path $target 'module/swarmps')).UnixFileMode -band [IO.UnixFileMode]::UserExecute)) {
        throw "Package: module/swarmps in $target is not executable; run git update-index --chmod=+x module/swarmps and package again."
    }
    # The pytorch.cpu trainer: the module finds it at <module root>/trainers/pytorch_cpu/train.py
    # (src/SwarmPS.Cmdlets/ModuleTrainer.cs). Its sources only, never a __pycache__ of a local run.
    $pytorchTrainer = Join-Path $target 'trainers/pytorch_cpu'
    New-Item -ItemType Directory -Force -Path $pytorchTrainer | Out-Null
    Copy-Item -Path (Join-Path $Root 'trainers/pytorch_cpu/*.py') -Destination $pytorchTrainer
    if (-not (Test-Path (Join-Path $pytorchTrainer 'train.py'))) {
        throw "Package: trainers/pytorch_cpu/train.py is missing from $target; the installed module would have no pytorch.cpu trainer."
    }
    # The MAML and about_ topic, always current: Docs rebuilds them from help/ and checks the pages.
    Invoke-Task Docs
    Copy-Item -Recurse -Path $HelpOutput -Destination (Join-Path $target 'en-US')
    foreach ($file in 'README.md', 'CHANGELOG.md', 'LICENSE', 'LICENSE.md', 'LICENSE.txt') {
        $path = Join-Path $Root $file
        if (Test-Path $path) {
            Copy-Item -Path $path -Destination $target
        }
    }

    # The version lives in Directory.Build.props only, the release notes in CHANGELOG.md only; the packaged
    # manifest takes both from there, and the project URI from the clone's origin remote when it has one.
    . (Join-Path $Root 'build/PackageMetadata.ps1')
    $releaseNotes = Get-SwarmReleaseNotes -Path (Join-Path $Root 'CHANGELOG.md') -Version $version
    $projectUri = Get-SwarmProjectUri -RepositoryRoot $Root
    if (-not $projectUri) {
        Write-Host 'Package: the clone has no https (or git@host:) origin remote; the manifest gets no ProjectUri.'
    }
    $packagedManifest = Join-Path $target 'SwarmPS.psd1'
    $stamped = ConvertTo-SwarmPackagedManifest -Text (Get-Content -Raw -Path $Manifest) -Version $version -ReleaseNotes $releaseNotes -ProjectUri $projectUri
    Set-Content -Path $packagedManifest -Value $stamped -NoNewline
    $data = Import-PowerShellDataFile -Path $packagedManifest
    foreach ($format in $data.FormatsToProcess) {
        if (-not (Test-Path (Join-Path $target $format))) {
            throw "Package: $format (FormatsToProcess) is missing from $target."
        }
    }
    foreach ($help in 'en-US/SwarmPS.Cmdlets.dll-Help.xml', 'en-US/about_SwarmPS.help.txt') {
        if (-not (Test-Path (Join-Path $target $help))) {
            throw "Package: $help is missing from $target; Get-Help would show syntax only."
        }
    }

    # The same folder as a NuGet package, as Publish-PSResource makes it (PSResourceGet ships with pwsh 7.4+).
    $nupkg = Join-Path $Root "out/SwarmPS.$version.nupkg"
    Remove-Item -Path $nupkg -ErrorAction Ignore
    Compress-PSResource -Path $target -DestinationPath (Join-Path $Root 'out')
    if (-not (Test-Path $nupkg)) {
        throw "Package: Compress-PSResource wrote no $nupkg; see its output above."
    }
    Write-Host "Package: SwarmPS $version laid out in $target and packed as $nupkg"
}

# Synopsis: The live federated demo (examples/federated-chat/Invoke-Demo.ps1) in a fresh pwsh: exchange (-Backend RabbitMq: two gateways on a broker), sites alpha and beta as detached launchers, kickoff, wait, merged timeline, stop everything.
function Invoke-TaskDemo {
    # The figure docs/benchmarks.md records (goal: the federated demo end to end in under 30 s).
    $arguments = @{}
    if ($Backend -eq 'RabbitMq') {
        # The project's own broker on 127.0.0.1:5673 (idempotent: an already running one is reused).
        & bash (Join-Path $Root 'tests/infra/start-rabbitmq.sh') | Out-Null
        if ($LASTEXITCODE -ne 0) {
            throw "Demo -Backend RabbitMq: tests/infra/start-rabbitmq.sh failed (exit code $LASTEXITCODE); see its output above."
        }
        $arguments.Backend = 'RabbitMq'
    }
    if ($Dashboard) {
        $arguments.Dashboard = $true
    }
    Invoke-DemoScript -Name Demo -Script 'examples/federated-chat/Invoke-Demo.ps1' -TimeoutSeconds 120 -Arguments $arguments
}

# Synopsis: The live federated fine-tuning demo (examples/training/Invoke-TrainingDemo.ps1) in a fresh pwsh: exchange, alpha (coordinator, c1 dotnet.cpu) and beta (c2 pytorch.cpu), live status, verdicts, replays, held-out loss, snapshot, evidence, ledger, one drill.
function Invoke-TaskTrainingDemo {
    # Not part of Test: tests/pester/TrainingLive.Tests.ps1 and TrainingDrills.Tests.ps1 already run the same
    # live run and every drill there.
    Invoke-DemoScript -Name TrainingDemo -Script 'examples/training/Invoke-TrainingDemo.ps1' -TimeoutSeconds 150 `
        -Hint ' (rerun the script with -Keep to read the run''s files)'
}

# Runs a demo script in a fresh pwsh after the build (the module's assemblies cannot be unloaded, and the
# demo's tokens must not outlive it) and prints how long it took, fresh pwsh to everything stopped.
function Invoke-DemoScript([string] $Name, [string] $Script, [int] $TimeoutSeconds, [string] $Hint = '', [hashtable] $Arguments = @{}) {
    Invoke-Task Build
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    # A switch goes alone (-Dashboard); anything else as -Name value.
    $extra = foreach ($key in $Arguments.Keys) { "-$key"; if ($Arguments[$key] -isnot [bool]) { $Arguments[$key] } }
    & (Get-PwshPath) -NoProfile -NonInteractive -File (Join-Path $Root $Script) -ManifestPath $Manifest -TimeoutSeconds $TimeoutSeconds @extra
    if ($LASTEXITCODE -ne 0) {
        throw "$Name failed (exit code $LASTEXITCODE); see the output above$Hint."
    }
    Write-Host ("{0}: fresh pwsh to everything stopped in {1:N1} s" -f $Name, $watch.Elapsed.TotalSeconds)
}

# Synopsis: Remove every build output: bin/, out/, en-US/, obj/ and each project's bin/ and obj/.
function Invoke-TaskClean {
    $outputs = @('bin', 'out', 'en-US', 'obj') | ForEach-Object { Join-Path $Root $_ }
    $outputs += Get-ChildItem -Path (Join-Path $Root 'src'), (Join-Path $Root 'tests') -Directory -Recurse -Depth 1 |
        Where-Object Name -in 'bin', 'obj' |
        Select-Object -ExpandProperty FullName
    foreach ($path in $outputs) {
        if (Test-Path $path) {
            Remove-Item -Recurse -Force $path
            Write-Host "Clean: removed $path"
        }
    }
}

# Synopsis: List the tasks with their synopsis.
function Invoke-TaskHelp {
    $lines = Get-Content -Path $PSCommandPath
    for ($index = 0; $index -lt $lines.Count - 1; $index++) {
        if ($lines[$index] -match '^# Synopsis: (.+)$') {
            $synopsis = $Matches[1]
            if ($lines[$index + 1] -match '^function Invoke-Task(\w+)') {
                '{0,-12} {1}' -f $Matches[1], $synopsis
            }
        }
    }
}

# ---------------------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------------------

function Invoke-Task([string] $Name) {
    if ($CompletedTasks.Add($Name)) {
        $watch = [System.Diagnostics.Stopwatch]::StartNew()
        Write-Host "==> $Name" -ForegroundColor Green
        & "Invoke-Task$Name"
        Write-Host ("<== {0} ({1:N1} s)" -f $Name, $watch.Elapsed.TotalSeconds) -ForegroundColor Green
    }
}

function Invoke-Native([string] $Command, [string[]] $Arguments) {
    # Runs an executable and turns a non-zero exit code into a terminating error that names the command.
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) {
        throw "'$Command $($Arguments -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-PwshPath {
    # $PSHOME/pwsh, never the process path: under the dotnet tool (`dotnet pwsh`) that is dotnet itself.
    Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')
}

function Invoke-XunitSuite($Counts) {
    # dotnet test prints one "Passed!/Failed!  - Failed: n, Passed: n, Skipped: n, Total: n" line per
    # test project; they are summed for the closing line.
    $summary = '^\s*(Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+),\s+Skipped:\s+(\d+)'
    $projects = 0
    & dotnet test $Solution --configuration $Configuration --nologo | ForEach-Object {
        Write-Host $_
        if ($_ -match $summary) {
            $projects++
            $Counts.Failed += [int] $Matches[2]
            $Counts.Passed += [int] $Matches[3]
            $Counts.Skipped += [int] $Matches[4]
        }
    }
    if ($LASTEXITCODE -ne 0) {
        throw "dotnet test failed (exit code $LASTEXITCODE); the failing tests are listed above."
    }
    if ($projects -eq 0) {
        throw 'dotnet test ran no test project (no summary line); check the solution and the test projects.'
    }
}

function Get-PesterModulesPath {
    # Pester is not on a fresh machine: it comes from the NuGet feed (build/tools.proj downloads the
    # package; its tools/ folder is the module) into obj/tools/, a folder this build owns. Returns the
    # folder to put first on PSModulePath for the test run.
    $packages = Join-Path $Root 'obj/tools/packages'
    $modules = Join-Path $Root 'obj/tools/modules'
    $version = ([xml] (Get-Content -Raw (Join-Path $Root 'build/tools.proj'))).Project.ItemGroup.PackageDownload |
        Where-Object Include -eq 'Pester' | ForEach-Object { $_.Version.Trim('[', ']') }
    $module = Join-Path $modules "Pester/$version"
    if (-not (Test-Path (Join-Path $module 'Pester.psd1'))) {
        & dotnet restore (Join-Path $Root 'build/tools.proj') --packages $packages --nologo | Write-Host
        $tools = Join-Path $packages "pester/$version/tools"
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path (Join-Path $tools 'Pester.psd1'))) {
            throw ("Pester $version could not be restored from the NuGet feed (dotnet restore build/tools.proj), so the " +
                "acceptance suite cannot run. Check the feed in nuget.config, or install it once by hand: " +
                "pwsh -c 'Install-Module Pester -RequiredVersion $version -Scope CurrentUser' and copy it to $module.")
        }
        New-Item -ItemType Directory -Force -Path $module | Out-Null
        Copy-Item -Recurse -Force -Path (Join-Path $tools '*') -Destination $module
    }
    $modules
}

function Invoke-PesterSuite($Counts) {
    $modules = Get-PesterModulesPath
    $suite = Join-Path $Root 'tests/pester'
    # A fresh pwsh: the module's assemblies cannot be unloaded, so the build session never imports it.
    # Only the restored Pester is used (first on PSModulePath, imported by version), never whatever else
    # the machine has installed.
    $runner = {
        param($ModulesPath, $SuitePath, $ResultPath)
        $env:PSModulePath = $ModulesPath + [IO.Path]::PathSeparator + $env:PSModulePath
        Import-Module (Join-Path $ModulesPath 'Pester') -ErrorAction Stop
        $configuration = New-PesterConfiguration
        $configuration.Run.Path = $SuitePath
        $configuration.Run.PassThru = $true
        $configuration.Output.Verbosity = 'Detailed'
        $result = Invoke-Pester -Configuration $configuration
        # A skip must say why (Detailed prints the reason); a run that found nothing is a failure.
        # The names of what failed travel with the counts: a CI log is often read from its tail, far below
        # the [-] line of a failure in a 900-test run.
        $failures = @(
            foreach ($test in $result.Failed) {
                $message = if ($test.ErrorRecord) { "$($test.ErrorRecord[0].Exception.Message)" } else { '' }
                '{0} ({1}): {2}' -f $test.ExpandedPath, $test.ScriptBlock.File, ($message -split "`n")[0]
            }
            foreach ($block in @($result.FailedBlocks) + @($result.FailedContainers)) {
                if ($block) {
                    $message = if ($block.ErrorRecord) { "$($block.ErrorRecord[0].Exception.Message)" } else { '' }
                    'block or file {0}{1}: {2}' -f $block.Name, $block.Item, ($message -split "`n")[0]
                }
            })
        @{ Passed = $result.PassedCount; Failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
           Skipped = $result.SkippedCount; NotRun = $result.NotRunCount; Total = $result.TotalCount; Failures = $failures } |
            ConvertTo-Json | Set-Content -Path $ResultPath
    }
    $resultPath = Join-Path $Root 'obj/pester-result.json'
    Remove-Item -Path $resultPath -ErrorAction Ignore
    $pester = Split-Path -Leaf (Get-ChildItem -Directory (Join-Path $modules 'Pester')).FullName
    Write-Host "Test: Pester $pester acceptance suite in $suite"
    & (Get-PwshPath) -NoProfile -NonInteractive -Command $runner -args $modules, $suite, $resultPath
    if (-not (Test-Path $resultPath)) {
        throw "The Pester run ended (exit code $LASTEXITCODE) without a result; see the output above."
    }
    $result = Get-Content -Raw $resultPath | ConvertFrom-Json
    $Counts.Passed += $result.Passed
    $Counts.Failed += $result.Failed
    $Counts.Skipped += $result.Skipped
    if ($result.Total -eq 0) {
        throw "The Pester suite in $suite found no test."
    }
    if ($result.Failed -gt 0) {
        Write-Host 'Test: what failed in the Pester suite:'
        foreach ($failure in @($result.Failures)) { Write-Host "  [-] $failure" }
        throw "The Pester acceptance suite failed: $($result.Failed) failing test(s) or block(s); see the output above."
    }
}

function Get-ModuleVersion {
    $props = [xml] (Get-Content -Raw -Path (Join-Path $Root 'Directory.Build.props'))
    $version = $props.SelectSingleNode('/Project/PropertyGroup/Version')
    if ($null -eq $version -or [string]::IsNullOrWhiteSpace($version.InnerText)) {
        throw 'Directory.Build.props has no <Version>; it is the one place the module version lives.'
    }
    $version.InnerText.Trim()
}

function Get-NewerSource([string] $Than) {
    # Returns the first input newer than the stamp of the last successful build, or $null when none is.
    if (-not (Test-Path $Than)) {
        return 'no previous build'
    }
    $built = (Get-Item $Than).LastWriteTimeUtc
    $cmdlets = Join-Path $ModuleBin 'SwarmPS.Cmdlets.dll'
    if (-not (Test-Path $cmdlets)) {
        return 'bin/SwarmPS.Cmdlets.dll (missing)'
    }
    if ((Get-Item $cmdlets).LastWriteTimeUtc -gt $built) {
        # Someone ran dotnet build/test since (perhaps in another configuration): lay out this one again.
        return 'bin/ (rebuilt outside build.ps1)'
    }
    $inputs = @(Get-ChildItem -Path $Root -File -Filter '*.props') + @(Get-Item $Solution)
    $inputs += Get-ChildItem -Path (Join-Path $Root 'src'), (Join-Path $Root 'tests') -File -Recurse -Include '*.cs', '*.csproj', '*.props', '*.targets' |
        Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' }
    $newer = $inputs | Where-Object LastWriteTimeUtc -gt $built | Select-Object -First 1
    if ($null -eq $newer) {
        return $null
    }
    [System.IO.Path]::GetRelativePath($Root, $newer.FullName)
}

function Assert-ModuleLayout {
    # Every file Import-Module ./SwarmPS.psd1 needs, on every supported platform; a missing one fails the build.
    $expected = @(
        'bin/SwarmPS.Cmdlets.dll'
        'bin/dependencies/SwarmPS.Engine.dll'
        'bin/dependencies/YamlDotNet.dll'
        'bin/dependencies/Microsoft.Data.Sqlite.dll'
        # The in-process SSH transport (ssh.client: sshnet) and what SSH.NET itself needs.
        'bin/dependencies/Renci.SshNet.dll'
        'bin/dependencies/BouncyCastle.Cryptography.dll'
        'bin/dependencies/Microsoft.Extensions.Logging.Abstractions.dll'
        'bin/dependencies/runtimes/linux-x64/native/libe_sqlite3.so'
        'bin/dependencies/runtimes/linux-arm64/native/libe_sqlite3.so'
        'bin/dependencies/runtimes/osx-arm64/native/libe_sqlite3.dylib'
        'bin/dependencies/runtimes/win-x64/native/e_sqlite3.dll'
        'bin/site-host/SwarmPS.SiteHost.dll'
        'bin/site-host/SwarmPS.SiteHost.runtimeconfig.json'
        'bin/trainer/SwarmPS.Trainer.dll'
        'bin/trainer/SwarmPS.Trainer.runtimeconfig.json'
    )
    $expected += (Import-PowerShellDataFile -Path $Manifest).FormatsToProcess
    $missing = $expected | Where-Object { -not (Test-Path (Join-Path $Root $_)) }
    if ($missing) {
        throw "The laid-out module is incomplete; missing: $($missing -join ', '). Run 'pwsh ./build.ps1 -Task Clean, Build' and read the build output."
    }
    Write-Host "Build: module layout verified ($($expected.Count) files)."
}

function Assert-ManifestVersion {
    $version = Get-ModuleVersion
    $manifestVersion = (Import-PowerShellDataFile -Path $Manifest).ModuleVersion
    if ($manifestVersion -ne $version) {
        Write-Warning "SwarmPS.psd1 says ModuleVersion '$manifestVersion' but Directory.Build.props says '$version'; -Task Package stamps '$version'. Update SwarmPS.psd1 so Import-Module from the repository reports the same."
    }
}

foreach ($name in $Task) {
    Invoke-Task $name
}
