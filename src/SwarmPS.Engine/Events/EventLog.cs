using System.Text;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Events;

/// <summary>
/// Appends events to a site's events.jsonl. Each event is one write of one whole line to a file opened
/// for append, flushed at once, so a reader (or a crash) never sees half an event from this writer and
/// several processes of one site can share the file. It is created 0600 in a 0700 directory (OwnerOnly):
/// events name agents, hosts and problems that are nobody else's business on a shared login node.
/// </summary>
public sealed class EventLog
{
    private readonly object _gate = new();

    public EventLog(string path)
    {
        Path = path;
        OwnerOnly.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
    }

    public string Path { get; }

    public SwarmEvent Append(SwarmEvent swarmEvent)
    {
        var bytes = Encoding.UTF8.GetBytes(swarmEvent.ToJsonLine() + "\n");
        lock (_gate)
        {
            using var stream = OwnerOnly.OpenAppend(Path, FileShare.ReadWrite | FileShare.Delete);
            stream.Write(bytes);
            stream.Flush(flushToDisk: false);
        }

        return swarmEvent;
    }
}
