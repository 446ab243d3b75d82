namespace SwarmPS.Surface.Tests.Surface;

/// <summary>
/// The conventions every SwarmPS cmdlet keeps (STYLE.md), as rules over a <see cref="ModuleSurface"/>.
/// Each rule returns its violations as sentences that name the cmdlet (or file) and the fix; an empty list
/// means the module keeps the rule. The rules read only what is compiled and written down, so they hold
/// for cmdlets added later without being told their names.
/// </summary>
public static class SurfaceRules
{
    /// <summary>Parameters PowerShell adds itself; help documents them under CommonParameters, not one by one.</summary>
    public static readonly IReadOnlySet<string> CommonParameters = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction",
        "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer",
        "PipelineVariable", "WhatIf", "Confirm", "UseTransaction",
    };

    /// <summary>Every rule, by name, for a test that wants them all.</summary>
    public static readonly IReadOnlyDictionary<string, Func<ModuleSurface, IReadOnlyList<string>>> All =
        new Dictionary<string, Func<ModuleSurface, IReadOnlyList<string>>>
        {
            [nameof(ApprovedVerb)] = ApprovedVerb,
            [nameof(SwarmNoun)] = SwarmNoun,
            [nameof(OutputTypeDeclared)] = OutputTypeDeclared,
            [nameof(ShouldProcessWhenChangingState)] = ShouldProcessWhenChangingState,
            [nameof(ClassNamedAfterCommand)] = ClassNamedAfterCommand,
            [nameof(SwitchParameterNotBool)] = SwitchParameterNotBool,
            [nameof(ManifestExportsMatchAssembly)] = ManifestExportsMatchAssembly,
            [nameof(HelpDocumentsEveryParameter)] = HelpDocumentsEveryParameter,
            [nameof(OutputTypesHaveViews)] = OutputTypesHaveViews,
            [nameof(ParameterSetsDistinguishable)] = ParameterSetsDistinguishable,
        };

    /// <summary>The verb is one `Get-Verb` lists, spelled as it lists it (Import-Module warns otherwise).</summary>
    public static IReadOnlyList<string> ApprovedVerb(ModuleSurface module) => module.Cmdlets
        .Where(cmdlet => ApprovedVerbs.Find(cmdlet.Verb) is null)
        .Select(cmdlet => ApprovedVerbs.FindIgnoringCase(cmdlet.Verb) is { } approved
            ? $"{cmdlet.Name}: verb '{cmdlet.Verb}' is spelled differently from the approved verb. Fix: use '{approved.Verb}'."
            : $"{cmdlet.Name}: verb '{cmdlet.Verb}' is not an approved PowerShell verb. Fix: pick one from Get-Verb (e.g. Get, Start, Send).")
        .ToList();

    /// <summary>The noun is Swarm followed by a PascalCase word, so SwarmPS commands never collide with others.</summary>
    public static IReadOnlyList<string> SwarmNoun(ModuleSurface module) => module.Cmdlets
        .Where(cmdlet => !cmdlet.Noun.StartsWith("Swarm", StringComparison.Ordinal)
            || cmdlet.Noun.Length == "Swarm".Length
            || !char.IsUpper(cmdlet.Noun["Swarm".Length]))
        .Select(cmdlet => $"{cmdlet.Name}: noun '{cmdlet.Noun}' does not start with 'Swarm' followed by a PascalCase word. Fix: rename it to Swarm<Noun>, e.g. '{cmdlet.Verb}-Swarm{Capitalised(cmdlet.Noun)}'.")
        .ToList();

    /// <summary>Every cmdlet declares what it writes, so tab completion and the format views can rely on it.</summary>
    public static IReadOnlyList<string> OutputTypeDeclared(ModuleSurface module) => module.Cmdlets
        .Where(cmdlet => cmdlet.OutputTypes.Count == 0)
        .Select(cmdlet => $"{cmdlet.Name}: no [OutputType]. Fix: add [OutputType(typeof(...))] to {cmdlet.ClassName} naming what it writes.")
        .ToList();

    /// <summary>A cmdlet whose verb changes state (see <see cref="ApprovedVerbs"/>) honours -WhatIf and -Confirm.</summary>
    public static IReadOnlyList<string> ShouldProcessWhenChangingState(ModuleSurface module) => module.Cmdlets
        .Where(cmdlet => ApprovedVerbs.Find(cmdlet.Verb) is { ChangesState: true } && !cmdlet.SupportsShouldProcess)
        .Select(cmdlet => $"{cmdlet.Name}: verb '{cmdlet.Verb}' changes state but the cmdlet lacks SupportsShouldProcess. Fix: [Cmdlet(..., SupportsShouldProcess = true)] and call ShouldProcess on the pipeline thread before the work.")
        .ToList();

    /// <summary>The class is VerbNounCommand, so the file for Start-SwarmSite is easy to find.</summary>
    public static IReadOnlyList<string> ClassNamedAfterCommand(ModuleSurface module) => module.Cmdlets
        .Where(cmdlet => cmdlet.ClassName != ExpectedClassName(cmdlet))
        .Select(cmdlet => $"{cmdlet.Name}: class is named {cmdlet.ClassName}. Fix: rename it (and its file) to {ExpectedClassName(cmdlet)}.")
        .ToList();

    /// <summary>On/off parameters are SwitchParameter; a bool parameter makes users type -Force:$true.</summary>
    public static IReadOnlyList<string> SwitchParameterNotBool(ModuleSurface module) => module.Cmdlets
        .SelectMany(cmdlet => cmdlet.Parameters
            .Where(parameter => parameter.TypeFullName == "System.Boolean"
                || parameter.TypeFullName.StartsWith("System.Nullable`1[[System.Boolean,", StringComparison.Ordinal))
            .Select(parameter => $"{cmdlet.Name}: parameter -{parameter.Name} is a bool. Fix: make it a SwitchParameter."))
        .ToList();

    /// <summary>
    /// CmdletsToExport lists exactly the compiled cmdlets, alphabetically (so parallel additions merge
    /// cleanly), and the module exports no functions.
    /// </summary>
    public static IReadOnlyList<string> ManifestExportsMatchAssembly(ModuleSurface module)
    {
        var manifestName = Path.GetFileName(module.Manifest.Path);
        var violations = new List<string>();
        var exported = module.Manifest.StringList("CmdletsToExport");
        if (exported is null)
        {
            violations.Add($"{manifestName}: no CmdletsToExport. Fix: list every cmdlet explicitly (never '*').");
            exported = Array.Empty<string>();
        }

        var exportedSet = exported.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var compiled = module.Cmdlets.Select(cmdlet => cmdlet.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        violations.AddRange(module.Cmdlets
            .Where(cmdlet => !exportedSet.Contains(cmdlet.Name))
            .Select(cmdlet => $"{cmdlet.Name}: compiled but not in {manifestName} CmdletsToExport. Fix: add '{cmdlet.Name}' to CmdletsToExport (alphabetically)."));
        violations.AddRange(exported
            .Where(name => !compiled.Contains(name))
            .Select(name => $"{name}: listed in {manifestName} CmdletsToExport but no such cmdlet is compiled. Fix: remove it from CmdletsToExport, or add the cmdlet."));
        if (exported.Contains("*"))
        {
            violations.Add($"{manifestName}: CmdletsToExport contains '*'. Fix: list the cmdlets by name.");
        }

        var sorted = exported.OrderBy(name => name, StringComparer.OrdinalIgnoreCase).ToList();
        if (!exported.SequenceEqual(sorted))
        {
            violations.Add($"{manifestName}: CmdletsToExport is not in alphabetical order. Fix: order it as {string.Join(", ", sorted)}.");
        }

        var functions = module.Manifest.StringList("FunctionsToExport");
        if (functions is null || functions.Count > 0)
        {
            violations.Add($"{manifestName}: FunctionsToExport must be @() (the module is compiled cmdlets only). Fix: set FunctionsToExport = @().");
        }

        return violations;
    }

    /// <summary>
    /// Every cmdlet has help/Verb-Noun.md with a `### -Name` section for each of its own parameters and at
    /// least one `### Example` holding a fenced code block.
    /// </summary>
    public static IReadOnlyList<string> HelpDocumentsEveryParameter(ModuleSurface module)
    {
        var violations = new List<string>();
        foreach (var cmdlet in module.Cmdlets)
        {
            if (!module.Help.TryGetValue(cmdlet.Name, out var help))
            {
                violations.Add($"{cmdlet.Name}: no help file. Fix: add {Path.GetFileName(module.HelpDirectory)}/{cmdlet.Name}.md in PlatyPS format (copy help/Get-SwarmAgentId.md).");
                continue;
            }

            violations.AddRange(cmdlet.Parameters
                .Where(parameter => !CommonParameters.Contains(parameter.Name) && !help.DocumentedParameters.Contains(parameter.Name))
                .Select(parameter => $"{cmdlet.Name}: parameter -{parameter.Name} is not documented in {cmdlet.Name}.md. Fix: add a '### -{parameter.Name}' section under PARAMETERS."));
            if (help.ExamplesWithCode == 0)
            {
                violations.Add($"{cmdlet.Name}: {cmdlet.Name}.md has no '### Example' section with a code block. Fix: add one with a real runbook line in a ```powershell block.");
            }
        }

        return violations;
    }

    /// <summary>
    /// Each FormatsToProcess file exists and is well-formed XML; each [OutputType] type has a view in one of
    /// them (a view for one of its base classes also counts, as PowerShell matches views along the type's
    /// hierarchy; System.* types are exempt because PowerShell formats them itself); and no format file sits
    /// in module/ without being listed.
    /// </summary>
    public static IReadOnlyList<string> OutputTypesHaveViews(ModuleSurface module)
    {
        var manifestName = Path.GetFileName(module.Manifest.Path);
        var violations = new List<string>();
        foreach (var file in module.FormatFiles)
        {
            if (!file.Exists)
            {
                violations.Add($"{file.ListedAs}: listed in {manifestName} FormatsToProcess but missing. Fix: add the file or remove it from FormatsToProcess.");
            }
            else if (file.XmlError is not null)
            {
                violations.Add($"{file.ListedAs}: not well-formed XML ({file.XmlError}). Fix: correct the XML.");
            }
        }

        violations.AddRange(module.UnlistedFormatFiles.Select(file =>
            $"{file}: not listed in {manifestName} FormatsToProcess, so PowerShell never loads it. Fix: add '{file}' to FormatsToProcess."));

        var viewed = module.FormatFiles.SelectMany(file => file.SelectedTypeNames).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var cmdlet in module.Cmdlets)
        {
            foreach (var output in cmdlet.OutputTypes)
            {
                var formattedByPowerShell = output.FullName.StartsWith("System.", StringComparison.Ordinal);
                if (formattedByPowerShell || viewed.Contains(output.FullName) || output.BaseTypeNames.Any(viewed.Contains))
                {
                    continue;
                }

                violations.Add($"{cmdlet.Name}: output type {output.FullName} has no view. Fix: add a table view with <TypeName>{output.FullName}</TypeName> to the pillar's module/SwarmPS.<Pillar>.format.ps1xml (listed in FormatsToProcess).");
            }
        }

        return violations;
    }

    /// <summary>
    /// PowerShell must be able to tell each pair of parameter sets apart. The binder keeps every set that
    /// holds all the parameters given; when more than one is left it takes DefaultParameterSetName if that
    /// is among them, else the only one whose mandatory parameters are all given, else it fails with
    /// AmbiguousParameterSet. So for each pair of sets A and B:
    ///   - A and B must differ in at least one parameter, or the non-default one can never be chosen;
    ///   - a call naming only parameters the two share is resolved only if one of them is the default, or
    ///     one of them has a mandatory parameter the other lacks (that set drops out, the other is chosen).
    /// Pipeline-only binding can still be ambiguous in ways this does not model (two sets both taking the
    /// same type by value); name a default set whenever two sets accept pipeline input.
    /// </summary>
    public static IReadOnlyList<string> ParameterSetsDistinguishable(ModuleSurface module) =>
        module.Cmdlets.SelectMany(ParameterSetProblems).ToList();

    /// <summary>The parameter-set problems of one cmdlet (see <see cref="ParameterSetsDistinguishable"/>).</summary>
    public static IReadOnlyList<string> ParameterSetProblems(CmdletSurface cmdlet)
    {
        var violations = new List<string>();
        {
            var sets = cmdlet.NamedParameterSets;
            var defaultSet = cmdlet.DefaultParameterSetName;
            if (defaultSet is not null && sets.Count > 0 && !sets.Contains(defaultSet, StringComparer.OrdinalIgnoreCase))
            {
                violations.Add($"{cmdlet.Name}: DefaultParameterSetName '{defaultSet}' names no parameter set. Fix: name one of {string.Join(", ", sets)}.");
            }

            for (var first = 0; first < sets.Count; first++)
            {
                for (var second = first + 1; second < sets.Count; second++)
                {
                    var problem = Ambiguity(cmdlet, sets[first], sets[second]);
                    if (problem is not null)
                    {
                        violations.Add(problem);
                    }
                }
            }
        }

        return violations;
    }

    private static string? Ambiguity(CmdletSurface cmdlet, string a, string b)
    {
        var onlyInA = cmdlet.Parameters.Where(parameter => parameter.IsIn(a) && !parameter.IsIn(b)).ToList();
        var onlyInB = cmdlet.Parameters.Where(parameter => parameter.IsIn(b) && !parameter.IsIn(a)).ToList();
        if (onlyInA.Count == 0 && onlyInB.Count == 0)
        {
            return $"{cmdlet.Name}: parameter sets '{a}' and '{b}' have the same parameters, so one can never be chosen. Fix: merge them, or give each a parameter of its own.";
        }

        var isDefault = (string set) => string.Equals(cmdlet.DefaultParameterSetName, set, StringComparison.OrdinalIgnoreCase);
        if (isDefault(a) || isDefault(b))
        {
            return null;
        }

        var aRequiresOwn = onlyInA.Any(parameter => parameter.IsMandatoryIn(a));
        var bRequiresOwn = onlyInB.Any(parameter => parameter.IsMandatoryIn(b));
        return aRequiresOwn || bRequiresOwn
            ? null
            : $"{cmdlet.Name}: parameter sets '{a}' and '{b}' are ambiguous when only their shared parameters are given. Fix: set DefaultParameterSetName, or make a parameter unique to one set Mandatory there.";
    }

    private static string ExpectedClassName(CmdletSurface cmdlet) => $"{cmdlet.Verb}{cmdlet.Noun}Command";

    private static string Capitalised(string noun) => noun.Length == 0 ? noun : char.ToUpperInvariant(noun[0]) + noun[1..];
}
