# Help: the markdown-to-MAML converter (build/HelpToMaml.ps1) on small pages, the page-vs-cmdlet check
# (build/HelpConformance.ps1) on the real cmdlets, and Get-Help in a fresh pwsh over the built MAML.
# The Get-Help part needs en-US/ from `./build.ps1 -Task Docs` (the Test task runs Docs first); without
# it, or with MAML older than help/*.md, those tests fail and say so.

BeforeDiscovery {
    $manifest = Import-PowerShellDataFile -Path (Join-Path $PSScriptRoot '../../SwarmPS.psd1')
    $cmdletCases = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $RepoRoot 'build/HelpToMaml.ps1')
    . (Join-Path $RepoRoot 'build/HelpConformance.ps1')

    # A child pwsh is $PSHOME/pwsh: this process is dotnet when pwsh runs as a dotnet tool.
    $FreshPwsh = Join-Path $PSHOME $(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })

    $MamlNs = [System.Xml.XmlNamespaceManager]::new([System.Xml.NameTable]::new())
    $MamlNs.AddNamespace('msh', 'http://msh')
    foreach ($pair in (Get-MamlNamespace).GetEnumerator()) {
        $MamlNs.AddNamespace($pair.Key, $pair.Value)
    }

    function New-TestPage {
        # Writes a small page to TestDrive from parts; -Omit leaves sections out.
        param(
            [string] $Name = 'Get-SwarmWidget',
            [string] $Synopsis = 'Gets widgets.',
            [string] $Syntax = "```````n$Name [-Id] <String> [<CommonParameters>]`n``````",
            [string] $Description = 'Reads every widget.',
            [string] $Examples = "### Example 1: one widget`n``````powershell`n$Name -Id w1`n``````",
            [string] $Parameters = (New-TestParameter),
            [string[]] $Omit = @(),
            [string] $Rest = "## INPUTS`n`n### System.String`nIds.`n`n## OUTPUTS`n`n### System.Object`nWidgets.`n`n## NOTES`nNone yet.`n`n## RELATED LINKS`n[Get-SwarmAgentId](Get-SwarmAgentId.md)`n`n[Online](https://example.org/widget)`n"
        )
        $sections = [ordered]@{ SYNOPSIS = $Synopsis; SYNTAX = $Syntax; DESCRIPTION = $Description; EXAMPLES = $Examples; PARAMETERS = $Parameters }
        $text = "---`nexternal help file: X.dll-Help.xml`nschema: 2.0.0`n---`n`n# $Name`n`n"
        foreach ($section in $sections.Keys) {
            if ($section -notin $Omit) {
                $text += "## $section`n$($sections[$section])`n`n"
            }
        }
        $path = Join-Path $TestDrive "$Name.md"
        Set-Content -Path $path -Value ($text + $Rest) -NoNewline
        $path
    }

    function New-TestParameter {
        param(
            [string] $Name = 'Id', [string] $Description = 'The widget id.', [string] $Type = 'String',
            [string] $Sets = '(All)', [string] $Aliases = '', [string] $Required = 'True', [string] $Position = '0',
            [string] $Default = 'None', [string] $Pipeline = 'True (ByValue)', [string] $Wildcards = 'False',
            [string] $Extra = ''
        )
        "### -$Name`n$Description`n`n``````yaml`nType: $Type`nParameter Sets: $Sets`nAliases: $Aliases`n$Extra`nRequired: $Required`nPosition: $Position`nDefault value: $Default`nAccept pipeline input: $Pipeline`nAccept wildcard characters: $Wildcards`n```````n"
    }

    function ConvertTo-TestMaml([string[]] $Path) {
        [xml] (ConvertTo-SwarmMaml -Command @($Path | ForEach-Object { Read-SwarmHelpPage -Path $_ }))
    }
}

Describe 'HelpToMaml: markdown to MAML' {
    It 'escapes angle brackets, ampersands, quotes and a CDATA end in every text, and they read back unchanged' {
        $nasty = 'a <b> & "c" ''d'' ]]> e'
        $page = New-TestPage -Synopsis "Gets $nasty." -Description "Text with $nasty." `
            -Examples "### Example 1: with $nasty`n``````powershell`nGet-SwarmWidget -Id '<w&1>' | Where-Object { `$_.Name -ne `"]]>`" }`n``````" `
            -Parameters (New-TestParameter -Description "Id, $nasty." -Default "<none> & more")
        $maml = ConvertTo-TestMaml $page

        $command = $maml.SelectSingleNode('/msh:helpItems/command:command', $MamlNs)
        $command.SelectSingleNode('command:details/maml:description/maml:para', $MamlNs).InnerText | Should -BeExactly "Gets $nasty."
        $command.SelectSingleNode('maml:description/maml:para', $MamlNs).InnerText | Should -BeExactly "Text with $nasty."
        $command.SelectSingleNode('command:examples/command:example/maml:title', $MamlNs).InnerText | Should -Match ([regex]::Escape("Example 1: with $nasty"))
        $command.SelectSingleNode('command:examples/command:example/dev:code', $MamlNs).InnerText |
            Should -BeExactly "Get-SwarmWidget -Id '<w&1>' | Where-Object { `$_.Name -ne `"]]>`" }"
        $parameter = $command.SelectSingleNode('command:parameters/command:parameter', $MamlNs)
        $parameter.SelectSingleNode('maml:description/maml:para', $MamlNs).InnerText | Should -BeExactly "Id, $nasty."
        $parameter.SelectSingleNode('dev:defaultValue', $MamlNs).InnerText | Should -BeExactly '<none> & more'
    }

    It 'writes each example with its title, its powershell code, and the rest as remarks' {
        $examples = @(
            "### Example 1: list them`n``````powershell`nGet-SwarmWidget -Id w1`n```````n`n```````n# output, not code`nId Name`n-- ----`n``````"
            "### Example 2: from the pipeline`n``````powershell`n'w1', 'w2' | Get-SwarmWidget`n```````n`nPipes two ids.`nThe second line of the same paragraph."
            "### Example 3: several lines`n``````powershell`n`$ids = 'w1'`nGet-SwarmWidget -Id `$ids`n```````n`n- first point`n- second point"
        ) -join "`n`n"
        $maml = ConvertTo-TestMaml (New-TestPage -Examples $examples)

        $nodes = @($maml.SelectNodes('//command:examples/command:example', $MamlNs))
        $nodes.Count | Should -Be 3
        $nodes[0].SelectSingleNode('maml:title', $MamlNs).InnerText | Should -Match 'Example 1: list them'
        $nodes[0].SelectSingleNode('dev:code', $MamlNs).InnerText | Should -BeExactly 'Get-SwarmWidget -Id w1'
        # The output listing is a remark, and its '# output' line did not become a heading.
        $nodes[0].SelectSingleNode('dev:remarks/maml:para', $MamlNs).InnerText | Should -BeExactly "# output, not code`nId Name`n-- ----"
        $nodes[1].SelectSingleNode('dev:code', $MamlNs).InnerText | Should -BeExactly "'w1', 'w2' | Get-SwarmWidget"
        $nodes[1].SelectSingleNode('dev:remarks/maml:para', $MamlNs).InnerText | Should -BeExactly 'Pipes two ids. The second line of the same paragraph.'
        $nodes[2].SelectSingleNode('dev:code', $MamlNs).InnerText | Should -BeExactly "`$ids = 'w1'`nGet-SwarmWidget -Id `$ids"
        $nodes[2].SelectSingleNode('dev:remarks/maml:para', $MamlNs).InnerText | Should -BeExactly "- first point`n- second point"
    }

    It 'writes "Accept pipeline input: <Written>" as pipelineInput="<Expected>"' -TestCases @(
        @{ Written = 'False'; Expected = 'False' }
        @{ Written = 'True (ByValue)'; Expected = 'True (ByValue)' }
        @{ Written = 'True (ByPropertyName)'; Expected = 'True (ByPropertyName)' }
        @{ Written = 'True (ByPropertyName, ByValue)'; Expected = 'True (ByPropertyName, ByValue)' }
        @{ Written = 'True (ByValue, ByPropertyName)'; Expected = 'True (ByPropertyName, ByValue)' }
    ) {
        $maml = ConvertTo-TestMaml (New-TestPage -Parameters (New-TestParameter -Pipeline $Written))
        foreach ($parameter in $maml.SelectNodes('//command:parameter', $MamlNs)) {
            $parameter.GetAttribute('pipelineInput') | Should -BeExactly $Expected
        }
    }

    It 'carries type, required, position, default, aliases, wildcards and accepted values of a parameter' {
        $parameters = (New-TestParameter -Name Id -Type 'String[]' -Aliases 'Widget, W' -Required True -Position 0 -Default 'All' -Wildcards True) +
            "`n" + (New-TestParameter -Name Mode -Type String -Required False -Position Named -Pipeline False -Extra 'Accepted values: Fast, Slow')
        $maml = ConvertTo-TestMaml (New-TestPage -Parameters $parameters)

        $id = $maml.SelectSingleNode("//command:parameters/command:parameter[maml:name='Id']", $MamlNs)
        $id.GetAttribute('required') | Should -Be 'true'
        $id.GetAttribute('position') | Should -Be '0'
        $id.GetAttribute('aliases') | Should -Be 'Widget, W'
        $id.GetAttribute('globbing') | Should -Be 'true'
        $id.GetAttribute('variableLength') | Should -Be 'true'
        $id.SelectSingleNode('dev:type/maml:name', $MamlNs).InnerText | Should -Be 'String[]'
        $id.SelectSingleNode('command:parameterValue', $MamlNs).InnerText | Should -Be 'String[]'
        $id.SelectSingleNode('dev:defaultValue', $MamlNs).InnerText | Should -Be 'All'

        $mode = $maml.SelectSingleNode("//command:parameters/command:parameter[maml:name='Mode']", $MamlNs)
        $mode.GetAttribute('required') | Should -Be 'false'
        $mode.GetAttribute('position') | Should -Be 'named'
        $mode.GetAttribute('aliases') | Should -Be 'none'
        @($mode.SelectNodes('command:parameterValueGroup/command:parameterValue', $MamlNs).InnerText) | Should -Be @('Fast', 'Slow')
    }

    It 'writes one syntax item per parameter set, positional first, a switch without a value' {
        $parameters = @(
            New-TestParameter -Name Path -Sets ByPath -Position 0
            New-TestParameter -Name Id -Sets ById -Position 0
            New-TestParameter -Name Force -Type SwitchParameter -Required False -Position Named -Pipeline False -Default False
            New-TestParameter -Name Site -Required True -Position Named -Pipeline False
        ) -join "`n"
        $maml = ConvertTo-TestMaml (New-TestPage -Parameters $parameters -Syntax "### ById (Default)`n```````nGet-SwarmWidget [-Id] <String> -Site <String> [-Force]`n``````")

        $items = @($maml.SelectNodes('//command:syntax/command:syntaxItem', $MamlNs))
        $items.Count | Should -Be 2
        # The page's default set comes first, as Get-Help lists it.
        @($items[0].SelectNodes('command:parameter/maml:name', $MamlNs).InnerText) | Should -Be @('Id', 'Site', 'Force')
        @($items[1].SelectNodes('command:parameter/maml:name', $MamlNs).InnerText) | Should -Be @('Path', 'Site', 'Force')
        $force = $items[0].SelectSingleNode("command:parameter[maml:name='Force']", $MamlNs)
        $force.SelectSingleNode('command:parameterValue', $MamlNs) | Should -BeNullOrEmpty
        $maml.SelectSingleNode("//command:parameters/command:parameter[maml:name='Force']/command:parameterValue", $MamlNs).InnerText |
            Should -Be 'SwitchParameter'
    }

    It 'carries inputs, outputs, notes and related links' {
        $maml = ConvertTo-TestMaml (New-TestPage)
        $maml.SelectSingleNode('//command:inputTypes/command:inputType/dev:type/maml:name', $MamlNs).InnerText | Should -Be 'System.String'
        $maml.SelectSingleNode('//command:inputTypes/command:inputType/maml:description/maml:para', $MamlNs).InnerText | Should -Be 'Ids.'
        $maml.SelectSingleNode('//command:returnValues/command:returnValue/dev:type/maml:name', $MamlNs).InnerText | Should -Be 'System.Object'
        $maml.SelectSingleNode('//maml:alertSet/maml:alert/maml:para', $MamlNs).InnerText | Should -Be 'None yet.'
        $links = @($maml.SelectNodes('//command:relatedLinks/maml:navigationLink', $MamlNs))
        $links.Count | Should -Be 2
        $links[0].SelectSingleNode('maml:linkText', $MamlNs).InnerText | Should -Be 'Get-SwarmAgentId'
        $links[0].SelectSingleNode('maml:uri', $MamlNs).InnerText | Should -Be ''
        $links[1].SelectSingleNode('maml:uri', $MamlNs).InnerText | Should -Be 'https://example.org/widget'
    }

    It 'names the file and the section when ## <Section> is missing' -TestCases @(
        @{ Section = 'SYNOPSIS' }
        @{ Section = 'SYNTAX' }
        @{ Section = 'DESCRIPTION' }
        @{ Section = 'EXAMPLES' }
        @{ Section = 'PARAMETERS' }
    ) {
        $page = New-TestPage -Name "Get-SwarmNo$($Section.ToLowerInvariant())" -Omit $Section
        { Read-SwarmHelpPage -Path $page } | Should -Throw "*$([IO.Path]::GetFileName($page))*'## $Section' section is missing*"
    }

    It 'names the file and what to fix when <Case>' -TestCases @(
        @{ Case = 'the synopsis is empty'; Page = @{ Synopsis = '' }; Message = "*'## SYNOPSIS' is empty*" }
        @{ Case = 'there is no example'; Page = @{ Examples = 'Nothing here.' }; Message = "*'## EXAMPLES' has no '### Example 1*" }
        @{ Case = 'an example has no code'; Page = @{ Examples = "### Example 1: words only`nJust prose." }; Message = "*example 'Example 1: words only' has no code*" }
        @{ Case = 'a parameter has no yaml'; Page = @{ Parameters = "### -Id`nThe id." }; Message = '*parameter -Id has no *yaml block*' }
        @{ Case = 'a yaml key is missing'; Page = @{ Parameters = "### -Id`nThe id.`n``````yaml`nType: String`n``````" }; Message = '*-Id lacks Parameter Sets, Aliases, Required*' }
        @{ Case = 'the pipeline text is unknown'; Page = $null; Parameter = @{ Pipeline = 'Yes' }; Message = "*-Id says 'Accept pipeline input: Yes'*" }
        @{ Case = 'the position is not a number'; Page = $null; Parameter = @{ Position = 'first' }; Message = "*-Id says 'Position: first'*" }
        @{ Case = 'a parameter heading lacks its dash'; Page = @{ Parameters = "### Id`nThe id." }; Message = "*'### Id' under '## PARAMETERS' is not a parameter heading*" }
    ) {
        $pageArguments = if ($Page) { $Page } else { @{ Parameters = (New-TestParameter @Parameter) } }
        $page = New-TestPage @pageArguments
        { Read-SwarmHelpPage -Path $page } | Should -Throw "*$([IO.Path]::GetFileName($page))*"
        { Read-SwarmHelpPage -Path $page } | Should -Throw $Message
    }

    It 'reads a fence opened with words after the language, and names a fence left open, without hanging' {
        # A line starting with three backticks once matched neither a fence nor a paragraph, and the
        # reader looped on it forever: run it where a hang times out instead of stopping the suite.
        $closed = New-TestPage -Name Get-SwarmClosed -Description "Before.`n``````text trailing words`nInside the fence.`n``````"
        $unclosed = New-TestPage -Name Get-SwarmUnclosed -Description "Before.`n``````text trailing words`nInside the fence."
        $job = Start-ThreadJob -ScriptBlock {
            param($Converter, $Closed, $Unclosed)
            . $Converter
            (Read-SwarmHelpPage -Path $Closed).Description
            try { Read-SwarmHelpPage -Path $Unclosed } catch { "error: $_" }
        } -ArgumentList (Join-Path $RepoRoot 'build/HelpToMaml.ps1'), $closed, $unclosed
        try {
            $job | Wait-Job -Timeout 30 | Out-Null
            $job.State | Should -Be 'Completed' -Because "$($job.JobStateInfo.Reason)"
            $output = @(Receive-Job $job)
            $output[0..1] | Should -Be @('Before.', 'Inside the fence.')
            $output[2] | Should -BeLike "error: *Get-SwarmUnclosed.md: '## EXAMPLES' at line * is inside the code fence opened at line 18 (*text trailing words')*"
        }
        finally {
            $job | Remove-Job -Force
        }
    }

    It 'converts every page in help/ into one MAML file with a command per page' {
        $output = Join-Path $TestDrive 'en-US/SwarmPS.Cmdlets.dll-Help.xml'
        $file = Convert-SwarmHelpToMaml -Path (Join-Path $RepoRoot 'help') -OutputPath $output
        $maml = [xml] (Get-Content -Raw -Path $file.FullName)
        $names = @($maml.SelectNodes('//command:command/command:details/command:name', $MamlNs).InnerText)
        $names | Should -Be @(Get-ChildItem -Path (Join-Path $RepoRoot 'help') -Filter '*.md' | Sort-Object Name | ForEach-Object BaseName)
    }
}

Describe 'HelpConformance: a page against its cmdlet' {
    BeforeAll {
        $command = Get-Command -Module SwarmPS -Name Get-SwarmAgentId
        $realPage = Get-Content -Raw -Path (Join-Path $RepoRoot 'help/Get-SwarmAgentId.md')

        function Test-MutatedPage([string] $Text) {
            $path = Join-Path $TestDrive 'Get-SwarmAgentId.md'
            Set-Content -Path $path -Value $Text -NoNewline
            @(Compare-SwarmHelpPage -Page (Read-SwarmHelpPage -Path $path) -Command $command)
        }
    }

    It 'finds nothing wrong with every page in help/ against the loaded module' {
        $findings = @(Test-SwarmHelpConformance -HelpPath (Join-Path $RepoRoot 'help') -Module (Get-Module SwarmPS))
        @($findings | ForEach-Object Message) -join "`n" | Should -BeNullOrEmpty
    }

    It 'reports <Case> naming the page, the parameter and the fix' -TestCases @(
        @{ Case = 'a wrong position'; From = "Position: 1"; To = "Position: 2"; Parameter = 'Name'; Fix = "write 'Position: 1'" }
        @{ Case = 'a wrong type'; From = "Type: String`nParameter Sets: (All)`nAliases:`n"; To = "Type: Int32`nParameter Sets: (All)`nAliases:`n"; Parameter = 'RunId'; Fix = "write 'Type: String'" }
        @{ Case = 'a wrong mandatory flag'; From = "Required: True`nPosition: 0"; To = "Required: False`nPosition: 0"; Parameter = 'RunId'; Fix = "write 'Required: True'" }
        @{ Case = 'wrong pipeline input'; From = 'Accept pipeline input: True (ByPropertyName, ByValue)'; To = 'Accept pipeline input: False'; Parameter = 'Name'; Fix = "write 'Accept pipeline input: True (ByPropertyName, ByValue)'" }
        @{ Case = 'a missing alias'; From = 'Aliases: Agent'; To = 'Aliases:'; Parameter = 'Name'; Fix = "write 'Aliases: Agent'" }
        @{ Case = 'a wrong parameter set'; From = "Type: String`nParameter Sets: (All)"; To = "Type: String`nParameter Sets: ByRun"; Parameter = 'RunId'; Fix = "write 'Parameter Sets: (All)'*" }
        @{ Case = 'a parameter the cmdlet lacks'; From = '### CommonParameters'; To = "### -Force`nForces.`n`n``````yaml`nType: SwitchParameter`nParameter Sets: (All)`nAliases:`n`nRequired: False`nPosition: Named`nDefault value: False`nAccept pipeline input: False`nAccept wildcard characters: False`n```````n`n### CommonParameters"; Parameter = 'Force'; Fix = "remove the '### -Force' section" }
    ) {
        $realPage.Contains($From) | Should -BeTrue -Because 'the mutation must hit the real page'
        $findings = Test-MutatedPage $realPage.Replace($From, $To)
        $findings.Count | Should -BeGreaterThan 0
        $finding = $findings | Where-Object Parameter -eq $Parameter | Select-Object -First 1
        $finding | Should -Not -BeNullOrEmpty -Because "a finding must name -$Parameter (got: $($findings.Message -join ' | '))"
        $finding.Page | Should -Be 'Get-SwarmAgentId.md'
        $finding.Fix | Should -BeLike $Fix
        $finding.Message | Should -BeLike "help/Get-SwarmAgentId.md: -${Parameter}: *Fix: *"
    }

    It 'reports a parameter the page does not document, with the yaml block to add' {
        $start = $realPage.IndexOf('### -Name')
        $end = $realPage.IndexOf('### CommonParameters')
        $findings = Test-MutatedPage ($realPage.Remove($start, $end - $start))
        $finding = $findings | Where-Object Parameter -eq 'Name'
        $finding.Problem | Should -Be 'the cmdlet has it, the page does not'
        $finding.Fix | Should -BeLike "*### -Name*Type: String``[``]*Position: 1*Accept pipeline input: True (ByPropertyName, ByValue)*"
    }

    It 'reports a SYNTAX line that is not one of the cmdlet''s, with the right line' {
        $findings = Test-MutatedPage $realPage.Replace('[-Name] <String[]>', '[-Name] <String>')
        $finding = $findings | Where-Object Problem -like '*SYNTAX line*'
        $finding.Fix | Should -BeExactly "write 'Get-SwarmAgentId [-RunId] <String> [-Name] <String[]> [<CommonParameters>]'"
    }

    It 'reports a page whose examples never run the cmdlet' {
        $findings = Test-MutatedPage ($realPage -replace '(?m)^Get-SwarmAgentId -RunId', 'Get-Date #' -replace '\| Get-SwarmAgentId', '| Out-Null')
        ($findings | Where-Object Problem -eq 'no example runs Get-SwarmAgentId') | Should -Not -BeNullOrEmpty
    }
}

Describe 'Get-Help over the built MAML, in a fresh pwsh' {
    BeforeAll {
        $mamlPath = Join-Path $RepoRoot 'en-US/SwarmPS.Cmdlets.dll-Help.xml'
        if (-not (Test-Path $mamlPath) -or -not (Test-Path (Join-Path $RepoRoot 'en-US/about_SwarmPS.help.txt'))) {
            throw "The MAML help is not built ($mamlPath): run './build.ps1 -Task Docs' (the Test task does)."
        }
        # Stale MAML would test yesterday's pages: it must be what the converter makes of help/ now.
        $pages = @(Get-ChildItem -Path (Join-Path $RepoRoot 'help') -Filter '*.md' | Sort-Object Name | ForEach-Object { Read-SwarmHelpPage -Path $_.FullName })
        if ((Get-Content -Raw -Path $mamlPath) -cne (ConvertTo-SwarmMaml -Command $pages)) {
            throw "$mamlPath is older than help/*.md: run './build.ps1 -Task Docs' again."
        }
        $PageByName = @{}
        foreach ($page in $pages) {
            $PageByName[$page.Name] = $page
        }

        # One fresh session for everything: it imports the module with the MAML present, as an operator
        # does, and hands back plain text and numbers as JSON.
        $probe = {
            param($ManifestPath)
            $ErrorActionPreference = 'Stop'
            $PSStyle.OutputRendering = 'PlainText'
            $module = Import-Module $ManifestPath -PassThru
            $cmdlets = foreach ($name in $module.ExportedCmdlets.Keys | Sort-Object) {
                $help = Get-Help -Name $name -Full
                [pscustomobject]@{
                    Name       = $name
                    Synopsis   = $help.Synopsis
                    Examples   = @($help.examples.example | ForEach-Object { [pscustomobject]@{ Title = $_.title; Code = $_.code } })
                    Parameters = @($help.parameters.parameter | ForEach-Object {
                            [pscustomobject]@{ Name = $_.name; Description = ($_.description | Out-String).Trim() }
                        })
                }
            }
            [pscustomobject]@{
                Full       = Get-Help Start-SwarmSite -Full | Out-String -Width 4096
                Examples   = Get-Help Start-SwarmSite -Examples | Out-String -Width 4096
                Parameter  = Get-Help Start-SwarmSite -Parameter Campaign | Out-String -Width 4096
                About      = Get-Help about_SwarmPS | Out-String -Width 4096
                AboutCount = @(Get-Help about_SwarmPS).Count
                Cmdlets    = @($cmdlets)
            } | ConvertTo-Json -Depth 5 -Compress
        }
        $json = & $FreshPwsh -NoProfile -NonInteractive -Command $probe -args $ModuleManifest
        $LASTEXITCODE | Should -Be 0 -Because 'the fresh pwsh must import the module and read its help'
        $Help = ($json -join "`n") | ConvertFrom-Json
        $HelpByName = @{}
        foreach ($cmdlet in $Help.Cmdlets) {
            $HelpByName[$cmdlet.Name] = $cmdlet
        }
    }

    It 'is found in en-US/ next to SwarmPS.psd1 (the module base), not in bin/en-US/ beside the dll' {
        # A copy of the module, with the MAML first beside the dll only, then next to the manifest only.
        $copy = Join-Path $TestDrive 'SwarmPS'
        New-Item -ItemType Directory -Path $copy | Out-Null
        Copy-Item -Recurse -Path (Join-Path $RepoRoot 'bin'), (Join-Path $RepoRoot 'module') -Destination $copy
        Copy-Item -Path $ModuleManifest -Destination $copy
        $synopsis = {
            param($ManifestPath)
            Import-Module $ManifestPath
            (Get-Help -Name Get-SwarmAgentId).Synopsis
        }
        $beside = New-Item -ItemType Directory -Path (Join-Path $copy 'bin/en-US')
        Copy-Item -Path $mamlPath -Destination $beside
        $fromBin = & $FreshPwsh -NoProfile -NonInteractive -Command $synopsis -args (Join-Path $copy 'SwarmPS.psd1')
        Move-Item -Path $beside -Destination (Join-Path $copy 'en-US')
        $fromRoot = & $FreshPwsh -NoProfile -NonInteractive -Command $synopsis -args (Join-Path $copy 'SwarmPS.psd1')

        $expected = $PageByName['Get-SwarmAgentId'].Synopsis
        # Without MAML, Get-Help makes a synopsis from the syntax.
        ($fromBin -join '').Trim() | Should -Not -Be $expected
        ($fromRoot -join '').Trim() | Should -BeExactly $expected
    }

    It 'shows Start-SwarmSite -Full with the text of help/Start-SwarmSite.md' {
        $page = $PageByName['Start-SwarmSite']
        $Help.Full | Should -BeLike "*$($page.Synopsis)*"
        $Help.Full | Should -BeLike '*Start-SwarmSite `[-RunId`] <String> -Campaign <Campaign> `[-Site <String>`]*`[-WhatIf`] `[-Confirm`] `[<CommonParameters>`]*'
        $Help.Full | Should -BeLike '*4. Rendezvous: waits until every allowed peer on other sites is live*'
        $Help.Full | Should -BeLike '*-StartupTimeout <Int32>*Default value*The campaign''s startup_timeout (600)*'
        $Help.Full | Should -BeLike '*SwarmPS.Engine.Launch.SiteLaunchResult*'
        $Help.Full | Should -BeLike '*The exchange token never appears on a command line or in a log.*'
        $Help.Full | Should -BeLike '*RELATED LINKS*Send-SwarmBootstrap*Stop-SwarmSite*'
    }

    It 'shows Start-SwarmSite -Examples with each example''s title, code and remarks' {
        foreach ($example in $PageByName['Start-SwarmSite'].Examples) {
            $Help.Examples | Should -BeLike "*$([WildcardPattern]::Escape($example.Title))*"
            # Get-Help indents each line of the code; compare line by line.
            foreach ($line in $example.Code -split "`n") {
                $Help.Examples | Should -BeLike "*$([WildcardPattern]::Escape($line.Trim()))*"
            }
        }
        $Help.Examples | Should -BeLike '*Import-SwarmCampaign ./examples/two-site-campaign.yaml | Select-SwarmAgent ping | Start-SwarmSite -RunId demo-001 -Site alpha -Detach*'
        # The remarks as the page has them (its first words, before Get-Help rewraps the paragraph); backticks
        # escape in wildcards, so the page's `code` spans are matched literally through Escape.
        $remark = ($PageByName['Start-SwarmSite'].Examples | Where-Object Title -like '*in the background*' | Select-Object -First 1).Remarks[0]
        $remark | Should -BeLike 'Returns the site''s status*'
        $opening = ($remark -split '\s+' | Select-Object -First 8) -join ' '
        $Help.Examples | Should -BeLike ('*' + [WildcardPattern]::Escape($opening) + '*')
        $Help.Examples | Should -Not -BeLike '*PARAMETERS*'
    }

    It 'shows Start-SwarmSite -Parameter Campaign with its description and attributes' {
        $Help.Parameter | Should -BeLike '*-Campaign <Campaign>*'
        $Help.Parameter | Should -BeLike ('*' + [WildcardPattern]::Escape('The campaign, or a slice of it from `Select-SwarmAgent`. Only its agents whose `site` is this site are started here') + '*')
        $Help.Parameter | Should -Match 'Required\?\s+true'
        $Help.Parameter | Should -Match 'Position\?\s+named'
        $Help.Parameter | Should -Match 'Accept pipeline input\?\s+True \(ByValue\)'
        $Help.Parameter | Should -Match 'Aliases\s+InputObject'
    }

    It 'shows about_SwarmPS' {
        $Help.AboutCount | Should -Be 1
        $Help.About | Should -BeLike '*about_SwarmPS*'
        $Help.About | Should -BeLike '*Run federated agent campaigns and parameter sweeps across HPC centres*'
    }

    # Moved here from Module.Tests.ps1, where they skipped without MAML; here they fail without it.
    Describe 'Help for <Name>' -ForEach $cmdletCases {
        BeforeAll {
            $help = $HelpByName[$Name]
            $page = $PageByName[$Name]
        }

        It 'has a synopsis and at least one example with code' {
            $help | Should -Not -BeNullOrEmpty -Because "the fresh session exports $Name"
            # Without MAML Get-Help still answers, with the syntax as its synopsis: compare with the page.
            $help.Synopsis | Should -Not -BeNullOrEmpty
            $help.Synopsis | Should -BeExactly $page.Synopsis
            @($help.Examples).Count | Should -BeGreaterThan 0
            @($help.Examples)[0].Code | Should -Not -BeNullOrEmpty
            @($help.Examples).Count | Should -Be $page.Examples.Count
        }

        It 'describes every parameter' {
            @($help.Parameters).Count | Should -BeGreaterThan 0 -Because "$Name has parameters"
            foreach ($parameter in @($help.Parameters)) {
                $parameter.Description | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
            }
            @($help.Parameters.Name) | Should -Be @($page.Parameters.Name)
        }
    }
}
