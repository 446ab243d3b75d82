# Acceptance tests of tab completion as pwsh offers it (TabExpansion2, the function PSReadLine calls):
# run ids of launches, job ids, ledger run ids, site names, event kinds and a campaign's agent names, all
# from real files made here (a local site's run root, a temporary git repository, a campaign file).
# Run from the repository root after building: Invoke-Pester ./tests/pester/Completion.Tests.ps1

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    $script:Saved = Save-Environment 'SWARMPS_SITE_PATH', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME'

    # One site of our own whose run root is on TestDrive; no other site is ready without variables but local.
    $env:XDG_DATA_HOME = Join-Path $TestDrive 'data'
    $env:XDG_CONFIG_HOME = Join-Path $TestDrive 'config'
    $sites = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'sites')
    $script:RunRoot = Join-Path $TestDrive 'alpha-runs'
    Set-Content -Path (Join-Path $sites 'alpha.yaml') -Value "scheduler: local`nrun_root: $($script:RunRoot)`n"
    $env:SWARMPS_SITE_PATH = $sites.FullName

    # What a launch leaves (<runRoot>/<runId>/<site>/status.json) and what the scheduler keeps beside it.
    foreach ($run in 'demo-001', 'demo-002') {
        New-Item -ItemType Directory -Path (Join-Path $script:RunRoot "$run/alpha") | Out-Null
        Set-Content -Path (Join-Path $script:RunRoot "$run/alpha/status.json") -Value "{`"runId`":`"$run`",`"site`":`"alpha`"}"
    }
    New-Item -ItemType Directory -Path (Join-Path $script:RunRoot 'jobs/0123456789abcdef/a1') | Out-Null

    # The completion texts pwsh offers for the input, with the cursor at its end.
    function Get-Completion([string] $InputScript) {
        @((TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length).CompletionMatches | ForEach-Object CompletionText)
    }
}

AfterAll {
    Restore-Environment $script:Saved
}

Describe 'Run ids of launches' {
    It 'offers the runs of <Command> and not the jobs folder beside them' -TestCases @(
        @{ Command = 'Get-SwarmAgent -RunId ' }
        @{ Command = 'Stop-SwarmSite -RunId ' }
        @{ Command = 'Send-SwarmBootstrap -RunId ' }
    ) {
        param($Command)
        $offered = Get-Completion $Command
        $offered | Should -Contain 'demo-001'
        $offered | Should -Contain 'demo-002'
        $offered | Should -Not -Contain 'jobs'
    }

    It 'matches the typed prefix' {
        Get-Completion 'Get-SwarmAgent -RunId demo-00' | Should -Be @('demo-002', 'demo-001') -Because 'newest first'
        Get-Completion 'Get-SwarmAgent -RunId nothing' | Should -BeNullOrEmpty
    }
}

Describe 'Site names' {
    It 'offers sites for <Command>' -TestCases @(
        @{ Command = 'New-SwarmJobPlan -Site ' }
        @{ Command = 'Get-SwarmJob -Site ' }
        @{ Command = 'Get-SwarmSite ' }
    ) {
        param($Command)
        $offered = Get-Completion $Command
        $offered | Should -Contain 'alpha'
        $offered | Should -Contain 'local'
        $offered | Should -Contain 'polaris'
    }

    It 'completes a typed prefix, also one typed after an opening quote' {
        Get-Completion 'New-SwarmJobPlan -Site al' | Should -Be @('alpha')
        Get-Completion "New-SwarmJobPlan -Site 'lo" | Should -Be @('local')
    }
}

Describe 'Job ids and ledger run ids in a repository' {
    BeforeAll {
        $script:Repo = Join-Path $TestDrive 'repo'
        New-Item -ItemType Directory $script:Repo | Out-Null
        git -C $script:Repo init --quiet
        Initialize-SwarmRepository -Path $script:Repo -MachineLabel completion | Out-Null
        Push-Location $script:Repo
        $script:Plan = New-SwarmTaskSet -Seeds 2 | New-SwarmJobPlan -Site local -Command 'true'
        $null = $script:Plan | Submit-SwarmJob -Confirm:$false
        Wait-SwarmJob -Id $script:Plan.Key -PollInterval 5 -Timeout 00:01:00 | Out-Null
        $script:Open = New-SwarmRun -Statepoint @{ lr = 0.1 }
        $script:Done = New-SwarmRun -Statepoint @{ lr = 0.2 }
        Set-SwarmRunStatus -Id $script:Done.Id -Status complete -Confirm:$false | Out-Null
        # Completion must follow the PowerShell location, not the process directory.
        Pop-Location
        $script:Outside = New-Item -ItemType Directory (Join-Path $TestDrive 'elsewhere')
    }

    It 'offers recorded job ids for <Command>' -TestCases @(
        @{ Command = 'Get-SwarmJob -Id ' }
        @{ Command = 'Stop-SwarmJob -Id ' }
        @{ Command = 'Wait-SwarmJob ' }
    ) {
        param($Command)
        Push-Location $script:Repo
        try { Get-Completion $Command | Should -Be @($script:Plan.Key) }
        finally { Pop-Location }
    }

    It 'offers this machine''s runs for <Command>' -TestCases @(
        @{ Command = 'Get-SwarmRun -Id ' }
        @{ Command = 'Set-SwarmRunStatus -Id ' }
        @{ Command = 'Set-SwarmRunLink ' }
        @{ Command = 'Publish-SwarmLedgerEntry -Id ' }
    ) {
        param($Command)
        Push-Location $script:Repo
        try {
            $offered = Get-Completion $Command
            $offered | Should -Contain $script:Open.Id
            $offered | Should -Contain $script:Done.Id
        }
        finally { Pop-Location }
    }

    It 'offers only committed ledger entries for Get-SwarmLedger' {
        Push-Location $script:Repo
        try {
            # The two job tasks are runs too, ended and so in the ledger; the open run is not.
            $offered = Get-Completion 'Get-SwarmLedger -Id '
            $offered | Should -Contain $script:Done.Id
            $offered | Should -Not -Contain $script:Open.Id
            $offered | Should -Be @(Get-ChildItem (Join-Path $script:Repo '.swarm/ledger') -Filter '*.json' | ForEach-Object BaseName | Sort-Object)
        }
        finally { Pop-Location }
    }

    It 'reads the repository named by -Repository from anywhere' {
        Push-Location $script:Outside
        try {
            Get-Completion "Get-SwarmLedger -Repository '$($script:Repo)' -Id " | Should -Contain $script:Done.Id
            Get-Completion 'Get-SwarmRun -Id ' | Should -BeNullOrEmpty -Because 'no repository holds this directory'
            Get-Completion 'Get-SwarmJob -Id ' | Should -BeNullOrEmpty
            Get-Completion "Get-SwarmJob -Repository '$($script:Repo)' -Id " | Should -Be @($script:Plan.Key)
            Get-Completion "Stop-SwarmJob -Repository '$($script:Repo)' -Id " | Should -Be @($script:Plan.Key)
        }
        finally { Pop-Location }
    }

    It 'does not create a run store when completing' {
        Push-Location $script:Outside
        try {
            git init --quiet
            $null = Get-Completion 'Get-SwarmRun -Id '
            Join-Path $script:Outside '.swarm' | Should -Not -Exist
        }
        finally { Pop-Location }
    }
}

Describe 'Event kinds and run statuses' {
    It 'offers the documented event kinds for Get-SwarmEvent -Kind' {
        $offered = Get-Completion 'Get-SwarmEvent -Path . -Kind '
        foreach ($kind in 'site_starting', 'agent_started', 'bootstrap_sent', 'site_finished', 'site_failed', 'message_sent') {
            $offered | Should -Contain $kind
        }
        Get-Completion 'Get-SwarmEvent -Path . -Kind site_f' | Should -Be @('site_finished', 'site_failed')
    }

    It 'offers run statuses in lifecycle order' {
        Get-Completion 'Get-SwarmRun -Status ' | Should -Be @('created', 'queued', 'running', 'complete', 'failed', 'abandoned', 'stopped')
    }

    It 'completes a status prefix through the shared quoting, also after an opening quote, for <Command>' -TestCases @(
        @{ Command = 'Get-SwarmRun -Status ' }
        @{ Command = 'Set-SwarmRunStatus -Id x -Status ' }
        @{ Command = 'Get-SwarmLedger -Status ' }
    ) {
        param($Command)
        Get-Completion "$($Command)c" | Should -Be @('created', 'complete') -Because 'lifecycle order, not sorted'
        Get-Completion "$($Command)'ru" | Should -Be @('running')
        Get-Completion "$($Command)`"FAI" | Should -Be @('failed') -Because 'prefixes match regardless of case'
    }
}

Describe 'Agent names for Select-SwarmAgent' {
    BeforeAll {
        $script:CampaignFile = Join-Path $TestDrive 'chat.yaml'
        Set-Content -Path $script:CampaignFile -Value @"
name: chat
initial_agent: planner
user_task: Plan it.
agents:
  - name: planner
    site: alpha
    command: [x]
    peers: [coder, 'code reviewer']
  - name: coder
    site: alpha
    command: [x]
    peers: [planner]
  - name: code reviewer
    site: alpha
    command: [x]
    peers: [planner]
"@
        $script:Chat = Import-SwarmCampaign $script:CampaignFile
    }

    It 'completes from <Case>' -TestCases @(
        @{ Case = 'a campaign variable given to -Campaign'; Line = 'Select-SwarmAgent -Campaign $script:Chat -Name ' }
        @{ Case = 'a campaign variable piped in'; Line = '$script:Chat | Select-SwarmAgent -Name ' }
        @{ Case = 'Import-SwarmCampaign -Path in the pipeline'; Line = "Import-SwarmCampaign -Path '<file>' | Select-SwarmAgent -Name " }
        @{ Case = 'Import-SwarmCampaign with a positional path'; Line = "Import-SwarmCampaign '<file>' | Select-SwarmAgent " }
        @{ Case = 'a file path typed for -Campaign'; Line = "Select-SwarmAgent -Campaign '<file>' -Name " }
    ) {
        param($Case, $Line)
        Get-Completion ($Line -replace '<file>', $script:CampaignFile) | Should -Be @('planner', 'coder', "'code reviewer'")
    }

    It 'follows the PowerShell location for a relative campaign path' {
        Push-Location $TestDrive
        try { Get-Completion "Import-SwarmCampaign ./chat.yaml | Select-SwarmAgent -Name co" | Should -Be @('coder', "'code reviewer'") }
        finally { Pop-Location }
    }

    It 'offers nothing for a campaign file that does not read' {
        Set-Content -Path (Join-Path $TestDrive 'broken.yaml') -Value "name: [unclosed`n"
        Get-Completion "Import-SwarmCampaign '$(Join-Path $TestDrive 'broken.yaml')' | Select-SwarmAgent -Name " | Should -BeNullOrEmpty
        Get-Completion "Import-SwarmCampaign '$(Join-Path $TestDrive 'missing.yaml')' | Select-SwarmAgent -Name " | Should -BeNullOrEmpty
    }
}
