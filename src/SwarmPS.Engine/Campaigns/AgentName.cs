using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Campaigns;

/// <summary>
/// The shape of an agent name. A name becomes a directory (agents/&lt;name&gt;/), a log file prefix,
/// an environment value (SWARM_PEERS=name=uid,...) and part of a mailbox id, so it is kept to characters
/// that are safe in all of them: 1 to 63 ASCII letters, digits, '.', '_' or '-', starting with a letter
/// or digit (which also rules out "." and ".."). Names are compared exactly, but two names differing
/// only in case are refused as duplicates because they would share a directory on macOS and Windows.
/// </summary>
public static partial class AgentName
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$";

    public const string Rule = "1 to 63 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Shape().IsMatch(name);

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
