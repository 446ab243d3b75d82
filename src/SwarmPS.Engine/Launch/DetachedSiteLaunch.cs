using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Launch;

/// <summary>
/// Starts a site launcher in a process of its own that outlives the caller (Start-SwarmSite -Detach).
/// Everything that can be checked from here is checked first (<see cref="LaunchPreflight"/>), so those
/// failures come back at once with their own ids; then it returns once the launcher has registered its
/// agents (the site waits for peers or runs), or fails with the launcher's own error id, read from the
/// <see cref="LaunchFailureLine"/> it writes to this attempt's part of launcher.log. The launcher command
/// is given: pwsh re-launched with the module (see <see cref="PwshCommand"/>) or any program running
/// <see cref="SiteLauncher"/>.
/// </summary>
public static class DetachedSiteLaunch
{
    /// <summary>How long a launcher that recorded its failure may take to exit before its log is read anyway.</summary>
    private static readonly TimeSpan ExitAfterFailure = TimeSpan.FromSeconds(10);

    public static async Task<SiteStatus> StartAsync(
        SiteLaunchOptions options,
        IExchange exchange,
        IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string?> environment,
        TimeSpan readyTimeout,
        IProgress<string>? waiting,
        CancellationToken cancellationToken)
    {
        await LaunchPreflight.CheckAsync(options, exchange, cancellationToken).ConfigureAwait(false);
        var layout = new SiteRunLayout(options.Site.RunRoot, options.RunId, options.Site.Name);
        OwnerOnly.CreateDirectory(layout.SiteDirectory);

        // launcher.log is appended across attempts; errors quote only what this attempt wrote.
        var logStart = File.Exists(layout.LauncherLog) ? new FileInfo(layout.LauncherLog).Length : 0;
        using var launcher = LoggedProcess.Start(command, environment, options.WorkingDirectory, layout.LauncherLog, layout.LauncherLog);
        waiting?.Report($"waiting for the detached launcher (pid {launcher.Identity.Pid}) to register its agents");
        var deadline = DateTimeOffset.UtcNow + readyTimeout;
        DateTimeOffset? failedAt = null;
        try
        {
            while (DateTimeOffset.UtcNow < deadline)
            {
                var status = TryReadStatus(layout);
                var ours = status?.Launcher?.Pid == launcher.Identity.Pid ? status : null;
                if (ours is { State: SiteState.WaitingForPeers or SiteState.Running or SiteState.Finished })
                {
                    return ours;
                }

                failedAt ??= ours is { State: SiteState.Failed or SiteState.Stopped } ? DateTimeOffset.UtcNow : null;
                if (launcher.HasExited || DateTimeOffset.UtcNow - failedAt > ExitAfterFailure)
                {
                    throw LauncherFailed(layout, logStart, ours);
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C before the site was up means "do not start it": end the launcher and whatever it started.
            await StopAsync(layout, launcher, exchange).ConfigureAwait(false);
            throw;
        }

        throw new SwarmException(
            "SiteStartTimeout",
            $"The detached launcher of site '{layout.Site}' (pid {launcher.Identity.Pid}) did not register its agents within {readyTimeout.TotalSeconds:0} s. Its log so far: {Tail(layout.LauncherLog, logStart)}",
            $"Read {layout.LauncherLog}; stop it with Stop-SwarmSite -RunId {layout.RunId} -Site {layout.Site} if it hangs.",
            SwarmErrorCategory.OperationTimeout,
            layout.SiteDirectory);
    }

    /// <summary>
    /// pwsh, re-launched with the module, running Start-SwarmSite in the foreground. Every value is a
    /// PowerShell single-quoted literal; the exchange token stays in the inherited environment. A failure
    /// is also written as one <see cref="LaunchFailureLine"/>, so the parent reports its real error id.
    /// </summary>
    public static IReadOnlyList<string> PwshCommand(
        string pwshPath, string manifestPath, string campaignPath, IReadOnlyList<string> agents, string runId, string site,
        string exchangeUrl, bool bootstrap, TimeSpan? startupTimeout)
    {
        var start = new List<string>
        {
            $"Import-SwarmCampaign -Path {PowerShellLiteral.Quote(campaignPath)} |",
            $"Select-SwarmAgent -Name {string.Join(",", agents.Select(PowerShellLiteral.Quote))} |",
            $"Start-SwarmSite -RunId {PowerShellLiteral.Quote(runId)} -Site {PowerShellLiteral.Quote(site)} -ExchangeUrl {PowerShellLiteral.Quote(exchangeUrl)} -InformationAction Continue -ErrorAction Stop",
        };
        if (bootstrap)
        {
            start.Add("-Bootstrap");
        }

        if (startupTimeout is { } timeout)
        {
            start.Add($"-StartupTimeout {(int)Math.Ceiling(timeout.TotalSeconds)}");
        }

        // Stop on any error, Import-SwarmCampaign's non-terminating ones included, so the catch reports it;
        // plain text, so launcher.log holds no terminal colour codes.
        var script = "$ErrorActionPreference = 'Stop'; $PSStyle.OutputRendering = 'PlainText'; "
            + $"try {{ Import-Module {PowerShellLiteral.Quote(manifestPath)} -ErrorAction Stop; {string.Join(' ', start)} }} "
            + "catch { $e = $_; [Console]::Error.WriteLine($e.ToString()); "
            + $"[Console]::Error.WriteLine({PowerShellLiteral.Quote(LaunchFailureLine.Marker)} + (ConvertTo-Json -Compress @{{ error_id = $e.FullyQualifiedErrorId.Split(',')[0]; message = $e.Exception.Message; remediation = $e.ErrorDetails.RecommendedAction; category = \"$($e.CategoryInfo.Category)\" }})); exit 1 }}";
        return new[] { pwshPath, "-NoProfile", "-NonInteractive", "-Command", script };
    }

    /// <summary>The pwsh of this PowerShell installation ($PSHOME), never the process path (dotnet when pwsh is a dotnet tool).</summary>
    public static string PwshIn(string psHome)
    {
        var path = Path.Combine(psHome, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");
        if (ProgramLookup.Resolve(path, psHome, null) is { } found)
        {
            return found;
        }

        throw new SwarmException(
            "PwshNotFound",
            $"'{path}' does not exist or is not executable; a detached site runs in its own pwsh.",
            "Install PowerShell 7 with its pwsh executable (a package or archive install), or start the site without -Detach (in tmux or a batch job).",
            SwarmErrorCategory.NotInstalled,
            path);
    }

    private static SwarmException LauncherFailed(SiteRunLayout layout, long logStart, SiteStatus? recorded)
    {
        var log = Since(layout.LauncherLog, logStart);
        if (LaunchFailureLine.LastIn(log, layout.SiteDirectory) is { } reported)
        {
            return reported;
        }

        var problem = recorded?.Problem is { } text ? $" It recorded: {text}." : "";
        return new SwarmException(
            "SiteStartFailed",
            $"The detached launcher of site '{layout.Site}' ended before its agents were registered.{problem} Its log ends: {Tail(layout.LauncherLog, logStart)}",
            $"Read {layout.LauncherLog}, fix the cause, and start the site again.",
            SwarmErrorCategory.ResourceUnavailable,
            layout.SiteDirectory);
    }

    private static async Task StopAsync(SiteRunLayout layout, LoggedProcess launcher, IExchange exchange)
    {
        if (TryReadStatus(layout)?.Launcher?.Pid == launcher.Identity.Pid)
        {
            await SiteStopper.StopAsync(layout, exchange, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        await ProcessStopper.StopAsync(new[] { (launcher.Identity, launcher.LeadsProcessGroup) }, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
    }

    private static SiteStatus? TryReadStatus(SiteRunLayout layout)
    {
        try
        {
            return SiteStatusFile.TryRead(layout.StatusFile);
        }
        catch (SwarmException)
        {
            return null; // being replaced this very moment; read again
        }
    }

    /// <summary>The lines written to <paramref name="file"/> from byte <paramref name="start"/> on.</summary>
    private static IReadOnlyList<string> Since(string file, long start)
    {
        if (!File.Exists(file))
        {
            return Array.Empty<string>();
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(start, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static string Tail(string file, long start)
    {
        var lines = Since(file, start).Where(line => !line.StartsWith(LaunchFailureLine.Marker, StringComparison.Ordinal)).ToList();
        return lines.Count == 0 ? "(no output)" : string.Join(" | ", lines.Skip(Math.Max(0, lines.Count - 5)));
    }
}
