using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The shape of a contributor id, as a contribution manifest spells it: 1 to 128 ASCII letters, digits,
/// '.', '_' or '-', starting with a letter or digit. The exchange makes it a file name
/// (<c>contributions/&lt;runId&gt;/&lt;contributor&gt;.json</c>), so the rule also rules out '/', "..",
/// and anything a path could be built from; the client checks it too, so a name never reaches a URL
/// where dot segments would be collapsed.
/// </summary>
public static partial class ContributorName
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

    public const string Rule = "1 to 128 ASCII letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string? name) => name is not null && Shape().IsMatch(name);

    /// <summary>Returns the name unchanged, or throws <c>ContributorInvalid</c> naming the rule.</summary>
    public static string Validate(string? name) => IsValid(name)
        ? name!
        : throw new SwarmException(
            "ContributorInvalid",
            $"The contributor id '{Shorten(name)}' is not valid: it must be {Rule}.",
            "Use the contributor id of the contribution's manifest (its 'contributor' field), as the trainer wrote it.",
            SwarmErrorCategory.InvalidArgument,
            Shorten(name));

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 100 ? text : text[..100] + "...";

    // \z, not $: a .NET '$' also matches before a final newline.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
