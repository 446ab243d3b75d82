using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Sites;

/// <summary>Site names become file names and directory names under a run; keep them to a safe shape.</summary>
public static partial class SiteName
{
    public const string Rule = "A site name is 1 to 63 lowercase letters, digits, '-' or '_', starting with a letter.";

    public static bool IsValid(string? name) => name is not null && Shape().IsMatch(name);

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
