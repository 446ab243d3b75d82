using System.Text;

namespace SwarmPS.Engine.Files;

/// <summary>
/// Reads a file that someone else may have planted (a repository cloned from colleagues, a campaign or site
/// profile they shared, a file on a shared login node): the one reader of every such file, for the ledger
/// and for configuration alike. Only a regular file is read (a FIFO would hang the reader, <c>/dev/zero</c> would
/// fill memory), never more than a limit, and with <c>followLinks: false</c> a symbolic link is refused
/// at open time (<c>O_NOFOLLOW</c>), so a link swapped in after a check cannot be followed either.
/// Linux reads with open/statx/read/close (<see cref="LinuxFileRead"/>); elsewhere the managed handle,
/// after a link and kind check on the path (a FIFO swapped in after that check is not caught there).
/// </summary>
internal static class BoundedFileRead
{
    /// <summary>The most a ledger entry may hold; real entries are about 1 KiB.</summary>
    public const int LedgerEntryLimit = 1024 * 1024;

    /// <summary>The most a finding, .gitignore or redaction list may hold.</summary>
    public const int TextFileLimit = 1024 * 1024;

    /// <summary>
    /// The file's bytes into <paramref name="buffer"/> (grown when too small, never past the limit + 1);
    /// returns the length, or -1 when the file does not exist. Refusals throw <see cref="FileRefusedException"/>.
    /// </summary>
    public static int ReadWhole(string path, ref byte[] buffer, int maxBytes, bool followLinks)
    {
        if (LinuxFileRead.IsAvailable)
        {
            try
            {
                return LinuxFileRead.ReadWhole(path, ref buffer, maxBytes, followLinks);
            }
            catch (PlatformNotSupportedException)
            {
                // libc could not be bound in this process: the managed handle below from now on.
            }
        }

        return ReadManaged(path, ref buffer, maxBytes, followLinks);
    }

    /// <summary>The whole file, or null when it does not exist.</summary>
    public static byte[]? ReadAllBytes(string path, int maxBytes, bool followLinks)
    {
        var buffer = new byte[4096];
        var length = ReadWhole(path, ref buffer, maxBytes, followLinks);
        return length < 0 ? null : buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>The whole file as UTF-8 text (a BOM dropped, as File.ReadAllText does), or null when it does not exist.</summary>
    public static string? ReadAllText(string path, int maxBytes, bool followLinks)
    {
        var buffer = new byte[4096];
        var length = ReadWhole(path, ref buffer, maxBytes, followLinks);
        if (length < 0)
        {
            return null;
        }

        var bytes = buffer.AsSpan(0, length);
        if (bytes.StartsWith("\uFEFF"u8))
        {
            bytes = bytes[3..];
        }

        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>
    /// Whether a regular file is at <paramref name="path"/> (false when nothing is); a link (when not
    /// followed), a FIFO, a device or a directory throws <see cref="FileRefusedException"/>. For files
    /// another library opens (SQLite), which would block on a FIFO or write through a link.
    /// </summary>
    public static bool IsRegularFile(string path, bool followLinks)
    {
        if (LinuxFileRead.IsAvailable)
        {
            try
            {
                return LinuxFileRead.IsRegularFile(path, followLinks);
            }
            catch (PlatformNotSupportedException)
            {
            }
        }

        var info = new FileInfo(path);
        if (!followLinks && info.LinkTarget is not null)
        {
            throw FileRefusedException.Link(path);
        }

        return info.Exists || (Directory.Exists(path) ? throw FileRefusedException.NotRegular(path, "a directory") : false);
    }

    private static int ReadManaged(string path, ref byte[] buffer, int maxBytes, bool followLinks)
    {
        var info = new FileInfo(path);
        if (!info.Exists && info.LinkTarget is null)
        {
            return Directory.Exists(path) ? throw FileRefusedException.NotRegular(path, "a directory") : -1;
        }

        if (!followLinks && info.LinkTarget is not null)
        {
            throw FileRefusedException.Link(path);
        }

        if (info.Length > maxBytes)
        {
            throw FileRefusedException.TooLarge(path, maxBytes);
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
            }

            // A short read is not proof of the end on every file system; only a read of 0 is.
            var read = RandomAccess.Read(handle, buffer.AsSpan(length), length);
            if (read == 0)
            {
                return length;
            }

            length += read;
            if (length > maxBytes)
            {
                throw FileRefusedException.TooLarge(path, maxBytes);
            }
        }
    }
}
