# The release notes of one version, from CHANGELOG.md: build.ps1 -Task Package stamps them into the packaged
# manifest's PrivateData.PSData.ReleaseNotes, so the notes live in one place (the changelog).
#
#     . ./build/ReleaseNotes.ps1
#     Get-SwarmReleaseNotes -Path ./CHANGELOG.md -Version 0.1.0
#
# Plain PowerShell 7; tests/pester/Package.Tests.ps1 dot-sources it to test the bad changelogs too.

Set-StrictMode -Version Latest

function Get-SwarmReleaseNotes {
    # The body of the "## [<version>] ..." section (https://keepachangelog.com), up to the next "## "
    # heading, trimmed. Throws naming the fix when the section is missing or says nothing.
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string] $Version
    )
    if (-not (Test-Path -PathType Leaf $Path)) {
        throw "$Path does not exist; the package's release notes come from its '## [$Version]' section."
    }
    $lines = @(Get-Content -Path $Path)
    $heading = "^## \[$([regex]::Escape($Version))\]"
    $start = [Array]::FindIndex($lines, [Predicate[string]] { param($line) $line -match $heading })
    if ($start -lt 0) {
        throw "$Path has no section for $Version, the version in Directory.Build.props. Add '## [$Version] - <date>' with what changed; the package's release notes come from it."
    }
    $end = [Array]::FindIndex($lines, $start + 1, [Predicate[string]] { param($line) $line -match '^## ' })
    if ($end -lt 0) {
        $end = $lines.Count
    }
    $body = if ($end -gt $start + 1) { $lines[($start + 1)..($end - 1)] -join "`n" } else { '' }
    if ([string]::IsNullOrWhiteSpace($body)) {
        throw "$Path's section for $Version is empty; say what changed in it."
    }
    $body.Trim()
}
