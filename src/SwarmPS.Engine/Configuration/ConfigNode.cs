namespace SwarmPS.Engine.Configuration;

/// <summary>
/// A parsed configuration value with the place it came from. YAML and JSON files both become this tree,
/// so typed readers report every error with file, line and column whatever the format.
/// </summary>
public abstract record ConfigNode(SourceLocation Location)
{
    /// <summary>"a mapping", "a list", "a text value": used in type-mismatch messages.</summary>
    public abstract string Describe();
}

/// <summary>A scalar exactly as written (before ${VAR} expansion); <see cref="IsNull"/> for null/~/empty.</summary>
public sealed record ConfigScalar(SourceLocation Location, string Text, bool IsNull, bool IsQuoted) : ConfigNode(Location)
{
    public override string Describe() => IsNull ? "an empty value" : $"the value '{Text}'";
}

public sealed record ConfigSequence(SourceLocation Location, IReadOnlyList<ConfigNode> Items) : ConfigNode(Location)
{
    public override string Describe() => "a list";
}

/// <summary>An ordered mapping; keys keep their own locations for unknown-key and duplicate errors.</summary>
public sealed record ConfigMapping(SourceLocation Location, IReadOnlyList<ConfigEntry> Entries) : ConfigNode(Location)
{
    public override string Describe() => "a mapping";

    public ConfigEntry? Find(string key) => Entries.FirstOrDefault(entry => entry.Key == key);
}

public sealed record ConfigEntry(string Key, SourceLocation KeyLocation, ConfigNode Value);
