namespace SwarmPS.Engine.Processes;

/// <summary>
/// Finds a program as exec would, before anything is started: a launch checks its agents' programs, a
/// sweep its task's program, and a detached start the pwsh it runs in, each failing with its own error.
/// </summary>
public static class ProgramLookup
{
    /// <summary>The program's full path, or null. A name without '/' is searched on PATH, as exec does.</summary>
    public static string? Resolve(string program, string workingDirectory, string? path)
    {
        if (program.Contains('/'))
        {
            var full = Path.GetFullPath(program, workingDirectory);
            return IsExecutableFile(full) ? full : null;
        }

        return (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(IsExecutableFile);
    }

    private static bool IsExecutableFile(string file)
    {
        if (!File.Exists(file))
        {
            return false;
        }

        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        var mode = File.GetUnixFileMode(file);
        return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
    }
}
