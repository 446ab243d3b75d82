using System.Globalization;
using System.Management.Automation;
using System.Reflection;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Cmdlets;

/// <summary>
/// The command lines of the detached pwsh children: the module imported again, one cmdlet run in the
/// foreground, and a failure written as one <see cref="LaunchFailureLine"/> for the parent to pass on
/// with its own error id. They live here, beside the cmdlets they name: every cmdlet and parameter name
/// is taken from the cmdlet classes (<see cref="NameOf{TCmdlet}"/>, nameof), so renaming one changes the
/// child's command line with it or fails the build, never a detached start at run time. Every value is a
/// PowerShell single-quoted literal; the exchange token stays in the inherited environment.
/// </summary>
public static class DetachedPwsh
{
    /// <summary>pwsh running Import-SwarmCampaign | Select-SwarmAgent | Start-SwarmSite for the same slice in the foreground.</summary>
    public static IReadOnlyList<string> StartSite(
        string pwshPath, string manifestPath, string campaignPath, IReadOnlyList<string> agents, string runId, string site,
        string exchangeUrl, bool bootstrap, TimeSpan? startupTimeout, bool allocation = false, int? nodes = null, string? walltime = null, string? queue = null)
    {
        var start = new List<string>
        {
            $"{NameOf<ImportSwarmCampaignCommand>()} -{nameof(ImportSwarmCampaignCommand.Path)} {PowerShellLiteral.Quote(campaignPath)} |",
            $"{NameOf<SelectSwarmAgentCommand>()} -{nameof(SelectSwarmAgentCommand.Name)} {string.Join(",", agents.Select(PowerShellLiteral.Quote))} |",
            $"{NameOf<StartSwarmSiteCommand>()} -{nameof(StartSwarmSiteCommand.RunId)} {PowerShellLiteral.Quote(runId)} -{nameof(StartSwarmSiteCommand.Site)} {PowerShellLiteral.Quote(site)} "
                + $"-{nameof(StartSwarmSiteCommand.ExchangeUrl)} {PowerShellLiteral.Quote(exchangeUrl)} -InformationAction Continue -ErrorAction Stop",
        };
        if (bootstrap)
        {
            start.Add($"-{nameof(StartSwarmSiteCommand.Bootstrap)}");
        }

        if (startupTimeout is { } timeout)
        {
            start.Add($"-{nameof(StartSwarmSiteCommand.StartupTimeout)} {(int)Math.Ceiling(timeout.TotalSeconds)}");
        }

        if (allocation)
        {
            start.Add($"-{nameof(StartSwarmSiteCommand.Allocation)}");
            if (nodes is { } count)
            {
                start.Add($"-{nameof(StartSwarmSiteCommand.Nodes)} {count.ToString(CultureInfo.InvariantCulture)}");
            }

            if (walltime is not null)
            {
                start.Add($"-{nameof(StartSwarmSiteCommand.Walltime)} {PowerShellLiteral.Quote(walltime)}");
            }

            if (queue is not null)
            {
                start.Add($"-{nameof(StartSwarmSiteCommand.Queue)} {PowerShellLiteral.Quote(queue)}");
            }
        }

        return Command(pwshPath, manifestPath, string.Join(' ', start));
    }

    /// <summary>
    /// pwsh running Start-SwarmExchange -Foreground with the same settings (TLS and broker ones included;
    /// the broker's credentials stay in the inherited environment or the file, never in this command line).
    /// Plain values, not the engine's options: the engine's types are not visible to PowerShell scripts.
    /// </summary>
    public static IReadOnlyList<string> StartExchange(
        string pwshPath, string manifestPath, int port, string bindAddress, string stateDirectory, string tokenVariable, string? certificateFile = null, string? keyFile = null, bool selfSigned = false,
        string backend = "Sqlite", string? brokerUri = null, string? brokerCredentialFile = null, string? brokerName = null)
    {
        var start = new List<string>
        {
            $"{NameOf<StartSwarmExchangeCommand>()} -{nameof(StartSwarmExchangeCommand.Foreground)} -Confirm:$false",
            $"-{nameof(StartSwarmExchangeCommand.Port)} {port.ToString(CultureInfo.InvariantCulture)}",
            $"-{nameof(StartSwarmExchangeCommand.BindAddress)} {PowerShellLiteral.Quote(bindAddress)}",
            $"-{nameof(StartSwarmExchangeCommand.StateDirectory)} {PowerShellLiteral.Quote(stateDirectory)}",
            $"-{nameof(StartSwarmExchangeCommand.TokenVariable)} {PowerShellLiteral.Quote(tokenVariable)}",
            $"-{nameof(StartSwarmExchangeCommand.Backend)} {PowerShellLiteral.Quote(backend)}",
        };
        AddIfSet(start, nameof(StartSwarmExchangeCommand.CertificateFile), certificateFile);
        AddIfSet(start, nameof(StartSwarmExchangeCommand.KeyFile), keyFile);
        AddIfSet(start, nameof(StartSwarmExchangeCommand.BrokerUri), brokerUri);
        AddIfSet(start, nameof(StartSwarmExchangeCommand.BrokerCredentialFile), brokerCredentialFile);
        AddIfSet(start, nameof(StartSwarmExchangeCommand.BrokerName), brokerName);
        if (selfSigned)
        {
            start.Add($"-{nameof(StartSwarmExchangeCommand.SelfSigned)}");
        }

        return Command(pwshPath, manifestPath, string.Join(' ', start));
    }

    /// <summary>The detached launcher of a site's slice (Start-SwarmSite -Detach, and every start of an agent manager): this pwsh running Start-SwarmSite for the slice.</summary>
    public static Func<DetachedSiteArguments, IReadOnlyList<string>> SiteLauncher(string pwshPath, string manifestPath) =>
        slice => StartSite(
            pwshPath, manifestPath, slice.CampaignFile, slice.Agents, slice.RunId, slice.Site, slice.ExchangeUrl, slice.Bootstrap, slice.StartupTimeout,
            slice.Allocation is not null, slice.Allocation?.Nodes, slice.Allocation?.Walltime, slice.Allocation?.Queue);

    /// <summary>pwsh running Start-SwarmAgentManager in the foreground for the same site and namespace (the control token travels in the environment, never here).</summary>
    public static IReadOnlyList<string> StartAgentManager(string pwshPath, string manifestPath, string site, string nameSpace, string? exchangeUrl)
    {
        var start = new List<string>
        {
            $"{NameOf<StartSwarmAgentManagerCommand>()} -Confirm:$false",
            $"-{nameof(StartSwarmAgentManagerCommand.Site)} {PowerShellLiteral.Quote(site)}",
            $"-{nameof(StartSwarmAgentManagerCommand.Namespace)} {PowerShellLiteral.Quote(nameSpace)}",
        };
        AddIfSet(start, nameof(StartSwarmAgentManagerCommand.ExchangeUrl), exchangeUrl);
        return Command(pwshPath, manifestPath, string.Join(' ', start));
    }

    /// <summary>pwsh running Start-SwarmDashboard -Foreground for the same run, sites and paths (the token is made by the child and kept in its record).</summary>
    public static IReadOnlyList<string> StartDashboard(
        string pwshPath, string manifestPath, string runId, IReadOnlyList<string> sites, IReadOnlyList<string> paths, int port, string mirrorRoot)
    {
        var start = new List<string>
        {
            $"{NameOf<StartSwarmDashboardCommand>()} -{nameof(StartSwarmDashboardCommand.Foreground)} -{nameof(StartSwarmDashboardCommand.NoBrowser)} -Confirm:$false",
            $"-{nameof(StartSwarmDashboardCommand.RunId)} {PowerShellLiteral.Quote(runId)}",
            $"-{nameof(StartSwarmDashboardCommand.Port)} {port.ToString(CultureInfo.InvariantCulture)}",
            $"-{nameof(StartSwarmDashboardCommand.MirrorRoot)} {PowerShellLiteral.Quote(mirrorRoot)}",
        };
        if (sites.Count > 0)
        {
            start.Add($"-{nameof(StartSwarmDashboardCommand.Site)} {string.Join(",", sites.Select(PowerShellLiteral.Quote))}");
        }

        if (paths.Count > 0)
        {
            start.Add($"-{nameof(StartSwarmDashboardCommand.Path)} {string.Join(",", paths.Select(PowerShellLiteral.Quote))}");
        }

        return Command(pwshPath, manifestPath, string.Join(' ', start));
    }

    private static void AddIfSet(List<string> arguments, string parameter, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            arguments.Add($"-{parameter} {PowerShellLiteral.Quote(value)}");
        }
    }

    /// <summary>
    /// pwsh -Command running <paramref name="invocation"/> after importing the module. Any error stops it,
    /// Import-SwarmCampaign's non-terminating ones included, so the catch reports it; plain text, so the
    /// log holds no terminal colour codes.
    /// </summary>
    public static IReadOnlyList<string> Command(string pwshPath, string manifestPath, string invocation)
    {
        var script = "$ErrorActionPreference = 'Stop'; $PSStyle.OutputRendering = 'PlainText'; "
            + $"try {{ Import-Module {PowerShellLiteral.Quote(manifestPath)} -ErrorAction Stop; {invocation} }} "
            + "catch { $e = $_; [Console]::Error.WriteLine($e.ToString()); "
            + $"[Console]::Error.WriteLine({PowerShellLiteral.Quote(LaunchFailureLine.Marker)} + (ConvertTo-Json -Compress @{{ error_id = $e.FullyQualifiedErrorId.Split(',')[0]; message = $e.Exception.Message; remediation = $e.ErrorDetails.RecommendedAction; category = \"$($e.CategoryInfo.Category)\" }})); exit 1 }}";
        return new[] { pwshPath, "-NoProfile", "-NonInteractive", "-Command", script };
    }

    /// <summary>A cmdlet's name as its [Cmdlet] attribute declares it: Start-SwarmSite.</summary>
    private static string NameOf<TCmdlet>()
        where TCmdlet : Cmdlet
    {
        var declared = typeof(TCmdlet).GetCustomAttribute<CmdletAttribute>()!;
        return $"{declared.VerbName}-{declared.NounName}";
    }
}
