using System.Text.Json;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// What an open reverse tunnel leaves on disk (owner-only JSON, one file per tunnel) so that a later stop
/// or start can end its ssh even after the process that opened it was killed with -9. The ssh process is
/// recorded as pid plus start time (<see cref="ProcessIdentity"/>), so a recycled pid is never signalled;
/// the opener is recorded the same way, so a cleaner can tell an orphan from a tunnel still in use.
/// </summary>
public sealed record ReverseTunnelRecord
{
    /// <summary>Record files are named tunnel-&lt;id&gt;.json; the ssh log beside each is tunnel-&lt;id&gt;.log.</summary>
    public const string FilePrefix = "tunnel-";

    private const int MaxRecordBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public required string Id { get; init; }

    public required int SshPid { get; init; }

    public required long SshStartTicks { get; init; }

    public required int OpenerPid { get; init; }

    public required long OpenerStartTicks { get; init; }

    /// <summary>The login host's ssh destination (user@host) and port, for messages and listings.</summary>
    public required string Host { get; init; }

    public required int SshPort { get; init; }

    public required int LocalPort { get; init; }

    public required int RemotePort { get; init; }

    public required string Url { get; init; }

    /// <summary>The local end the tunnel leads to (the exchange's URL on this machine); null in records written before it was kept.</summary>
    public string? LocalUrl { get; init; }

    public required DateTimeOffset OpenedAt { get; init; }

    public ProcessIdentity Ssh => new(SshPid, SshStartTicks);

    public ProcessIdentity Opener => new(OpenerPid, OpenerStartTicks);

    public static string PathFor(string directory, string id) => Path.Combine(directory, $"{FilePrefix}{id}.json");

    public static string LogPathFor(string directory, string id) => Path.Combine(directory, $"{FilePrefix}{id}.log");

    public void Write(string directory) =>
        AtomicFile.WriteAllText(PathFor(directory, Id), JsonSerializer.Serialize(this, Json), durable: true);

    /// <summary>Every record in the directory that can be read; a torn or foreign file is skipped, not trusted.</summary>
    public static IReadOnlyList<(string File, ReverseTunnelRecord Record)> ReadAll(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return Array.Empty<(string, ReverseTunnelRecord)>();
        }

        var records = new List<(string, ReverseTunnelRecord)>();
        foreach (var file in Directory.EnumerateFiles(directory, FilePrefix + "*.json"))
        {
            // Regular files only and no links: a record decides which process gets a signal.
            try
            {
                if (BoundedFileRead.ReadAllText(file, MaxRecordBytes, followLinks: false) is { } text
                    && JsonSerializer.Deserialize<ReverseTunnelRecord>(text, Json) is { } record)
                {
                    records.Add((file, record));
                }
            }
            catch (Exception error) when (error is JsonException or IOException or UnauthorizedAccessException)
            {
                // Not a record of ours (or cut short by a crash before the rename): leave it alone.
            }
        }

        return records;
    }
}
