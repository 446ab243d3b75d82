using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// What a running dashboard left for Stop-SwarmDashboard and for the cmdlet that started it:
/// <c>&lt;mirrorRoot&gt;/.dashboards/&lt;runId&gt;.json</c>, owner-only (it holds the token). The server process and
/// each mirror's ssh connection are recorded as pid plus start time, so they can be stopped after the pwsh that
/// started them is gone (killed -9 included), and a recycled pid is never touched.
/// </summary>
public sealed record DashboardRecord
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private const int MaxBytes = 256 * 1024;

    public int SchemaVersion { get; init; } = 1;

    public required string RunId { get; init; }

    public required int Pid { get; init; }

    public required long StartTicks { get; init; }

    public required string Url { get; init; }

    public required string Token { get; init; }

    public required int Port { get; init; }

    public int RequestedPort { get; init; }

    public required string MirrorRoot { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>True once every mirror has polled once (its site is Up, Missing or Unreachable): the cmdlet returns then.</summary>
    public bool Ready { get; init; }

    public IReadOnlyList<DashboardSiteSummary> Sites { get; init; } = Array.Empty<DashboardSiteSummary>();

    /// <summary>The mirrors' own ssh master connections, the only processes besides the server that the dashboard started.</summary>
    public IReadOnlyList<MirrorProcess> Mirrors { get; init; } = Array.Empty<MirrorProcess>();

    [JsonIgnore]
    public ProcessIdentity Server => new(Pid, StartTicks);

    [JsonIgnore]
    public Uri UrlWithToken => new($"{Url}?token={Uri.EscapeDataString(Token)}");

    public static string PathFor(string mirrorRoot, string runId) => Path.Combine(DashboardOptions.RecordDirectory(mirrorRoot), runId + ".json");

    public void Write()
    {
        var directory = DashboardOptions.RecordDirectory(MirrorRoot);
        OwnerOnly.CreateDirectory(directory);
        AtomicFile.WriteAllText(PathFor(MirrorRoot, RunId), JsonSerializer.Serialize(this, Json) + "\n");
    }

    /// <summary>The record of <paramref name="runId"/>'s dashboard, or null when there is none (or it cannot be read: then it is treated as none and named in the error).</summary>
    public static DashboardRecord? TryRead(string mirrorRoot, string runId) => TryReadFile(PathFor(mirrorRoot, runId));

    /// <summary>Every dashboard recorded under <paramref name="mirrorRoot"/>.</summary>
    public static IReadOnlyList<DashboardRecord> All(string mirrorRoot)
    {
        var directory = DashboardOptions.RecordDirectory(mirrorRoot);
        return Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "*.json").Order(StringComparer.Ordinal).Select(TryReadFile).OfType<DashboardRecord>().ToList()
            : Array.Empty<DashboardRecord>();
    }

    public void Delete() => File.Delete(PathFor(MirrorRoot, RunId));

    private static DashboardRecord? TryReadFile(string path)
    {
        try
        {
            var bytes = BoundedFileRead.ReadAllBytes(path, MaxBytes, followLinks: false);
            return bytes is null ? null : JsonSerializer.Deserialize<DashboardRecord>(bytes, Json);
        }
        catch (Exception error) when (error is JsonException or FileRefusedException or IOException)
        {
            return null;
        }
    }
}

/// <summary>One mirror's ssh connection as recorded: its site, pid and start time.</summary>
public sealed record MirrorProcess(string Site, int Pid, long StartTicks)
{
    [JsonIgnore]
    public ProcessIdentity Identity => new(Pid, StartTicks);
}
