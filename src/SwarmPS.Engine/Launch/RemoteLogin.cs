using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// What a remote launch needs to know about the login it runs as, asked in one round trip: the remote
/// home (a profile's <c>run_root: ~/runs</c> is relative to it), the host name that answered (behind a
/// round-robin alias, the node that will start and own the processes) and where <c>dotnet</c> is.
/// </summary>
public sealed record RemoteLogin(string Home, string HostName, string? Dotnet)
{
    private const string Script = "printf '%s\\n' \"$HOME\"; hostname 2>/dev/null || uname -n; command -v dotnet || echo";

    public static async Task<RemoteLogin> ProbeAsync(ISiteShell shell, CancellationToken cancellationToken)
    {
        var result = await shell.RunAsync(new ShellCommand("sh", "-c", Script) { Timeout = TimeSpan.FromSeconds(30) }, cancellationToken).ConfigureAwait(false);
        var lines = result.StandardOutput.Split('\n').Select(line => line.Trim()).ToList();
        if (!result.Succeeded || lines.Count < 2 || !lines[0].StartsWith('/'))
        {
            throw RemoteShellFailed(shell, "read the login's home and host name", result);
        }

        var dotnet = lines.Count > 2 && lines[2].Length > 0 ? lines[2] : null;
        // Cut at the first dot, as .NET's Environment.MachineName is (what the remote launcher records as the
        // host of its processes), so the two compare equal on the node that started them.
        var host = lines[1].Split('.')[0];
        return new RemoteLogin(lines[0], host, dotnet);
    }

    /// <summary>A path of the site profile as the remote login sees it: absolute as given, else under its home.</summary>
    public string Absolute(string path) =>
        path.StartsWith('/') ? path : path is "." or "" ? Home : $"{Home.TrimEnd('/')}/{path}";

    /// <summary>The remote's dotnet, or RemoteDotnetNotFound naming the host and the fix.</summary>
    public string RequireDotnet(ISiteShell shell) => Dotnet ?? throw new SwarmException(
        "RemoteDotnetNotFound",
        $"No 'dotnet' on the PATH of {shell.Target} ({HostName}): a remote site runs its launcher with the host's .NET runtime (8 or newer).",
        $"Install the .NET runtime on {HostName} (or load its module in the site profile's environment so PATH has it), then start the site again.",
        SwarmErrorCategory.NotInstalled,
        shell.Target);

    public static SwarmException RemoteShellFailed(ISiteShell shell, string what, ShellResult result) => new(
        "RemoteCommandFailed",
        $"Could not {what} on {shell.Target} (exit {result.ExitCode}{(result.TimedOut ? ", timed out" : "")}): {FirstLines(result.StandardError)}",
        "Check that the login works (Test-SwarmSite checks it) and that the login shell is POSIX sh-compatible.",
        SwarmErrorCategory.ResourceUnavailable,
        shell.Target);

    private static string FirstLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(3).ToList();
        return lines.Count == 0 ? "no error output" : string.Join(" | ", lines);
    }
}
