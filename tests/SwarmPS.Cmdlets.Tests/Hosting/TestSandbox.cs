namespace SwarmPS.Cmdlets.Tests.Hosting;

/// <summary>
/// A temporary home for everything the module reads from or writes to the environment: the user's site
/// directory, the run roots of the local and demo sites, SWARMPS_SITE_PATH. The module reads these from
/// the process environment on each call, so they are process-wide; that is why every test class shares
/// one sandbox (a collection fixture) and the classes run one after another.
/// </summary>
public sealed class TestSandbox : IDisposable
{
    private static readonly string[] Variables =
        ["XDG_CONFIG_HOME", "XDG_DATA_HOME", "SWARMPS_SITE_PATH", "SWARMPS_RUN_ROOT", "SWARMPS_DEMO_ROOT"];

    private readonly Dictionary<string, string?> _saved = new();

    public TestSandbox()
    {
        Root = Directory.CreateTempSubdirectory("swarmps-cmdlet-tests-").FullName;
        Directory.CreateDirectory(SitesDirectory);
        Directory.CreateDirectory(LocalRunRoot);

        // The demo sites alpha and beta, exactly as the examples ship them, so campaigns can name them.
        foreach (var site in new[] { "alpha.yaml", "beta.yaml" })
        {
            File.Copy(Path.Combine(RepositoryLayout.Root, "examples", "sites", site), Path.Combine(SitesDirectory, site));
        }

        foreach (var name in Variables)
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
        }

        Environment.SetEnvironmentVariable("XDG_CONFIG_HOME", Path.Combine(Root, "config"));
        Environment.SetEnvironmentVariable("XDG_DATA_HOME", Path.Combine(Root, "data"));
        Environment.SetEnvironmentVariable("SWARMPS_SITE_PATH", SitesDirectory);
        Environment.SetEnvironmentVariable("SWARMPS_RUN_ROOT", LocalRunRoot);
        Environment.SetEnvironmentVariable("SWARMPS_DEMO_ROOT", Path.Combine(Root, "demo"));
    }

    public string Root { get; }

    /// <summary>SWARMPS_SITE_PATH: holds alpha.yaml and beta.yaml.</summary>
    public string SitesDirectory => Path.Combine(Root, "sites");

    /// <summary>The run root of the built-in site 'local' (SWARMPS_RUN_ROOT).</summary>
    public string LocalRunRoot => Path.Combine(Root, "runs");

    /// <summary>A fresh, empty directory for one test.</summary>
    public string NewDirectory(string hint = "case")
    {
        var path = Path.Combine(Root, "work", $"{hint}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>Every test class joins this collection: one sandbox, classes run serially (the environment is shared).</summary>
[CollectionDefinition(Name)]
public sealed class ModuleCollection : ICollectionFixture<TestSandbox>
{
    public const string Name = "SwarmPS module";
}
