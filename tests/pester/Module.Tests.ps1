# Acceptance tests of the module as a whole: it imports, its errors carry stable ids,
# and it shares a session with powershell-yaml. Run with: pwsh ./build.ps1 -Task Test

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Importing SwarmPS' {
    It 'loads from the repository root with exactly the manifest''s cmdlets and no functions' {
        $module = Get-Module -Name SwarmPS
        $module | Should -Not -BeNullOrEmpty
        $expected = (Import-PowerShellDataFile -Path $ModuleManifest).CmdletsToExport | Sort-Object
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be $expected
        $module.ExportedFunctions.Count | Should -Be 0
    }

    It 'keeps the engine out of PowerShell''s default load context' {
        # Running a cmdlet makes the runtime resolve the engine.
        $null = Get-SwarmAgentId -RunId demo-001 -Name agent-a
        $engine = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'SwarmPS.Engine' })
        $engine.Count | Should -Be 1
        foreach ($assembly in $engine) {
            [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).Name | Should -Be 'SwarmPS.Dependencies'
        }
    }

    It 'imports while powershell-yaml is loaded (<Order>)' -TestCases @(
        @{ Order = 'powershell-yaml first' }
        @{ Order = 'SwarmPS first' }
    ) {
        if (-not (Get-Module -ListAvailable -Name powershell-yaml)) {
            Set-ItResult -Skipped -Because 'powershell-yaml is not installed (Install-Module powershell-yaml)'
            return
        }

        # A fresh session, because a module's assemblies stay loaded once imported.
        $result = & $PwshPath -NoProfile -NonInteractive -Command {
            param($ManifestPath, $Order, $CampaignPath)
            $ErrorActionPreference = 'Stop'
            if ($Order -eq 'powershell-yaml first') {
                Import-Module powershell-yaml
                $null = ConvertFrom-Yaml 'warm: up'
                Import-Module $ManifestPath
            }
            else {
                Import-Module $ManifestPath
                Import-Module powershell-yaml
            }

            # Both modules must work afterwards, each with its own YamlDotNet.
            $campaignAgents = $null
            if ((Get-Command Import-SwarmCampaign -ErrorAction SilentlyContinue) -and (Test-Path $CampaignPath)) {
                $campaignAgents = @((Import-SwarmCampaign $CampaignPath).Agents).Count
            }
            [pscustomobject]@{
                Id             = (Get-SwarmAgentId -RunId demo-001 -Name agent-a).Id.ToString()
                Yaml           = (ConvertFrom-Yaml 'answer: 42').answer
                CampaignAgents = $campaignAgents
            }
        } -args $ModuleManifest, $Order, (Join-Path $ExamplesRoot 'two-site-campaign.yaml')

        $LASTEXITCODE | Should -Be 0
        $result.Id | Should -Be 'bf4054fa-595d-51a7-b606-b747510f14cb'
        $result.Yaml | Should -Be 42
        if ($null -ne $result.CampaignAgents) {
            $result.CampaignAgents | Should -BeGreaterThan 0
        }
    }
}

Describe 'Get-SwarmAgentId' {
    It 'derives the pinned mailbox id of <Agent> in <RunId>' -TestCases @(
        @{ RunId = 'demo-001'; Agent = 'agent-a'; Id = 'bf4054fa-595d-51a7-b606-b747510f14cb' }
        @{ RunId = 'demo-001'; Agent = 'agent-b'; Id = 'f4dc36b5-8e41-579b-9a95-a4325c2babe0' }
        @{ RunId = 'chat.2026-11'; Agent = 'Ünïcode agent'; Id = '78d53057-7e0d-550f-99e3-00d58d945d91' }
    ) {
        $identity = Get-SwarmAgentId -RunId $RunId -Name $Agent
        $identity.RunId | Should -Be $RunId
        $identity.Name | Should -Be $Agent
        $identity.Id | Should -Be ([guid] $Id)
    }

    It 'takes agent names from the pipeline' {
        $ids = 'agent-a', 'agent-b' | Get-SwarmAgentId -RunId demo-001
        $ids.Id.Guid | Should -Be @('bf4054fa-595d-51a7-b606-b747510f14cb', 'f4dc36b5-8e41-579b-9a95-a4325c2babe0')
    }

    It 'refuses the run id <RunId> with RunIdInvalid and names the fix' -TestCases @(
        @{ RunId = 'Demo' }
        @{ RunId = 'has space' }
        @{ RunId = '../escape' }
    ) {
        { Get-SwarmAgentId -RunId $RunId -Name agent-a -ErrorAction Stop } |
            Should -Throw -ErrorId 'RunIdInvalid,SwarmPS.Cmdlets.GetSwarmAgentIdCommand'

        $null = Get-SwarmAgentId -RunId $RunId -Name agent-a -ErrorAction SilentlyContinue -ErrorVariable failures
        $failures[0].TargetObject | Should -Be $RunId
        $failures[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }
}
