namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Creates what the ledger keeps on a machine (<c>.swarm/</c>, the run store and its WAL, the ledger
/// files before they are committed) readable by its owner only: a login node is shared by hundreds of
/// users and the run store holds raw statepoints, secrets included. The mode is given at creation
/// (mkdir/open with 0700/0600, which the umask can only narrow) and then set exactly, so there is no
/// moment when another user could open the file, and a strict umask cannot leave it unwritable.
/// Windows has no modes; there the user profile's ACLs apply.
/// </summary>
internal static class OwnerOnly
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther = (UnixFileMode)0b000_111_111;

    /// <summary>Creates the directory (and missing parents) 0700; an existing one is left as it is.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }

        if (Directory.Exists(path))
        {
            return;
        }

        Directory.CreateDirectory(path, DirectoryMode);
        File.SetUnixFileMode(path, DirectoryMode);
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
}
