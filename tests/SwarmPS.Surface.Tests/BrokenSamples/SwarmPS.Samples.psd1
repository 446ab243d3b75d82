@{
    # A manifest written the way people write them: comments (with 'quotes' and (parentheses) in them),
    # mixed quoting, entries split over lines. The parser must read it; the rules must flag what is planted.
    RootModule        = 'SwarmPS.Surface.Samples.dll'
    ModuleVersion     = '0.0.1'

    <# FormatsToProcess = @('module/NotReally.format.ps1xml') -- a block comment, not a key #>
    FormatsToProcess  = @(
        'module/Samples.format.ps1xml'   # the good one
        "module/Missing.format.ps1xml"
        'module/Broken.format.ps1xml'
    )

    CmdletsToExport   = @(
        'Fetch-SwarmThing',
        'Get-SwarmAmbiguous', 'Get-SwarmGhost',
        'Get-SwarmHelpless'
        'Get-SwarmMisnamed'
        'Get-SwarmNoExample'
        'Get-SwarmOrphan'
        "Get-SwarmSample"
        'Get-SwarmSilent'
        'Get-SwarmUndocumented'
        'Get-WidgetReport'
        'Set-SwarmToggle'
        'Stop-SwarmSample'
        'Start-SwarmReckless'
    )
    FunctionsToExport = 'Invoke-SwarmScript'
    AliasesToExport   = @()
}
