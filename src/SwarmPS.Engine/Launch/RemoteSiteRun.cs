using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// A remote site's launch as seen from the operator's machine, over the site's SSH settings: its status
/// (Get-SwarmAgent), its events file (Get-SwarmEvent) and its stop (Stop-SwarmSite). The stop runs on the
/// host that started the processes (recorded in status.json: behind a round-robin alias the login node that
/// answers may be another one), by the staged stop.sh there, which checks pid + start time + host before it
/// signals anything; mailboxes are terminated from here, where the exchange token is.
/// </summary>
public static class RemoteSiteRun
{
    /// <summary>The ssh shell of a site that has one; a site without ssh settings runs on this machine (SiteNotRemote).</summary>
    public static ISiteShell ShellFor(SiteProfile site) => site.IsRemote
        ? SiteShell.For(site)
        : throw new SwarmException(
            "SiteNotRemote",
            $"Site '{site.Name}' has no ssh settings ({site.Source}), so it runs on this machine, not over SSH.",
            "Start it here (Start-SwarmSite without a remote profile), or add an ssh: block with the login host to the site profile.",
            SwarmErrorCategory.InvalidArgument,
            site.Name);

    public static SiteRunLayout Layout(SiteProfile site, RemoteLogin login, string runId) =>
        new(login.Absolute(site.RunRoot), CampaignRunIdOf(runId), site.Name);

    /// <summary>status.json, whether the launcher pid is alive there, and the tail of launcher.log: one round trip.</summary>
    public static async Task<RemoteProbe> ProbeAsync(ISiteShell shell, SiteRunLayout layout, int? launcherPid, CancellationToken cancellationToken)
    {
        const string script = "cat \"$1\" 2>/dev/null; echo; echo @@swarmps-alive@@; "
            + "if [ -n \"$2\" ] && kill -0 \"$2\" 2>/dev/null; then echo yes; else echo no; fi; echo @@swarmps-log@@; tail -n 40 \"$3\" 2>/dev/null; true";
        var result = await shell.RunAsync(new ShellCommand("sh", "-c", script, "sh", layout.StatusFile, launcherPid?.ToString() ?? "", layout.LauncherLog)
        {
            Timeout = TimeSpan.FromSeconds(30),
        }, cancellationToken).ConfigureAwait(false);
        var output = result.StandardOutput;
        var alive = output.IndexOf("@@swarmps-alive@@", StringComparison.Ordinal);
        var log = output.IndexOf("@@swarmps-log@@", StringComparison.Ordinal);
        if (!result.Succeeded || alive < 0 || log < alive)
        {
            throw RemoteLogin.RemoteShellFailed(shell, $"read the status of site '{layout.Site}'", result);
        }

        var json = output[..alive].Trim();
        var status = json.Length == 0 ? null : SiteStatusFile.Parse(json, $"{shell.Target}:{layout.StatusFile}");
        var launcherAlive = output[alive..log].Contains("yes", StringComparison.Ordinal);
        return new RemoteProbe(status, launcherAlive, output[(log + "@@swarmps-log@@".Length)..].Trim());
    }

    /// <summary>The site's status on its remote host, or RunNotFound naming where it looked.</summary>
    public static async Task<RemoteSiteStatus> ReadStatusAsync(SiteProfile site, string runId, CancellationToken cancellationToken)
    {
        var shell = ShellFor(site);
        var login = await RemoteLogin.ProbeAsync(shell, cancellationToken).ConfigureAwait(false);
        var layout = Layout(site, login, runId);
        var status = (await ProbeAsync(shell, layout, null, cancellationToken).ConfigureAwait(false)).Status ?? throw NotFound(shell, layout);
        var alive = status.Launcher is { } launcher && (await ProbeAsync(shell, layout, launcher.Pid, cancellationToken).ConfigureAwait(false)).LauncherAlive;
        return new RemoteSiteStatus(runId, site.Name, shell.Target, status.Launcher?.Host ?? login.HostName, status.Launcher?.Pid ?? 0, layout.SiteDirectory, status)
        {
            LauncherAlive = alive,
        };
    }

    /// <summary>
    /// The exchange URL the site's launch used, as this machine reaches it: the local end of its tunnel for
    /// a tunnelled site (its status names the login host's loopback, which here is some other port, so a
    /// token is never sent there; null when no tunnel is recorded any more), else the URL in its status.
    /// </summary>
    public static async Task<string?> OperatorExchangeUrlAsync(SiteProfile site, string runId, CancellationToken cancellationToken) =>
        site.ExchangeTunnel
            ? RemoteExchangeTunnel.OperatorExchangeUrl(runId, site.Name)
            : (await ReadStatusAsync(site, runId, cancellationToken).ConfigureAwait(false)).Status.ExchangeUrl;

    /// <summary>The site's events.jsonl lines as they are on the remote host (empty when it has none yet).</summary>
    public static async Task<IReadOnlyList<string>> ReadEventLinesAsync(SiteProfile site, string runId, CancellationToken cancellationToken)
    {
        var shell = ShellFor(site);
        var login = await RemoteLogin.ProbeAsync(shell, cancellationToken).ConfigureAwait(false);
        var layout = Layout(site, login, runId);
        var result = await shell.RunAsync(new ShellCommand("sh", "-c", "[ -f \"$1\" ] || exit 3; cat \"$2\" 2>/dev/null; true", "sh", layout.StatusFile, layout.EventsFile)
        {
            Timeout = TimeSpan.FromMinutes(2),
        }, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode == 3)
        {
            throw NotFound(shell, layout);
        }

        if (!result.Succeeded)
        {
            throw RemoteLogin.RemoteShellFailed(shell, $"read the events of site '{site.Name}'", result);
        }

        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The events of a remote site's launch that pass <paramref name="filter"/>, in time order (unparsable lines are skipped).</summary>
    public static async Task<IReadOnlyList<Events.SwarmEvent>> ReadEventsAsync(SiteProfile site, string runId, Events.EventFilter filter, CancellationToken cancellationToken)
    {
        var lines = await ReadEventLinesAsync(site, runId, cancellationToken).ConfigureAwait(false);
        return lines.Select(line => Events.SwarmEvent.TryParse(line, site.Name, out var parsed) ? parsed : null)
            .OfType<Events.SwarmEvent>()
            .Where(filter.Matches)
            .OrderBy(e => e.Timestamp)
            .ToList();
    }

    /// <summary>
    /// Stops what the launch started on the site's remote host, and only that. Goes to the host recorded in
    /// status.json when the login that answered is another one. Idempotent, like a local stop. Then, also
    /// when the remote stop failed or found no run there (an opener killed before the launcher started),
    /// ends the run and site's exchange tunnels on this machine (<see cref="RemoteExchangeTunnel"/>): a
    /// tunnel never outlives Stop-SwarmSite.
    /// </summary>
    public static async Task<SiteStopResult> StopAsync(SiteProfile site, string runId, IExchange? exchange, TimeSpan grace, CancellationToken cancellationToken)
    {
        CampaignRunIdOf(runId);
        try
        {
            return await StopThereAsync(site, runId, exchange, grace, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // After the remote stop, so agents that still run until then can still reach the exchange.
            await RemoteExchangeTunnel.CloseAllAsync(runId, site.Name, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task<SiteStopResult> StopThereAsync(SiteProfile site, string runId, IExchange? exchange, TimeSpan grace, CancellationToken cancellationToken)
    {
        var shell = ShellFor(site);
        var login = await RemoteLogin.ProbeAsync(shell, cancellationToken).ConfigureAwait(false);
        var layout = Layout(site, login, runId);
        var status = (await ProbeAsync(shell, layout, null, cancellationToken).ConfigureAwait(false)).Status ?? throw NotFound(shell, layout);
        var owner = status.Launcher?.Host;
        if (owner is not null && !string.Equals(owner, login.HostName, StringComparison.OrdinalIgnoreCase))
        {
            // Another node of the alias answered: its pids are not ours. Talk to the node that started them.
            shell = SiteShell.For(site with { Ssh = site.Ssh! with { Host = owner } });
        }

        var result = await shell.RunAsync(new ShellCommand("sh", $"{layout.SiteDirectory}/stop.sh", ((int)grace.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            Timeout = grace + TimeSpan.FromMinutes(1),
        }, cancellationToken).ConfigureAwait(false);
        var stopped = result.Succeeded ? RemoteStopReport.TryParse(result.StandardOutput) : null;
        if (stopped is null)
        {
            throw Processes.LaunchFailureLine.LastIn(result.StandardError.Split('\n'), layout.SiteDirectory)
                ?? RemoteLogin.RemoteShellFailed(shell, $"stop site '{site.Name}' of run '{runId}'", result);
        }

        if (exchange is not null)
        {
            foreach (var agent in status.Agents)
            {
                try
                {
                    await exchange.TerminateAsync(agent.Id, cancellationToken).ConfigureAwait(false);
                }
                catch (SwarmException)
                {
                    // Unreachable exchange or unknown mailbox: the processes are what must stop.
                }
            }
        }

        return stopped;
    }

    private static string CampaignRunIdOf(string runId) => Campaigns.CampaignRunId.Validate(runId);

    private static SwarmException NotFound(ISiteShell shell, SiteRunLayout layout) => new(
        "RunNotFound",
        $"No site '{layout.Site}' of run '{layout.RunId}' was started on {shell.Target} (looked in: {layout.SiteDirectory}).",
        "Check the run id (it is the same on every site) and the site name; a remote site's run lives under its profile's run_root on the login host.",
        SwarmErrorCategory.ObjectNotFound,
        layout.RunId);
}

/// <summary>One look at a remote site: its status (null before the launcher wrote one), whether the launcher lives, the end of its log.</summary>
public sealed record RemoteProbe(SiteStatus? Status, bool LauncherAlive, string LogTail);
