using System.Text.RegularExpressions;

namespace SwarmPS.Engine;

/// <summary>
/// PowerShell-style wildcards (*, ?, [abc]) for -Name filters, case-insensitive, without a reference to
/// System.Management.Automation's WildcardPattern.
/// </summary>
public sealed class NameGlob
{
    private readonly Regex _regex;

    public NameGlob(string pattern)
    {
        var body = Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".").Replace(@"\[", "[").Replace(@"\]", "]");
        _regex = new Regex($"^{body}$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    public bool HasWildcards { get; private init; }

    public static NameGlob Parse(string pattern) => new(pattern) { HasWildcards = pattern.IndexOfAny(new[] { '*', '?', '[' }) >= 0 };

    public bool IsMatch(string name) => _regex.IsMatch(name);
}
