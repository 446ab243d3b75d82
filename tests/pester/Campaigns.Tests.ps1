# Acceptance tests for the campaign cmdlets: Import-SwarmCampaign, Test-SwarmCampaign, Select-SwarmAgent.
# Run after building: Invoke-Pester ./tests/pester/Campaigns.Tests.ps1 (Pester 5, pwsh 7.4+).

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Examples = $ExamplesRoot

    # Writes a campaign file into TestDrive and returns its TestDrive: path, so the cmdlets also prove
    # they resolve PowerShell drive paths.
    function New-CampaignFile {
        param([string] $Name, [string] $Text)
        $path = Join-Path 'TestDrive:' $Name
        Set-Content -LiteralPath $path -Value $Text -NoNewline
        $path
    }

    # Three agents on the built-in 'local' site; planner starts and talks to both.
    $script:Sound = @'
name: trio
initial_agent: planner
user_task: Plan, write and review.
agents:
  - name: planner
    site: local
    command: [python3, agent.py, planner]
    peers: [coder, critic]
  - name: coder
    site: local
    command: [python3, agent.py, coder]
    peers: [planner]
  - name: critic
    site: local
    command: [python3, agent.py, critic]
    peers: [planner]
'@
}

Describe 'Import-SwarmCampaign' {
    It 'imports the two-site YAML example' {
        $campaign = Import-SwarmCampaign -Path (Join-Path $Examples 'two-site-campaign.yaml')
        $campaign.Name | Should -Be 'two-site-counter'
        $campaign.InitialAgent | Should -Be 'ping'
        $campaign.UserTask | Should -Be 'Count from 1 to 10, one number per turn.'
        $campaign.StartupTimeout | Should -Be ([TimeSpan]::FromSeconds(60))
        $campaign.Agents.Name | Should -Be @('ping', 'pong')
        $campaign.Agents.Site | Should -Be @('alpha', 'beta')
        $campaign.Agents[0].Command[0] | Should -Be 'python3'
    }

    It 'reads the JSON-with-comments example as the same campaign' {
        $yaml = Import-SwarmCampaign (Join-Path $Examples 'two-site-campaign.yaml')
        $jsonc = Import-SwarmCampaign (Join-Path $Examples 'two-site-campaign.jsonc')
        $jsonc.Name | Should -Be $yaml.Name
        $jsonc.UserTask | Should -Be $yaml.UserTask
        ($jsonc.Agents | ForEach-Object { $_.CommandLine }) | Should -Be ($yaml.Agents | ForEach-Object { $_.CommandLine })
        $jsonc.Agents.AllowedPeers | Should -Be $yaml.Agents.AllowedPeers
    }

    It 'takes files from Get-ChildItem by property name' {
        New-CampaignFile 'a.yaml' $Sound | Out-Null
        New-CampaignFile 'b.yaml' $Sound.Replace('name: trio', 'name: trio-b') | Out-Null
        $campaigns = Get-ChildItem TestDrive: -Filter *.yaml | Import-SwarmCampaign
        $campaigns.Name | Should -Be @('trio', 'trio-b')
    }

    It 'resolves relative paths from the PowerShell location' {
        New-CampaignFile 'relative.yaml' $Sound | Out-Null
        Push-Location TestDrive:
        try { (Import-SwarmCampaign ./relative.yaml).Name | Should -Be 'trio' }
        finally { Pop-Location }
    }

    It 'accepts a UTF-8 byte order mark and CRLF line endings' {
        $path = (Join-Path (Get-PSDrive TestDrive).Root 'windows.yaml')
        [IO.File]::WriteAllText($path, $Sound.Replace("`n", "`r`n"), [Text.UTF8Encoding]::new($true))
        (Import-SwarmCampaign $path).Agents.Name | Should -Be @('planner', 'coder', 'critic')
    }

    It 'refuses <Problem> with <ErrorId>' -TestCases @(
        @{ Problem = 'malformed YAML'; ErrorId = 'ConfigSyntax'; Text = "name: x`nagents: [`n  {name: a`n" }
        @{ Problem = 'malformed JSON'; File = 'bad.json'; ErrorId = 'ConfigSyntax'; Text = "{`n  `"name`": `"x`"`n  `"agents`": []`n}" }
        @{ Problem = 'an unknown key'; ErrorId = 'ConfigUnknownKey'; Text = "name: x`nintial_agent: a`n" }
        @{ Problem = 'a wrong type'; ErrorId = 'ConfigTypeMismatch'; Text = "name: [x]`ninitial_agent: a`nuser_task: t`nagents: []`n" }
        @{ Problem = 'a missing field'; ErrorId = 'ConfigMissingField'; Text = "name: x`ninitial_agent: a`nagents: []`n" }
        @{ Problem = 'a command as one string'; ErrorId = 'ConfigCommandNotList'; Text = "name: x`ninitial_agent: a`nuser_task: t`nagents:`n  - {name: a, site: local, command: python3 agent.py}`n" }
        @{ Problem = 'an unset variable'; ErrorId = 'ConfigVariableUnset'; Text = "name: `${SWARMPS_PESTER_SURELY_UNSET}`ninitial_agent: a`nuser_task: t`nagents: []`n" }
        @{ Problem = 'a placeholder left in'; ErrorId = 'ConfigPlaceholder'; Text = "name: x`ninitial_agent: a`nuser_task: t`nagents:`n  - {name: a, site: local, command: [run, --user, <argo-user>]}`n" }
        @{ Problem = 'a token in the file'; ErrorId = 'ConfigValueInvalid'; Text = "name: x`ninitial_agent: a`nuser_task: t`nexchange: {token: s3cret}`nagents: []`n" }
        @{ Problem = 'an empty file'; ErrorId = 'ConfigFileEmpty'; Text = "# nothing yet`n" }
    ) {
        param($Problem, $ErrorId, $Text, $File)
        $path = New-CampaignFile ($File ?? 'bad.yaml') $Text
        { Import-SwarmCampaign -Path $path -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.ImportSwarmCampaignCommand"
    }

    It 'names file, line and column in the message' {
        $path = New-CampaignFile 'located.yaml' "name: x`nintial_agent: a`n"
        $failure = { Import-SwarmCampaign $path -ErrorAction Stop } | Should -Throw -PassThru
        $failure.Exception.Message | Should -BeLike '*located.yaml:2:1:*'
        $failure.ErrorDetails.RecommendedAction | Should -BeLike "*Did you mean 'initial_agent'?*"
    }

    It 'refuses a directory' {
        { Import-SwarmCampaign TestDrive: -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigPathIsDirectory,SwarmPS.Cmdlets.ImportSwarmCampaignCommand'
    }

    It 'refuses a file over 1 MiB' {
        $path = New-CampaignFile 'big.yaml' ($Sound + "`n# " + ('x' * 1MB))
        { Import-SwarmCampaign $path -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigFileTooLarge,SwarmPS.Cmdlets.ImportSwarmCampaignCommand'
    }

    It 'refuses a UTF-16 file' {
        $path = (Join-Path (Get-PSDrive TestDrive).Root 'utf16.yaml')
        [IO.File]::WriteAllText($path, $Sound, [Text.Encoding]::Unicode)
        { Import-SwarmCampaign $path -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigFileEncoding,SwarmPS.Cmdlets.ImportSwarmCampaignCommand'
    }

    It 'refuses a missing file' {
        { Import-SwarmCampaign TestDrive:/nope.yaml -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigFileNotFound,SwarmPS.Cmdlets.ImportSwarmCampaignCommand'
    }

    It 'says a wildcard path is not expanded instead of "does not exist"' {
        New-CampaignFile 'one.yaml' $Sound | Out-Null
        $failure = { Import-SwarmCampaign TestDrive:/*.yaml -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigPathWildcard,SwarmPS.Cmdlets.ImportSwarmCampaignCommand' -PassThru
        $failure.ErrorDetails.RecommendedAction | Should -Match 'Get-ChildItem'
        @(Get-ChildItem TestDrive:/one.yaml | Import-SwarmCampaign).Count | Should -Be 1
    }

    It 'names the open bracket, not a parser state, for a list left open' {
        $path = New-CampaignFile 'open.yaml' "name: x`nagents:`n  - command: [`"a`", `"b`"[, `"c`"]`n    site: local`n"
        $failure = { Import-SwarmCampaign $path -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConfigSyntax,SwarmPS.Cmdlets.ImportSwarmCampaignCommand' -PassThru
        $failure.Exception.Message | Should -Match 'open\.yaml:4:5: .*opened at line 3, column 14 is still open'
        $failure.Exception.Message | Should -Not -Match 'current state of the object'
    }

    It 'points UserTaskEmpty at the user_task line' {
        $findings = Test-SwarmCampaign -Path (New-CampaignFile 'empty-task.yaml' $Sound.Replace('user_task: Plan, write and review.', "user_task: '  '"))
        $finding = $findings | Where-Object Code -eq 'UserTaskEmpty'
        $finding | Should -HaveCount 1
        $finding.Location.Line | Should -Be 3
    }

    It 'imports the good files when one of several is bad' {
        $good = New-CampaignFile 'good.yaml' $Sound
        $bad = New-CampaignFile 'bad.yaml' "name: [x]`n"
        $campaigns = Import-SwarmCampaign $bad, $good -ErrorVariable failures -ErrorAction SilentlyContinue
        @($campaigns).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'ConfigMissingField,SwarmPS.Cmdlets.ImportSwarmCampaignCommand'
    }
}

Describe 'Test-SwarmCampaign' {
    It 'finds nothing wrong with a sound campaign' {
        New-CampaignFile 'sound.yaml' $Sound | Import-SwarmCampaign | Test-SwarmCampaign | Should -BeNullOrEmpty
    }

    It 'finds nothing wrong with the two-site example once the demo sites are on SWARMPS_SITE_PATH' {
        # alpha and beta are the demo's site profiles (examples/sites), not built-ins: the README sets
        # SWARMPS_SITE_PATH before this line, and so does this test (it relied on a later file's setting).
        $saved = $env:SWARMPS_SITE_PATH
        try {
            $env:SWARMPS_SITE_PATH = Join-Path $Examples 'sites'
            Import-SwarmCampaign (Join-Path $Examples 'two-site-campaign.yaml') | Test-SwarmCampaign | Should -BeNullOrEmpty
        }
        finally {
            $env:SWARMPS_SITE_PATH = $saved
        }
    }

    It 'names alpha as an unknown site, and how to add it, without the demo sites' {
        $saved = $env:SWARMPS_SITE_PATH
        try {
            $env:SWARMPS_SITE_PATH = $null
            $codes = (Import-SwarmCampaign (Join-Path $Examples 'two-site-campaign.yaml') | Test-SwarmCampaign).Code
            $codes | Should -Be @('SiteUnknown', 'SiteUnknown')
        }
        finally {
            $env:SWARMPS_SITE_PATH = $saved
        }
    }

    It 'reports <Code> for <Agent>' -TestCases @(
        @{ Code = 'SiteUnknown'; Agent = 'coder'; Severity = 'Error'; Old = "site: local`n    command: [python3, agent.py, coder]"; New = "site: locl`n    command: [python3, agent.py, coder]" }
        @{ Code = 'PeerIsSelf'; Agent = 'critic'; Severity = 'Error'; Old = "command: [python3, agent.py, critic]`n    peers: [planner]"; New = "command: [python3, agent.py, critic]`n    peers: [planner, critic]" }
        @{ Code = 'PeerUnknown'; Agent = 'planner'; Severity = 'Error'; Old = 'peers: [coder, critic]'; New = 'peers: [coder, critic, ghost]' }
        @{ Code = 'AgentNameDuplicate'; Agent = 'coder'; Severity = 'Error'; Old = '- name: critic'; New = '- name: coder' }
        @{ Code = 'AgentNameInvalid'; Agent = 'bad name'; Severity = 'Error'; Old = '- name: critic'; New = '- name: bad name' }
        @{ Code = 'CommandEmpty'; Agent = 'coder'; Severity = 'Error'; Old = 'command: [python3, agent.py, coder]'; New = 'command: []' }
        @{ Code = 'RestartLimitNegative'; Agent = 'coder'; Severity = 'Error'; Old = 'command: [python3, agent.py, coder]'; New = "command: [python3, agent.py, coder]`n    restart_limit: -1" }
        @{ Code = 'InitialAgentUnknown'; Agent = 'plannr'; Severity = 'Error'; Old = 'initial_agent: planner'; New = 'initial_agent: plannr' }
        @{ Code = 'AgentUnreachable'; Agent = 'critic'; Severity = 'Warning'; Old = 'peers: [coder, critic]'; New = 'peers: [coder]' }
    ) {
        param($Code, $Agent, $Severity, $Old, $New)
        $Sound.Contains($Old) | Should -BeTrue
        $findings = New-CampaignFile 'finding.yaml' $Sound.Replace($Old, $New) | Import-SwarmCampaign | Test-SwarmCampaign
        $finding = $findings | Where-Object Code -eq $Code
        $finding | Should -HaveCount 1
        $finding.Agent | Should -Be $Agent
        "$($finding.Severity)" | Should -Be $Severity
        $finding.Location | Should -Not -BeNullOrEmpty
    }

    It 'sorts by Severity from Warning to Error, the order the ledger findings share' {
        # One Error (PeerUnknown) and one Warning (AgentUnreachable): the enum rises in severity, so
        # Sort-Object Severity -Descending lists errors first (before one enum, campaigns sorted errors first
        # ascending and the ledger the other way).
        $text = $Sound.Replace('peers: [coder, critic]', 'peers: [coder, ghost]')
        $findings = New-CampaignFile 'sorted.yaml' $text | Import-SwarmCampaign | Test-SwarmCampaign
        @($findings.Severity | Sort-Object -Unique | ForEach-Object { "$_" }) | Should -Be @('Warning', 'Error')
        "$(($findings | Sort-Object Severity -Descending)[0].Severity)" | Should -Be 'Error'
        "$(($findings | Sort-Object Severity)[0].Severity)" | Should -Be 'Warning'
        ($findings | Where-Object Severity -gt Warning).Code | Should -Be @('PeerUnknown')
    }

    It '-Federated accepts peers and an initial agent on other sites' {
        $betaPart = @'
name: trio
initial_agent: planner
user_task: Plan, write and review.
agents:
  - name: coder
    site: local
    command: [python3, agent.py, coder]
    peers: [planner, critic]
  - name: critic
    site: local
    command: [python3, agent.py, critic]
    peers: [planner]
'@
        $path = New-CampaignFile 'beta-part.yaml' $betaPart
        (Test-SwarmCampaign -Path $path | Where-Object Severity -eq Error).Code | Should -Be @('PeerUnknown', 'PeerUnknown', 'InitialAgentUnknown')
        Test-SwarmCampaign -Path $path -Federated | Should -BeNullOrEmpty
    }

    It '-Federated still rejects duplicates, self-peering, bad names, empty commands and unknown sites' {
        $broken = @'
name: broken
initial_agent: planner
user_task: go
agents:
  - {name: coder, site: local, command: [run], peers: [planner]}
  - {name: coder, site: local, command: [run], peers: [planner]}
  - {name: critic, site: local, command: [run], peers: [critic]}
  - {name: "bad/name", site: local, command: [run], peers: [planner]}
  - {name: runner, site: local, command: [], peers: [planner]}
  - {name: tester, site: nowhere, command: [run], peers: [planner]}
'@
        $codes = (Test-SwarmCampaign (New-CampaignFile 'broken.yaml' $broken) -Federated).Code
        $codes | Should -Be @('AgentNameDuplicate', 'PeerIsSelf', 'AgentNameInvalid', 'CommandEmpty', 'SiteUnknown')
    }

    It 'reports a file that cannot be read as one finding with its location' {
        $finding = Test-SwarmCampaign -Path (New-CampaignFile 'typo.yaml' "name: x`nintial_agent: a`n")
        $finding | Should -HaveCount 1
        $finding.Code | Should -Be 'ConfigUnknownKey'
        $finding.Location.Line | Should -Be 2
    }

    It 'takes files from Get-ChildItem by property name' {
        # A folder of its own: TestDrive is shared by every test of this Describe, and earlier tests left
        # broken campaigns in it.
        $folder = New-Item -ItemType Directory -Path (Join-Path 'TestDrive:' 'by-property')
        Set-Content -LiteralPath (Join-Path $folder 'one.yaml') -Value $Sound -NoNewline
        Set-Content -LiteralPath (Join-Path $folder 'two.yaml') -Value "name: x`n" -NoNewline
        $findings = Get-ChildItem $folder -Filter *.yaml | Test-SwarmCampaign
        $findings.Code | Should -Be @('ConfigMissingField')
    }

    It 'writes findings and nothing else' {
        $path = New-CampaignFile 'warn.yaml' $Sound.Replace('peers: [coder, critic]', 'peers: [coder]')
        $everything = Test-SwarmCampaign $path *>&1
        # Engine types cannot be named in a script (they live in the module's own load context): match the
        # type name PowerShell reports instead.
        $everything | Should -Not -BeNullOrEmpty
        $everything | ForEach-Object { $_.PSTypeNames[0] | Should -Be 'SwarmPS.Engine.Campaigns.CampaignFinding' }
    }
}

Describe 'Select-SwarmAgent' {
    BeforeAll {
        $script:Trio = New-CampaignFile 'trio.yaml' $Sound | Import-SwarmCampaign
    }

    It 'keeps declaration order and the initial agent, and marks the slice' {
        $slice = $Trio | Select-SwarmAgent -Name critic, coder
        $slice.Agents.Name | Should -Be @('coder', 'critic')
        $slice.InitialAgent | Should -Be 'planner'
        $slice.IsSlice | Should -BeTrue
        $slice.SliceOf | Should -Be @('planner', 'coder', 'critic')
        $Trio.Agents | Should -HaveCount 3
    }

    It 'reads <Names> as coder and critic' -TestCases @(
        @{ Names = @('coder,critic') }
        @{ Names = @('coder, ,critic,') }
        @{ Names = @(' critic ', ',coder') }
        @{ Names = @('coder', 'critic') }
    ) {
        param($Names)
        ($Trio | Select-SwarmAgent -Name $Names).Agents.Name | Should -Be @('coder', 'critic')
    }

    It 'gives a slice that validates without -Federated' {
        $Trio | Select-SwarmAgent coder | Test-SwarmCampaign | Should -BeNullOrEmpty
    }

    It 'refuses <Names> with <ErrorId>' -TestCases @(
        @{ Names = @(' , ,'); ErrorId = 'AgentSelectionEmpty' }
        @{ Names = @(''); ErrorId = 'AgentSelectionEmpty' }
        @{ Names = @('coder', 'coder'); ErrorId = 'AgentSelectionDuplicate' }
        @{ Names = @('coder,critic,coder'); ErrorId = 'AgentSelectionDuplicate' }
        @{ Names = @('critc'); ErrorId = 'AgentNotFound' }
    ) {
        param($Names, $ErrorId)
        { $Trio | Select-SwarmAgent -Name $Names -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,SwarmPS.Cmdlets.SelectSwarmAgentCommand"
    }

    It 'names the culprits and the nearest agent' {
        $failure = { $Trio | Select-SwarmAgent -Name coder, critc, zzz -ErrorAction Stop } | Should -Throw -PassThru
        $failure.Exception.Message | Should -BeLike "*'critc', 'zzz'*"
        $failure.ErrorDetails.RecommendedAction | Should -BeLike "*did you mean 'critic'*"
        "$($failure.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
    }
}
