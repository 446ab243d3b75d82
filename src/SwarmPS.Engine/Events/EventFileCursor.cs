using System.Text;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Events;

/// <summary>
/// How far each events file has been read, so a follower (Get-SwarmEvent -Follow, the dashboard) gets only what is
/// new: complete lines since the last read, split on bytes, starting again when a file was truncated or replaced.
/// Each read opens the file only while reading, so nothing stays open between polls.
/// </summary>
public sealed class EventFileCursor
{
    private readonly Dictionary<string, long> _offsets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _partialLines = new(StringComparer.Ordinal);

    /// <summary>Complete lines added since the last read; a line still being written waits for its newline. Nothing when the file does not exist (yet).</summary>
    public IEnumerable<string> ReadNewLines(string file)
    {
        // Only a regular file: a FIFO in its place would block the open forever, a device would never end.
        // Anything else throws FileRefusedException (an IOException) naming what is there.
        if (!BoundedFileRead.IsRegularFile(file, followLinks: true))
        {
            return Array.Empty<string>();
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var offset = _offsets.GetValueOrDefault(file);
        if (stream.Length < offset)
        {
            offset = 0; // truncated or replaced: start again
            _partialLines.Remove(file);
        }

        stream.Seek(offset, SeekOrigin.Begin);
        var bytes = new byte[stream.Length - offset];
        stream.ReadExactly(bytes);
        _offsets[file] = offset + bytes.Length;

        // Split on bytes, not text, so a multi-byte character cut by a concurrent write is never decoded half.
        var pending = _partialLines.GetValueOrDefault(file) ?? Array.Empty<byte>();
        var combined = pending.Length == 0 ? bytes : pending.Concat(bytes).ToArray();
        var lastNewline = Array.LastIndexOf(combined, (byte)'\n');
        _partialLines[file] = combined[(lastNewline + 1)..];
        return lastNewline < 0 ? Array.Empty<string>() : Encoding.UTF8.GetString(combined, 0, lastNewline).Split('\n');
    }
}
