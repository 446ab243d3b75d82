using System.Management.Automation;

namespace SwarmPS.Cmdlets;

/// <summary>Turns candidate names into completion results: prefix match, sorted, quoted when needed.</summary>
internal static class CompletionText
{
    /// <param name="keepOrder">Keep the candidates' own order (newest first, say) instead of sorting by name.</param>
    public static IEnumerable<CompletionResult> Matching(IEnumerable<string> candidates, string wordToComplete, bool keepOrder = false)
    {
        var prefix = (wordToComplete ?? "").Trim('\'', '"');
        var matching = candidates.Where(candidate => candidate.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));
        return (keepOrder ? matching : matching.Order(StringComparer.OrdinalIgnoreCase))
            .Select(candidate => new CompletionResult(Quote(candidate), candidate, CompletionResultType.ParameterValue, candidate))
            .ToList();
    }

    private static string Quote(string text) =>
        text.Length == 0 || text.Any(c => char.IsWhiteSpace(c) || "'\"$`;,(){}@#&|<>[]".Contains(c))
            ? "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'"
            : text;
}
