namespace SwarmPS.Engine.Configuration;

/// <summary>Suggests the known key closest to a misspelt one (Levenshtein distance, case-insensitive).</summary>
public static class NearestKey
{
    public static string? Suggest(string unknown, IEnumerable<string> known)
    {
        var best = known
            .Select(candidate => (candidate, distance: Distance(unknown.ToLowerInvariant(), candidate.ToLowerInvariant())))
            .OrderBy(pair => pair.distance)
            .FirstOrDefault();
        // Past a third of the word, a "did you mean" is more confusing than helpful.
        return best.candidate is not null && best.distance <= Math.Max(2, unknown.Length / 3) ? best.candidate : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), substitution);
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
