# Acceptance tests of the module as a whole: it imports and its errors carry stable ids. Its help:
# Help.Tests.ps1; how it imports beside other modules' copies of its dependencies: Loading.Tests.ps1.
# Run with: dotnet pwsh ./build.ps1 -Task Test

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
