using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Control;

/// <summary>
/// The correlation ids a receiver has handled, with their replies (docs/control-protocol.md "Replay"), in
/// <c>handled.jsonl</c>: a command seen again is answered from here and never executed twice. An id is
/// written when its command is accepted, before it runs, and again with the reply when it ends; one found
/// without a reply was cut short by a crash, and is reported as such rather than run again. Entries are kept
/// until their command's expiry plus <see cref="KeptPastExpiry"/>: after that the command is refused as expired anyway.
/// </summary>
public sealed class HandledCommands
{
    public static readonly TimeSpan KeptPastExpiry = TimeSpan.FromMinutes(10);

    private const int MaxFileBytes = 64 * 1024 * 1024;

    private readonly string _path;
    private readonly Dictionary<Guid, Entry> _entries = new();

    private HandledCommands(string path) => _path = path;

    /// <summary>The journal at <paramref name="path"/>, pruned of what has expired; a line that cannot be read is skipped (a torn last line after a crash).</summary>
    public static HandledCommands Open(string path, DateTimeOffset now)
    {
        var journal = new HandledCommands(path);
        var text = BoundedFileRead.ReadAllText(path, MaxFileBytes, followLinks: false) ?? "";
        var kept = 0;
        var lines = 0;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            lines++;
            if (Entry.TryParse(line) is { } entry && entry.ExpiresAt + KeptPastExpiry > now)
            {
                journal._entries[entry.CorrelationId] = entry;
                kept++;
            }
        }

        if (kept < lines)
        {
            journal.Rewrite();
        }

        return journal;
    }

    public int Count => _entries.Count;

    /// <summary>What was recorded for this id: null when never seen; an entry whose Reply is null when the command was cut short.</summary>
    public Entry? Find(Guid correlationId) => _entries.GetValueOrDefault(correlationId);

    public void Accepted(ControlCommand command) => Append(new Entry(command.CorrelationId, command.ExpiresAt, null));

    public void Replied(ControlCommand command, ControlReply reply) => Append(new Entry(command.CorrelationId, command.ExpiresAt, reply));

    private void Append(Entry entry)
    {
        _entries[entry.CorrelationId] = entry;
        using var stream = OwnerOnly.OpenAppend(_path, FileShare.Read);
        stream.Write(Encoding.UTF8.GetBytes(entry.ToJsonLine() + "\n"));
        stream.Flush(flushToDisk: true);
    }

    private void Rewrite() =>
        AtomicFile.WriteAllText(_path, string.Concat(_entries.Values.Select(entry => entry.ToJsonLine() + "\n")), durable: true);

    public sealed record Entry(Guid CorrelationId, DateTimeOffset ExpiresAt, ControlReply? Reply)
    {
        public string ToJsonLine() => new JsonObject
        {
            ["correlation_id"] = CorrelationId.ToString(),
            ["expires_at"] = ControlTime.Format(ExpiresAt),
            ["reply"] = Reply?.ToNode(),
        }.ToJsonString();

        public static Entry? TryParse(string line)
        {
            try
            {
                return ControlJson.Parse(line) is JsonObject json
                       && Guid.TryParse(ControlJson.Text(json, "correlation_id"), out var id)
                       && ControlJson.Text(json, "expires_at") is { } expires
                    ? new Entry(id, ControlTime.Parse(expires), json["reply"] is JsonObject reply ? ControlReply.TryParse(reply.ToJsonString()) : null)
                    : null;
            }
            catch (Exception error) when (error is JsonException or FormatException)
            {
                return null;
            }
        }
    }
}
