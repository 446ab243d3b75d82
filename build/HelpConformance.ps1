# Compares each help/*.md page with the cmdlet it documents, so a page cannot drift from the code.
#
#     . ./build/HelpToMaml.ps1; . ./build/HelpConformance.ps1
#     Import-Module ./SwarmPS.psd1          # in a fresh pwsh: the module's assemblies never unload
#     Test-SwarmHelpConformance -HelpPath ./help -Module (Get-Module SwarmPS)
#
# The MAML is built from the pages alone (HelpToMaml.ps1 needs no module), so the pages are the one
# source of Get-Help's syntax and parameter facts; this check is what keeps them true. Each finding names
# the page, the parameter and the fix.

Set-StrictMode -Version Latest

function Test-SwarmHelpConformance {
    <#
    .SYNOPSIS
        Yields one finding per disagreement between help/*.md and the module's exported cmdlets.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $HelpPath,
        [Parameter(Mandatory)] [System.Management.Automation.PSModuleInfo] $Module
    )
    $pages = @{}
    foreach ($file in Get-ChildItem -Path $HelpPath -Filter '*.md' -File) {
        $pages[$file.BaseName] = $file
    }
    foreach ($command in $Module.ExportedCmdlets.Values | Sort-Object Name) {
        if (-not $pages.ContainsKey($command.Name)) {
            New-HelpFinding -Page "$($command.Name).md" -Parameter $null -Problem 'the cmdlet has no help page' `
                -Fix "add $HelpPath/$($command.Name).md (copy help/Get-SwarmAgentId.md and describe each parameter)"
            continue
        }
        $file = $pages[$command.Name]
        $pages.Remove($command.Name)
        try {
            $page = Read-SwarmHelpPage -Path $file.FullName
        }
        catch {
            New-HelpFinding -Page $file.Name -Parameter $null -Problem "the page cannot be read: $($_.Exception.Message)" -Fix 'correct the page as the message says'
            continue
        }
        Compare-SwarmHelpPage -Page $page -Command $command
    }
    foreach ($orphan in $pages.Values) {
        New-HelpFinding -Page $orphan.Name -Parameter $null -Problem "$($Module.Name) exports no cmdlet '$($orphan.BaseName)'" `
            -Fix 'delete the page, or rename it after the cmdlet it documents'
    }
}

function Compare-SwarmHelpPage {
    <#
    .SYNOPSIS
        Yields the findings for one page (from Read-SwarmHelpPage) against one command's metadata.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Page,
        [Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command
    )
    $pageName = Split-Path -Leaf $Page.File
    if ($Page.Name -ne $Command.Name) {
        New-HelpFinding -Page $pageName -Parameter $null -Problem "the title is '# $($Page.Name)'" -Fix "make it '# $($Command.Name)'"
    }

    $common = [System.Management.Automation.Cmdlet]::CommonParameters
    $documented = @{}
    foreach ($parameter in $Page.Parameters) {
        $documented[$parameter.Name] = $parameter
    }
    foreach ($metadata in $Command.Parameters.Values | Where-Object Name -notin $common) {
        if (-not $documented.ContainsKey($metadata.Name)) {
            New-HelpFinding -Page $pageName -Parameter $metadata.Name -Problem 'the cmdlet has it, the page does not' `
                -Fix "add a '### -$($metadata.Name)' section with a description and this yaml block:`n$(Format-ParameterYaml -Metadata $metadata)"
            continue
        }
        Compare-HelpParameter -PageName $pageName -Parameter $documented[$metadata.Name] -Metadata $metadata
        $documented.Remove($metadata.Name)
    }
    foreach ($extra in $documented.Keys) {
        New-HelpFinding -Page $pageName -Parameter $extra -Problem "$($Command.Name) has no such parameter" -Fix "remove the '### -$extra' section"
    }

    Compare-HelpSyntax -PageName $pageName -Page $Page -Command $Command

    # A runbook line runs the cmdlet; an example that never names it teaches nothing about it.
    $running = @($Page.Examples | Where-Object { $_.Code -match "(?<![\w-])$([regex]::Escape($Command.Name))(?![\w-])" })
    if ($running.Count -eq 0) {
        New-HelpFinding -Page $pageName -Parameter $null -Problem "no example runs $($Command.Name)" `
            -Fix "add '### Example 1: <what it does>' with a real command line using $($Command.Name) in a ``````powershell fence"
    }
}

function Compare-HelpParameter([string] $PageName, $Parameter, [System.Management.Automation.ParameterMetadata] $Metadata) {
    $name = $Metadata.Name
    $type = Get-HelpTypeName -Type $Metadata.ParameterType
    $aliases = @($Metadata.Aliases | Sort-Object)
    $globbing = @($Metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count -gt 0
    $validateSet = @($Metadata.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | ForEach-Object ValidValues)

    if ([string]::IsNullOrWhiteSpace(($Parameter.Description -join ''))) {
        New-HelpFinding -Page $PageName -Parameter $name -Problem 'it has no description' -Fix "write what -$name does above its yaml block"
    }

    # The page's attributes per parameter set: "(All)" is PowerShell's __AllParameterSets.
    $pageSets = @{}
    foreach ($set in $Parameter.Sets) {
        foreach ($setName in $set.ParameterSets) {
            $pageSets[$setName] = $set
        }
    }
    $cmdletSets = @{}
    foreach ($key in $Metadata.ParameterSets.Keys) {
        $cmdletSets[(ConvertTo-HelpSetName $key)] = $Metadata.ParameterSets[$key]
    }
    $expectedSetList = ($cmdletSets.Keys | Sort-Object) -join ', '
    $pageSetList = ($pageSets.Keys | Sort-Object) -join ', '
    if ($expectedSetList -ne $pageSetList) {
        New-HelpFinding -Page $PageName -Parameter $name -Problem "the page puts it in the parameter set(s) '$pageSetList', the cmdlet in '$expectedSetList'" `
            -Fix "write 'Parameter Sets: $expectedSetList' (one yaml block per group of sets whose attributes differ)"
    }

    foreach ($setName in $cmdletSets.Keys | Sort-Object) {
        if (-not $pageSets.ContainsKey($setName)) {
            continue
        }
        $set = $pageSets[$setName]
        $setMetadata = $cmdletSets[$setName]
        $where = if ($cmdletSets.Count -gt 1 -or $setName -ne '(All)') { " in set $setName" } else { '' }
        $expected = [ordered]@{
            'Type'                       = $type
            'Required'                   = if ($setMetadata.IsMandatory) { 'True' } else { 'False' }
            'Position'                   = if ($setMetadata.Position -eq [int]::MinValue) { 'Named' } else { [string] $setMetadata.Position }
            'Accept pipeline input'      = Get-PipelineInputText -SetMetadata $setMetadata
            'Aliases'                    = $aliases -join ', '
            'Accept wildcard characters' = if ($globbing) { 'True' } else { 'False' }
            'Accepted values'            = $validateSet -join ', '
        }
        $actual = [ordered]@{
            'Type'                       = $set.Type
            'Required'                   = if ($set.Required) { 'True' } else { 'False' }
            'Position'                   = $set.Position
            'Accept pipeline input'      = $set.PipelineInput
            'Aliases'                    = @($set.Aliases | Sort-Object) -join ', '
            'Accept wildcard characters' = if ($set.Globbing) { 'True' } else { 'False' }
            'Accepted values'            = $set.AcceptedValues -join ', '
        }
        foreach ($key in $expected.Keys) {
            if ($expected[$key] -cne $actual[$key]) {
                New-HelpFinding -Page $PageName -Parameter $name -Problem "the page says '${key}: $($actual[$key])'$where, the cmdlet says '$($expected[$key])'" `
                    -Fix "write '${key}: $($expected[$key])'"
            }
        }
    }
}

function Compare-HelpSyntax([string] $PageName, $Page, [System.Management.Automation.CommandInfo] $Command) {
    # The SYNTAX block is what a reader of the page sees first: one line per parameter set, spelled as
    # PlatyPS spells it (Get-Command's line with .NET type names: <String>, not <string>).
    $expected = @(foreach ($set in $Command.ParameterSets) {
            [pscustomobject]@{ Name = $set.Name; IsDefault = $set.IsDefault; Text = (Format-HelpSyntaxLine -Command $Command -Set $set) }
        })
    $actual = @($Page.Syntax)
    $expectedKeys = @($expected | ForEach-Object { Get-SyntaxKey $_.Text })
    $actualKeys = @($actual | ForEach-Object { Get-SyntaxKey $_.Text })
    $missing = @($expected | Where-Object { (Get-SyntaxKey $_.Text) -cnotin $actualKeys })
    $stale = @($actual | Where-Object { (Get-SyntaxKey $_.Text) -cnotin $expectedKeys })
    if ($stale.Count -eq $missing.Count) {
        # As many wrong lines as missing sets: each wrong line is taken to be the set in its place.
        for ($index = 0; $index -lt $stale.Count; $index++) {
            New-HelpFinding -Page $PageName -Parameter $null -Problem "the SYNTAX line '$($stale[$index].Text)' does not match the cmdlet" `
                -Fix "write '$($missing[$index].Text)'"
        }
        $stale = $missing = @()
    }
    foreach ($line in $stale) {
        New-HelpFinding -Page $PageName -Parameter $null -Problem "the SYNTAX line '$($line.Text)' is not a parameter set of $($Command.Name)" `
            -Fix 'remove it, or correct it to one of the lines below'
    }
    foreach ($line in $missing) {
        New-HelpFinding -Page $PageName -Parameter $null -Problem "SYNTAX lacks the parameter set $(ConvertTo-HelpSetName $line.Name)" `
            -Fix "add the line '$($line.Text)' to the SYNTAX block"
    }
    # Where the page names its sets ("### Path", "### Campaign (Default)"), the names must be the cmdlet's.
    foreach ($line in $actual | Where-Object SetName) {
        $match = $expected | Where-Object { (Get-SyntaxKey $_.Text) -ceq (Get-SyntaxKey $line.Text) }
        if ($null -ne $match -and ($match.Name -ne $line.SetName -or $match.IsDefault -ne $line.IsDefault)) {
            $heading = $match.Name + $(if ($match.IsDefault) { ' (Default)' } else { '' })
            New-HelpFinding -Page $PageName -Parameter $null -Problem "SYNTAX names the set of '$($line.Text)' '$($line.SetName)'$(if ($line.IsDefault) { ' (Default)' })" `
                -Fix "write '### $heading' above it"
        }
    }
}

function Get-SyntaxKey([string] $Text) {
    # A syntax line as the set of its parameter terms ("[-Site <String>]", "[-RunId] <String>"): the
    # order in which a page lists them does not change what the line says.
    $terms = [regex]::Matches($Text, '\[*-\w+\]?(?: <[^>]+>)?\]?|\[<CommonParameters>\]') | ForEach-Object Value
    (@($Text -split ' ', 2)[0]) + ' ' + ((@($terms) | Sort-Object -CaseSensitive) -join ' ')
}

function Format-HelpSyntaxLine([System.Management.Automation.CommandInfo] $Command, [System.Management.Automation.CommandParameterSetInfo] $Set) {
    $text = "$($Command.Name) $Set"
    $text = [regex]::Replace($text, '-(\w+)\]? <[^>]+>', {
            param($match)
            $parameter = $Command.Parameters[$match.Groups[1].Value]
            $match.Value -replace '<[^>]+>$', "<$(Get-HelpTypeName -Type $parameter.ParameterType)>"
        })
    $text -replace '\s+', ' '
}

function Format-ParameterYaml([System.Management.Automation.ParameterMetadata] $Metadata) {
    $lines = foreach ($key in $Metadata.ParameterSets.Keys) {
        $set = $Metadata.ParameterSets[$key]
        '```yaml'
        "Type: $(Get-HelpTypeName -Type $Metadata.ParameterType)"
        "Parameter Sets: $(ConvertTo-HelpSetName $key)"
        "Aliases: $(@($Metadata.Aliases) -join ', ')"
        ''
        "Required: $(if ($set.IsMandatory) { 'True' } else { 'False' })"
        "Position: $(if ($set.Position -eq [int]::MinValue) { 'Named' } else { $set.Position })"
        'Default value: None'
        "Accept pipeline input: $(Get-PipelineInputText -SetMetadata $set)"
        'Accept wildcard characters: False'
        '```'
    }
    $lines -join "`n"
}

function Get-HelpTypeName([type] $Type) {
    # PlatyPS's spelling: the short .NET name (String[], Int32, SwitchParameter, Campaign). A nullable
    # value type reads as its value type, as in Get-Command's syntax: to the caller it is just optional.
    $underlying = [System.Nullable]::GetUnderlyingType($Type)
    if ($null -ne $underlying) {
        return Get-HelpTypeName -Type $underlying
    }
    if ($Type.IsArray) {
        return (Get-HelpTypeName -Type $Type.GetElementType()) + '[]'
    }
    if ($Type.IsGenericType) {
        $arguments = $Type.GetGenericArguments() | ForEach-Object { Get-HelpTypeName -Type $_ }
        return ($Type.Name -replace '`\d+$', '') + "[$($arguments -join ', ')]"
    }
    $Type.Name
}

function Get-PipelineInputText([System.Management.Automation.ParameterSetMetadata] $SetMetadata) {
    $kinds = @(
        if ($SetMetadata.ValueFromPipelineByPropertyName) { 'ByPropertyName' }
        if ($SetMetadata.ValueFromPipeline) { 'ByValue' }
    )
    if ($kinds.Count -eq 0) { 'False' } else { "True ($($kinds -join ', '))" }
}

function ConvertTo-HelpSetName([string] $Name) {
    if ($Name -eq [System.Management.Automation.ParameterAttribute]::AllParameterSets) { '(All)' } else { $Name }
}

function New-HelpFinding([string] $Page, [string] $Parameter, [string] $Problem, [string] $Fix) {
    $subject = if ($Parameter) { "help/${Page}: -${Parameter}: " } else { "help/${Page}: " }
    [pscustomobject]@{
        PSTypeName = 'SwarmHelpFinding'
        Page       = $Page
        Parameter  = $Parameter
        Problem    = $Problem
        Fix        = $Fix
        Message    = "$subject$Problem. Fix: $Fix."
    }
}
