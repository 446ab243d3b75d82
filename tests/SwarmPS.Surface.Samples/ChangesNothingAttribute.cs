namespace SwarmPS.Surface.Samples;

/// <summary>The samples' own copy of SwarmPS.Cmdlets.ChangesNothingAttribute: the surface rule matches it by name.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ChangesNothingAttribute(string reason) : Attribute
{
    public string Reason { get; } = reason;
}
