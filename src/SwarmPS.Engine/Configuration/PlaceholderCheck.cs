using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// Refuses values still holding a template placeholder such as <c>&lt;argo-user&gt;</c>. The built-in
/// site templates ship with them on purpose; a run that reached a scheduler with one would fail far
/// from where the fix is.
/// </summary>
public static partial class PlaceholderCheck
{
    /// <summary>
    /// Throws ConfigPlaceholder when <paramref name="value"/> holds a placeholder. <paramref name="rawText"/>
    /// is the value as written, before expansion: the variables it names are the quickest fix when a
    /// template's default placeholder is what came through.
    /// </summary>
    public static void Ensure(string value, string key, SourceLocation location, string? rawText = null)
    {
        var match = Placeholder().Match(value);
        if (!match.Success)
        {
            return;
        }

        var variables = rawText is null
            ? new List<string>()
            : VariableName().Matches(rawText).Select(found => found.Groups[1].Value).Distinct().ToList();
        var remediation = variables.Count > 0
            ? $"Set {string.Join(" or ", variables)} in the environment, or replace {match.Value} in the file with your own value."
            : $"Replace {match.Value} with your own value, or take it from the environment with ${{VAR}} (for example ${{USER}}).";
        throw new ConfigException(
            "ConfigPlaceholder", location, $"'{key}' still holds the template placeholder {match.Value}.", remediation);
    }

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)", RegexOptions.CultureInvariant)]
    private static partial Regex VariableName();

    [GeneratedRegex("<[A-Za-z][A-Za-z0-9_.-]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
