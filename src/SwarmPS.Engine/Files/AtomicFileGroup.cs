using System.Collections.Concurrent;
using System.Text;

namespace SwarmPS.Engine.Files;

/// <summary>
/// Many files written into one directory, each whole or absent as with <see cref="AtomicFile"/>, and made
/// durable together. Every file's bytes go to its own temporary file; once all are staged, one flush puts
/// them on disk, then each is renamed into place and the directory is flushed once. So no name ever
/// points at bytes that are not yet on disk, and a crash leaves each file old, new or absent, never half.
/// </summary>
/// <remarks>
/// Why: an fsync per file is a journal commit per file. Promoting a 100,000-task sweep spent most of its
/// 18 s in them, even eight at a time; one syncfs(2) of the file system replaces them all. Its price is
/// that it also waits for whatever else is unwritten on that file system, other users' files included, so a
/// group smaller than <see cref="FlushTogetherFrom"/> keeps the fsync per file, as does any system without
/// syncfs. If the one flush fails, each file is flushed on its own, so one bad file costs only itself.
/// </remarks>
internal sealed class AtomicFileGroup : IDisposable
{
    /// <summary>From this many files on, one file-system flush is cheaper than an fsync each.</summary>
    public const int FlushTogetherFrom = 64;

    private readonly string _directory;

    /// <summary><see cref="_directory"/> absolute, without a trailing separator: what each staged path's directory must be.</summary>
    private readonly string _fullDirectory;
    private readonly ConcurrentQueue<StagedFile> _staged = new();

    /// <param name="directory">Where every file of the group goes.</param>
    /// <param name="expectedCount">How many files the caller will stage: it decides how they are flushed.</param>
    public AtomicFileGroup(string directory, int expectedCount)
    {
        _directory = directory;
        _fullDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        FlushesTogether = expectedCount >= FlushTogetherFrom && OperatingSystem.IsLinux();
    }

    /// <summary>True when <see cref="Commit"/> flushes the file system once rather than each file.</summary>
    public bool FlushesTogether { get; }

    /// <summary>
    /// Writes <paramref name="text"/> to a temporary file beside <paramref name="path"/> (which must be in the
    /// group's directory), created with <paramref name="mode"/>. Safe to call from several threads at once.
    /// </summary>
    public StagedFile Stage(string path, string text, UnixFileMode mode = OwnerOnly.FileMode)
    {
        if (!string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), _fullDirectory, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{path}' is not in the group's directory '{_directory}'.", nameof(path));
        }

        var bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
        var temporary = AtomicFile.WriteTemporary(path, stream => stream.Write(bytes), mode, durable: !FlushesTogether, bufferSize: 4096);
        var staged = new StagedFile(path, temporary);
        _staged.Enqueue(staged);
        return staged;
    }

    /// <summary>
    /// Puts every staged file on disk and in place, replacing what was there. Once, after the last
    /// <see cref="Stage"/>.
    /// </summary>
    /// <returns>
    /// Why each file that failed did (keyed by its path); a file not listed is in place and on disk. A
    /// failed file's temporary file is deleted. When the directory cannot be flushed at the end, every file
    /// is listed: it is in place but perhaps not on disk.
    /// </returns>
    public IReadOnlyDictionary<string, IOException> Commit()
    {
        var failures = new Dictionary<string, IOException>(StringComparer.Ordinal);
        var files = _staged.ToArray();
        if (FlushesTogether)
        {
            FlushTogether(files, failures);
        }

        var placed = new List<StagedFile>(files.Length);
        foreach (var file in files.Where(f => !failures.ContainsKey(f.Path)))
        {
            try
            {
                AtomicFile.MoveIntoPlace(file.Temporary, file.Path, overwrite: true);
                file.Placed = true;
                placed.Add(file);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                failures[file.Path] = error as IOException ?? new IOException(error.Message, error);
            }
        }

        if (placed.Count > 0)
        {
            try
            {
                DirectorySync.Flush(_directory);
            }
            catch (IOException error)
            {
                foreach (var file in placed)
                {
                    failures[file.Path] = error;
                }
            }
        }

        return failures;
    }

    /// <summary>Deletes the temporary files of anything staged and not committed (an exception, a cancel).</summary>
    public void Dispose()
    {
        foreach (var file in _staged.Where(f => !f.Placed))
        {
            AtomicFile.Discard(file.Temporary);
        }
    }

    private void FlushTogether(StagedFile[] files, Dictionary<string, IOException> failures)
    {
        try
        {
            DirectorySync.FlushFileSystem(_directory);
        }
        catch (IOException)
        {
            // Which file failed is not known: flush each, so only the bad ones are lost.
            foreach (var file in files)
            {
                try
                {
                    using var stream = new FileStream(file.Temporary, FileMode.Open, FileAccess.Write, FileShare.None);
                    stream.Flush(flushToDisk: true);
                }
                catch (Exception error) when (error is IOException or UnauthorizedAccessException)
                {
                    AtomicFile.Discard(file.Temporary);
                    failures[file.Path] = error as IOException ?? new IOException(error.Message, error);
                }
            }
        }
    }

    /// <summary>One file of the group: where it goes and where its bytes wait.</summary>
    internal sealed class StagedFile(string path, string temporary)
    {
        public string Path { get; } = path;

        public string Temporary { get; } = temporary;

        public bool Placed { get; set; }
    }
}
