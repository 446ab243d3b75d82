using System.Text.Json;
using System.Text.Json.Serialization;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Control;

/// <summary>
/// What a running agent manager keeps in <c>manager.json</c> (owner-only): who runs it (host, pid and start
/// time, so a recycled pid is never taken for it), its mailbox, its last heartbeat, and the slices it started.
/// Get-SwarmAgentManager shows it, Stop-SwarmAgentManager stops what it names, and a manager taking over
/// from a dead one carries its slices on.
/// </summary>
public sealed record ManagerRecord
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private const int MaxBytes = 1024 * 1024;

    public int SchemaVersion { get; init; } = 1;

    public required string Namespace { get; init; }

    public required string User { get; init; }

    public required string Site { get; init; }

    public required string Host { get; init; }

    public required int Pid { get; init; }

    public required long StartTicks { get; init; }

    public required Guid MailboxId { get; init; }

    public required string ExchangeUrl { get; init; }

    public required string WorkingDirectory { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset HeartbeatAt { get; init; }

    /// <summary>False once the manager has stopped (cleanly); the record stays so its slices are still known.</summary>
    public bool Running { get; init; }

    public IReadOnlyList<ManagedRun> Runs { get; init; } = Array.Empty<ManagedRun>();

    [JsonIgnore]
    public ProcessIdentity Process => new(Pid, StartTicks);

    /// <summary>True when it was started on this very machine: only then do its pid and start time mean anything here.</summary>
    [JsonIgnore]
    public bool IsOnThisHost => string.Equals(Host, Launch.RecordedProcess.ThisHost, StringComparison.OrdinalIgnoreCase);

    /// <summary>True when the process it names is alive on this host (a record from another login node cannot be judged here: false).</summary>
    [JsonIgnore]
    public bool IsAliveHere => Running && IsOnThisHost && Process.IsAlive;

    /// <summary>True when it says it runs, was started here, and its process is gone (killed -9, or its node rebooted).</summary>
    [JsonIgnore]
    public bool DiedHere => Running && IsOnThisHost && !Process.IsAlive;

    public void Write(string path)
    {
        OwnerOnly.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    /// <summary>The record at <paramref name="path"/>, or null when there is none; one that cannot be read is an error naming it (it may hold the slices to stop).</summary>
    public static ManagerRecord? TryRead(string path)
    {
        try
        {
            var bytes = BoundedFileRead.ReadAllBytes(path, MaxBytes, followLinks: false);
            return bytes is null ? null : JsonSerializer.Deserialize<ManagerRecord>(bytes, Json);
        }
        catch (Exception error) when (error is JsonException or IOException)
        {
            throw new SwarmException(
                "AgentManagerRecordUnreadable",
                $"The agent manager's record '{path}' cannot be read: {error.Message}",
                $"Look at it (it names the slices the manager started, to stop them with Stop-SwarmSite); move it aside to start a new manager.",
                SwarmErrorCategory.InvalidData,
                path);
        }
    }
}

/// <summary>One slice a manager started: the run, the campaign file it was read from, where it runs, and its lifecycle as last seen.</summary>
public sealed record ManagedRun(string RunId, string Campaign, string SiteDirectory, string RunRoot, DateTimeOffset StartedAt)
{
    public ManagerLifecycle Lifecycle { get; init; } = ManagerLifecycle.Starting;
}
