using System.Management.Automation;

namespace SwarmPS.Cmdlets;

/// <summary>Turns candidate names into completion results: prefix match, sorted, quoted when needed.</summary>
internal static class CompletionText
{
    public static IEnumerable<CompletionResult> Matching(IEnumerable<string> candidates, string wordToComplete)
    {
        var prefix = wordToComplete.Trim('\'', '"');
        return candidates
            .Where(candidate => candidate.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.OrdinalIgnoreCase)
            .Select(candidate => new CompletionResult(Quote(candidate), candidate, CompletionResultType.ParameterValue, candidate));
    }

    private static string Quote(string text) =>
        text.Any(c => char.IsWhiteSpace(c) || "'\"$`;,(){}@#&|<>".Contains(c))
            ? "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'"
            : text;
}
