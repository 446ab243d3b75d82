using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// Reads a file that someone else may have planted: only a regular file, never more than a limit, and
/// never blocking. A path to <c>/dev/zero</c> would otherwise be read until memory runs out, and a FIFO
/// would hang the session in open(2) until someone writes to it.
///
/// On Linux the file is opened with O_NONBLOCK (a FIFO opens at once instead of waiting for a writer) and
/// its type is read from the open descriptor with statx, so nothing can be swapped in between the check
/// and the read. Elsewhere the type is inferred: FIFOs and devices report a length of 0, which is refused
/// like an empty file before the file is opened.
/// </summary>
public static class RegularFile
{
    /// <summary>What a path turned out to be.</summary>
    public enum Kind
    {
        Regular,
        Missing,
        Directory,
        NotRegular,
        TooLarge,
        Unreadable,
    }

    /// <summary>
    /// The file's bytes when <paramref name="path"/> is a regular file of at most <paramref name="maxBytes"/>
    /// bytes; otherwise null, with <paramref name="kind"/> saying why (and <paramref name="length"/> the size
    /// seen, for TooLarge).
    /// </summary>
    public static byte[]? Read(string path, long maxBytes, out Kind kind, out long length)
    {
        length = 0;
        if (Directory.Exists(path))
        {
            kind = Kind.Directory;
            return null;
        }

        if (!File.Exists(path))
        {
            kind = Kind.Missing;
            return null;
        }

        using var stream = OperatingSystem.IsLinux() ? OpenLinux(path, out kind, out length) : OpenElsewhere(path, maxBytes, out kind, out length);
        if (stream is null)
        {
            return null;
        }

        if (length > maxBytes)
        {
            kind = Kind.TooLarge;
            return null;
        }

        // Read at most one byte past the limit: a file that grows after the size was taken is still bounded.
        var buffer = new byte[(int)Math.Min(maxBytes + 1, Math.Max(length, 4096) + 1)];
        var total = 0;
        while (total < buffer.Length)
        {
            var read = stream.Read(buffer, total, buffer.Length - total);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total == buffer.Length && total <= maxBytes)
            {
                Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1, (long)buffer.Length * 2));
            }
        }

        if (total > maxBytes)
        {
            kind = Kind.TooLarge;
            length = total;
            return null;
        }

        kind = Kind.Regular;
        length = total;
        return buffer.AsSpan(0, total).ToArray();
    }

    private static FileStream? OpenElsewhere(string path, long maxBytes, out Kind kind, out long length)
    {
        length = new FileInfo(path).Length;
        if (length == 0)
        {
            // Empty, or a FIFO or device (both report 0): nothing worth opening either way.
            kind = Kind.NotRegular;
            return null;
        }

        kind = Kind.Regular;
        try
        {
            return length > maxBytes ? null : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        }
        catch (UnauthorizedAccessException)
        {
            kind = Kind.Unreadable;
            return null;
        }
    }

    private static FileStream? OpenLinux(string path, out Kind kind, out long length)
    {
        length = 0;
        var descriptor = LinuxCalls.Open(path, LinuxCalls.ReadOnlyNonBlockingCloseOnExec);
        if (descriptor < 0)
        {
            kind = Marshal.GetLastPInvokeError() == LinuxCalls.NoSuchFile ? Kind.Missing : Kind.Unreadable;
            return null;
        }

        var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        var status = new byte[LinuxCalls.StatxSize];
        if (LinuxCalls.Statx(descriptor, "", LinuxCalls.EmptyPath, LinuxCalls.TypeAndSize, status) != 0)
        {
            handle.Dispose();
            throw new IOException($"Cannot read the type of {path} (errno {Marshal.GetLastPInvokeError()}).");
        }

        var mode = BitConverter.ToUInt16(status, LinuxCalls.ModeOffset);
        length = (long)BitConverter.ToUInt64(status, LinuxCalls.SizeOffset);
        if ((mode & LinuxCalls.TypeMask) != LinuxCalls.RegularType)
        {
            handle.Dispose();
            kind = Kind.NotRegular;
            return null;
        }

        kind = Kind.Regular;
        return new FileStream(handle, FileAccess.Read, bufferSize: 1);
    }

    /// <summary>The two libc calls, with the constants that are the same on every Linux architecture .NET runs on.</summary>
    private static class LinuxCalls
    {
        public const int ReadOnlyNonBlockingCloseOnExec = 0x800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC
        public const int EmptyPath = 0x1000;                                // AT_EMPTY_PATH: statx of the descriptor itself
        public const uint TypeAndSize = 0x1 | 0x200;                        // STATX_TYPE | STATX_SIZE
        public const int StatxSize = 256;                                   // struct statx has one layout on every architecture
        public const int ModeOffset = 28;                                   // stx_mode (u16)
        public const int SizeOffset = 40;                                   // stx_size (u64)
        public const int TypeMask = 0xF000;                                 // S_IFMT
        public const int RegularType = 0x8000;                              // S_IFREG
        public const int NoSuchFile = 2;                                    // ENOENT

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
        public static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] status);
    }
}
