namespace SwarmPS.Surface.Tests.Surface;

/// <summary>One public parameter of a cmdlet and the parameter sets it belongs to.</summary>
public sealed record ParameterSurface(string Name, string TypeFullName, IReadOnlyList<ParameterSetMembership> Sets)
{
    /// <summary>True when the parameter takes part in <paramref name="setName"/> (directly or through all sets).</summary>
    public bool IsIn(string setName) => Sets.Any(membership =>
        membership.SetName == ParameterSetMembership.AllSets
        || string.Equals(membership.SetName, setName, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when the parameter must be given whenever <paramref name="setName"/> is the chosen set.</summary>
    public bool IsMandatoryIn(string setName) => Sets.Any(membership =>
        membership.Mandatory
        && (membership.SetName == ParameterSetMembership.AllSets
            || string.Equals(membership.SetName, setName, StringComparison.OrdinalIgnoreCase)));
}

/// <summary>One [Parameter] attribute: which set it puts the parameter in, and whether it is mandatory there.</summary>
public sealed record ParameterSetMembership(string SetName, bool Mandatory)
{
    /// <summary>PowerShell's name for "every parameter set" (ParameterAttribute.AllParameterSets).</summary>
    public const string AllSets = "__AllParameterSets";
}
