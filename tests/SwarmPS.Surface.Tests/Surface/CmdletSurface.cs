namespace SwarmPS.Surface.Tests.Surface;

/// <summary>What a user sees of one compiled cmdlet, read from its metadata without running it.</summary>
public sealed record CmdletSurface(
    string Verb,
    string Noun,
    string ClassName,
    string TypeFullName,
    bool SupportsShouldProcess,
    string? DefaultParameterSetName,
    IReadOnlyList<OutputTypeSurface> OutputTypes,
    IReadOnlyList<ParameterSurface> Parameters)
{
    /// <summary>The command name, e.g. Get-SwarmAgentId.</summary>
    public string Name => $"{Verb}-{Noun}";

    /// <summary>
    /// The named parameter sets. Parameters in PowerShell's "__AllParameterSets" belong to every one of
    /// them; a cmdlet that names no set has exactly one set, which this returns as an empty list.
    /// </summary>
    public IReadOnlyList<string> NamedParameterSets => Parameters
        .SelectMany(parameter => parameter.Sets)
        .Select(membership => membership.SetName)
        .Where(name => name != ParameterSetMembership.AllSets)
        .Distinct(StringComparer.OrdinalIgnoreCase)
        .OrderBy(name => name, StringComparer.Ordinal)
        .ToList();

    public override string ToString() => Name;
}

/// <summary>An [OutputType] type: its full name and its base classes (a view for a base class applies too).</summary>
public sealed record OutputTypeSurface(string FullName, IReadOnlyList<string> BaseTypeNames);
