using System.Runtime.InteropServices;

namespace SwarmPS.Engine.Files;

/// <summary>
/// Flushes a directory's entries to disk (fsync on the directory), so a file just created or renamed in
/// it is still there under its new name after a crash. .NET has no call for it (it will not open a
/// directory as a file), hence open/fsync/close from libc on Linux and macOS. Windows commits a rename
/// with the file system's own journal, so there it does nothing. On Linux it also flushes a whole file
/// system at once (<see cref="FlushFileSystem"/>), for <see cref="AtomicFileGroup"/>.
/// </summary>
internal static class DirectorySync
{
    // O_RDONLY | O_CLOEXEC: a child started on another thread meanwhile must not inherit the descriptor.
    private const int LinuxReadOnlyCloseOnExec = 0x80000;
    private const int MacReadOnlyCloseOnExec = 0x1000000;
    private const int Interrupted = 4;      // EINTR, the same on both.
    private const int NotSupportedHere = 22; // EINVAL: some file systems (network, FUSE) cannot fsync a directory.

    /// <summary>fsync(2) of <paramref name="directory"/>; an <see cref="IOException"/> naming errno if the flush fails.</summary>
    public static void Flush(string directory)
    {
        int flags;
        if (OperatingSystem.IsLinux())
        {
            flags = LinuxReadOnlyCloseOnExec;
        }
        else if (OperatingSystem.IsMacOS())
        {
            flags = MacReadOnlyCloseOnExec;
        }
        else
        {
            return;
        }

        var descriptor = Open(directory, flags);
        if (descriptor < 0)
        {
            throw Failure(directory, Marshal.GetLastPInvokeError());
        }

        try
        {
            int result;
            do
            {
                result = Fsync(descriptor);
            }
            while (result != 0 && Marshal.GetLastPInvokeError() == Interrupted);

            var errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
            if (errno is not (0 or NotSupportedHere))
            {
                throw Failure(directory, errno);
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    /// <summary>
    /// syncfs(2) of the file system holding <paramref name="directory"/>: every file written to it so far, by
    /// any process, is on disk when this returns. Linux only.
    /// </summary>
    /// <returns>False where there is no such call (not Linux): the caller flushes each file instead.</returns>
    /// <exception cref="IOException">The flush failed (since Linux 5.8 a write-back error of any file there is reported).</exception>
    public static bool FlushFileSystem(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        var descriptor = Open(directory, LinuxReadOnlyCloseOnExec);
        if (descriptor < 0)
        {
            throw Failure(directory, Marshal.GetLastPInvokeError());
        }

        try
        {
            if (SyncFileSystem(descriptor) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"Could not flush the file system of '{directory}' to disk: {Marshal.GetPInvokeErrorMessage(errno)}");
            }

            return true;
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private static IOException Failure(string directory, int errno) =>
        new($"Could not flush the directory '{directory}' to disk: {Marshal.GetPInvokeErrorMessage(errno)}");

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static extern int SyncFileSystem(int descriptor);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int descriptor);
}
