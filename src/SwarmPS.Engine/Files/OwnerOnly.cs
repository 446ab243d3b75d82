namespace SwarmPS.Engine.Files;

/// <summary>
/// Creates what SwarmPS keeps on a machine readable by its owner only: the ledger's <c>.swarm/</c>, run
/// store and WAL and uncommitted ledger files; a launch's run directory, events, status and logs; job
/// records; the exchange's state directory. A login node is shared by hundreds of users, and these hold
/// raw statepoints, messages and secrets. One helper for all of them, so the rule lives in one place.
/// The mode is given at creation (mkdir/open with 0700/0600, which the umask can only narrow) and then
/// set exactly, so there is no moment when another user could open the file, and a strict umask cannot
/// leave it unwritable.
/// Windows has no modes; there the user profile's ACLs apply.
/// </summary>
internal static class OwnerOnly
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther = (UnixFileMode)0b000_111_111;

    /// <summary>
    /// Creates the directory and each missing parent 0700 (a run root made on the way is as private as the
    /// run in it); an existing one is left as it is. Each is made by hand: .NET gives the parents it
    /// creates the umask's mode, not the one asked for.
    /// </summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        var missing = new Stack<string>();
        for (var current = Path.GetFullPath(path); !Directory.Exists(current); current = Path.GetDirectoryName(current)!)
        {
            missing.Push(current);
        }

        while (missing.TryPop(out var directory))
        {
            Directory.CreateDirectory(directory, DirectoryMode);
            File.SetUnixFileMode(directory, DirectoryMode);
        }
    }

    /// <summary>Creates an empty file 0600 unless one exists (O_CREAT|O_EXCL: never through a planted link).</summary>
    public static void CreateFile(string path)
    {
        try
        {
            var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.ReadWrite };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = FileMode;
            }

            using (new FileStream(path, options))
            {
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, FileMode);
            }
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first; Tighten applies to it like to any existing file.
        }
    }

    /// <summary>
    /// Opens a file for appending, creating it 0600 if it is missing (a log or events.jsonl that several
    /// writers share). An existing file keeps its mode.
    /// </summary>
    public static FileStream OpenAppend(string path, FileShare share)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.Append, Access = FileAccess.Write, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        return new FileStream(path, options);
    }

    /// <summary>
    /// Takes group and other access away from a file or directory this user owns (one SwarmPS made
    /// before modes were set, or restored by a backup tool). Someone else's file is left alone.
    /// </summary>
    public static void Tighten(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            var mode = File.GetUnixFileMode(path);
            if ((mode & GroupOrOther) != 0)
            {
                File.SetUnixFileMode(path, mode & ~GroupOrOther);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Not ours, or gone: nothing to tighten here.
        }
    }

    /// <summary>
    /// True when group or others may read or write <paramref name="path"/> (its <paramref name="mode"/> says how): a
    /// secret so exposed is refused rather than used, as ssh refuses such a key. Always false on Windows (no modes).
    /// </summary>
    public static bool IsOpenToOthers(string path, out UnixFileMode mode)
    {
        mode = OperatingSystem.IsWindows() ? FileMode : File.GetUnixFileMode(path);
        return (mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0;
    }
}
