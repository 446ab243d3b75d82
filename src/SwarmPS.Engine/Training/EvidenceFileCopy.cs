using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The file operations of an evidence bundle: copying one regular file into it (owner-only, temp then
/// rename, streaming, as a snapshot's adapter may be gigabytes) and hashing one of its files. Both refuse
/// a link, a FIFO or a device rather than follow, block on or read it: a bundle, and the places it is
/// copied from, are not trusted to hold only what they should.
/// </summary>
internal static class EvidenceFileCopy
{
    /// <summary>Copies <paramref name="source"/> to <paramref name="target"/>; the reason as a sentence when it is not a regular file, else null.</summary>
    public static string? Copy(string source, string target)
    {
        if (Irregular(source) is { } problem)
        {
            return problem;
        }

        OwnerOnly.CreateDirectory(Path.GetDirectoryName(target)!);
        using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        AtomicFile.Write(target, output => input.CopyTo(output, 1 << 20), durable: true, bufferSize: 1 << 20);
        return null;
    }

    /// <summary>Size and <c>sha256:&lt;hex&gt;</c> of a regular file, or null when it is missing, a link or not a regular file.</summary>
    public static (long Bytes, string Digest)? Digest(string path)
    {
        if (Irregular(path) is not null)
        {
            return null;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return (stream.Length, BlobDigest.Of(stream).ToString());
    }

    /// <summary>Why <paramref name="path"/> is not a regular file that may be read, or null when it is one.</summary>
    public static string? Irregular(string path)
    {
        if (new FileInfo(path).LinkTarget is not null)
        {
            return $"'{path}' is a symbolic link, never followed";
        }

        try
        {
            return BoundedFileRead.IsRegularFile(path, followLinks: false) ? null : $"'{path}' does not exist";
        }
        catch (FileRefusedException error)
        {
            return error.Message;
        }
    }
}
