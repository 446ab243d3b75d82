# Files written to take an operator's session down, fed to the cmdlets in a fresh pwsh: the session
# survives, ends the command with the documented error id, and its memory stays under 200 MB. Each child
# runs under a time limit, so a regression fails here instead of hanging CI. The engine side of the same
# attacks: tests/SwarmPS.Engine.Tests/Configuration/Hostile*Tests.cs.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # Runs $Script in a fresh pwsh with a deadline; returns its RESULT object, or throws with its output.
    function Invoke-Attack([scriptblock] $Script, [object[]] $Arguments, [int] $TimeoutSeconds = 60) {
        $out = Join-Path $TestDrive "attack-$([guid]::NewGuid().ToString('N')).out"
        $wrapped = "`$ErrorActionPreference = 'Stop'; Import-Module '$ModuleManifest'; " + $Script.ToString() + @'

$peak = [int]((Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM*' }) -replace '\D', '') / 1024
'RESULT ' + (@{ Error = $caught; PeakMB = $peak } | ConvertTo-Json -Compress)
'@
        $scriptFile = "$out.ps1"
        Set-Content -Path $scriptFile -Value $wrapped
        $process = Start-Process -FilePath $PwshPath -ArgumentList (@('-NoProfile', '-NonInteractive', '-File', $scriptFile) + @($Arguments)) `
            -RedirectStandardOutput $out -RedirectStandardError "$out.err" -PassThru
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) {
            $process.Kill($true)
            throw "the child pwsh did not finish within $TimeoutSeconds s: $(Get-Content -Raw $out)"
        }
        $text = (Get-Content -Raw $out) + (Get-Content -Raw "$out.err")
        $process.ExitCode | Should -Be 0 -Because "the session must survive:`n$text"
        $line = ($text -split "`n" | Where-Object { $_ -like 'RESULT *' } | Select-Object -Last 1) -replace '^RESULT '
        $line | Should -Not -BeNullOrEmpty -Because "the child printed no result:`n$text"
        $line | ConvertFrom-Json
    }

    $script:Attacks = Join-Path $TestDrive 'attacks'
    New-Item -ItemType Directory -Path $Attacks | Out-Null

    # A "billion laughs": 511 bytes that expand to gigabytes through aliases.
    $laughs = [System.Text.StringBuilder]::new('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]' + "`n")
    foreach ($level in 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i') {
        $previous = [char]([int][char]$level - 1)
        $null = $laughs.Append("${level}: &$level [" + ((1..9 | ForEach-Object { "*$previous" }) -join ',') + "]`n")
    }
    Set-Content -Path (Join-Path $Attacks 'laughs.yaml') -Value $laughs.ToString() -NoNewline
    Set-Content -Path (Join-Path $Attacks 'deep.yaml') -Value ('name: ' + ('[' * 20000) + (']' * 20000)) -NoNewline
    # A lone surrogate escape, which .NET's JSON reader lets through until the text is taken.
    Set-Content -Path (Join-Path $Attacks 'surrogate-value.json') -Value '{"name": "x\ud800", "agents": {}}' -NoNewline
    Set-Content -Path (Join-Path $Attacks 'surrogate-key.json') -Value '{"\udc00name": "x", "agents": {}}' -NoNewline
    & mkfifo (Join-Path $Attacks 'fifo.yaml')
    New-Item -ItemType SymbolicLink -Path (Join-Path $Attacks 'zero.yaml') -Target /dev/zero | Out-Null
}

Describe 'A hostile campaign file' {
    It 'ends Import-SwarmCampaign with <ErrorId> for <File>' -TestCases @(
        @{ File = 'laughs.yaml'; ErrorId = 'ConfigAliasNotAllowed' }
        @{ File = 'deep.yaml'; ErrorId = 'ConfigTooDeep' }
        @{ File = 'fifo.yaml'; ErrorId = 'ConfigFileNotRegular' }
        @{ File = 'zero.yaml'; ErrorId = 'ConfigFileNotRegular' }
        @{ File = '/dev/zero'; ErrorId = 'ConfigFileNotRegular' }
        @{ File = 'surrogate-value.json'; ErrorId = 'ConfigSyntax' }
        @{ File = 'surrogate-key.json'; ErrorId = 'ConfigSyntax' }
    ) {
        $path = if ($File -like '/*') { $File } else { Join-Path $Attacks $File }
        $result = Invoke-Attack -Script {
            $caught = try { Import-SwarmCampaign -Path $args[0]; 'none' } catch { $_.FullyQualifiedErrorId }
        } -Arguments $path
        $result.Error | Should -Be "$ErrorId,SwarmPS.Cmdlets.ImportSwarmCampaignCommand"
        $result.PeakMB | Should -BeLessThan 200
    }

    It 'ends Test-SwarmCampaign with a finding, not a crash, for the billion laughs' {
        $result = Invoke-Attack -Script {
            $caught = (Test-SwarmCampaign -Path $args[0]).Code -join ','
        } -Arguments (Join-Path $Attacks 'laughs.yaml')
        $result.Error | Should -Be 'ConfigAliasNotAllowed'
        $result.PeakMB | Should -BeLessThan 200
    }
}

Describe 'A hostile site profile on SWARMPS_SITE_PATH' {
    BeforeAll {
        $script:SitePath = Join-Path $TestDrive 'sites'
        New-Item -ItemType Directory -Path $SitePath | Out-Null
        Copy-Item (Join-Path $Attacks 'laughs.yaml') (Join-Path $SitePath 'laughs.yaml')
        Copy-Item (Join-Path $Attacks 'deep.yaml') (Join-Path $SitePath 'deep.yaml')
        & mkfifo (Join-Path $SitePath 'fifo.yaml')
    }

    It 'leaves Get-SwarmSite listing the other sites, each bad profile marked not ready with its error' {
        $result = Invoke-Attack -Script {
            $env:SWARMPS_SITE_PATH = $args[0]
            $sites = @(Get-SwarmSite)
            $bad = @($sites | Where-Object Name -in 'laughs', 'deep', 'fifo')
            $caught = @{
                Listed   = $sites.Name -contains 'local'
                BadReady = @($bad | Where-Object Ready).Count
                Bad      = $bad.Count
                Text     = ($bad | Format-List * | Out-String)
            }
        } -Arguments $SitePath
        $result.Error.Listed | Should -BeTrue
        $result.Error.Bad | Should -Be 3 -Because "each bad profile is listed, not hidden:`n$($result.Error.Text)"
        $result.Error.BadReady | Should -Be 0
        # Each Problem names the file, line and column and what is wrong.
        $result.Error.Text | Should -Match 'laughs\.yaml:2:8: The YAML alias'
        $result.Error.Text | Should -Match 'deep\.yaml:1:\d+: Lists and mappings are nested more than 64 deep'
        $result.Error.Text | Should -Match 'fifo\.yaml:1:1: This is not a regular file'
        $result.PeakMB | Should -BeLessThan 200
    }

    It 'leaves Test-SwarmCampaign checking a campaign on the built-in local site' {
        $campaign = Join-Path $TestDrive 'ok.yaml'
        Set-Content -Path $campaign -Value "name: ok`ninitial_agent: a`nuser_task: go`nagents:`n  - {name: a, site: local, command: [python3, a.py]}`n"
        $result = Invoke-Attack -Script {
            $env:SWARMPS_SITE_PATH = $args[0]
            $caught = @((Test-SwarmCampaign -Path $args[1]) | Where-Object Severity -eq 'Error').Count
        } -Arguments $SitePath, $campaign
        $result.Error | Should -Be 0
        $result.PeakMB | Should -BeLessThan 200
    }
}

Describe 'A campaign whose agent name climbs out of the run directory' {
    It 'is refused by Start-SwarmSite with CampaignInvalid before anything is written' {
        $campaign = Join-Path $TestDrive 'escape.yaml'
        Set-Content -Path $campaign -Value "name: escape`ninitial_agent: '../../../../tmp/swarmps-escape'`nuser_task: go`nagents:`n  - {name: '../../../../tmp/swarmps-escape', site: local, command: [sleep, '300']}`n"
        $runRoot = Join-Path $TestDrive 'runs'
        $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'escape-sites')
        Set-Content -Path (Join-Path $sites 'here.yaml') -Value "scheduler: local`nrun_root: $runRoot`n"
        $saved = $env:SWARMPS_SITE_PATH, $env:SWARM_EXCHANGE_URL, $env:SWARM_EXCHANGE_TOKEN
        try {
            $env:SWARMPS_SITE_PATH = $sites.FullName
            # No exchange is needed: the campaign is refused before the exchange is asked anything.
            $env:SWARM_EXCHANGE_URL = 'http://127.0.0.1:9/'
            $env:SWARM_EXCHANGE_TOKEN = 'unused'
            $text = (Get-Content -Raw $campaign) -replace 'site: local', 'site: here'
            Set-Content -Path $campaign -Value $text
            { Import-SwarmCampaign $campaign | Start-SwarmSite -RunId escape-001 -Site here -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'CampaignInvalid,SwarmPS.Cmdlets.StartSwarmSiteCommand'
        }
        finally {
            $env:SWARMPS_SITE_PATH, $env:SWARM_EXCHANGE_URL, $env:SWARM_EXCHANGE_TOKEN = $saved
        }
        Test-Path $runRoot | Should -BeFalse
        Test-Path '/tmp/swarmps-escape' | Should -BeFalse
    }
}
