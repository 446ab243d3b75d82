using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Reads many small ledger files as cheaply as the operating system allows. With 100,000 entries the
/// cost is the per-file system calls, not the JSON: so each worker (one per core) reuses one buffer and
/// reads with open/statx/read/close (<see cref="LinuxFileRead"/>; elsewhere a bare handle: no FileStream),
/// and workers take
/// names in blocks from a shared counter (no enumerator lock, no oversubscribed thread pool, and a worker
/// slowed by another process on a shared machine simply takes fewer blocks).
/// </summary>
internal static class LedgerFileScan
{
    /// <summary>What to make of one file's bytes; null keeps nothing. The bytes are only valid during the call.</summary>
    public delegate T? FileVisitor<T>(string name, ReadOnlySpan<byte> bytes)
        where T : class;

    // Below this many files a second worker costs more than it saves.
    private const int NamesPerWorker = 512;
    private const int BlockSize = 64;

    /// <summary>
    /// Calls <paramref name="visit"/> for every file of <paramref name="names"/> (in no particular order)
    /// and returns what it kept. A file that vanished since the listing is passed over (a concurrent
    /// rename or <c>git checkout</c>); one that cannot be read goes to <paramref name="unreadable"/>, and
    /// so does one refused as unsafe (<see cref="FileRefusedException"/>: a link, a FIFO or device, or one
    /// over <see cref="BoundedFileRead.LedgerEntryLimit"/>), since the ledger is shared through git and
    /// must never hang or exhaust the reader.
    /// </summary>
    public static List<T> Read<T>(string directory, IReadOnlyList<string> names, FileVisitor<T> visit, Func<string, Exception, T?> unreadable)
        where T : class
    {
        var workers = Math.Clamp(names.Count / NamesPerWorker, 1, Environment.ProcessorCount);
        var kept = new List<T>[workers];
        var next = 0;
        Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, worker =>
        {
            var mine = kept[worker] = [];
            var buffer = new byte[16 * 1024];
            for (var start = Interlocked.Add(ref next, BlockSize) - BlockSize; start < names.Count; start = Interlocked.Add(ref next, BlockSize) - BlockSize)
            {
                for (var i = start; i < Math.Min(start + BlockSize, names.Count); i++)
                {
                    var name = names[i];
                    T? result;
                    try
                    {
                        var length = BoundedFileRead.ReadWhole(Path.Combine(directory, name), ref buffer, BoundedFileRead.LedgerEntryLimit, followLinks: false);
                        if (length < 0)
                        {
                            continue;
                        }

                        result = visit(name, buffer.AsSpan(0, length));
                    }
                    catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
                    {
                        continue;
                    }
                    catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                    {
                        result = unreadable(name, error);
                    }

                    if (result is not null)
                    {
                        mine.Add(result);
                    }
                }
            }
        });

        return kept.Length == 1 ? kept[0] : kept.SelectMany(list => list).ToList();
    }
}
