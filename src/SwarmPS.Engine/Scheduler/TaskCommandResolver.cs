using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Makes a sweep's command mean what it meant in the submitting directory, although every task runs in
/// its own <c>results/&lt;task&gt;/</c>. For a site on this machine (no SSH; the scheduler may be any):
/// <list type="bullet">
/// <item>the program: a path with '/' is resolved from the submitting directory, a bare name is searched
/// on PATH (the site profile's PATH if it sets one) as exec does; either must be an executable file, else
/// <c>TaskProgramNotFound</c> at plan time. With modules to load, a bare name is not checked (module load
/// may put it on PATH only on the node).</item>
/// <item>each argument that is a relative path (not starting with '-' or '/') naming an existing FILE in
/// the submitting directory becomes its absolute path (<c>train.py</c>, <c>conf/a.yaml</c>). Directories
/// and names that do not exist are left alone: they are most often outputs the task writes in its own
/// directory. <c>--opt=value</c> is one argument and is not split.</item>
/// </list>
/// On a remote site the submitting directory is not there: the command is left as given and runs in the task's directory.
/// </summary>
public static class TaskCommandResolver
{
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> command, SiteProfile site, JobOrigin origin)
    {
        if (site.IsRemote)
        {
            return command;
        }

        var resolved = new List<string>(command.Count) { ResolveProgram(command[0], site, origin.Directory) };
        foreach (var argument in command.Skip(1))
        {
            resolved.Add(ResolveArgument(argument, origin.Directory));
        }

        return resolved;
    }

    private static string ResolveProgram(string program, SiteProfile site, string directory)
    {
        var bare = !program.Contains('/');
        if (bare && site.Modules.Count > 0)
        {
            return program;
        }

        var path = site.Environment.GetValueOrDefault("PATH") ?? Environment.GetEnvironmentVariable("PATH");
        if (ProgramLookup.Resolve(program, directory, path) is { } full)
        {
            // A bare name stays bare: the node's PATH finds it, as it found it here.
            return bare ? program : full;
        }

        var hint = bare && File.Exists(Path.Combine(directory, program))
            ? $" A file '{program}' is in {directory}, but a name without '/' is looked up on PATH only: write ./{program}, or run it with its interpreter (-Command python3, {program})."
            : $" A relative path is resolved from the submitting directory {directory}.";
        throw new SwarmException(
            "TaskProgramNotFound",
            $"The program '{program}' of the sweep's command cannot be found or is not executable on site '{site.Name}'. Nothing was planned.",
            "Give the program's full path, install it, or fix the name (chmod +x a script you run directly)." + hint,
            SwarmErrorCategory.ObjectNotFound,
            program);
    }

    private static string ResolveArgument(string argument, string directory)
    {
        if (argument.Length == 0 || argument[0] is '-' or '/' || argument.Contains('\0') || argument.Contains('\n'))
        {
            return argument;
        }

        string full;
        try
        {
            full = Path.GetFullPath(argument, directory);
        }
        catch (ArgumentException)
        {
            return argument;
        }

        return File.Exists(full) ? full : argument;
    }
}
