# Turns the PlatyPS-style markdown pages in help/ into the MAML file Get-Help reads, without PlatyPS.
#
#     . ./build/HelpToMaml.ps1
#     Convert-SwarmHelpToMaml -Path ./help -OutputPath ./en-US/SwarmPS.Cmdlets.dll-Help.xml
#
# Plain PowerShell 7, no module needed: PlatyPS is not on a fresh machine, and help must not depend on it.
# Read-SwarmHelpPage parses one page into plain objects (also used by HelpConformance.ps1 to compare a
# page with the cmdlet); ConvertTo-SwarmMaml writes those objects as MAML through an XmlWriter, so every
# text is escaped by the writer rather than by hand.
#
# The page format is PlatyPS 0.14's: a `# Verb-Noun` title; `## SYNOPSIS`, `## SYNTAX`, `## DESCRIPTION`,
# `## EXAMPLES` (`### Example N: title`, a ```powershell fence, remarks), `## PARAMETERS` (`### -Name`,
# a description, then one ```yaml block per distinct set of attributes, `Accepted values:` optional), `## INPUTS` and `## OUTPUTS`
# (`### Type name` then a description), `## NOTES`, `## RELATED LINKS` (markdown links).

Set-StrictMode -Version Latest

# Constants as functions, not $script: variables: this file is dot-sourced into build.ps1 and into Pester
# blocks, and a function is found from any scope it is called in.
function Get-MamlNamespace {
    [ordered]@{
        maml    = 'http://schemas.microsoft.com/maml/2004/10'
        command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
        dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    }
}

function Get-HelpParameterYamlKey {
    'Type', 'Parameter Sets', 'Aliases', 'Required', 'Position', 'Default value', 'Accept pipeline input', 'Accept wildcard characters'
}

function Convert-SwarmHelpToMaml {
    <#
    .SYNOPSIS
        Converts every help/*.md page into one MAML file; returns the file.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [string] $OutputPath
    )
    $pages = @(Get-ChildItem -Path $Path -Filter '*.md' -File | Sort-Object Name)
    if ($pages.Count -eq 0) {
        throw "No help pages (*.md) in '$Path': Get-Help would have nothing to show. Add help/<Verb-Noun>.md pages."
    }
    $commands = foreach ($page in $pages) {
        Read-SwarmHelpPage -Path $page.FullName
    }
    $xml = ConvertTo-SwarmMaml -Command $commands
    $directory = Split-Path -Parent $OutputPath
    if ($directory) {
        New-Item -ItemType Directory -Force -Path $directory | Out-Null
    }
    # UTF-8 without a byte order mark, LF: byte-identical output on every platform.
    [System.IO.File]::WriteAllText($OutputPath, $xml, [System.Text.UTF8Encoding]::new($false))
    Get-Item -Path $OutputPath
}

function Read-SwarmHelpPage {
    <#
    .SYNOPSIS
        Parses one PlatyPS-style markdown page into an object: Name, Synopsis, Description, Syntax,
        Examples, Parameters, Inputs, Outputs, Notes, RelatedLinks. Every error names the file.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [string] $Path)

    $file = (Resolve-Path -LiteralPath $Path).Path
    $lines = (Get-Content -LiteralPath $file -Raw) -replace "`r`n?", "`n" -split "`n"
    $frontMatterLines = $lines.Count
    $lines = @(Remove-FrontMatter $lines)
    $frontMatterLines -= $lines.Count

    $title = Split-MarkdownHeading -Lines $lines -Level 1
    $named = @($title | Where-Object Heading)
    if ($named.Count -ne 1) {
        throw "${file}: expected one '# Verb-Noun' title line, found $($named.Count). Start the page with '# <cmdlet name>'."
    }
    $name = $named[0].Heading
    $sections = @{}
    foreach ($section in Split-MarkdownHeading -Lines $named[0].Lines -Level 2) {
        if ($section.Heading) {
            $sections[$section.Heading.ToUpperInvariant()] = $section.Lines
        }
    }
    # The sections a page cannot do without; INPUTS, OUTPUTS, NOTES and RELATED LINKS may be absent.
    foreach ($required in 'SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS') {
        if (-not $sections.ContainsKey($required)) {
            Assert-HeadingOutsideFence -Lines $lines -Heading "## $required" -File $file -LineOffset $frontMatterLines
            throw "${file}: the '## $required' section is missing. Add it (copy the layout of help/Get-SwarmAgentId.md)."
        }
    }

    $synopsis = (ConvertTo-HelpParagraph -Lines $sections['SYNOPSIS']) -join ' '
    if ([string]::IsNullOrWhiteSpace($synopsis)) {
        throw "${file}: '## SYNOPSIS' is empty. Write the one line Get-Help shows under the cmdlet's name."
    }

    [pscustomobject]@{
        PSTypeName   = 'SwarmHelpPage'
        File         = $file
        Name         = $name
        Synopsis     = $synopsis
        Description  = @(ConvertTo-HelpParagraph -Lines $sections['DESCRIPTION'])
        Syntax       = @(Read-SyntaxSection -Lines $sections['SYNTAX'] -File $file)
        Examples     = @(Read-ExampleSection -Lines $sections['EXAMPLES'] -File $file)
        Parameters   = @(Read-ParameterSection -Lines $sections['PARAMETERS'] -File $file)
        Inputs       = @(Read-TypeSection -Lines (Get-SectionOrEmpty $sections 'INPUTS'))
        Outputs      = @(Read-TypeSection -Lines (Get-SectionOrEmpty $sections 'OUTPUTS'))
        Notes        = @(ConvertTo-HelpParagraph -Lines (Get-SectionOrEmpty $sections 'NOTES'))
        RelatedLinks = @(Read-RelatedLinks -Lines (Get-SectionOrEmpty $sections 'RELATED LINKS'))
    }
}

function ConvertTo-SwarmMaml {
    <#
    .SYNOPSIS
        Writes pages from Read-SwarmHelpPage as one MAML document (a string).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)] [object[]] $Command)

    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.NewLineChars = "`n"
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $builder = [System.Text.StringBuilder]::new()
    $writer = [System.Xml.XmlWriter]::Create($builder, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($page in $Command) {
            try {
                Write-MamlCommand -Writer $writer -Page $page
            }
            catch [System.ArgumentException] {
                # XML cannot carry control characters at all; the writer refuses them without saying where.
                throw "$($page.File): $($_.Exception.Message) Remove the control character from the page."
            }
        }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
    # StringBuilder output declares utf-16; the file is written as UTF-8.
    ($builder.ToString() -replace '^<\?xml version="1.0" encoding="utf-16"\?>', '<?xml version="1.0" encoding="utf-8"?>') + "`n"
}

# ---------------------------------------------------------------------------------------------------------
# Markdown: headings, blocks, paragraphs
# ---------------------------------------------------------------------------------------------------------

function Remove-FrontMatter([string[]] $Lines) {
    if ($Lines.Count -gt 0 -and $Lines[0] -eq '---') {
        for ($index = 1; $index -lt $Lines.Count; $index++) {
            if ($Lines[$index] -eq '---') {
                return $Lines | Select-Object -Skip ($index + 1)
            }
        }
    }
    $Lines
}

function Split-MarkdownHeading {
    # Splits lines at headings of one level, outside code fences (an example's "# comment" is not a
    # heading). Yields { Heading; Lines }; the text before the first heading has Heading $null.
    param([string[]] $Lines, [int] $Level)
    $prefix = ('#' * $Level) + ' '
    $current = [pscustomobject]@{ Heading = $null; Lines = [System.Collections.Generic.List[string]]::new() }
    $inFence = $false
    foreach ($line in $Lines) {
        if (Test-FenceLine -Line $line -InFence $inFence) {
            $inFence = -not $inFence
        }
        if (-not $inFence -and $line.StartsWith($prefix)) {
            $current
            $current = [pscustomobject]@{ Heading = $line.Substring($prefix.Length).Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            continue
        }
        $current.Lines.Add($line)
    }
    $current
}

function Assert-HeadingOutsideFence([string[]] $Lines, [string] $Heading, [string] $File, [int] $LineOffset) {
    # A heading that is there but was not found sits inside a fence someone forgot to close: name it.
    $inFence = $false
    $openedAt = 0
    for ($index = 0; $index -lt $Lines.Count; $index++) {
        if ($inFence -and $Lines[$index].Trim() -eq $Heading) {
            throw "${File}: '$Heading' at line $($index + 1 + $LineOffset) is inside the code fence opened at line $($openedAt + 1 + $LineOffset) ('$($Lines[$openedAt].Trim())'), which is never closed before it. Close that fence with a line of three backticks."
        }
        if (Test-FenceLine -Line $Lines[$index] -InFence $inFence) {
            $inFence = -not $inFence
            $openedAt = $index
        }
    }
}

function Test-FenceLine([string] $Line, [bool] $InFence) {
    # Outside a fence, any line starting with three backticks opens one (a language may follow);
    # inside, only a line of just the backticks closes it, so "```powershell" in a fence is text.
    if ($InFence) { $Line -match '^\s*```\s*$' } else { $Line -match '^\s*```' }
}

function Get-SectionOrEmpty([hashtable] $Sections, [string] $Name) {
    if ($Sections.ContainsKey($Name)) { , $Sections[$Name] } else { , @() }
}

function Split-MarkdownBlock {
    # Yields blocks: { Kind = Code, Language, Text } for fences (verbatim), { Kind = List; Items } for
    # bullet or numbered lists, { Kind = Text; Text } for prose paragraphs.
    param([string[]] $Lines)
    $index = 0
    while ($index -lt $Lines.Count) {
        $line = $Lines[$index]
        if ($line -match '^\s*```\s*([\w-]*)') {
            # Any line opening with ``` opens a fence; the first word after it is the language.
            $language = $Matches[1]
            $body = [System.Collections.Generic.List[string]]::new()
            $index++
            while ($index -lt $Lines.Count -and $Lines[$index] -notmatch '^\s*```\s*$') {
                $body.Add($Lines[$index])
                $index++
            }
            $index++
            [pscustomobject]@{ Kind = 'Code'; Language = $language.ToLowerInvariant(); Text = ($body -join "`n") }
            continue
        }
        if ([string]::IsNullOrWhiteSpace($line)) {
            $index++
            continue
        }
        if ($line -match '^\s*([-*+]|\d+\.)\s+') {
            # A list: each item starts with a marker; indented lines continue it.
            $items = [System.Collections.Generic.List[string]]::new()
            while ($index -lt $Lines.Count -and -not [string]::IsNullOrWhiteSpace($Lines[$index]) -and $Lines[$index] -notmatch '^\s*```') {
                if ($Lines[$index] -match '^\s*([-*+]|\d+\.)\s+(.*)$') {
                    $marker, $text = $Matches[1], $Matches[2].Trim()
                    # One bullet character for all, numbers as written.
                    if ($marker -notmatch '\d') { $marker = '-' }
                    $items.Add("$marker $text")
                }
                else {
                    $items[$items.Count - 1] += ' ' + $Lines[$index].Trim()
                }
                $index++
            }
            [pscustomobject]@{ Kind = 'List'; Items = $items.ToArray() }
            continue
        }
        # The line at hand starts the paragraph; it ends at a blank line, a fence or a list.
        $paragraph = [System.Collections.Generic.List[string]]::new()
        do {
            $paragraph.Add($Lines[$index].Trim())
            $index++
        } while ($index -lt $Lines.Count -and -not [string]::IsNullOrWhiteSpace($Lines[$index]) -and
            $Lines[$index] -notmatch '^\s*```' -and $Lines[$index] -notmatch '^\s*([-*+]|\d+\.)\s+')
        [pscustomobject]@{ Kind = 'Text'; Text = ($paragraph -join ' ') }
    }
}

function ConvertTo-HelpParagraph {
    # Markdown to the paragraphs of a maml:description: prose is unwrapped onto one line (Get-Help wraps
    # it to the console), a list keeps one line per item, a code fence keeps its lines.
    param([string[]] $Lines)
    foreach ($block in Split-MarkdownBlock -Lines $Lines) {
        switch ($block.Kind) {
            'Code' { $block.Text }
            'List' { ($block.Items | ForEach-Object { ConvertFrom-MarkdownInline $_ }) -join "`n" }
            default { ConvertFrom-MarkdownInline $block.Text }
        }
    }
}

function ConvertFrom-MarkdownInline([string] $Text) {
    # Bold and italics markers go (a console shows them as noise); backticks stay, they mark literal
    # names. A link to another page keeps its text; a web link keeps its address.
    $Text = $Text -replace '\*\*([^*]+)\*\*', '$1' -replace '(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])', '$1'
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)\s]*)\)', {
            param($match)
            $label, $target = $match.Groups[1].Value, $match.Groups[2].Value
            if ($target -match '^https?://') { "$label ($target)" } else { $label }
        })
    # PlatyPS escapes markdown characters with a backslash; the help text shows them plain.
    $Text -replace '\\([\\`*_{}\[\]()#+\-.!<>])', '$1'
}

# ---------------------------------------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------------------------------------

function Read-SyntaxSection([string[]] $Lines, [string] $File) {
    # Each syntax line (one per parameter set) with its set name when the page names it with
    # "### SetName" or "### SetName (Default)". HelpConformance.ps1 compares these with the cmdlet.
    foreach ($part in Split-MarkdownHeading -Lines $Lines -Level 3) {
        $setName = $null
        $isDefault = $false
        if ($part.Heading) {
            $setName = $part.Heading -replace '\s*\(Default\)\s*$', ''
            $isDefault = $part.Heading -match '\(Default\)\s*$'
        }
        foreach ($block in Split-MarkdownBlock -Lines $part.Lines | Where-Object Kind -eq 'Code') {
            # A syntax line may wrap: continuation lines start with a space.
            $joined = $block.Text -replace "\n[ \t]+", ' '
            foreach ($text in $joined -split "`n" | Where-Object { -not [string]::IsNullOrWhiteSpace($_) }) {
                [pscustomobject]@{ SetName = $setName; IsDefault = $isDefault; Text = ($text.Trim() -replace '\s+', ' ') }
            }
        }
    }
}

function Read-ExampleSection([string[]] $Lines, [string] $File) {
    $examples = @(Split-MarkdownHeading -Lines $Lines -Level 3 | Where-Object Heading)
    if ($examples.Count -eq 0) {
        throw "${File}: '## EXAMPLES' has no '### Example 1: <what it does>' section. Add one with a real runbook line in a ``````powershell fence."
    }
    foreach ($example in $examples) {
        $blocks = @(Split-MarkdownBlock -Lines $example.Lines)
        $isCode = @($blocks | ForEach-Object { $_.Kind -eq 'Code' -and $_.Language -in @('powershell', 'pwsh', 'ps', 'ps1') })
        if ($isCode -notcontains $true) {
            # An unlabelled fence is the code when nothing is labelled powershell.
            $first = @($blocks.Kind).IndexOf('Code')
            if ($first -ge 0) { $isCode[$first] = $true }
        }
        $code = @(for ($index = 0; $index -lt $blocks.Count; $index++) { if ($isCode[$index]) { $blocks[$index] } })
        if ($code.Count -eq 0 -or [string]::IsNullOrWhiteSpace(($code.Text -join ''))) {
            throw "${File}: example '$($example.Heading)' has no code. Put the command in a ``````powershell fence under its heading."
        }
        # Everything else (text, an output listing) is the remarks, in the page's order.
        $remarks = foreach ($block in @(for ($index = 0; $index -lt $blocks.Count; $index++) { if (-not $isCode[$index]) { $blocks[$index] } })) {
            switch ($block.Kind) {
                'Code' { $block.Text }
                'List' { ($block.Items | ForEach-Object { ConvertFrom-MarkdownInline $_ }) -join "`n" }
                default { ConvertFrom-MarkdownInline $block.Text }
            }
        }
        [pscustomobject]@{
            Title   = $example.Heading
            Code    = ($code.Text -join "`n`n")
            Remarks = @($remarks)
        }
    }
}

function Read-ParameterSection([string[]] $Lines, [string] $File) {
    foreach ($section in Split-MarkdownHeading -Lines $Lines -Level 3 | Where-Object Heading) {
        if ($section.Heading -eq 'CommonParameters') {
            continue
        }
        if ($section.Heading -notmatch '^-(\w+)$') {
            throw "${File}: '### $($section.Heading)' under '## PARAMETERS' is not a parameter heading. Write it as '### -<ParameterName>'."
        }
        $name = $Matches[1]
        $yaml = @(Split-MarkdownBlock -Lines $section.Lines | Where-Object { $_.Kind -eq 'Code' -and $_.Language -eq 'yaml' })
        if ($yaml.Count -eq 0) {
            throw "${File}: parameter -$name has no ``````yaml block. Add one with $((Get-HelpParameterYamlKey) -join ', ')."
        }
        $description = @(ConvertTo-HelpParagraph -Lines (Remove-YamlFence -Lines $section.Lines))
        [pscustomobject]@{
            Name        = $name
            Description = $description
            # PlatyPS writes one yaml block per group of parameter sets in which the attributes differ.
            Sets        = @($yaml | ForEach-Object { ConvertFrom-ParameterYaml -Text $_.Text -Parameter $name -File $File })
        }
    }
}

function Remove-YamlFence([string[]] $Lines) {
    # A parameter's description is its text without the attribute blocks.
    $inYaml = $false
    foreach ($line in $Lines) {
        if (-not $inYaml -and $line -match '^\s*```\s*yaml\s*$') { $inYaml = $true; continue }
        if ($inYaml) {
            if ($line -match '^\s*```\s*$') { $inYaml = $false }
            continue
        }
        $line
    }
}

function ConvertFrom-ParameterYaml([string] $Text, [string] $Parameter, [string] $File) {
    $values = @{}
    foreach ($line in $Text -split "`n") {
        if ($line -match '^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*?)\s*$') {
            $values[$Matches[1]] = $Matches[2]
        }
    }
    $missing = @(Get-HelpParameterYamlKey | Where-Object { -not $values.ContainsKey($_) })
    if ($missing.Count -gt 0) {
        throw "${File}: the yaml block of parameter -$Parameter lacks $($missing -join ', '). Add the line(s) 'Key: value' (see help/Get-SwarmAgentId.md)."
    }
    foreach ($flag in 'Required', 'Accept wildcard characters') {
        if ($values[$flag] -notin 'True', 'False') {
            throw "${File}: parameter -$Parameter says '${flag}: $($values[$flag])'; write True or False."
        }
    }
    $position = $values['Position']
    if ($position -ne 'Named' -and $position -notmatch '^\d+$') {
        throw "${File}: parameter -$Parameter says 'Position: $position'; write a number from 0, or Named."
    }
    [pscustomobject]@{
        Type          = $values['Type']
        ParameterSets = @($values['Parameter Sets'] -split '\s*,\s*' | Where-Object { $_ })
        Aliases       = @($values['Aliases'] -split '\s*,\s*' | Where-Object { $_ -and $_ -ne 'None' })
        Required      = $values['Required'] -eq 'True'
        Position      = $position
        DefaultValue  = $values['Default value']
        PipelineInput = ConvertTo-PipelineInputText -Text $values['Accept pipeline input'] -Parameter $Parameter -File $File
        Globbing      = $values['Accept wildcard characters'] -eq 'True'
        # Optional, as in PlatyPS: the values of a [ValidateSet], shown by Get-Help as {A | B | C}.
        AcceptedValues = @(if ($values.ContainsKey('Accepted values')) { $values['Accepted values'] -split '\s*,\s*' | Where-Object { $_ } })
    }
}

function ConvertTo-PipelineInputText([string] $Text, [string] $Parameter, [string] $File) {
    # One spelling for each meaning, whatever order or case the page used.
    if ($Text -match '^\s*False\s*$') {
        return 'False'
    }
    if ($Text -match '^\s*True\s*\(([^)]*)\)\s*$') {
        $kinds = @($Matches[1] -split '\s*,\s*' | Where-Object { $_ })
        $byValue = $kinds -contains 'ByValue'
        $byName = $kinds -contains 'ByPropertyName'
        $unknown = @($kinds | Where-Object { $_ -notin 'ByValue', 'ByPropertyName' })
        if ($unknown.Count -eq 0 -and ($byValue -or $byName)) {
            $parts = @(if ($byName) { 'ByPropertyName' }; if ($byValue) { 'ByValue' })
            return "True ($($parts -join ', '))"
        }
    }
    throw "${File}: parameter -$Parameter says 'Accept pipeline input: $Text'; write False, True (ByValue), True (ByPropertyName) or True (ByPropertyName, ByValue)."
}

function Read-TypeSection([string[]] $Lines) {
    # INPUTS and OUTPUTS: '### TypeName' then what it is; '### None' means nothing.
    foreach ($part in Split-MarkdownHeading -Lines $Lines -Level 3 | Where-Object Heading) {
        [pscustomobject]@{
            Type        = $part.Heading
            Description = @(ConvertTo-HelpParagraph -Lines $part.Lines)
        }
    }
}

function Read-RelatedLinks([string[]] $Lines) {
    foreach ($match in [regex]::Matches(($Lines -join "`n"), '\[([^\]]+)\]\(([^)\s]*)\)')) {
        $target = $match.Groups[2].Value
        [pscustomobject]@{
            Text = $match.Groups[1].Value
            # Get-Help -Online opens the uri; a link to a sibling .md page has no web address.
            Uri  = if ($target -match '^https?://') { $target } else { '' }
        }
    }
}

# ---------------------------------------------------------------------------------------------------------
# MAML
# ---------------------------------------------------------------------------------------------------------

function Write-MamlCommand([System.Xml.XmlWriter] $Writer, $Page) {
    $ns = Get-MamlNamespace
    $Writer.WriteStartElement('command', 'command', $ns.command)
    foreach ($prefix in $ns.Keys) {
        $Writer.WriteAttributeString('xmlns', $prefix, $null, $ns[$prefix])
    }

    $verb, $noun = $Page.Name -split '-', 2
    $Writer.WriteStartElement('command', 'details', $ns.command)
    $Writer.WriteElementString('command', 'name', $ns.command, $Page.Name)
    $Writer.WriteElementString('command', 'verb', $ns.command, $verb)
    $Writer.WriteElementString('command', 'noun', $ns.command, $noun)
    Write-MamlDescription -Writer $Writer -Paragraph $Page.Synopsis
    $Writer.WriteEndElement()

    Write-MamlDescription -Writer $Writer -Paragraph $Page.Description

    $Writer.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in Get-HelpParameterSet -Page $Page) {
        $Writer.WriteStartElement('command', 'syntaxItem', $ns.command)
        $Writer.WriteElementString('maml', 'name', $ns.maml, $Page.Name)
        foreach ($entry in $set.Parameters) {
            Write-MamlParameter -Writer $Writer -Parameter $entry.Parameter -Set $entry.Set -InSyntax
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($parameter in $Page.Parameters) {
        Write-MamlParameter -Writer $Writer -Parameter $parameter -Set $parameter.Sets[0]
    }
    $Writer.WriteEndElement()

    Write-MamlTypeList -Writer $Writer -Container 'inputTypes' -Item 'inputType' -Types $Page.Inputs
    Write-MamlTypeList -Writer $Writer -Container 'returnValues' -Item 'returnValue' -Types $Page.Outputs

    if ($Page.Notes.Count -gt 0) {
        $Writer.WriteStartElement('maml', 'alertSet', $ns.maml)
        $Writer.WriteStartElement('maml', 'alert', $ns.maml)
        foreach ($paragraph in $Page.Notes) {
            $Writer.WriteElementString('maml', 'para', $ns.maml, $paragraph)
        }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $ns.command)
    foreach ($example in $Page.Examples) {
        $Writer.WriteStartElement('command', 'example', $ns.command)
        # Get-Help prints the title as it is; the dashes are the conventional example banner.
        $Writer.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($example.Title) --------------------------")
        $Writer.WriteElementString('dev', 'code', $ns.dev, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $ns.dev)
        foreach ($paragraph in $example.Remarks) {
            $Writer.WriteElementString('maml', 'para', $ns.maml, $paragraph)
        }
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($link in $Page.RelatedLinks) {
        $Writer.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $Writer.WriteElementString('maml', 'linkText', $ns.maml, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $ns.maml, $link.Uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function Get-HelpParameterSet($Page) {
    # The page's parameter sets, each with its parameters in syntax order (positional first by position,
    # then mandatory, then the rest, as Get-Command -Syntax orders them). A page whose parameters are all
    # "(All)" has one set.
    $named = [System.Collections.Generic.List[string]]::new()
    $default = @($Page.Syntax | Where-Object IsDefault | ForEach-Object SetName)
    foreach ($name in $default) { $named.Add($name) }
    foreach ($parameter in $Page.Parameters) {
        foreach ($set in $parameter.Sets) {
            foreach ($setName in $set.ParameterSets) {
                if ($setName -ne '(All)' -and -not $named.Contains($setName)) {
                    $named.Add($setName)
                }
            }
        }
    }
    if ($named.Count -eq 0) {
        $named.Add('(All)')
    }
    foreach ($setName in $named) {
        $members = foreach ($parameter in $Page.Parameters) {
            $set = $parameter.Sets | Where-Object { $_.ParameterSets -contains $setName -or $_.ParameterSets -contains '(All)' } |
                Select-Object -First 1
            if ($null -ne $set) {
                [pscustomobject]@{ Parameter = $parameter; Set = $set }
            }
        }
        $ordered = @($members | Sort-Object -Stable -Property @(
                @{ Expression = { if ($_.Set.Position -eq 'Named') { [int]::MaxValue } else { [int] $_.Set.Position } } }
                @{ Expression = { -not $_.Set.Required } }
                @{ Expression = { $_.Set.Type -eq 'SwitchParameter' -and $_.Parameter.Name -in 'WhatIf', 'Confirm' } }
            ))
        [pscustomobject]@{ Name = $setName; Parameters = $ordered }
    }
}

function Write-MamlParameter([System.Xml.XmlWriter] $Writer, $Parameter, $Set, [switch] $InSyntax) {
    $ns = Get-MamlNamespace
    $isSwitch = $Set.Type -eq 'SwitchParameter'
    $Writer.WriteStartElement('command', 'parameter', $ns.command)
    $Writer.WriteAttributeString('required', $Set.Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', ($Set.Type -like '*`[`]').ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $Set.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Set.PipelineInput)
    $Writer.WriteAttributeString('position', $Set.Position.ToLowerInvariant())
    $Writer.WriteAttributeString('aliases', $(if ($Set.Aliases.Count -gt 0) { $Set.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $ns.maml, $Parameter.Name)
    Write-MamlDescription -Writer $Writer -Paragraph $Parameter.Description
    if ($Set.AcceptedValues.Count -gt 0) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($value in $Set.AcceptedValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $ns.command)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    # In a syntax line a switch shows no value ("[-Detach]"); in PARAMETERS it names its type.
    if (-not ($InSyntax -and $isSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $ns.command)
        $Writer.WriteAttributeString('required', (-not $isSwitch).ToString().ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Set.Type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $ns.dev)
    $Writer.WriteElementString('maml', 'name', $ns.maml, $Set.Type)
    $Writer.WriteElementString('maml', 'uri', $ns.maml, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $ns.dev, $Set.DefaultValue)
    $Writer.WriteEndElement()
}

function Write-MamlTypeList([System.Xml.XmlWriter] $Writer, [string] $Container, [string] $Item, [object[]] $Types) {
    $ns = Get-MamlNamespace
    $Writer.WriteStartElement('command', $Container, $ns.command)
    foreach ($type in $Types) {
        $Writer.WriteStartElement('command', $Item, $ns.command)
        $Writer.WriteStartElement('dev', 'type', $ns.dev)
        $Writer.WriteElementString('maml', 'name', $ns.maml, $type.Type)
        $Writer.WriteEndElement()
        Write-MamlDescription -Writer $Writer -Paragraph $type.Description
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-MamlDescription([System.Xml.XmlWriter] $Writer, [string[]] $Paragraph) {
    $ns = Get-MamlNamespace
    $Writer.WriteStartElement('maml', 'description', $ns.maml)
    foreach ($text in $Paragraph) {
        $Writer.WriteElementString('maml', 'para', $ns.maml, $text)
    }
    $Writer.WriteEndElement()
}
