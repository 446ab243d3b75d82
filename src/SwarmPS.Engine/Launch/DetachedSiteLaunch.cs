namespace SwarmPS.Engine.Launch;

/// <summary>
/// Starts a site launcher in a process of its own that outlives the caller (Start-SwarmSite -Detach),
/// and returns once that launcher has recorded itself in the site's status.json, or fails with the
/// tail of its log. The launcher command is given: pwsh re-launched with the module (from the
/// cmdlet, see <see cref="PwshCommand"/>) or any program running <see cref="SiteLauncher"/>.
/// </summary>
public static class DetachedSiteLaunch
{
    public static async Task<SiteStatus> StartAsync(
        IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string?> environment,
        string workingDirectory,
        SiteRunLayout layout,
        TimeSpan readyTimeout,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(layout.SiteDirectory);
        using var launcher = LoggedProcess.Start(command, environment, workingDirectory, layout.LauncherLog, layout.LauncherLog);
        var deadline = DateTimeOffset.UtcNow + readyTimeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var status = TryReadStatus(layout);
            if (status?.Launcher?.Pid == launcher.Identity.Pid)
            {
                return status;
            }

            if (launcher.HasExited)
            {
                throw new SwarmException(
                    "SiteStartFailed",
                    $"The detached launcher of site '{layout.Site}' exited before it recorded itself. Its log ends: {Tail(layout.LauncherLog)}",
                    $"Read {layout.LauncherLog}, fix the cause, and start the site again.",
                    SwarmErrorCategory.ResourceUnavailable,
                    layout.SiteDirectory);
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new SwarmException(
            "SiteStartTimeout",
            $"The detached launcher of site '{layout.Site}' (pid {launcher.Identity.Pid}) did not record itself within {readyTimeout.TotalSeconds:0} s.",
            $"Read {layout.LauncherLog}; stop it with Stop-SwarmSite -RunId {layout.RunId} -Site {layout.Site} if it hangs.",
            SwarmErrorCategory.OperationTimeout,
            layout.SiteDirectory);
    }

    /// <summary>
    /// pwsh, re-launched with the module, running Start-SwarmSite in the foreground. Every value is a
    /// PowerShell single-quoted literal; the exchange token stays in the inherited environment.
    /// </summary>
    public static IReadOnlyList<string> PwshCommand(
        string pwshPath, string manifestPath, string campaignPath, IReadOnlyList<string> agents, string runId, string site,
        string exchangeUrl, bool bootstrap, TimeSpan? startupTimeout)
    {
        var script = new List<string>
        {
            $"Import-Module {PowerShellLiteral.Quote(manifestPath)};",
            $"Import-SwarmCampaign -Path {PowerShellLiteral.Quote(campaignPath)} |",
            $"Select-SwarmAgent -Name {string.Join(",", agents.Select(PowerShellLiteral.Quote))} |",
            $"Start-SwarmSite -RunId {PowerShellLiteral.Quote(runId)} -Site {PowerShellLiteral.Quote(site)} -ExchangeUrl {PowerShellLiteral.Quote(exchangeUrl)} -InformationAction Continue",
        };
        if (bootstrap)
        {
            script.Add("-Bootstrap");
        }

        if (startupTimeout is { } timeout)
        {
            script.Add($"-StartupTimeout {(int)Math.Ceiling(timeout.TotalSeconds)}");
        }

        return new[] { pwshPath, "-NoProfile", "-NonInteractive", "-Command", string.Join(' ', script) };
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

    private static string Tail(string file)
    {
        if (!File.Exists(file))
        {
            return "(no output)";
        }

        var lines = File.ReadAllLines(file);
        return string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 5)));
    }
}
