using System.Globalization;
using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Starts a site's slice on a REMOTE site from this machine (Start-SwarmSite -Site &lt;remote&gt;), over the
/// site's SSH settings: stages the site host (<see cref="RemoteSiteHost"/>, by content hash), then the
/// run's files into the remote site directory (the campaign, the agents' program trees when they live in the
/// experiment tree, a site profile for the remote, launch.sh and stop.sh), starts launch.sh detached there
/// (setsid, so it outlives the ssh session) and returns once the remote launcher has registered its agents,
/// as a local detached launch does. The remote side runs the same SiteLauncher as a local launch: same agent
/// process contract, heartbeats, supervision and events; it needs only sh, tar and a .NET runtime.
/// </summary>
public static class RemoteSiteLaunch
{
    /// <summary>Largest experiment tree staged for the agents' programs; more is refused, not copied for minutes.</summary>
    public const long MaxProgramBytes = 64L * 1024 * 1024;

    public static async Task<RemoteSiteStatus> StartAsync(
        SiteLaunchOptions options, string siteHostDirectory, TimeSpan readyTimeout, IProgress<string>? waiting, CancellationToken cancellationToken)
    {
        var site = options.Site;
        var shell = RemoteSiteRun.ShellFor(site);
        var login = await RemoteLogin.ProbeAsync(shell, cancellationToken).ConfigureAwait(false);
        var dotnet = login.RequireDotnet(shell);
        var arguments = DetachedSiteArguments.Of(options);
        var layout = RemoteSiteRun.Layout(site, login, options.RunId);

        // Before anything is staged: the run's files there are the only record of a launch that used it.
        await EnsureNotUsedThereAsync(shell, layout, cancellationToken).ConfigureAwait(false);

        // exchange_tunnel: the far side reaches the exchange through the login host; closed unless the launch succeeds.
        var tunnel = await RemoteExchangeTunnel.OpenAsync(site, options.RunId, options.Exchange.Url, waiting, cancellationToken).ConfigureAwait(false);
        await using var closeOnFailure = tunnel.ConfigureAwait(false);
        arguments = arguments with { ExchangeUrl = tunnel.ExchangeUrlFor(arguments.ExchangeUrl) };

        waiting?.Report($"staging the site host on {shell.Target}");
        var hostDirectory = await RemoteSiteHost.EnsureAsync(shell, login, siteHostDirectory, cancellationToken).ConfigureAwait(false);
        waiting?.Report($"staging the run's files in {layout.SiteDirectory}");
        await RunFiles(options, arguments, layout, login, dotnet, hostDirectory).UnpackAsync(shell, layout.SiteDirectory, cancellationToken).ConfigureAwait(false);

        var started = await shell.RunAsync(new ShellCommand("sh", "-c",
            "umask 077; cd / && if command -v setsid >/dev/null 2>&1; then setsid sh \"$1\" </dev/null >>\"$2\" 2>&1 & else nohup sh \"$1\" </dev/null >>\"$2\" 2>&1 & fi; echo $!",
            "sh", Remote(layout, "launch.sh"), layout.LauncherLog) { Timeout = TimeSpan.FromSeconds(30) }, cancellationToken).ConfigureAwait(false);
        if (!started.Succeeded || !int.TryParse(started.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            throw RemoteLogin.RemoteShellFailed(shell, $"start the launcher of site '{site.Name}'", started);
        }

        try
        {
            var status = await WaitUntilReadyAsync(shell, layout, pid, readyTimeout, waiting, cancellationToken).ConfigureAwait(false);
            return tunnel.Keep(new RemoteSiteStatus(options.RunId, site.Name, shell.Target, login.HostName, pid, layout.SiteDirectory, status));
        }
        catch
        {
            // Not ready, timed out or cancelled: nothing it started may outlive the failed launch. Only what it
            // started: a status.json another launcher wrote (one that raced this launch) is not this launch's.
            await StopQuietlyAsync(shell, site, layout, pid, options.StopGrace).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task EnsureNotUsedThereAsync(ISiteShell shell, SiteRunLayout layout, CancellationToken cancellationToken)
    {
        var previous = (await RemoteSiteRun.ProbeAsync(shell, layout, null, cancellationToken).ConfigureAwait(false)).Status;
        if (previous is null)
        {
            return;
        }

        var ended = previous.State is SiteState.Finished or SiteState.Failed or SiteState.Stopped;
        if (ended)
        {
            throw new SwarmException(
                "RunIdAlreadyUsed",
                $"Run id '{layout.RunId}' was already used: site '{layout.Site}' ran under it on {shell.Target} and ended {previous.State.ToString().ToLowerInvariant()} at {previous.UpdatedAt:u}. Nothing was started.",
                $"Choose a new run id for this launch (every site of it takes the same one); the old run's files stay in '{layout.RunDirectory}' on {shell.Target}.",
                SwarmErrorCategory.ResourceExists,
                layout.RunId);
        }

        // A launcher that died without ending its site may be started again (the remote launcher resumes it).
        if (previous.Launcher is { } launcher && (await RemoteSiteRun.ProbeAsync(shell, layout, launcher.Pid, cancellationToken).ConfigureAwait(false)).LauncherAlive)
        {
            throw new SwarmException(
                "SiteAlreadyRunning",
                $"Site '{layout.Site}' of run '{layout.RunId}' is already running on {shell.Target} (launcher pid {launcher.Pid} on {launcher.Host ?? "its host"}).",
                $"Watch it with Get-SwarmAgent -RunId {layout.RunId} -Site {layout.Site}, or stop it first with Stop-SwarmSite -RunId {layout.RunId} -Site {layout.Site}.",
                SwarmErrorCategory.ResourceExists,
                layout.SiteDirectory);
        }
    }

    /// <summary>What the remote site directory receives: run files only (the host lives in its hashed folder).</summary>
    private static RemoteBundle RunFiles(SiteLaunchOptions options, DetachedSiteArguments arguments, SiteRunLayout layout, RemoteLogin login, string dotnet, string hostDirectory)
    {
        var bundle = new RemoteBundle();
        var campaignName = "campaign" + Path.GetExtension(arguments.CampaignFile);
        bundle.Add(campaignName, File.ReadAllBytes(arguments.CampaignFile));
        bundle.Add($"site/{options.Site.Name}.yaml", SiteProfileYaml(options.Site, login));
        AddProgramTrees(bundle, options);

        var work = Remote(layout, "work");
        var variables = LauncherVariables(options, layout, bundle).ToArray();
        bundle.Add("launcher.env", Exports(variables));
        var host = $"{hostDirectory}/{RemoteSiteHost.Assembly}";
        var launch = new List<string>
        {
            dotnet, host, "--campaign", Remote(layout, campaignName), "--run-id", arguments.RunId, "--site", arguments.Site,
            "--agents", string.Join(',', arguments.Agents), "--exchange-url", arguments.ExchangeUrl, "--working-directory", work,
            "--restart-delay-ms", ((int)options.RestartDelay.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        };
        if (arguments.Bootstrap)
        {
            launch.Add("--bootstrap");
        }

        if (arguments.StartupTimeout is { } timeout)
        {
            launch.AddRange(new[] { "--startup-timeout-ms", ((long)timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) });
        }

        if (arguments.Allocation is { } allocation)
        {
            launch.Add("--allocation");
            launch.AddRange(allocation.Nodes is { } nodes ? new[] { "--nodes", nodes.ToString(CultureInfo.InvariantCulture) } : Array.Empty<string>());
            launch.AddRange(allocation.Walltime is { } walltime ? new[] { "--walltime", walltime } : Array.Empty<string>());
            launch.AddRange(allocation.Queue is { } queue ? new[] { "--queue", queue } : Array.Empty<string>());
        }

        // The token reaches the launcher through a file only its owner can read, removed once read: never on
        // a command line (ps shows those to every user of a login node).
        var env = PosixQuoting.Quote(Remote(layout, "launcher.env"));
        bundle.Add("launch.sh", $"""
            #!/bin/sh
            # The launcher of site '{options.Site.Name}' for run '{arguments.RunId}', written by Start-SwarmSite.
            . {env}
            rm -f {env}
            mkdir -p {PosixQuoting.Quote(work)}
            cd {PosixQuoting.Quote(work)}
            exec {PosixQuoting.Join(launch)}

            """, executable: true);
        var stop = PosixQuoting.Join(new[] { dotnet, host, "stop", "--run-id", arguments.RunId, "--site", arguments.Site });
        bundle.Add("stop.sh", $"""
            #!/bin/sh
            # Stops what launch.sh started on this host (pid + start time + host); $1: grace in milliseconds.
            SWARMPS_SITE_PATH={PosixQuoting.Quote(Remote(layout, "site"))}
            export SWARMPS_SITE_PATH
            exec {stop} --grace-ms "$1"

            """, executable: true);
        return bundle;
    }

    /// <summary>
    /// What the remote launcher's environment needs: where its site profile is, the exchange token, and which
    /// HTTPS certificate to believe, as this session believes it: the pin as is, a CA file copied along (its
    /// path here means nothing there).
    /// </summary>
    private static IEnumerable<(string Name, string Value)> LauncherVariables(SiteLaunchOptions options, SiteRunLayout layout, RemoteBundle bundle)
    {
        yield return ("SWARMPS_SITE_PATH", Remote(layout, "site"));
        yield return (options.Campaign.Exchange.TokenVariable, options.Exchange.Token);
        yield return (SwarmNamespace.Variable, SwarmNamespace.Resolve(null)); // its agents' SWARM_NAMESPACE, as a local launch gives it
        var trust = ExchangeTrust.FromEnvironment(); // a malformed pin is refused here, with its own id
        if (trust.Pin is { } pin)
        {
            yield return (ExchangeTrust.PinVariable, pin);
        }

        if (trust.CaFile is { } ca)
        {
            trust.CreateCheck(options.Exchange.Url); // a missing or unreadable CA file is refused here, not on the far side
            bundle.Add("exchange-ca.pem", File.ReadAllBytes(ca));
            yield return (ExchangeTrust.CaVariable, Remote(layout, "exchange-ca.pem"));
        }
    }

    /// <summary>
    /// Every relative command word that names a file under the working directory is an agent program of the
    /// experiment tree: its top folder goes along whole (a program imports its siblings: agent.py imports
    /// ../agents/swarm_exchange.py), under work/, where the agents start, so the same relative words work there.
    /// </summary>
    private static void AddProgramTrees(RemoteBundle bundle, SiteLaunchOptions options)
    {
        var root = Path.GetFullPath(options.WorkingDirectory);
        var tops = SiteLauncher.LocalAgents(options.Campaign, options.Site.Name)
            .SelectMany(agent => agent.Command)
            .Where(word => word.Length > 0 && !Path.IsPathRooted(word) && word.Contains('/') && File.Exists(Path.Combine(root, word)))
            .Select(word => Path.GetFullPath(Path.Combine(root, word)))
            .Where(path => path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(path => Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar)[0])
            .Distinct(StringComparer.Ordinal);
        foreach (var top in tops)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, top), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.') || part == "__pycache__"))
                {
                    continue;
                }

                var executable = !OperatingSystem.IsWindows() && File.GetUnixFileMode(file).HasFlag(UnixFileMode.UserExecute);
                bundle.Add($"work/{relative}", File.ReadAllBytes(file), executable);
                if (bundle.Size > MaxProgramBytes)
                {
                    throw new SwarmException(
                        "RemoteStagingTooLarge",
                        $"The agents' programs under '{Path.Combine(root, top)}' exceed {MaxProgramBytes / (1024 * 1024)} MiB; a remote launch copies that folder whole.",
                        $"Keep the agents' programs in a small folder of their own, or install them on site '{options.Site.Name}' and name them by absolute path in the campaign.",
                        SwarmErrorCategory.InvalidArgument,
                        top);
                }
            }
        }
    }

    /// <summary>
    /// The remote's own view of the site: the same profile without its ssh block (there, the site is where the
    /// launcher runs), under the absolute run root: its environment, proxy and modules for the agents, and its
    /// scheduler, launcher, queue, account and limits for an allocation the remote launcher submits.
    /// </summary>
    private static string SiteProfileYaml(SiteProfile site, RemoteLogin login)
    {
        static string Json(object value) => JsonSerializer.Serialize(value);
        static string Seconds(TimeSpan time) => Json(((long)time.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        var yaml = new StringBuilder("# written by Start-SwarmSite: this site as its launcher sees it\n");
        yaml.Append("scheduler: ").Append(site.Scheduler.ToString().ToLowerInvariant()).Append('\n');
        yaml.Append("run_root: ").Append(Json(login.Absolute(site.RunRoot))).Append('\n');
        if (site.Environment.Count > 0)
        {
            yaml.Append("environment:\n");
            foreach (var (name, value) in site.Environment)
            {
                yaml.Append("  ").Append(Json(name)).Append(": ").Append(Json(value)).Append('\n');
            }
        }

        if (site.UnsetEnvironment.Count > 0)
        {
            yaml.Append("unset_environment: ").Append(Json(site.UnsetEnvironment)).Append('\n');
        }

        if (site.Modules.Count > 0)
        {
            yaml.Append("modules: ").Append(Json(site.Modules)).Append('\n');
        }

        if (site.HttpProxy is not null || site.NoProxy is not null)
        {
            yaml.Append("proxy:\n");
            if (site.HttpProxy is { } http) yaml.Append("  http: ").Append(Json(http)).Append('\n');
            if (site.NoProxy is { } noProxy) yaml.Append("  no_proxy: ").Append(Json(noProxy)).Append('\n');
        }

        if (site.Queue is { } queue) yaml.Append("queue: ").Append(Json(queue)).Append('\n');
        if (site.Account is { } account) yaml.Append("account: ").Append(Json(account)).Append('\n');
        if (site.Launcher is { } launcher) yaml.Append("launcher: ").Append(Json(launcher)).Append('\n');
        if (site.Limits.MaxWalltime is { } most) yaml.Append("limits:\n  max_walltime: ").Append(Seconds(most)).Append('\n');
        if (site.Allocation is { } allocation && (allocation.Nodes ?? (object?)allocation.Walltime ?? allocation.Queue) is not null)
        {
            yaml.Append("allocation:\n");
            if (allocation.Nodes is { } nodes) yaml.Append("  nodes: ").Append(nodes.ToString(CultureInfo.InvariantCulture)).Append('\n');
            if (allocation.Walltime is { } walltime) yaml.Append("  walltime: ").Append(Seconds(walltime)).Append('\n');
            if (allocation.Queue is { } allocationQueue) yaml.Append("  queue: ").Append(Json(allocationQueue)).Append('\n');
        }

        return yaml.ToString();
    }

    private static string Exports(params (string Name, string Value)[] variables) =>
        string.Concat(variables.Select(variable => $"{variable.Name}={PosixQuoting.Quote(variable.Value)}\nexport {variable.Name}\n"));

    private static string Remote(SiteRunLayout layout, string name) => $"{layout.SiteDirectory}/{name}";

    private static async Task<SiteStatus> WaitUntilReadyAsync(ISiteShell shell, SiteRunLayout layout, int pid, TimeSpan timeout, IProgress<string>? waiting, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        var started = DateTimeOffset.UtcNow;
        while (true)
        {
            var probe = await RemoteSiteRun.ProbeAsync(shell, layout, pid, cancellationToken).ConfigureAwait(false);
            var mine = probe.Status?.Launcher?.Pid == pid ? probe.Status : null;
            switch (mine?.State)
            {
                case SiteState.Queued or SiteState.WaitingForPeers or SiteState.Running or SiteState.Finished:
                    return mine;
                case SiteState.Failed or SiteState.Stopped:
                    throw StartFailed(layout, shell, mine.Problem, probe.LogTail);
            }

            if (!probe.LauncherAlive)
            {
                throw StartFailed(layout, shell, mine?.Problem, probe.LogTail);
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new SwarmException(
                    "SiteStartTimeout",
                    $"The launcher of site '{layout.Site}' on {shell.Target} (pid {pid}) did not register its agents within {timeout.TotalSeconds:0} s. Its log so far: {probe.LogTail}",
                    $"Read {layout.LauncherLog} on {shell.Target}; it was stopped, start the site again once the cause is fixed.",
                    SwarmErrorCategory.OperationTimeout,
                    layout.SiteDirectory);
            }

            waiting?.Report($"waiting for the launcher on {shell.Target} (pid {pid}) to register its agents: {(DateTimeOffset.UtcNow - started).TotalSeconds:0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(300), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The launcher's own error id when its log names one (MailboxExists, AgentCommandNotFound...), else SiteStartFailed.</summary>
    private static SwarmException StartFailed(SiteRunLayout layout, ISiteShell shell, string? problem, string logTail) =>
        LaunchFailureLine.LastIn(logTail.Split('\n'), layout.SiteDirectory) ?? new SwarmException(
            "SiteStartFailed",
            $"The launcher of site '{layout.Site}' on {shell.Target} ended before its agents were registered.{(problem is null ? "" : $" It recorded: {problem}.")} Its log ends: {logTail}",
            $"Read {layout.LauncherLog} on {shell.Target}, fix the cause, and start the site again.",
            SwarmErrorCategory.ResourceUnavailable,
            layout.SiteDirectory);

    private static async Task StopQuietlyAsync(ISiteShell shell, SiteProfile site, SiteRunLayout layout, int pid, TimeSpan grace)
    {
        try
        {
            using var timeout = new CancellationTokenSource(grace + TimeSpan.FromSeconds(30));
            var probe = await RemoteSiteRun.ProbeAsync(shell, layout, pid, timeout.Token).ConfigureAwait(false);
            if (probe.Status?.Launcher?.Pid == pid)
            {
                await RemoteSiteRun.StopAsync(site, layout.RunId, null, grace, timeout.Token).ConfigureAwait(false);
            }
            else if (probe.LauncherAlive)
            {
                // It never wrote a status of its own (still loading, or refused by its preflight): just it.
                await shell.RunAsync(new ShellCommand("kill", pid.ToString(CultureInfo.InvariantCulture)) { Timeout = TimeSpan.FromSeconds(30) }, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is SwarmException or OperationCanceledException)
        {
            // The launch's own error is the one to report; a stop that cannot run leaves the site to Stop-SwarmSite.
        }
    }
}
