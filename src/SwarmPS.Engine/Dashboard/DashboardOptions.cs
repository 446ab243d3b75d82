namespace SwarmPS.Engine.Dashboard;

/// <summary>What Start-SwarmDashboard and Export-SwarmReport were asked to show, and where mirrors go.</summary>
public sealed record DashboardOptions
{
    /// <summary>The port asked for when none is given; a taken one moves the dashboard to the next free port.</summary>
    public const int DefaultPort = 8642;

    public required string RunId { get; init; }

    /// <summary>Sites of the catalog: local ones are read in place, remote ones mirrored. Empty: every local site that has this run.</summary>
    public IReadOnlyList<string> Sites { get; init; } = Array.Empty<string>();

    /// <summary>Run or site directories read in place (full paths).</summary>
    public IReadOnlyList<string> Paths { get; init; } = Array.Empty<string>();

    public int Port { get; init; } = DefaultPort;

    public string MirrorRoot { get; init; } = DefaultMirrorRoot();

    /// <summary>How often the local files (run directories and mirrors) are read for what is new.</summary>
    public TimeSpan ReadInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How often each remote site is polled over SSH (one round trip each).</summary>
    public TimeSpan MirrorInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>$XDG_CACHE_HOME/swarmps/dashboard, else ~/.cache/swarmps/dashboard: copies that can be made again, so a cache.</summary>
    public static string DefaultMirrorRoot()
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(cache) || !Path.IsPathRooted(cache)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : cache;
        return Path.Combine(root, "swarmps", "dashboard");
    }

    /// <summary>Where the dashboard of a run keeps its record (never inside a mirrored or served directory).</summary>
    public static string RecordDirectory(string mirrorRoot) => Path.Combine(mirrorRoot, ".dashboards");

    /// <summary>
    /// Where the mirrors of one dashboard (<paramref name="purpose"/> "dashboard") or one report export keep their
    /// own ssh control sockets: one folder each, so two dashboards (or a dashboard and a report) mirroring the same
    /// site never share, or stop, each other's master. In $XDG_RUNTIME_DIR when there is one, else ~/.ssh, with a
    /// hashed name: a unix socket path must fit in about 100 bytes, which a mirror root under a long home may not.
    /// </summary>
    public static string ControlDirectory(string mirrorRoot, string runId, string purpose)
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var parent = !string.IsNullOrEmpty(runtime) && Path.IsPathRooted(runtime)
            ? runtime
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        var key = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{Path.GetFullPath(mirrorRoot)}\n{runId}\n{purpose}")))[..12].ToLowerInvariant();
        return Path.Combine(parent, $"swarmps-{purpose}-{key}");
    }

    /// <summary>Removes a control folder once its masters are gone (what a killed dashboard left is removed by Stop-SwarmDashboard).</summary>
    public static void RemoveControlDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A socket still bound by a master that would not die: left for the next stop.
        }
    }
}
