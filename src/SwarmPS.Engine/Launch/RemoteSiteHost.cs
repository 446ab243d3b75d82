using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// The site host program (src/SwarmPS.SiteHost: the engine's SiteLauncher as a framework-dependent .NET
/// program) staged on a remote login: to <c>~/.swarmps/site-host/&lt;content hash&gt;/</c>, owner-only, and
/// reused while the hash is unchanged, so a remote needs a .NET runtime and nothing of SwarmPS or pwsh.
/// </summary>
public static class RemoteSiteHost
{
    public const string Assembly = "SwarmPS.SiteHost.dll";

    /// <summary>The platforms a remote login host may be (the module's own, less Windows): their native libraries go along.</summary>
    private static readonly string[] RemoteRuntimes = { "linux-x64", "linux-arm64", "osx-arm64" };

    /// <summary>The host's files: its assemblies, their runtime config and the native libraries of <see cref="RemoteRuntimes"/>; never symbols or docs.</summary>
    public static RemoteBundle Bundle(string localDirectory)
    {
        if (!File.Exists(Path.Combine(localDirectory, Assembly)))
        {
            throw new SwarmException(
                "SiteHostNotFound",
                $"The site host program a remote launch stages ({Assembly}) is not in '{localDirectory}'.",
                "Rebuild the module (dotnet build SwarmPS.sln) or reinstall it: the site host ships in its bin/site-host folder.",
                SwarmErrorCategory.ObjectNotFound,
                localDirectory);
        }

        var bundle = new RemoteBundle();
        foreach (var file in Directory.EnumerateFiles(localDirectory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(localDirectory, file).Replace('\\', '/');
            var wanted = relative.StartsWith("runtimes/", StringComparison.Ordinal)
                ? RemoteRuntimes.Any(rid => relative.StartsWith($"runtimes/{rid}/", StringComparison.Ordinal))
                : !relative.Contains('/') && (relative.EndsWith(".dll", StringComparison.Ordinal) || relative.EndsWith(".json", StringComparison.Ordinal));
            if (wanted)
            {
                bundle.Add(relative, File.ReadAllBytes(file));
            }
        }

        return bundle;
    }

    /// <summary>Stages the host unless this very content is there already; returns its remote directory.</summary>
    public static async Task<string> EnsureAsync(ISiteShell shell, RemoteLogin login, string localDirectory, CancellationToken cancellationToken)
    {
        var bundle = Bundle(localDirectory);
        var directory = $"{login.Home.TrimEnd('/')}/.swarmps/site-host/{bundle.Hash()}";
        var present = await shell.RunAsync(new ShellCommand("test", "-f", $"{directory}/.staged") { Timeout = TimeSpan.FromSeconds(30) }, cancellationToken).ConfigureAwait(false);
        if (present.Succeeded)
        {
            return directory;
        }

        // Unpacked beside its final name, marked complete, then renamed: a host half-staged by an interrupted
        // launch is never taken for a staged one. Two stagers at once both unpack; the first rename wins.
        var temporary = $"{directory}.tmp.{Guid.NewGuid():N}";
        bundle.Add(".staged", "staged by Start-SwarmSite\n");
        await bundle.UnpackAsync(shell, temporary, cancellationToken).ConfigureAwait(false);
        var moved = await shell.RunAsync(new ShellCommand("sh", "-c", "if [ -e \"$2\" ]; then rm -rf \"$1\"; else mv \"$1\" \"$2\"; fi", "sh", temporary, directory)
        {
            Timeout = TimeSpan.FromSeconds(30),
        }, cancellationToken).ConfigureAwait(false);
        if (!moved.Succeeded)
        {
            throw RemoteLogin.RemoteShellFailed(shell, $"stage the site host in {directory}", moved);
        }

        return directory;
    }
}
