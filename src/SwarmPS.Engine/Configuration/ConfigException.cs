namespace SwarmPS.Engine.Configuration;

/// <summary>
/// A problem in a site profile or campaign file. The message starts with file:line:column so an editor
/// can jump there; nothing is written when one is thrown.
/// </summary>
public sealed class ConfigException : SwarmException
{
    public ConfigException(string errorId, SourceLocation location, string problem, string remediation, Exception? inner = null)
        : base(errorId, $"{location}: {problem}", remediation, SwarmErrorCategory.InvalidData, location.File, inner)
    {
        Location = location;
    }

    public SourceLocation Location { get; }
}
