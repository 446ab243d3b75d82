namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Lets one request at a time append to a blob's partial upload. A second request for the same blob is
/// refused at once (BlobUploadInProgress) rather than queued: its offset would be stale by the time the
/// first one ends, and a queue would let a stalled sender hold every later one. Entries live only while
/// held, so the table is as large as the uploads in flight, never as the blobs ever seen.
/// </summary>
internal sealed class BlobUploadGate
{
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);

    /// <summary>The hold on <paramref name="hex"/>'s partial, or null when another request has it.</summary>
    public IDisposable? TryEnter(string hex)
    {
        lock (_held)
        {
            return _held.Add(hex) ? new Hold(this, hex) : null;
        }
    }

    private void Leave(string hex)
    {
        lock (_held)
        {
            _held.Remove(hex);
        }
    }

    private sealed class Hold(BlobUploadGate gate, string hex) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Leave(hex);
            }
        }
    }
}
