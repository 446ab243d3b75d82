# What build.ps1 -Task Package stamps into the packaged manifest's PrivateData.PSData besides the version:
# the release notes of the version, from CHANGELOG.md (so the notes live in one place), and the project
# URI, from the clone's origin remote (the project has no address of its own written anywhere else).
#
#     . ./build/PackageMetadata.ps1
#     Get-SwarmReleaseNotes -Path ./CHANGELOG.md -Version 0.1.0
#     Get-SwarmProjectUri -RepositoryRoot .
#     ConvertTo-SwarmPackagedManifest -Text (Get-Content -Raw ./SwarmPS.psd1) -Version 0.1.0 -ReleaseNotes $notes
#
# Plain PowerShell 7; tests/pester/Package.Tests.ps1 dot-sources it to test the bad inputs too.

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

function Get-SwarmProjectUri {
    # The origin remote of the git clone at RepositoryRoot as an https address a browser opens (an scp-style
    # git@host:owner/name remote becomes https://host/owner/name; no .git, no user info), or $null when
    # there is no origin or it is neither form.
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [string] $RepositoryRoot
    )
    $origin = & git -C $RepositoryRoot remote get-url origin 2>$null
    if ($LASTEXITCODE -ne 0 -or [string]::IsNullOrWhiteSpace($origin)) {
        return $null
    }
    # A user or token in the remote (https://user:token@host/...) never goes into a published manifest.
    $uri = $origin.Trim() -replace '^git@([^:/]+):', 'https://$1/' -replace '^https://[^@/]*@', 'https://' -replace '\.git$', ''
    if ($uri -notmatch '^https://[^/\s]+/\S+$') {
        return $null
    }
    $uri
}

function ConvertTo-SwarmPackagedManifest {
    # The text of SwarmPS.psd1 with ModuleVersion set, the empty ReleaseNotes filled in and, when given, a
    # ProjectUri line added beside it. Text in, text out: the manifest keeps its comments and layout. Throws
    # when the result does not read back with exactly these values (a line the patterns no longer match).
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory)] [string] $Text,
        [Parameter(Mandatory)] [string] $Version,
        [Parameter(Mandatory)] [string] $ReleaseNotes,
        [string] $ProjectUri
    )
    # Single-quoted PowerShell strings: a quote is written twice, and nothing else is special.
    $quote = { param($value) "'" + $value.Replace("'", "''") + "'" }
    $stamped = $Text -replace "(?m)^(\s*ModuleVersion\s*=\s*)'[^']*'", { $_.Groups[1].Value + (& $quote $Version) }
    $stamped = $stamped -replace "(?m)^(\s*)ReleaseNotes(\s*)=\s*''", {
        $indent, $gap = $_.Groups[1].Value, $_.Groups[2].Value
        $line = "${indent}ReleaseNotes$gap= $(& $quote $ReleaseNotes)"
        if ($ProjectUri) {
            $line = "${indent}ProjectUri  $gap= $(& $quote $ProjectUri)`n$line"
        }
        $line
    }

    # Read back as Import-PowerShellDataFile does: parse, then evaluate the hashtable literal safely.
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($stamped, [ref] $null, [ref] $errors)
    if ($errors) {
        throw "The stamped manifest does not parse: $($errors[0].Message)"
    }
    $data = $ast.Find({ param($node) $node -is [System.Management.Automation.Language.HashtableAst] }, $false).SafeGetValue()
    # Indexers, not properties: under strict mode a missing key is then $null rather than an error.
    $psData = $data['PrivateData']['PSData']
    if ($data['ModuleVersion'] -ne $Version -or $psData['ReleaseNotes'] -ne $ReleaseNotes -or
        ($ProjectUri -and $psData['ProjectUri'] -ne $ProjectUri)) {
        throw "The manifest did not take the version, release notes or project URI: it must keep a ModuleVersion = '...' line and a ReleaseNotes = '' line in PrivateData.PSData."
    }
    $stamped
}
