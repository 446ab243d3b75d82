using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace SwarmPS.Engine.Files;

/// <summary>
/// Reads a whole small file with four system calls (open, statx, read, close). .NET's own handle adds
/// two flock calls per file and blocks on a FIFO, and over 100,000 ledger entries the system calls are a
/// third of the kernel time. The open is non-blocking (a FIFO cannot hang it) and, unless links are
/// followed, refuses a symbolic link in the kernel (<c>O_NOFOLLOW</c>: no check-then-open race); statx on
/// the open descriptor then refuses anything but a regular file and anything over the limit before a
/// byte is read. Linux on x64 and arm64 only (the clusters and most laptops that hold big ledgers, and
/// the two architectures whose flag values are written here); elsewhere, or if libc cannot be bound,
/// <see cref="IsAvailable"/> is false and the caller uses the managed handle.
/// </summary>
internal static class LinuxFileRead
{
    private const int ReadOnlyCloseOnExecNonBlocking = 0x80000 | 0x800; // O_RDONLY | O_CLOEXEC | O_NONBLOCK, both architectures.
    private const int EmptyPath = 0x1000;            // AT_EMPTY_PATH: statx of the descriptor itself.
    private const uint TypeAndSize = 0x1 | 0x200;    // STATX_TYPE | STATX_SIZE
    private const int StatxModeOffset = 28;          // struct statx is the same on every architecture.
    private const int StatxSizeOffset = 40;
    private const int StatxLength = 256;
    private const int NoSuchFile = 2;                // ENOENT
    private const int Interrupted = 4;               // EINTR
    private const int NotADirectory = 20;            // ENOTDIR
    private const int TooManyLinks = 40;             // ELOOP: what O_NOFOLLOW answers for a link.
    private const int NoSystemCall = 38;             // ENOSYS: statx missing (old kernel or a seccomp filter).
    private const int NotPermitted = 1;              // EPERM: some seccomp filters answer this instead.

    // O_NOFOLLOW is one of the few flags whose value differs between the two architectures.
    private static readonly int NoFollow = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 0x20000,
        Architecture.Arm64 => 0x8000,
        _ => 0,
    };

    private static bool _unavailable = !OperatingSystem.IsLinux() || NoFollow == 0;

    public static bool IsAvailable => !_unavailable;

    /// <summary>
    /// The file's bytes into <paramref name="buffer"/> (grown when too small, at most to the limit + 1);
    /// returns the length, or -1 when the file does not exist (any more). A link (when not followed), a
    /// file that is not regular or one over <paramref name="maxBytes"/> throws
    /// <see cref="FileRefusedException"/>; other failures throw <see cref="IOException"/> naming errno.
    /// </summary>
    public static int ReadWhole(string path, ref byte[] buffer, int maxBytes, bool followLinks)
    {
        var flags = ReadOnlyCloseOnExecNonBlocking | (followLinks ? 0 : NoFollow);
        int descriptor;
        try
        {
            do
            {
                descriptor = Open(path, flags);
            }
            while (descriptor < 0 && Marshal.GetLastPInvokeError() == Interrupted);
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            throw new PlatformNotSupportedException("libc open() is not available.", error);
        }

        if (descriptor < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                NoSuchFile or NotADirectory => -1,
                TooManyLinks when !followLinks => throw FileRefusedException.Link(path),
                _ => throw Failure(errno),
            };
        }

        try
        {
            var size = RegularFileSize(descriptor, path);
            if (size > maxBytes)
            {
                throw FileRefusedException.TooLarge(path, maxBytes);
            }

            // Room for the whole file and one byte more, so a file that grew since statx is seen growing.
            if (buffer.Length <= size)
            {
                Array.Resize(ref buffer, (int)Math.Min(size + 1, maxBytes + 1L));
            }

            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min(buffer.Length * 2L, maxBytes + 1L));
                }

                var read = Read(descriptor, ref buffer[length], buffer.Length - length);
                if (read < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Interrupted)
                    {
                        continue;
                    }

                    throw Failure(errno);
                }

                // A short read is not proof of the end on every file system; only a read of 0 is.
                if (read == 0)
                {
                    return length;
                }

                length += (int)read;
                if (length > maxBytes)
                {
                    throw FileRefusedException.TooLarge(path, maxBytes);
                }
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    /// <summary>Refuses (<see cref="FileRefusedException"/>) a path that is a link (when not followed) or not a regular file; false when it does not exist.</summary>
    public static bool IsRegularFile(string path, bool followLinks)
    {
        var descriptor = Open(path, ReadOnlyCloseOnExecNonBlocking | (followLinks ? 0 : NoFollow));
        if (descriptor < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                NoSuchFile or NotADirectory => false,
                TooManyLinks when !followLinks => throw FileRefusedException.Link(path),
                _ => throw Failure(errno),
            };
        }

        try
        {
            _ = RegularFileSize(descriptor, path);
            return true;
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    /// <summary>The size of the open file, after refusing anything that is not a regular file.</summary>
    private static long RegularFileSize(int descriptor, string path)
    {
        Span<byte> status = stackalloc byte[StatxLength];
        int result;
        try
        {
            result = Statx(descriptor, "", EmptyPath, TypeAndSize, ref MemoryMarshal.GetReference(status));
        }
        catch (EntryPointNotFoundException error)
        {
            _unavailable = true;
            throw new PlatformNotSupportedException("libc statx() is not available.", error);
        }

        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is NoSystemCall or NotPermitted)
            {
                _unavailable = true;
                throw new PlatformNotSupportedException("statx() is not permitted here.");
            }

            throw Failure(errno);
        }

        var kind = BinaryPrimitives.ReadUInt16LittleEndian(status[StatxModeOffset..]) & 0xF000;
        return kind switch
        {
            0x8000 => (long)BinaryPrimitives.ReadUInt64LittleEndian(status[StatxSizeOffset..]),
            0x1000 => throw FileRefusedException.NotRegular(path, "a FIFO"),
            0x2000 => throw FileRefusedException.NotRegular(path, "a character device"),
            0x6000 => throw FileRefusedException.NotRegular(path, "a block device"),
            0x4000 => throw FileRefusedException.NotRegular(path, "a directory"),
            0xC000 => throw FileRefusedException.NotRegular(path, "a socket"),
            _ => throw FileRefusedException.NotRegular(path, "a file of an unknown kind"),
        };
    }

    private static IOException Failure(int errno) => new(Marshal.GetPInvokeErrorMessage(errno));

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int descriptor, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, ref byte status);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int descriptor, ref byte buffer, nint count);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int descriptor);
}
