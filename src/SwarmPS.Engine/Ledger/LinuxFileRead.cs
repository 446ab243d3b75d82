using System.Runtime.InteropServices;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Reads a whole small file with three system calls (open, read, close). .NET's own handle adds an
/// fstat and two flock calls per file, which over 100,000 ledger entries is a third of the kernel time.
/// Linux only (the clusters and most laptops that hold big ledgers); elsewhere, or if libc cannot be
/// bound, <see cref="IsAvailable"/> is false and the caller uses the managed handle.
/// </summary>
internal static class LinuxFileRead
{
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC on every Linux architecture .NET runs on.
    private const int NoSuchFile = 2;                // ENOENT
    private const int Interrupted = 4;               // EINTR
    private const int NotADirectory = 20;            // ENOTDIR

    private static bool _unavailable = !OperatingSystem.IsLinux();

    public static bool IsAvailable => !_unavailable;

    /// <summary>
    /// The file's bytes into <paramref name="buffer"/> (grown when too small); returns the length, or -1
    /// when the file does not exist (any more). Other failures throw <see cref="IOException"/> naming errno.
    /// </summary>
    public static int ReadWhole(string path, ref byte[] buffer)
    {
        int descriptor;
        try
        {
            do
            {
                descriptor = Open(path, ReadOnlyCloseOnExec);
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
            return errno is NoSuchFile or NotADirectory ? -1 : throw Failure(errno);
        }

        try
        {
            var length = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
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
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private static IOException Failure(int errno) => new(Marshal.GetPInvokeErrorMessage(errno));

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int descriptor, ref byte buffer, nint count);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int descriptor);
}
