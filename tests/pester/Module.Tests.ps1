# Acceptance tests of the module as a whole: it imports, its help is there, its errors carry stable ids.
# How it imports beside other modules' copies of its dependencies: Loading.Tests.ps1.
# Run with: dotnet pwsh ./build.ps1 -Task Test

BeforeDiscovery {
    $manifest = Import-PowerShellDataFile -Path (Join-Path $PSScriptRoot '../../SwarmPS.psd1')
    $cmdletCases = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

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
}

Describe 'Help for <Name>' -ForEach $cmdletCases {
    BeforeAll {
        $maml = Join-Path $RepoRoot 'en-US/SwarmPS.Cmdlets.dll-Help.xml'
        $help = Get-Help -Name $Name -Full
    }

    It 'has a synopsis and at least one example with code' {
        if (-not (Test-Path $maml)) {
            Set-ItResult -Skipped -Because 'MAML help is not built (pwsh ./build.ps1 -Task Docs needs PlatyPS)'
            return
        }
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
        @($help.examples.example)[0].code | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        if (-not (Test-Path $maml)) {
            Set-ItResult -Skipped -Because 'MAML help is not built (pwsh ./build.ps1 -Task Docs needs PlatyPS)'
            return
        }
        foreach ($parameter in @($help.parameters.parameter)) {
            ($parameter.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$($parameter.name) needs a description"
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
