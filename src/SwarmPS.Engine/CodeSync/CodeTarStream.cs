using System.Formats.Tar;

namespace SwarmPS.Engine.CodeSync;

/// <summary>
/// Writes a manifest's files as one tar stream, reading each file as it goes (nothing is held in memory).
/// Modes are owner-only whatever they are here (0700 for executables, 0600 for other files), so the
/// unpacked tree is private on a shared login node even where tar keeps modes (as it does for root).
/// </summary>
public static class CodeTarStream
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateProgram = PrivateFile | UnixFileMode.UserExecute;

    public static async Task WriteAsync(CodeManifest manifest, Stream output, CancellationToken cancellationToken)
    {
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (var file in manifest.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (file.LinkTarget is { } target)
            {
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, file.Path) { LinkName = target, Mode = PrivateProgram }, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var path = Path.Combine(manifest.Root, file.Path);
            await using var content = Open(file, path);
            if (content.Length != file.Size)
            {
                throw Changed(file, path);
            }

            var entry = new PaxTarEntry(TarEntryType.RegularFile, file.Path)
            {
                Mode = file.Executable ? PrivateProgram : PrivateFile,
                ModificationTime = File.GetLastWriteTimeUtc(path),
                DataStream = content,
            };
            await writer.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        // Last, so its presence proves the stream was whole: a stream cut between two entries unpacks cleanly.
        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, CompleteMarker) { Mode = PrivateFile }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The empty file that ends every stream; the unpacking script refuses a tree without it.</summary>
    public const string CompleteMarker = ".swarm-code-complete";

    // A missing file is the writer's error, not a closed pipe (FileNotFoundException is an IOException, which
    // the process runner would take for the far side having gone).
    private static FileStream Open(CodeFile file, string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, useAsync: true);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Changed(file, path);
        }
    }

    private static SwarmException Changed(CodeFile file, string path) => new(
        "CodeFileVanished",
        $"'{file.Path}' was removed or changed size while the code was shipped ({file.Size} bytes when hashed).",
        "Let whatever is changing the folder finish (a build, a checkout), then sync again.",
        SwarmErrorCategory.ObjectNotFound,
        path);
}
