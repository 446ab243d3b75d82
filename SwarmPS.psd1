@{
    # Loads from the repository root after `dotnet build` (or build.ps1); build.ps1 -Task Package copies
    # this manifest into a publishable folder with the same bin/, module/ and en-US/ layout, stamping the
    # version (Directory.Build.props) and the release notes (CHANGELOG.md).
    RootModule           = 'bin/SwarmPS.Cmdlets.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d'
    Author               = 'SwarmPS developers'
    CompanyName          = 'SwarmPS'
    Copyright            = '(c) SwarmPS developers. All rights reserved.'
    Description          = 'Run federated agent campaigns and parameter sweeps across HPC centres: site profiles, campaigns, agent exchange, batch schedulers and a git-shared run ledger.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')

    FormatsToProcess     = @(
        'module/SwarmPS.Campaigns.format.ps1xml'
        'module/SwarmPS.Control.format.ps1xml'
        'module/SwarmPS.Dashboard.format.ps1xml'
        'module/SwarmPS.Events.format.ps1xml'
        'module/SwarmPS.Exchange.format.ps1xml'
        'module/SwarmPS.Intents.format.ps1xml'
        'module/SwarmPS.Launch.format.ps1xml'
        'module/SwarmPS.Ledger.format.ps1xml'
        'module/SwarmPS.LiveTraining.format.ps1xml'
        'module/SwarmPS.Scheduler.format.ps1xml'
        'module/SwarmPS.Sites.format.ps1xml'
        'module/SwarmPS.Training.format.ps1xml'
    )

    # Listed explicitly (never '*') so discovery is fast and the surface test can compare this list
    # with the cmdlets compiled into the assembly.
    CmdletsToExport      = @(
        'Confirm-SwarmMessage'
        'Convert-SwarmLedger'
        'Export-SwarmEvidence'
        'Export-SwarmReport'
        'Find-SwarmIntent'
        'Get-SwarmAdapter'
        'Get-SwarmAgent'
        'Get-SwarmAgentId'
        'Get-SwarmAgentManager'
        'Get-SwarmContribution'
        'Get-SwarmEvent'
        'Get-SwarmExchange'
        'Get-SwarmJob'
        'Get-SwarmLedger'
        'Get-SwarmMailbox'
        'Get-SwarmRun'
        'Get-SwarmSite'
        'Get-SwarmTrainingStatus'
        'Get-SwarmWorkflow'
        'Import-SwarmCampaign'
        'Import-SwarmSignacProject'
        'Import-SwarmTrainingPlan'
        'Initialize-SwarmRepository'
        'Invoke-SwarmAggregation'
        'Invoke-SwarmFailureDrill'
        'Merge-SwarmContribution'
        'New-SwarmJobPlan'
        'New-SwarmRun'
        'New-SwarmTaskSet'
        'New-SwarmTrainingPlan'
        'Publish-SwarmLedgerEntry'
        'Publish-SwarmSnapshot'
        'Receive-SwarmMessage'
        'Register-SwarmMailbox'
        'Save-SwarmIntent'
        'Select-SwarmAgent'
        'Send-SwarmBootstrap'
        'Send-SwarmContribution'
        'Send-SwarmControl'
        'Send-SwarmMessage'
        'Set-SwarmRunLink'
        'Set-SwarmRunStatus'
        'Start-SwarmAgentManager'
        'Start-SwarmDashboard'
        'Start-SwarmExchange'
        'Start-SwarmSite'
        'Start-SwarmTraining'
        'Start-SwarmWorkflow'
        'Stop-SwarmAgentManager'
        'Stop-SwarmDashboard'
        'Stop-SwarmExchange'
        'Stop-SwarmJob'
        'Stop-SwarmSite'
        'Stop-SwarmWorkflow'
        'Submit-SwarmJob'
        'Sync-SwarmCode'
        'Sync-SwarmLedger'
        'Test-SwarmCampaign'
        'Test-SwarmCitation'
        'Test-SwarmContribution'
        'Test-SwarmEvidence'
        'Test-SwarmLedger'
        'Test-SwarmSite'
        'Test-SwarmTrainingPlan'
        'Wait-SwarmJob'
        'Watch-SwarmJob'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()

    PrivateData          = @{
        PSData = @{
            Tags         = @('PSEdition_Core', 'Linux', 'MacOS', 'HPC', 'SLURM', 'PBS', 'SGE', 'Federated', 'Agents', 'Sweep', 'Ledger')
            # ProjectUri: build.ps1 -Task Package stamps the clone's origin remote; the project has no
            # public address yet, and an empty or made-up URI is worse than none.
            # Stamped by build.ps1 -Task Package from this version's section of CHANGELOG.md.
            ReleaseNotes = ''
        }
    }
}
