using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Exchange;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// A federation on one machine for launch tests: a real exchange in its own process, two sites (alpha,
/// beta) each with its own run root as two centres would have, campaigns built in code or written to
/// files, site launchers in-process or as their own processes, and an orphan check that scans /proc
/// for any process still carrying this run's SWARM_RUN_ID.
/// </summary>
public sealed class LaunchTestBed : IDisposable
{
    public const string Token = "launch-test-token-0123456789abcdef";

    public LaunchTestBed(int? exchangePort = null)
    {
        Root = Directory.CreateTempSubdirectory("swarmps-launch-").FullName;
        ExchangePort = exchangePort ?? 0;
        Exchange = StartExchange();
        Client = new HttpExchangeClient(new ExchangeConnection(Exchange.Url, Token));
        Directory.CreateDirectory(SitesDirectory);
        foreach (var site in new[] { "alpha", "beta" })
        {
            File.WriteAllText(Path.Combine(SitesDirectory, $"{site}.yaml"), $"scheduler: local\nrun_root: {Path.Combine(Root, site + "-host", "runs")}\n");
        }
    }

    public string Root { get; }

    public int ExchangePort { get; }

    public ExchangeHostProcess Exchange { get; private set; }

    public HttpExchangeClient Client { get; }

    public string SitesDirectory => Path.Combine(Root, "sites");

    public string ExchangeState => Path.Combine(Root, "exchange");

    public static string RepositoryPath => RepositoryRoot.Path;

    /// <summary>Run ids this bed launched, so Dispose can make sure none of their processes survive a failed test.</summary>
    public HashSet<string> RunsStarted { get; } = new();

    public SiteProfile Site(string name) => new SiteCatalog(new[] { SitesDirectory }, new SwarmPS.Engine.Configuration.VariableExpander(_ => null)).Get(name);

    public SiteRunLayout Layout(string runId, string site) => new(Site(site).RunRoot, runId, site);

    public ExchangeHostProcess StartExchange() =>
        Exchange = ExchangeHostProcess.Start(ExchangeState, Token, ExchangePort == 0 ? Array.Empty<string>() : new[] { "--port", ExchangePort.ToString() });

    public static CampaignAgent Agent(string name, string site, string[] command, int restartLimit = 0, params string[] peers) => new()
    {
        Name = name,
        Site = site,
        Command = command,
        AllowedPeers = peers,
        RestartLimit = restartLimit,
    };

    public static Campaign Campaign(string initialAgent, params CampaignAgent[] agents) => new()
    {
        Name = "launch-test",
        InitialAgent = initialAgent,
        UserTask = "Count from 1 to 10, one number per turn.",
        StartupTimeout = TimeSpan.FromSeconds(30),
        Exchange = new ExchangeSettings { HeartbeatInterval = TimeSpan.FromSeconds(1) },
        Agents = agents,
    };

    public static string[] CounterAgent(int stopAt = 10) =>
        new[] { "python3", "examples/federated-chat/agent.py", "--stop-at", stopAt.ToString(), "--idle-timeout", "60" };

    public SiteLaunchOptions Options(Campaign campaign, string runId, string site, bool bootstrap = false, TimeSpan? startupTimeout = null) => Track(runId, new SiteLaunchOptions
    {
        Campaign = campaign,
        RunId = runId,
        Site = Site(site),
        Exchange = new ExchangeConnection(Exchange.Url, Token),
        WorkingDirectory = RepositoryPath,
        Bootstrap = bootstrap,
        StartupTimeout = startupTimeout,
        RestartDelay = TimeSpan.FromMilliseconds(50),
        StopGrace = TimeSpan.FromSeconds(2),
        RendezvousPollInterval = TimeSpan.FromMilliseconds(100),
    });

    private T Track<T>(string runId, T value)
    {
        RunsStarted.Add(runId);
        return value;
    }

    /// <summary>Writes the campaign to a YAML file a site host process can load.</summary>
    public string WriteCampaign(string yaml)
    {
        var path = Path.Combine(Root, $"campaign-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>One agent on alpha that sleeps five minutes: a site that stays up until it is stopped.</summary>
    public string WriteRunningCampaign() => WriteCampaign("""
        name: running
        initial_agent: a
        user_task: wait
        agents:
          - name: a
            site: alpha
            command: ["sleep", "300"]
        """);

    /// <summary>
    /// Two idle agents on alpha and beta that are each other's peers, heartbeating every second and lost
    /// after 3 s of silence: the peer-watch tests kill one side and watch the other.
    /// </summary>
    public static string PeerWatchCampaignYaml(string onPeerLost) => $"""
        name: watch
        initial_agent: a
        user_task: wait
        on_peer_lost: {onPeerLost}
        exchange:
          heartbeat_interval: 1s
          stale_after: 3s
        agents:
          - name: a
            site: alpha
            command: ["sleep", "300"]
            peers: [b]
          - name: b
            site: beta
            command: ["sleep", "300"]
            peers: [a]
        """;

    public static string CounterCampaignYaml(int stopAt = 10, double pace = 0, int startupTimeout = 30) => $$"""
        name: counter
        initial_agent: ping
        user_task: Count from 1 to {{stopAt}}, one number per turn.
        startup_timeout: {{startupTimeout}}
        exchange:
          heartbeat_interval: 1s
        agents:
          - name: ping
            site: alpha
            command: ["python3", "examples/federated-chat/agent.py", "--stop-at", "{{stopAt}}", "--idle-timeout", "60", "--pace", "{{pace}}"]
            peers: [pong]
          - name: pong
            site: beta
            command: ["python3", "examples/federated-chat/agent.py", "--stop-at", "{{stopAt}}", "--idle-timeout", "60", "--pace", "{{pace}}"]
            peers: [ping]
        """;

    /// <summary>
    /// Starts a site as its own detached process (src/SwarmPS.SiteHost), as Start-SwarmSite -Detach does:
    /// the same preflight here first, then the host, returning once it has registered its agents.
    /// </summary>
    public Task<SiteStatus> StartDetachedSiteAsync(string campaignFile, string runId, string site, params string[] extra) =>
        StartDetachedSiteAsync(campaignFile, runId, site, CancellationToken.None, extra);

    public Task<SiteStatus> StartDetachedSiteAsync(string campaignFile, string runId, string site, CancellationToken cancellationToken, params string[] extra)
    {
        var campaign = CampaignLoader.Load(campaignFile);
        var agents = extra.SkipWhile(argument => argument != "--agents").Skip(1).FirstOrDefault()?.Split(',');
        var options = Options(agents is null ? campaign : CampaignSlice.Select(campaign, agents), runId, site);
        return DetachedSiteLaunch.StartAsync(options, Client, _ => SiteHostCommand(campaignFile, runId, site, extra), SiteHostEnvironment, TimeSpan.FromSeconds(30), null, cancellationToken);
    }

    /// <summary>The argv of a site host process for this bed.</summary>
    public IReadOnlyList<string> SiteHostCommand(string campaignFile, string runId, string site, params string[] extra)
    {
        RunsStarted.Add(runId);
        return new[] { "dotnet", SiteHostAssembly, "--campaign", campaignFile, "--run-id", runId, "--site", site, "--restart-delay-ms", "50" }
            .Concat(extra).ToList();
    }

    /// <summary>What a site host needs from its environment: this bed's sites and exchange.</summary>
    public IReadOnlyDictionary<string, string?> SiteHostEnvironment => new Dictionary<string, string?>
    {
        ["SWARMPS_SITE_PATH"] = SitesDirectory,
        ["SWARM_EXCHANGE_URL"] = Exchange.Url.ToString(),
        ["SWARM_EXCHANGE_TOKEN"] = Token,
    };

    /// <summary>Waits until the site's status is final (Finished, Failed or Stopped) and its launcher has exited.</summary>
    public async Task<SiteStatus> WaitForSiteAsync(string runId, string site, TimeSpan timeout)
    {
        var layout = Layout(runId, site);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var status = SiteStatusFile.TryRead(layout.StatusFile);
            if (status is { State: SiteState.Finished or SiteState.Failed or SiteState.Stopped } && status.Launcher?.Identity.IsAlive != true)
            {
                return status;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Site {site} of {runId} did not finish within {timeout}. Launcher log: {Read(layout.LauncherLog)}");
    }

    /// <summary>What a test prints when a site did not end as expected: its problem, its agents and their stderr, its launcher log.</summary>
    public string Describe(SiteStatus status)
    {
        var layout = Layout(status.RunId, status.Site);
        var agents = status.Agents.Select(agent =>
            $"  {agent.Name}: {agent.State}, exit {agent.LastExitCode?.ToString() ?? "-"}, {agent.Restarts} restarts; stderr: {Read(layout.StderrLog(agent.Name))}");
        return $"Site {status.Site} is {status.State}: {status.Problem ?? "(no problem recorded)"}\n{string.Join("\n", agents)}\nLauncher log: {Read(layout.LauncherLog)}";
    }

    public IReadOnlyList<SwarmEvent> Timeline(string runId) =>
        new EventTimeline(new[] { Layout(runId, "alpha").RunDirectory, Layout(runId, "beta").RunDirectory }.Where(Directory.Exists)).Read(EventFilter.All);

    /// <summary>Pids of live processes whose environment carries SWARM_RUN_ID=runId (agents of this run).</summary>
    public static IReadOnlyList<int> ProcessesOfRun(string runId)
    {
        var marker = $"SWARM_RUN_ID={runId}\0";
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var environ = File.ReadAllText(Path.Combine(directory, "environ"));
                if (environ.Contains(marker, StringComparison.Ordinal) && ProcessIdentity.TryOf(pid) is { IsAlive: true })
                {
                    found.Add(pid);
                }
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Gone while we looked, or not ours to read.
            }
        }

        return found;
    }

    /// <summary>"pid: command line" of each process, for assertion messages.</summary>
    public static string Describe(IEnumerable<int> pids) => string.Join("; ", pids.Select(pid =>
    {
        try
        {
            return $"{pid}: {File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim()}";
        }
        catch (IOException)
        {
            return $"{pid}: (gone)";
        }
    }));

    /// <summary>A TCP port free on 127.0.0.1 right now, so an exchange can come back on the same address.</summary>
    public static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static string Read(string file) => File.Exists(file) ? File.ReadAllText(file) : "(missing)";

    private static string SiteHostAssembly
    {
        get
        {
            var path = Path.Combine(SiteHostDirectory, "SwarmPS.SiteHost.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build src/SwarmPS.SiteHost first.", path);
        }
    }

    /// <summary>The build output of src/SwarmPS.SiteHost (net8.0, the configuration these tests were built in).</summary>
    public static string SiteHostDirectory
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/')).Parent!.Name;
            return Path.Combine(RepositoryPath, "src", "SwarmPS.SiteHost", "bin", configuration, "net8.0");
        }
    }

    public void Dispose()
    {
        // A failed assertion must not leave agents behind for the next test or run.
        foreach (var pid in RunsStarted.SelectMany(ProcessesOfRun))
        {
            ProcessIdentity.TryOf(pid)?.Signal(ProcessIdentity.SignalKill);
        }

        Client.Dispose();
        Exchange.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A straggling log writer; the temp directory is harmless.
        }
    }
}
