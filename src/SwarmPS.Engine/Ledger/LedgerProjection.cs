using System.Globalization;
using System.Text.Json;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Turns a stored run into its ledger entry: an allow-list of fields, never "everything but". The
/// working directory, tracker configuration and init arguments stay on the machine. Statepoint values are
/// scrubbed because they are free text (<see cref="StatepointScrubber"/>: paths, URL credentials, secret
/// query parameters and options, values under secret keys by the repository's <see cref="RedactionRule"/>).
/// The run id stays the hash of the original statepoint.
/// </summary>
public static class LedgerProjection
{
    public const int SchemaVersion = 1;

    public const string Redacted = "<redacted>";

    /// <summary>Every key an entry may hold; a reader treats anything else as a newer schema.</summary>
    public static IReadOnlyList<string> Fields { get; } =
    [
        "code", "created_at", "ended_at", "experiments", "id", "machine", "promoted_at", "schema_version",
        "started_at", "statepoint", "status", "tracker", "wall_seconds",
    ];

    /// <summary>The entry without <c>promoted_at</c>: the part that is byte-stable across promotions.</summary>
    public static SortedDictionary<string, object?> Project(LedgerRun run, string repositoryRoot, RedactionRule? rule = null) =>
        ProjectRecord(run, run.CreatedAt, repositoryRoot, rule);

    /// <summary>
    /// The same projection of a run recorded by another tool (an aexp entry being converted), whose creation
    /// time may be unknown: the one place an entry's fields are chosen and scrubbed, whoever recorded the run.
    /// </summary>
    internal static SortedDictionary<string, object?> ProjectRecord(RunRecord run, DateTimeOffset? createdAt, string repositoryRoot, RedactionRule? rule)
    {
        using var statepoint = JsonDocument.Parse(run.Statepoint);
        var scrubber = new StatepointScrubber(repositoryRoot, rule ?? RedactionRule.Default);
        return new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["schema_version"] = SchemaVersion,
            ["id"] = run.Id,
            ["status"] = run.Status.ToName(),
            ["machine"] = run.Machine,
            ["statepoint"] = scrubber.Scrub(statepoint.RootElement, key: null, "statepoint"),
            ["created_at"] = createdAt is { } created ? Timestamp(created) : null,
            ["started_at"] = run.StartedAt is { } started ? Timestamp(started) : null,
            ["ended_at"] = run.EndedAt is { } ended ? Timestamp(ended) : null,
            ["wall_seconds"] = run.WallSeconds,
            ["code"] = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["commit"] = run.CodeCommit,
                ["dirty"] = run.CodeDirty,
            },
            ["experiments"] = run.Experiments.Order(StringComparer.Ordinal).ToList(),
            ["tracker"] = run.Tracker is { } tracker
                ? new SortedDictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["backend"] = tracker.Backend,
                    ["project"] = tracker.Project,
                    ["run_id"] = tracker.RunId,
                    ["url"] = SafeUrl(tracker.Url),
                }
                : null,
        };
    }

    /// <summary>The ledger file's text: the projection plus <c>promoted_at</c>, indented, LF, trailing newline.</summary>
    public static string Render(LedgerRun run, string repositoryRoot, DateTimeOffset promotedAt, RedactionRule? rule = null)
    {
        var entry = Project(run, repositoryRoot, rule);
        entry["promoted_at"] = Timestamp(promotedAt);
        return CanonicalJson.SerializeIndented(entry);
    }

    /// <summary>UTC RFC 3339 with milliseconds, as every SwarmPS file writes time.</summary>
    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Only http(s) links survive, without user info, query or fragment (where tokens hide).</summary>
    internal static string? SafeUrl(string? url)
    {
        if (url is null || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return null;
        }

        return new UriBuilder(uri) { UserName = "", Password = "", Query = "", Fragment = "" }.Uri.GetComponents(
            UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }
}
