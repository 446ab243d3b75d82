#Requires -Version 7.4
<#
.SYNOPSIS
    swarmps: runs ONE SwarmPS cmdlet for a caller that is not PowerShell and prints ONE JSON envelope.

.DESCRIPTION
    pwsh -NoProfile -NonInteractive -File module/swarmps-cli.ps1 <Verb-SwarmNoun> [-Param value ...] [-Switch] [-Switch:$false]

    stdout is exactly one line of UTF-8 JSON:
        {"ok":true,"data":[...]}
        {"ok":false,"error_id":"...","category":"...","message":"...","remediation":"...","retry_safe":false}
    Exit code: 0 ok, 1 the caller's input, 2 site or network, 3 internal. docs/launcher.md is the reference
    (argument rules, envelope schema, the category to exit code mapping, retry_safe); module/swarmps is the
    POSIX sh wrapper that finds pwsh.
#>

# No param() block: every argument belongs to the caller and is parsed below against the cmdlet's own
# metadata, so no name of the caller's can collide with a parameter of this script.

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
# Progress bars are for a person at a terminal; a calling program gets the result.
$ProgressPreference = 'SilentlyContinue'
# Plain text on stderr: a log file or an assistant reading it has no use for ANSI colour codes.
$PSStyle.OutputRendering = 'PlainText'

# stdout carries the envelope and nothing else. PowerShell's console host writes everything it shows
# (warnings, Write-Host and information, verbose, "What if:", formatted objects) through [Console]::Out,
# so that is pointed at stderr for the whole run, and the envelope goes to the real stdout through a
# writer of its own: UTF-8 without a BOM whatever the console's encoding.
$EnvelopeWriter = [IO.StreamWriter]::new([Console]::OpenStandardOutput(), [Text.UTF8Encoding]::new($false))
[Console]::SetOut([Console]::Error)

# Exit code by SwarmErrorCategory (the engine's enum, by name). The reasons are in docs/launcher.md:
# 1 = the caller must change what it asked (a value, a name, a file, a credential);
# 2 = a site, the exchange or the network is not answering or not available now;
# 3 = neither: a state conflict, work that failed, an incomplete installation, or a bug.
$ExitCodeOfCategory = @{
    InvalidArgument     = 1
    InvalidData         = 1
    ObjectNotFound      = 1
    ResourceExists      = 1
    PermissionDenied    = 1
    ConnectionError     = 2
    OperationTimeout    = 2
    ResourceUnavailable = 2
    InvalidOperation    = 3
    OperationStopped    = 3
    NotInstalled        = 3
}

# Common parameters a caller may give. The rest are the launcher's to set (-ErrorAction Stop, -Confirm:$false)
# or make no sense across a process boundary (-OutVariable and the other *Variable, -OutBuffer, -PipelineVariable).
$AllowedCommonParameters = 'Verbose', 'WhatIf'

$Usage = @'
usage: swarmps <Verb-SwarmNoun> [-Parameter value ...] [-Switch] [-Switch:$false]

Runs one SwarmPS cmdlet and prints one JSON envelope on stdout:
  {"ok":true,"data":[...]}  or
  {"ok":false,"error_id":"...","category":"...","message":"...","remediation":"...","retry_safe":false}
Exit code: 0 ok, 1 the caller's input, 2 site or network, 3 internal.

Arguments: parameter names exact or a unique prefix, any case; every parameter but a switch takes the next
argument as its value; arrays take a,b,c, a JSON array or the parameter repeated; hashtables take a JSON
object ('{"lr":[0.1,0.01]}'). Positional values are not taken: name every parameter.
Example: swarmps Get-SwarmAgentId -RunId demo-001 -Name agent-a,agent-b
Reference: docs/launcher.md in the module.
'@

function Write-Envelope([System.Collections.IDictionary] $Envelope) {
    # One line: -Compress; enums by name; dates come out ISO 8601 (ConvertTo-Json's round-trip form). Depth 7
    # is the envelope plus five levels of each object, enough for every SwarmPS output type.
    $EnvelopeWriter.Write((ConvertTo-Json -InputObject $Envelope -Depth 7 -Compress -EnumsAsStrings))
    $EnvelopeWriter.Write("`n")
    $EnvelopeWriter.Flush()
}

# Writes the failure envelope, a one-line summary on stderr for a person reading the log, and exits with the
# category's code. Every failure ends here, so no failure can leave stdout empty.
# No parameter is Mandatory: an empty message must never make this function itself prompt.
function Exit-WithFailure {
    param(
        [string] $ErrorId,
        [string] $Category,
        [string] $Message,
        [string] $Remediation,
        [bool] $RetrySafe = $false,
        [object[]] $Data = @()
    )
    [Console]::Error.WriteLine("swarmps: ${ErrorId}: $Message")
    $envelope = [ordered]@{
        ok          = $false
        error_id    = $ErrorId
        category    = $Category
        message     = $Message
        remediation = $Remediation
        retry_safe  = $RetrySafe
    }
    # Objects the cmdlet wrote before its first error are part of the answer (a multi-item call may have
    # done some of its work); "data" is in every envelope, an array, empty when there are none.
    $envelope['data'] = $Data
    Write-Envelope $envelope
    $code = $ExitCodeOfCategory[$Category]
    exit ($null -eq $code ? 3 : $code)
}

function Exit-WithCallerError([string] $ErrorId, [string] $Message, [string] $Remediation) {
    Exit-WithFailure -ErrorId $ErrorId -Category InvalidArgument -Message $Message -Remediation $Remediation
}

# The engine's SwarmException lives in the module's own AssemblyLoadContext, so its type cannot be named
# here; it is recognised by its full type name along the base types, and read through its properties.
function Find-SwarmException([Exception] $Exception) {
    for ($current = $Exception; $null -ne $current; $current = $current.InnerException) {
        for ($type = $current.GetType(); $null -ne $type; $type = $type.BaseType) {
            if ($type.FullName -eq 'SwarmPS.Engine.SwarmException') { return $current }
        }
    }
    $null
}

function Find-BindingException([Exception] $Exception) {
    for ($current = $Exception; $null -ne $current; $current = $current.InnerException) {
        if ($current -is [System.Management.Automation.ParameterBindingException]) { return $current }
    }
    $null
}

# Turns an ErrorRecord into the failure envelope and exits: the engine's own error when there is one,
# else the binder's complaint about the caller's arguments, else an internal error with what is known.
function Exit-WithErrorRecord([System.Management.Automation.ErrorRecord] $Record, [string] $CommandName, [object[]] $Data) {
    $swarm = Find-SwarmException $Record.Exception
    if ($null -ne $swarm) {
        Exit-WithFailure -ErrorId $swarm.ErrorId -Category $swarm.Category.ToString() -Message $swarm.Message `
            -Remediation $swarm.Remediation -RetrySafe ([bool] $swarm.RetrySafe) -Data $Data
    }
    $binding = Find-BindingException $Record.Exception
    if ($null -ne $binding) {
        $errorId = $Record.FullyQualifiedErrorId -like 'MissingMandatoryParameter*' ? 'LauncherParameterMissing' : 'LauncherParameterInvalid'
        Exit-WithFailure -ErrorId $errorId -Category InvalidArgument -Message $binding.Message -Data $Data `
            -Remediation "Give a value the parameter's type accepts; Get-Help $CommandName -Parameter <name> describes it (arguments: docs/launcher.md)."
    }
    Exit-WithFailure -ErrorId LauncherInternalError -Category InvalidOperation -Data $Data `
        -Message "$($Record.FullyQualifiedErrorId): $($Record.Exception.Message)" `
        -Remediation 'This is not an error SwarmPS describes: report it with the command line and the stderr output.'
}

# The parameter a caller's name means: exact name or alias first, else the one parameter whose name or
# alias starts with it (what PowerShell's binder accepts), compared without case.
function Resolve-ParameterName([System.Management.Automation.CommandInfo] $Command, [string] $Name) {
    $candidates = foreach ($parameter in $Command.Parameters.Values) {
        foreach ($spelling in @($parameter.Name) + @($parameter.Aliases)) {
            [pscustomobject]@{ Parameter = $parameter; Spelling = $spelling }
        }
    }
    $exact = @($candidates | Where-Object Spelling -EQ $Name)
    if ($exact.Count -gt 0) { return $exact[0].Parameter }
    $prefixed = @($candidates | Where-Object { $_.Spelling.StartsWith($Name, [StringComparison]::OrdinalIgnoreCase) } |
        ForEach-Object Parameter | Sort-Object Name -Unique)
    if ($prefixed.Count -eq 1) { return $prefixed[0] }
    if ($prefixed.Count -gt 1) {
        Exit-WithCallerError LauncherParameterAmbiguous "-$Name of $($Command.Name) could be any of: $(($prefixed.Name | ForEach-Object { "-$_" }) -join ', ')." `
            'Spell out more of the parameter name.'
    }
    $known = ($Command.Parameters.Values | Where-Object Name -NotIn ([System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters) |
        ForEach-Object { "-$($_.Name)" }) -join ', '
    Exit-WithCallerError LauncherParameterUnknown "$($Command.Name) has no parameter -$Name." "Use one of its parameters: $known (Get-Help $($Command.Name))."
}

function ConvertFrom-JsonArgument([string] $Text, [string] $Parameter) {
    try { ConvertFrom-Json -InputObject $Text -AsHashtable -NoEnumerate }
    catch { Exit-WithCallerError LauncherParameterInvalid "-$Parameter is not JSON: $($_.Exception.Message)" "Give -$Parameter a JSON text, e.g. '{""lr"":[0.1,0.01]}'." }
}

# A JSON object as a hashtable. Top level a [hashtable] (case-insensitive keys, as a PowerShell literal has),
# which every IDictionary and Hashtable parameter binds; nested objects stay as ConvertFrom-Json made them.
function ConvertTo-Hashtable([object] $Value, [string] $Parameter) {
    if ($Value -isnot [System.Collections.IDictionary]) {
        Exit-WithCallerError LauncherParameterInvalid "-$Parameter takes a JSON object ({...}), not: $(ConvertTo-Json -InputObject $Value -Compress -Depth 3)." `
            "Give -$Parameter a JSON object, e.g. '{""lr"":[0.1,0.01]}'."
    }
    $table = @{}
    foreach ($key in $Value.Keys) {
        if ($table.ContainsKey($key)) {
            Exit-WithCallerError LauncherParameterInvalid "-$Parameter names the key '$key' twice (keys are compared without case)." 'Keep one of them.'
        }
        $table[$key] = $Value[$key]
    }
    $table
}

# The value(s) one occurrence of a parameter contributes, by the parameter's type: a hashtable from a JSON
# object; for an array, elements from a JSON array or a comma-separated list; else the text itself, which
# PowerShell's binder converts to the parameter's type (a Guid, a number, a TimeSpan, an enum name).
function ConvertTo-ParameterValue([System.Management.Automation.ParameterMetadata] $Parameter, [object] $Value) {
    $type = $Parameter.ParameterType
    $isDictionary = { param($t) [System.Collections.IDictionary].IsAssignableFrom($t) }
    if (& $isDictionary $type) {
        return , (ConvertTo-Hashtable (ConvertFrom-JsonArgument ([string] $Value) $Parameter.Name) $Parameter.Name)
    }
    if (-not $type.IsArray) { return , $Value }

    $text = [string] $Value
    if (& $isDictionary $type.GetElementType()) {
        $parsed = ConvertFrom-JsonArgument $text $Parameter.Name
        $items = $parsed -is [System.Collections.IDictionary] ? @(, $parsed) : @($parsed)
        return , @($items | ForEach-Object { ConvertTo-Hashtable $_ $Parameter.Name })
    }
    if ($text.TrimStart().StartsWith('[')) {
        # Assigned first: the function hands the parsed array over as one object, and @() around the call
        # would nest it.
        $parsed = ConvertFrom-JsonArgument $text $Parameter.Name
        return , @($parsed)
    }
    , @($text.Split(',') | ForEach-Object Trim)
}

# The caller's arguments as a splat table for the cmdlet. pwsh -File hands "-Name:value" over already split
# into "-Name" and the value, with true/false/$true/$false turned into a Boolean, so both the joined and the
# split spelling are read here.
function ConvertTo-Splat([System.Management.Automation.CommandInfo] $Command, [object[]] $Arguments) {
    $splat = [ordered]@{}
    $index = 0
    while ($index -lt $Arguments.Count) {
        $token = $Arguments[$index]
        $index++
        if ($token -isnot [string] -or -not $token.StartsWith('-') -or $token.Length -lt 2) {
            Exit-WithCallerError LauncherArgumentUnexpected "'$token' is not a parameter name; swarmps takes no positional values." `
                "Name the parameter the value is for: -Name '$token'. (A value that starts with '-' follows its parameter name.)"
        }
        $name = $token.Substring(1)
        $inline = $null
        $hasInline = $false
        $colon = $name.IndexOf(':')
        if ($colon -ge 0) {
            $inline = $name.Substring($colon + 1)
            $name = $name.Substring(0, $colon)
            $hasInline = $true
        }
        $parameter = Resolve-ParameterName $Command $name
        if ($parameter.Name -in [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters -and
            $parameter.Name -notin $AllowedCommonParameters) {
            Exit-WithCallerError LauncherParameterInvalid "-$($parameter.Name) is not taken by swarmps: it sets -ErrorAction Stop and -Confirm:`$false itself, and variables do not cross a process boundary." `
                "Leave -$($parameter.Name) out; of the common parameters swarmps takes $(($AllowedCommonParameters | ForEach-Object { "-$_" }) -join ' and ')."
        }

        if ($parameter.SwitchParameter) {
            # A switch takes no value of its own: only -Switch:$false / -Switch:true turn it off or on.
            $on = $true
            if (-not $hasInline -and $index -lt $Arguments.Count -and $Arguments[$index] -is [bool]) {
                $inline = $Arguments[$index]
                $index++
                $hasInline = $true
            }
            if ($hasInline) {
                $on = switch -Regex ([string] $inline) {
                    '^(\$?true|1)$' { $true; break }
                    '^(\$?false|0)$' { $false; break }
                    default { Exit-WithCallerError LauncherParameterInvalid "-$($parameter.Name) is a switch; '$inline' is not `$true or `$false." "Write -$($parameter.Name) to turn it on, -$($parameter.Name):`$false to turn it off." }
                }
            }
            $value = [System.Management.Automation.SwitchParameter] $on
        }
        else {
            if (-not $hasInline) {
                if ($index -ge $Arguments.Count) {
                    Exit-WithCallerError LauncherParameterValueMissing "-$($parameter.Name) needs a value and none follows it." "Give the value after the name: -$($parameter.Name) <value>."
                }
                $inline = $Arguments[$index]
                $index++
            }
            $value = ConvertTo-ParameterValue $parameter $inline
        }

        if ($splat.Contains($parameter.Name)) {
            if (-not $parameter.ParameterType.IsArray) {
                Exit-WithCallerError LauncherParameterInvalid "-$($parameter.Name) is given twice and takes one value." "Give -$($parameter.Name) once."
            }
            # A repeated array parameter adds its values to those before.
            $value = @($splat[$parameter.Name]) + @($value)
        }
        $splat[$parameter.Name] = $value
    }
    $splat
}

# PowerShell would prompt for a missing mandatory parameter, and no prompt can be answered here (the sh
# wrapper runs pwsh -NonInteractive as well, but pwsh -File swarmps-cli.ps1 may be run without it). So the
# check is made first: some parameter set that holds every parameter given must have all its mandatory
# parameters given. Pipeline input does not exist here, so a mandatory pipeline parameter must be named too.
function Assert-MandatoryParameter([System.Management.Automation.CommandInfo] $Command, [System.Collections.IDictionary] $Splat) {
    $given = @($Splat.Keys)
    $fitting = @($Command.ParameterSets | Where-Object {
            $names = $_.Parameters.Name
            @($given | Where-Object { $_ -notin $names }).Count -eq 0
        })
    if ($fitting.Count -eq 0) { return } # no set holds them all: the binder names the conflict (LauncherParameterInvalid)
    $missingBySet = foreach ($set in $fitting) {
        [pscustomobject]@{ Set = $set; Missing = @($set.Parameters | Where-Object { $_.IsMandatory -and $_.Name -notin $given } | ForEach-Object Name) }
    }
    if (@($missingBySet | Where-Object { $_.Missing.Count -eq 0 }).Count -gt 0) { return }
    $closest = $missingBySet | Sort-Object { $_.Missing.Count }, { -not $_.Set.IsDefault } | Select-Object -First 1
    $names = ($closest.Missing | ForEach-Object { "-$_" }) -join ', '
    Exit-WithFailure -ErrorId LauncherParameterMissing -Category InvalidArgument `
        -Message "$($Command.Name) needs $names, and no prompt can be answered here." `
        -Remediation "Give $names (Get-Help $($Command.Name) -Parameter <name>)."
}

# --- The run ---------------------------------------------------------------------------------------------
try {
    if ($args.Count -eq 0 -or $args[0] -in '--help', '-help', '-h', '-?', '/?', 'help') {
        [Console]::Error.WriteLine($Usage)
        Exit-WithCallerError LauncherUsage 'No SwarmPS cmdlet was named.' 'Name one: swarmps <Verb-SwarmNoun> [-Parameter value ...] (docs/launcher.md).'
    }

    # The module beside this script (module/ sits in the module's root), not whichever SwarmPS is on PSModulePath.
    $manifest = Join-Path $PSScriptRoot '..' 'SwarmPS.psd1'
    try { $module = Import-Module $manifest -PassThru -ErrorAction Stop }
    catch {
        Exit-WithFailure -ErrorId LauncherModuleNotLoaded -Category NotInstalled -Message "SwarmPS could not be imported from ${manifest}: $($_.Exception.Message)" `
            -Remediation 'Build the module (pwsh ./build.ps1, or dotnet build) or reinstall it; swarmps runs the SwarmPS beside it.'
    }

    # Only the module's exported cmdlets: the launcher is a door into SwarmPS, not a general command runner.
    $name = [string] $args[0]
    $command = $module.ExportedCmdlets.Values | Where-Object Name -EQ $name | Select-Object -First 1
    if ($null -eq $command) {
        Exit-WithFailure -ErrorId LauncherCommandUnknown -Category ObjectNotFound -Message "'$name' is not a SwarmPS cmdlet; swarmps runs SwarmPS cmdlets only." `
            -Remediation "Name one of: $(($module.ExportedCmdlets.Keys | Sort-Object) -join ', ')."
    }

    $splat = ConvertTo-Splat $command @($args | Select-Object -Skip 1)
    Assert-MandatoryParameter $command $splat
    # The first error ends the call (and is the envelope's); nothing can be confirmed interactively.
    $splat['ErrorAction'] = 'Stop'
    if ($command.Parameters.ContainsKey('Confirm')) { $splat['Confirm'] = $false }

    $data = [System.Collections.Generic.List[object]]::new()
    try {
        & $command @splat | ForEach-Object { $data.Add($_) }
    }
    catch {
        Exit-WithErrorRecord $_ $command.Name $data.ToArray()
    }
    Write-Envelope ([ordered]@{ ok = $true; data = $data.ToArray() })
    exit 0
}
catch {
    # Reached only by a fault of the launcher itself (its own code threw): still one envelope, exit 3.
    Exit-WithFailure -ErrorId LauncherInternalError -Category InvalidOperation -Message "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" `
        -Remediation 'This is a fault of swarmps itself: report it with the command line and the stderr output.'
}
