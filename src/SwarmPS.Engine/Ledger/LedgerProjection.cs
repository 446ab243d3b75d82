using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Turns a stored run into its ledger entry: an allow-list of fields, never "everything but". The
/// working directory, tracker configuration and init arguments stay on the machine. Statepoint values are
/// scrubbed because they are free text: the repository root becomes '.', the home directory '~', any
/// other absolute path keeps only its last segment (<c>&lt;path&gt;/data.csv</c>), credentials in URLs
/// are dropped, and values under secret-looking keys (token, password, secret, credential, api key,
/// private key) become <c>&lt;redacted&gt;</c>. The run id stays the hash of the original statepoint.
/// </summary>
public static partial class LedgerProjection
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
    public static SortedDictionary<string, object?> Project(LedgerRun run, string repositoryRoot)
    {
        using var statepoint = JsonDocument.Parse(run.Statepoint);
        var scrubber = new Scrubber(repositoryRoot);
        return new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["schema_version"] = SchemaVersion,
            ["id"] = run.Id,
            ["status"] = run.Status.ToName(),
            ["machine"] = run.Machine,
            ["statepoint"] = scrubber.Scrub(statepoint.RootElement, key: null),
            ["created_at"] = Timestamp(run.CreatedAt),
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
    public static string Render(LedgerRun run, string repositoryRoot, DateTimeOffset promotedAt)
    {
        var entry = Project(run, repositoryRoot);
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

    private sealed class Scrubber(string repositoryRoot)
    {
        private readonly string _root = repositoryRoot.TrimEnd('/', '\\');
        private readonly string _home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile).TrimEnd('/', '\\');

        public object? Scrub(JsonElement value, string? key)
        {
            if (key is not null && SecretKey().IsMatch(key) && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array or JsonValueKind.Null))
            {
                return Redacted;
            }

            return value.ValueKind switch
            {
                JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => Scrub(p.Value, p.Name), StringComparer.Ordinal),
                JsonValueKind.Array => value.EnumerateArray().Select(item => Scrub(item, key)).ToList(),
                JsonValueKind.String => ScrubText(value.GetString()!),
                _ => value.Clone(),
            };
        }

        private string ScrubText(string text)
        {
            if (_root.Length > 1)
            {
                text = text.Replace(_root + "/", "./", StringComparison.Ordinal).Replace(_root + "\\", ".\\", StringComparison.Ordinal);
                if (text == _root)
                {
                    text = ".";
                }
            }

            if (_home.Length > 1)
            {
                text = text.Replace(_home + "/", "~/", StringComparison.Ordinal);
                if (text == _home)
                {
                    text = "~";
                }
            }

            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.UserInfo.Length > 0)
            {
                return new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString();
            }

            if (AbsolutePath().IsMatch(text))
            {
                var last = text.TrimEnd('/', '\\');
                var cut = last.LastIndexOfAny(['/', '\\']);
                return "<path>/" + (cut >= 0 ? last[(cut + 1)..] : "");
            }

            return text;
        }
    }

    // Whole words only: 'hf_token' and 'apiKey' are secrets, 'max_tokens' and 'n_passes' are not.
    [GeneratedRegex(@"(?:(?:^|[_\-.])(?i:password|passwd|passphrase|secret|token|credentials?|api[_-]?key|private[_-]?key|access[_-]?key)|[a-z0-9](?:Password|Passphrase|Secret|Token|Credentials?|ApiKey|PrivateKey|AccessKey))$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretKey();

    [GeneratedRegex(@"^(/|[A-Za-z]:[\\/]|\\\\|file:)", RegexOptions.CultureInvariant)]
    private static partial Regex AbsolutePath();
}
