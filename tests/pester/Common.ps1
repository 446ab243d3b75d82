# Shared bootstrap for every SwarmPS acceptance file. Dot-source it from BeforeAll:
#
#     BeforeAll { . (Join-Path $PSScriptRoot 'Common.ps1') }
#
# It imports the module the way an operator does from a clone (Import-Module ./SwarmPS.psd1 after the build)
# and sets a few variables the pillar files share:
#   $RepoRoot        the repository root
#   $ModuleManifest  the full path of SwarmPS.psd1
#   $PwshPath        $PSHOME/pwsh, for tests that need a fresh session (the module's assemblies never unload);
#                    never the process path, which is `dotnet` when pwsh runs as the dotnet tool
#   $ExamplesRoot    examples/ (campaigns and site profiles the docs use)

$RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$ModuleManifest = Join-Path $RepoRoot 'SwarmPS.psd1'
$ExamplesRoot = Join-Path $RepoRoot 'examples'
$PwshPath = Join-Path $PSHOME ($IsWindows ? 'pwsh.exe' : 'pwsh')

if (-not (Test-Path (Join-Path $RepoRoot 'bin/SwarmPS.Cmdlets.dll'))) {
    throw "SwarmPS is not built: run 'pwsh ./build.ps1' (or 'dotnet build') in $RepoRoot first."
}

# Without -Force: a second pillar file in the same Pester run reuses the loaded module.
Import-Module $ModuleManifest -ErrorAction Stop
