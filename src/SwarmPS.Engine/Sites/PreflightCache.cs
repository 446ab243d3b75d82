using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Remembers a fully green preflight for a day, one JSON file per site, so launches do not re-probe a
/// site that just passed. An entry counts only for the same profile: it stores a fingerprint of the
/// fields the checks depend on, so editing host, port, key, scheduler or run root invalidates it, and so
/// does a change in the scheduler programs checked (a SwarmPS whose adapter needs one more).
/// A cache that cannot be read or written is treated as empty; it never fails a preflight. Entries are
/// written through <see cref="AtomicFile"/>, owner-only (they name the login host, user and key path),
/// so two Test-SwarmSite runs at once never share a temporary file.
/// </summary>
/// <param name="schedulerCommands">What the Scheduler commands check looks for, per scheduler kind; none when null.</param>
public sealed partial class PreflightCache(string directory, Func<SchedulerKind, IReadOnlyList<string>>? schedulerCommands = null)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter() },
    };

    public string Directory { get; } = directory;

    /// <summary>$XDG_CACHE_HOME/swarmps/preflight, else ~/.cache/swarmps/preflight.</summary>
    public static string DefaultDirectory()
    {
        var cacheHome = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(cacheHome))
        {
            cacheHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }

        return Path.Combine(cacheHome, "swarmps", "preflight");
    }

    public string PathFor(string siteName) =>
        Path.Combine(Directory, SafeName().IsMatch(siteName) ? $"{siteName}.json" : $"site-{Hash(siteName)[..16]}.json");

    /// <summary>The cached checks, marked <see cref="PreflightCheck.FromCache"/>, or null when none is valid now.</summary>
    public IReadOnlyList<PreflightCheck>? TryRead(SiteProfile site, DateTimeOffset now)
    {
        CachedPreflight? entry;
        try
        {
            entry = JsonSerializer.Deserialize<CachedPreflight>(File.ReadAllText(PathFor(site.Name)), Json);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }

        if (entry is null || entry.SchemaVersion != 1 || entry.Site != site.Name || entry.Fingerprint != Fingerprint(site, SchedulerCommands(site))
            || now - entry.CheckedAt > Lifetime || now < entry.CheckedAt || entry.Checks.Count == 0
            || entry.Checks.Any(check => check.Status != PreflightStatus.Pass))
        {
            return null;
        }

        return entry.Checks.Select(check => new PreflightCheck
        {
            Site = site.Name,
            Name = check.Name,
            Status = check.Status,
            Detail = check.Detail,
            Elapsed = TimeSpan.FromMilliseconds(check.ElapsedMs),
            CheckedAt = entry.CheckedAt,
            FromCache = true,
        }).ToList();
    }

    /// <summary>Stores an all-Pass result; anything else removes the entry, so a stale green never outlives a red.</summary>
    public void Record(SiteProfile site, IReadOnlyList<PreflightCheck> checks)
    {
        var path = PathFor(site.Name);
        try
        {
            if (checks.Count == 0 || checks.Any(check => check.Status != PreflightStatus.Pass))
            {
                File.Delete(path);
                return;
            }

            OwnerOnly.CreateDirectory(Directory);
            var entry = new CachedPreflight(
                1,
                site.Name,
                Fingerprint(site, SchedulerCommands(site)),
                checks.Min(check => check.CheckedAt),
                checks.Select(check => new CachedCheck(check.Name, check.Status, check.Detail, (long)check.Elapsed.TotalMilliseconds)).ToList());
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(entry, Json));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A cache we cannot write costs a re-probe next time, nothing more.
        }
    }

    private IReadOnlyList<string> SchedulerCommands(SiteProfile site) => schedulerCommands?.Invoke(site.Scheduler) ?? Array.Empty<string>();

    internal static string Fingerprint(SiteProfile site, IReadOnlyList<string> schedulerCommands)
    {
        var text = new StringBuilder()
            .Append(site.Name).Append('\n')
            .Append(site.Scheduler).Append('\n')
            .Append(string.Join(' ', schedulerCommands)).Append('\n')
            .Append(site.RunRoot).Append('\n');
        if (site.Ssh is { } ssh)
        {
            text.Append(ssh.Destination).Append('\n').Append(ssh.Port).Append('\n')
                .Append(ssh.IdentityFile).Append('\n').Append(ssh.ConfigFile).Append('\n')
                .Append(ssh.ControlPath).Append('\n');
            foreach (var (name, value) in ssh.Options.OrderBy(option => option.Key, StringComparer.Ordinal))
            {
                text.Append(name).Append('=').Append(value).Append('\n');
            }
        }

        return Hash(text.ToString());
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,100}$")]
    private static partial Regex SafeName();

    private sealed record CachedPreflight(int SchemaVersion, string Site, string Fingerprint, DateTimeOffset CheckedAt, List<CachedCheck> Checks);

    private sealed record CachedCheck(string Name, PreflightStatus Status, string Detail, long ElapsedMs);
}
