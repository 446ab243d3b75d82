using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// Refuses values still holding a template placeholder such as <c>&lt;argo-user&gt;</c>. The built-in
/// site templates ship with them on purpose; a run that reached a scheduler with one would fail far
/// from where the fix is.
/// </summary>
public static partial class PlaceholderCheck
{
    public static void Ensure(string value, string key, SourceLocation location)
    {
        var match = Placeholder().Match(value);
        if (!match.Success)
        {
            return;
        }

        throw new ConfigException(
            "ConfigPlaceholder", location,
            $"'{key}' still holds the template placeholder {match.Value}.",
            $"Replace {match.Value} with your own value, or take it from the environment with ${{VAR}} (for example ${{USER}}).");
    }

    [GeneratedRegex("<[A-Za-z][A-Za-z0-9_.-]*>", RegexOptions.CultureInvariant)]
    private static partial Regex Placeholder();
}
