using System.Text;

namespace SwarmPS.Engine.Files;

/// <summary>
/// Writes a file so that readers (git, another process, a crash) see either the old bytes or the new,
/// never half: the bytes go to a hidden temporary file in the same directory, then rename(2) replaces
/// the target in one step. The engine's one write-to-temp-then-rename: every temporary name is unique
/// (process id and a GUID), so two writers of one file never share a temporary file; the last rename wins
/// and each reader sees one whole version.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Temporary files end with this, so readers and .gitignore can skip leftovers.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/>, the file created with
    /// <paramref name="mode"/> (default 0600, owner only) and set to exactly that before any byte is in
    /// it. CreateNew (O_EXCL) never opens a planted link, and rename replaces a link at the target
    /// rather than writing through it.
    /// </summary>
    /// <param name="durable">
    /// Also survive a power cut or kernel crash: fsync the file before the rename and its directory after
    /// it. For records that are the only account of something outside (a submitted job, a ledger entry);
    /// files rewritten often and cheap to lose (status, caches) leave it off, it costs two disk flushes.
    /// </param>
    /// <param name="flushDirectory">
    /// With <paramref name="durable"/>: false leaves the directory's fsync to the caller, who writes many
    /// files into one directory and flushes it once after the last (<see cref="DirectorySync.Flush"/>).
    /// </param>
    /// <param name="overwrite">
    /// False keeps a file already at <paramref name="path"/>: the rename becomes a no-replace link, so a file
    /// another writer put there since the caller looked is never lost; an <see cref="IOException"/> says so.
    /// </param>
    public static void WriteAllText(string path, string text, UnixFileMode mode = OwnerOnly.FileMode, bool durable = false, bool flushDirectory = true, bool overwrite = true) =>
        Write(path, stream => stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text)), mode, durable, flushDirectory: flushDirectory, overwrite: overwrite);

    /// <summary>
    /// Like <see cref="WriteAllText"/>, for content written as a stream (a safetensors adapter of hundreds
    /// of megabytes): <paramref name="write"/> fills the temporary file, and only when it returns is the
    /// file renamed into place. If it throws, the temporary file is deleted and the target is untouched.
    /// </summary>
    public static void Write(string path, Action<FileStream> write, UnixFileMode mode = OwnerOnly.FileMode, bool durable = false, int bufferSize = 4096, bool flushDirectory = true, bool overwrite = true)
    {
        var temporary = WriteTemporary(path, write, mode, durable, bufferSize);
        MoveIntoPlace(temporary, path, overwrite);
        if (durable && flushDirectory)
        {
            // The rename is a change to the directory: until the directory is on disk, a crash may bring
            // back the old name (or none, for a new file).
            DirectorySync.Flush(Path.GetDirectoryName(path)!);
        }
    }

    /// <summary>
    /// The first half of <see cref="Write"/>: the bytes in a new temporary file beside <paramref name="path"/>
    /// (fsynced when <paramref name="durable"/>), for <see cref="MoveIntoPlace"/>. <see cref="AtomicFileGroup"/>
    /// stages many this way and flushes them together. If <paramref name="write"/> throws, nothing is left.
    /// </summary>
    /// <returns>The temporary file's path.</returns>
    internal static string WriteTemporary(string path, Action<FileStream> write, UnixFileMode mode, bool durable, int bufferSize)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = bufferSize };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using var stream = new FileStream(temporary, options);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(stream.SafeFileHandle, mode);
            }

            write(stream);
            stream.Flush(flushToDisk: durable);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }

        return temporary;
    }

    /// <summary>
    /// The second half of <see cref="Write"/>: renames <paramref name="temporary"/> to <paramref name="path"/>
    /// (a no-replace link when <paramref name="overwrite"/> is false); on failure the temporary file is deleted.
    /// </summary>
    internal static void MoveIntoPlace(string temporary, string path, bool overwrite)
    {
        try
        {
            File.Move(temporary, path, overwrite);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Deletes a temporary file that will not be moved into place; a file already gone is fine.</summary>
    internal static void Discard(string temporary) => TryDelete(temporary);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
