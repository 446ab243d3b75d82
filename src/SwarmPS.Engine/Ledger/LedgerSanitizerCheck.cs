using System.Text.Json;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Finds committed entries that break the sanitizer's own rules: a hand edit, a merge, or an entry
/// written by an older SwarmPS with a narrower rule. The statepoint is scrubbed again
/// (<see cref="StatepointScrubber"/> is idempotent, so a clean entry comes out unchanged) and every place
/// it would change is a <c>LedgerEntryUnsanitized</c> finding naming the field and the kind of problem,
/// never the value, since the finding itself is printed in terminals and CI logs.
/// </summary>
public static class LedgerSanitizerCheck
{
    public const string UnsanitizedCode = "LedgerEntryUnsanitized";

    public static IReadOnlyList<LedgerFinding> Check(LedgerEntry entry, string repositoryRoot, RedactionRule rule)
    {
        var problems = new List<(string Field, string Reason)>();
        using (var statepoint = JsonDocument.Parse(entry.Statepoint))
        {
            new StatepointScrubber(repositoryRoot, rule, (field, reason) => problems.Add((field, reason)))
                .Scrub(statepoint.RootElement, key: null, "statepoint");
        }

        if (entry.Tracker?.Url is { } url && !IsSafeUrl(url))
        {
            problems.Add(("tracker.url", "a URL that is not plain http(s) without user info, query or fragment"));
        }

        return problems
            .Distinct()
            .Select(p => new LedgerFinding(UnsanitizedCode, FindingSeverity.Error, entry.File, 0, entry.Id,
                $"{p.Field} holds {p.Reason}, which the ledger never stores. Replace the value with {LedgerProjection.Redacted} (or a relative path), or re-promote the run with Publish-SwarmLedgerEntry on the machine that ran it; then commit, and rotate the secret if it was pushed (git history keeps it)."))
            .ToList();
    }

    private static bool IsSafeUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0 && uri.Query.Length == 0 && uri.Fragment.Length == 0;
}
