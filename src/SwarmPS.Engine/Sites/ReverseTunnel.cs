using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// An SSH reverse tunnel through a site's login host, so agents on the far side reach an exchange on
/// this machine that they could not reach directly: <c>ssh -N -R 0:127.0.0.1:&lt;local&gt;</c> with the
/// site's own ssh settings. The remote port is 0, so the login host's sshd picks a free port when it binds
/// and ssh reports it ("Allocated port N ..."). That is chosen over probing for a free port first: a probe
/// is a race (the port can be taken between probe and bind) and, behind a round-robin login alias, may run
/// on another login node than the one the tunnel lands on. The ssh runs detached (its own session, output
/// to an owner-only log) so a detached launch's tunnel outlives the shell that opened it, and is recorded
/// (<see cref="ReverseTunnelRecord"/>) so <see cref="ReverseTunnelCleaner"/> ends it after a kill -9.
/// </summary>
public sealed partial class ReverseTunnel
{
    public static readonly TimeSpan DefaultOpenTimeout = TimeSpan.FromSeconds(30);

    private ReverseTunnel(ReverseTunnelRecord record, string recordDirectory)
    {
        Record = record;
        RecordDirectory = recordDirectory;
    }

    public ReverseTunnelRecord Record { get; }

    public string RecordDirectory { get; }

    /// <summary>The port the login host listens on; connections to it arrive at <see cref="LocalPort"/> here.</summary>
    public int RemotePort => Record.RemotePort;

    public int LocalPort => Record.LocalPort;

    /// <summary>The exchange URL for agents on the far side: http://127.0.0.1:&lt;port&gt;/..., or the gateway host's.</summary>
    public Uri Url => new(Record.Url);

    public ProcessIdentity Ssh => Record.Ssh;

    public string RecordFile => ReverseTunnelRecord.PathFor(RecordDirectory, Record.Id);

    /// <summary>
    /// Opens the site's tunnel for <paramref name="exchangeUrl"/>: the site's ssh settings and its
    /// exchange_tunnel_gateway (docs/sites.md). The call a launch makes when the profile says exchange_tunnel: true.
    /// </summary>
    public static Task<ReverseTunnel> OpenForSiteAsync(
        SiteProfile site, Uri exchangeUrl, string recordDirectory, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (site.Ssh is null)
        {
            throw NeedsSsh($"site '{site.Name}' ({site.Source}) has no ssh section");
        }

        return OpenAsync(site.Ssh, exchangeUrl, recordDirectory, site.ExchangeTunnelGateway, timeout, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Opens a tunnel to <paramref name="localEndpoint"/> (the exchange's URL here, e.g. http://127.0.0.1:8765/)
    /// and returns once the login host listens. <see cref="Url"/> is that URL with the far side's host and
    /// port. <paramref name="gatewayHost"/> null binds the far side's loopback only (agents on the login node
    /// itself); a name binds all its interfaces, which the site's sshd allows only with GatewayPorts
    /// clientspecified (or yes), and the URL then names that host, as compute nodes see it.
    /// </summary>
    public static async Task<ReverseTunnel> OpenAsync(
        SshSettings? ssh,
        Uri localEndpoint,
        string recordDirectory,
        string? gatewayHost = null,
        TimeSpan? timeout = null,
        string sshProgram = "ssh",
        CancellationToken cancellationToken = default)
    {
        if (ssh is null)
        {
            throw NeedsSsh("this site is reached without SSH");
        }

        if (!localEndpoint.IsAbsoluteUri || localEndpoint.Scheme is not ("http" or "https") || localEndpoint.Port is < 1 or > 65535)
        {
            throw new SwarmException(
                "ReverseTunnelEndpointInvalid",
                $"'{localEndpoint}' is not an http(s) URL with a port for the local end of a reverse tunnel.",
                "Pass the exchange's URL on this machine, e.g. http://127.0.0.1:8765/ (the Url of Get-SwarmExchange).",
                SwarmErrorCategory.InvalidArgument,
                localEndpoint);
        }

        var localPort = localEndpoint.Port;
        // A wildcard listen address is not somewhere to connect to; the exchange is then on loopback too.
        var localHost = localEndpoint.Host is "0.0.0.0" or "[::]" or "*" or "+" ? "127.0.0.1" : localEndpoint.Host;
        OwnerOnly.CreateDirectory(recordDirectory);
        var id = Guid.NewGuid().ToString("N")[..12];
        var log = ReverseTunnelRecord.LogPathFor(recordDirectory, id);
        var command = new List<string> { sshProgram };
        command.AddRange(BuildArguments(ssh, localHost, localPort, gatewayHost));
        var limit = timeout ?? DefaultOpenTimeout;
        var process = LoggedProcess.Start(command, new Dictionary<string, string?>(), recordDirectory, log, log);
        try
        {
            var remotePort = await WaitForAllocatedPortAsync(process, log, ssh, limit, cancellationToken).ConfigureAwait(false);
            var opener = ProcessIdentity.Current;
            var record = new ReverseTunnelRecord
            {
                Id = id,
                SshPid = process.Identity.Pid,
                SshStartTicks = process.Identity.StartTicks,
                OpenerPid = opener.Pid,
                OpenerStartTicks = opener.StartTicks,
                Host = ssh.Destination,
                SshPort = ssh.Port,
                LocalPort = localPort,
                RemotePort = remotePort,
                Url = new UriBuilder(localEndpoint) { Host = gatewayHost ?? "127.0.0.1", Port = remotePort }.Uri.ToString(),
                LocalUrl = localEndpoint.ToString(),
                OpenedAt = DateTimeOffset.UtcNow,
            };
            record.Write(recordDirectory);
            return new ReverseTunnel(record, recordDirectory);
        }
        catch
        {
            // No record was written, so nothing else could ever end this ssh: end it now.
            await ProcessStopper.StopAsync(new[] { (process.Identity, process.LeadsProcessGroup) }, ProcessStopper.DefaultGrace).ConfigureAwait(false);
            File.Delete(log);
            throw;
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>Ends the tunnel's ssh (only that very process) and removes its record and log. Idempotent.</summary>
    public Task CloseAsync(CancellationToken cancellationToken = default) =>
        ReverseTunnelCleaner.EndAsync(RecordFile, Record, RecordDirectory, cancellationToken);

    /// <summary>
    /// The ssh argv after the program name. The tunnel has its own connection (ControlMaster no,
    /// ControlPath none) so that its ssh process IS the tunnel: ending it closes the forward and nothing
    /// else, and a multiplexing master shared with commands is never the thing recorded or killed.
    /// These options come before the site's, because ssh keeps the first value it sees for each.
    /// </summary>
    public static IReadOnlyList<string> BuildArguments(SshSettings ssh, string localHost, int localPort, string? gatewayHost)
    {
        var bind = gatewayHost is null ? "" : "*:";
        var arguments = new List<string>
        {
            "-N",
            "-R", $"{bind}0:{localHost}:{localPort.ToString(CultureInfo.InvariantCulture)}",
            // A forward the server refuses must fail the open, not leave a connected ssh forwarding nothing.
            "-o", "ExitOnForwardFailure=yes",
            // The allocated port is reported at INFO; a quieter LogLevel in the operator's config would hide it.
            "-o", "LogLevel=INFO",
            "-o", "ControlMaster=no",
            "-o", "ControlPath=none",
        };
        var shell = new OpenSshShell(ssh);
        arguments.AddRange(shell.ConnectionOptions());
        arguments.Add("--");
        arguments.Add(ssh.Destination);
        return arguments;
    }

    private static async Task<int> WaitForAllocatedPortAsync(
        LoggedProcess process, string log, SshSettings ssh, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var text = ReadLog(log);
            if (AllocatedPort().Match(text) is { Success: true } match)
            {
                return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }

            if (process.HasExited)
            {
                throw Failure(text, ssh, process.ExitCode);
            }

            if (waited.Elapsed > timeout)
            {
                throw new SwarmException(
                    "ReverseTunnelTimedOut",
                    $"The reverse tunnel through {ssh.Destination} port {ssh.Port} did not report its remote port "
                    + $"within {timeout.TotalSeconds:0} s. ssh said: {Tail(text)}",
                    "Run Test-SwarmSite to check the login host answers without a prompt (an MFA site needs its "
                    + "master connection open), or raise the tunnel's timeout for a slow login host.",
                    SwarmErrorCategory.OperationTimeout,
                    ssh.Destination);
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private static SwarmException NeedsSsh(string why) => new(
        "ReverseTunnelNeedsSsh",
        $"A reverse tunnel goes through the site's login host, but {why}.",
        "Add an ssh section (host, user, identity_file) to the site profile, or set exchange_tunnel: false "
        + "for a site whose agents reach the exchange directly.",
        SwarmErrorCategory.InvalidArgument);

    private static SwarmException Failure(string log, SshSettings ssh, int? exitCode)
    {
        if (log.Contains("remote port forwarding failed", StringComparison.OrdinalIgnoreCase))
        {
            return new SwarmException(
                "ReverseTunnelRefused",
                $"The login host {ssh.Destination} port {ssh.Port} refused the reverse forward: {Tail(log)}",
                "The site's sshd must allow remote forwarding (AllowTcpForwarding yes or remote in its sshd_config, "
                + "and no 'no-port-forwarding' or 'restrict' on your key in authorized_keys); ask the centre, or set "
                + "exchange_tunnel: false and give compute nodes a route to the exchange (proxy.http).",
                SwarmErrorCategory.PermissionDenied,
                ssh.Destination);
        }

        if (exitCode == OpenSshShell.SshFailureExitCode)
        {
            return SshFailure.From(log, ssh);
        }

        return new SwarmException(
            "ReverseTunnelEnded",
            $"The ssh of the reverse tunnel through {ssh.Destination} exited ({exitCode}) before it reported a remote "
            + $"port. ssh said: {Tail(log)}",
            "Run Test-SwarmSite to check the login host and the ssh settings of the site profile, then start again.",
            SwarmErrorCategory.ConnectionError,
            ssh.Destination);
    }

    private static string ReadLog(string log)
    {
        try
        {
            using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    private static string Tail(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no output)" : string.Join(" | ", lines.Skip(Math.Max(0, lines.Length - 3)));
    }

    // ssh.c, ssh_confirm_remote_forward: "Allocated port %u for remote forward to %s:%d".
    [GeneratedRegex(@"Allocated port (\d+) for remote forward")]
    private static partial Regex AllocatedPort();
}
