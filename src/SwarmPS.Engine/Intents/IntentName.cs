using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Intents;

/// <summary>A campaign intent's name: it becomes the file name <c>&lt;name&gt;.intent.json</c>, so no separators or dots at the start.</summary>
public static partial class IntentName
{
    public static string Validate(string? name) =>
        name is not null && NamePattern().IsMatch(name)
            ? name
            : throw new SwarmException(
                "IntentNameInvalid",
                $"The intent name '{name}' is not 1 to 64 letters, digits, '.', '_' or '-' starting with a letter or digit.",
                "Name the campaign with a short slug such as lr-sweep-2026-12 (it becomes <name>.intent.json).",
                SwarmErrorCategory.InvalidArgument,
                name);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
