using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Test-SwarmSite's engine: probes, in order, each step a launch needs on a site and returns one
/// <see cref="PreflightCheck"/> per step. Every probe has its own deadline, and a check whose
/// prerequisite failed reports "skipped" at once instead of waiting on a connection that cannot work.
/// A fully green answer is cached for a day (see <see cref="PreflightCache"/>). Which scheduler programs
/// to look for is the scheduler adapters' to say (<c>ISchedulerAdapter.RequiredCommands</c>), so the
/// caller passes them in: Scheduler uses Sites, and Sites does not reach back.
/// </summary>
public sealed class SitePreflight
{
    public const string SshClient = "SSH client";
    public const string SshKey = "SSH key";
    public const string TcpReach = "TCP reach";
    public const string SshLogin = "SSH login";
    public const string SchedulerCommandsCheck = "Scheduler commands";
    public const string RunRootWritable = "Run root writable";
    public const string ClockSkew = "Clock skew";

    public static readonly TimeSpan ClockSkewWarning = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan ClockSkewFailure = TimeSpan.FromSeconds(60);

    private readonly Func<SchedulerKind, IReadOnlyList<string>> _schedulerCommands;
    private readonly string _sshProgram;

    /// <param name="schedulerCommands">The programs a site of each scheduler kind needs on PATH: <c>SchedulerAdapters.RequiredCommands</c>.</param>
    public SitePreflight(Func<SchedulerKind, IReadOnlyList<string>> schedulerCommands, string? cacheDirectory = null, string sshProgram = "ssh")
    {
        _schedulerCommands = schedulerCommands;
        Cache = new PreflightCache(cacheDirectory ?? PreflightCache.DefaultDirectory(), schedulerCommands);
        _sshProgram = sshProgram;
    }

    public PreflightCache Cache { get; }

    /// <summary>
    /// Runs the checks for <paramref name="site"/>, or returns today's cached all-Pass answer unless
    /// <paramref name="force"/> is set. Progress reports "&lt;site&gt;: &lt;check&gt;" as each check starts.
    /// </summary>
    public async Task<IReadOnlyList<PreflightCheck>> RunAsync(
        SiteProfile site,
        bool force = false,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        if (!force && Cache.TryRead(site, DateTimeOffset.UtcNow) is { } cached)
        {
            progress?.Report($"{site.Name}: all checks passed at {cached[0].CheckedAt:u} (cached; -Force re-probes)");
            return cached;
        }

        var run = new Run(site, progress, cancellationToken);
        if (site.Ssh is { } ssh)
        {
            await RunRemoteChecksAsync(run, ssh).ConfigureAwait(false);
        }
        else
        {
            await run.CheckAsync(SchedulerCommandsCheck, [], () => CheckSchedulerCommandsAsync(LocalShell.Instance, site, Deadline(null), cancellationToken)).ConfigureAwait(false);
            await run.CheckAsync(RunRootWritable, [], () => CheckRunRootAsync(LocalShell.Instance, site, Deadline(null), cancellationToken)).ConfigureAwait(false);
        }

        Cache.Record(site, run.Results);
        return run.Results;
    }

    private async Task RunRemoteChecksAsync(Run run, SshSettings ssh)
    {
        var site = run.Site;
        var token = run.CancellationToken;
        // client: sshnet logs in through the shared in-process shell, the one every later command of the site uses.
        ISiteShell shell = ssh.Client == SshClientKind.SshNet ? SshNetShell.Shared(ssh) : new OpenSshShell(ssh, _sshProgram);
        var deadline = Deadline(ssh);
        SshResolvedConfig? resolved = null;

        await run.CheckAsync(SshClient, [], async () =>
        {
            var (outcome, config) = shell is OpenSshShell openSsh
                ? await CheckSshClientAsync(openSsh, token).ConfigureAwait(false)
                : CheckInProcessClient(ssh);
            resolved = config;
            return outcome;
        }).ConfigureAwait(false);
        await run.CheckAsync(SshKey, [], () => Task.FromResult(CheckKey(ssh, resolved))).ConfigureAwait(false);
        await run.CheckAsync(TcpReach, [SshClient], () => CheckTcpReachAsync(ssh, resolved!, token)).ConfigureAwait(false);
        await run.CheckAsync(SshLogin, [SshClient, TcpReach], () => CheckLoginAsync(shell, deadline, token)).ConfigureAwait(false);
        await run.CheckAsync(SchedulerCommandsCheck, [SshLogin], () => CheckSchedulerCommandsAsync(shell, site, deadline, token)).ConfigureAwait(false);
        await run.CheckAsync(RunRootWritable, [SshLogin], () => CheckRunRootAsync(shell, site, deadline, token)).ConfigureAwait(false);
        await run.CheckAsync(ClockSkew, [SshLogin], () => CheckClockSkewAsync(shell, deadline, token)).ConfigureAwait(false);
    }

    // Long enough for a slow login node, short enough that nothing waits on a dead one.
    private static TimeSpan Deadline(SshSettings? ssh) => (ssh?.ConnectTimeout ?? TimeSpan.Zero) + TimeSpan.FromSeconds(30);

    private async Task<(Outcome, SshResolvedConfig?)> CheckSshClientAsync(OpenSshShell shell, CancellationToken token)
    {
        ShellResult version;
        try
        {
            version = await ProcessRunner.RunAsync(new ShellCommand(_sshProgram, "-V") { Timeout = TimeSpan.FromSeconds(10) }, token).ConfigureAwait(false);
        }
        catch (SwarmException error) when (error.ErrorId == "CommandNotFound")
        {
            return (Outcome.Fail(
                $"The OpenSSH client '{_sshProgram}' is not installed or not on PATH.",
                "Install it (apt-get install openssh-client, dnf install openssh-clients, or use the system ssh on macOS)."), null);
        }

        // ssh -G resolves Host aliases, ports and identity files exactly as the real login will.
        var arguments = new List<string> { "-G" };
        arguments.AddRange(shell.ConnectionOptions());
        arguments.Add("--");
        arguments.Add(shell.Settings.Destination);
        var resolved = await ProcessRunner.RunAsync(new ShellCommand(_sshProgram, arguments) { Timeout = TimeSpan.FromSeconds(10) }, token).ConfigureAwait(false);
        if (!resolved.Succeeded)
        {
            return (Outcome.Fail(
                $"ssh cannot read its configuration for {shell.Settings.Destination}: {FirstLine(resolved.StandardError)}",
                $"Fix the ssh config file ({shell.Settings.ConfigFile ?? "~/.ssh/config"}) or the ssh options in the site profile."), null);
        }

        return (Outcome.Pass(FirstLine(version.StandardError + version.StandardOutput)), SshResolvedConfig.Parse(resolved.StandardOutput));
    }

    /// <summary>The in-process client needs no program and reads no ssh config: the profile's words are what it uses.</summary>
    private static (Outcome, SshResolvedConfig?) CheckInProcessClient(SshSettings ssh)
    {
        // SSH.NET's informational version (2026.0.0.1 for the 2026.0.0 package), "+commit" cut off.
        var informational = typeof(Renci.SshNet.SshClient).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        var version = informational?.Split('+')[0] ?? typeof(Renci.SshNet.SshClient).Assembly.GetName().Version?.ToString();
        var keys = ssh.IdentityFile is { } named
            ? new[] { OpenSshShell.ExpandHome(named) }
            : SshNetShell.DefaultKeyFiles.Select(OpenSshShell.ExpandHome).ToArray();
        return (Outcome.Pass($"in-process SSH.NET {version} (ssh.client: sshnet)"), new SshResolvedConfig(ssh.Host, ssh.Port, keys, null, null));
    }

    private static Outcome CheckKey(SshSettings ssh, SshResolvedConfig? resolved)
    {
        if (ssh.IdentityFile is { } named)
        {
            return CheckKeyFile(OpenSshShell.ExpandHome(named), ssh.Destination);
        }

        var agent = Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");
        // The in-process client does not use an agent, so a live one proves nothing for it.
        if (ssh.Client == SshClientKind.OpenSsh && !string.IsNullOrEmpty(agent) && File.Exists(agent))
        {
            return Outcome.Pass($"ssh-agent at {agent}");
        }

        var candidates = resolved?.IdentityFiles ?? DefaultIdentityFiles();
        var present = candidates.FirstOrDefault(File.Exists);
        if (present is not null)
        {
            return CheckKeyFile(present, ssh.Destination);
        }

        return Outcome.Warn(
            string.IsNullOrEmpty(agent)
                ? "No identity_file in the profile, no ssh-agent (SSH_AUTH_SOCK unset) and no default key in ~/.ssh; only Kerberos or certificates could log in."
                : $"SSH_AUTH_SOCK points at {agent}, which does not exist (a stale agent), and no default key is in ~/.ssh.",
            $"Create a key (ssh-keygen -t ed25519), install it on the site (ssh-copy-id {ssh.Destination}) and set identity_file, or start ssh-agent and ssh-add the key.");
    }

    private static Outcome CheckKeyFile(string path, string destination)
    {
        if (!File.Exists(path))
        {
            return Outcome.Fail(
                $"The identity file {path} does not exist.",
                $"Point identity_file at an existing private key, or create one (ssh-keygen -t ed25519 -f {path}) and install it (ssh-copy-id -i {path} {destination}).");
        }

        if (OperatingSystem.IsWindows())
        {
            return Outcome.Pass(path);
        }

        var mode = File.GetUnixFileMode(path);
        var octal = Convert.ToString((int)mode, 8).PadLeft(4, '0');
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        return (mode & others) != 0
            ? Outcome.Fail($"The identity file {path} has mode {octal}; ssh ignores a private key others can read.", $"chmod 600 {path}")
            : Outcome.Pass($"{path} (mode {octal})");
    }

    private static IReadOnlyList<string> DefaultIdentityFiles() =>
        new[] { "id_ed25519", "id_ecdsa", "id_rsa", "id_ed25519_sk", "id_ecdsa_sk" }
            .Select(name => OpenSshShell.ExpandHome($"~/.ssh/{name}")).ToList();

    private static async Task<Outcome> CheckTcpReachAsync(SshSettings ssh, SshResolvedConfig resolved, CancellationToken token)
    {
        var via = resolved.ProxyJump is not null ? $"ProxyJump {resolved.ProxyJump}"
            : resolved.ProxyCommand is not null ? $"ProxyCommand {resolved.ProxyCommand}"
            : null;
        if (via is not null)
        {
            return Outcome.Pass($"Not probed directly: ssh reaches {resolved.HostName} through {via}; the login check covers that path.");
        }

        var host = resolved.HostName.Length > 0 ? resolved.HostName : ssh.Host;
        var where = $"{host}:{resolved.Port}";
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
        deadline.CancelAfter(ssh.ConnectTimeout);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(host, resolved.Port, deadline.Token).ConfigureAwait(false);
            return Outcome.Pass($"{where} accepts connections");
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return Outcome.Fail(
                $"{where} did not answer within {ssh.ConnectTimeout.TotalSeconds:0.#} s.",
                "Check the host name and the network path (VPN, bastion: set ProxyJump in your ssh config), or raise connect_timeout in the site profile.");
        }
        catch (SocketException error) when (error.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return Outcome.Fail(
                $"{where} refused the connection: nothing listens there.",
                "Check host and port in the site profile (the login host's SSH port, usually 22) and that sshd runs there.");
        }
        catch (SocketException error) when (error.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain)
        {
            return Outcome.Fail(
                $"The host name '{host}' does not resolve ({error.Message}).",
                "Fix host in the site profile, or use a Host alias defined in your ssh config.");
        }
        catch (SocketException error)
        {
            return Outcome.Fail($"Could not connect to {where}: {error.Message}.", "Check the host, port and network path to the site.");
        }
    }

    private static async Task<Outcome> CheckLoginAsync(ISiteShell shell, TimeSpan deadline, CancellationToken token)
    {
        var result = await shell.RunAsync(new ShellCommand("true") { Timeout = deadline }, token).ConfigureAwait(false);
        if (result.TimedOut)
        {
            return Outcome.Fail(
                $"Logging in to {shell.Target} did not finish within {deadline.TotalSeconds:0} s.",
                "The site may be waiting for a prompt (MFA): open the master connection interactively with the same ControlPath first, then rerun Test-SwarmSite.");
        }

        return result.Succeeded
            ? Outcome.Pass($"Logged in to {shell.Target} without a prompt in {result.Elapsed.TotalSeconds:0.00} s")
            : Outcome.Fail(
                $"'true' exited {result.ExitCode} on {shell.Target}: {FirstLine(result.StandardError)}",
                "A login script (~/.bashrc, ~/.profile) fails or prints errors in non-interactive shells; make it quiet and successful when not interactive.");
    }

    private async Task<Outcome> CheckSchedulerCommandsAsync(ISiteShell shell, SiteProfile site, TimeSpan deadline, CancellationToken token)
    {
        var required = _schedulerCommands(site.Scheduler);
        if (required.Count == 0)
        {
            return Outcome.Pass($"The {site.Scheduler} scheduler needs no batch commands.");
        }

        var (lookup, result) = await CommandLookup.RunAsync(shell, required, deadline, token).ConfigureAwait(false);
        if (lookup is null)
        {
            return Outcome.Fail(
                $"Could not look up {string.Join(", ", required)} on {shell.Target}: {Describe(result)}",
                "Check that sh works in a non-interactive login on the site.");
        }

        if (lookup.Missing.Count > 0)
        {
            return Outcome.Fail(
                $"{string.Join(", ", lookup.Missing)} not found on PATH on {shell.Target} (needed for {site.Scheduler}).",
                $"Check that {site.Name} really runs {site.Scheduler} (scheduler in {site.Source}), or add the scheduler's bin directory to PATH for non-interactive shells (~/.bashrc).");
        }

        var directories = lookup.Found.Values.Select(Path.GetDirectoryName).Distinct();
        return Outcome.Pass($"{string.Join(", ", required)} found ({string.Join(", ", directories)})");
    }

    private static async Task<Outcome> CheckRunRootAsync(ISiteShell shell, SiteProfile site, TimeSpan deadline, CancellationToken token)
    {
        // "~" means the home directory on the far side, which only that side knows.
        const string script = """
            d=$1
            case $d in "~") d=$HOME ;; "~/"*) d=$HOME/${d#"~/"} ;; esac
            mkdir -p -- "$d" || exit 1
            probe="$d/.swarmps-preflight-$$"
            : > "$probe" || exit 1
            rm -f -- "$probe" || exit 1
            cd -- "$d" && pwd -P
            """;
        var result = await shell.RunAsync(new ShellCommand("sh", "-c", script, "sh", site.RunRoot) { Timeout = deadline }, token).ConfigureAwait(false);
        return result.Succeeded
            ? Outcome.Pass($"{result.StandardOutput.Trim()} is writable")
            : Outcome.Fail(
                $"Cannot write the run root {site.RunRoot} on {shell.Target}: {Describe(result)}",
                $"Create it with write permission for the login user, or change run_root in {site.Source}.");
    }

    private static async Task<Outcome> CheckClockSkewAsync(ISiteShell shell, TimeSpan deadline, CancellationToken token)
    {
        var before = DateTimeOffset.UtcNow;
        var result = await shell.RunAsync(new ShellCommand("date", "+%s.%N") { Timeout = deadline }, token).ConfigureAwait(false);
        var after = DateTimeOffset.UtcNow;
        if (!result.Succeeded || !TryParseEpoch(result.StandardOutput, out var remote))
        {
            return Outcome.Fail(
                $"Could not read the clock on {shell.Target}: {Describe(result)} {result.StandardOutput.Trim()}",
                "Check that 'date' works in a non-interactive login on the site.");
        }

        // The remote clock was read somewhere inside the round trip; its middle is the best local match.
        var roundTrip = after - before;
        var skew = remote - (before + roundTrip / 2);
        var magnitude = skew.Duration();
        var detail = $"{shell.Target} clock is {magnitude.TotalSeconds:0.000} s {(skew >= TimeSpan.Zero ? "ahead" : "behind")} (±{roundTrip.TotalSeconds / 2:0.000} s)";
        const string fix = "Enable time sync (chrony or systemd-timesyncd) on this machine, or report the site's clock; leases, heartbeats and merged event timelines compare clocks across sites.";
        return magnitude > ClockSkewFailure ? Outcome.Fail(detail + ".", fix)
            : magnitude > ClockSkewWarning ? Outcome.Warn(detail + ".", fix)
            : Outcome.Pass(detail);
    }

    internal static bool TryParseEpoch(string text, out DateTimeOffset time)
    {
        time = default;
        var trimmed = text.Trim();
        var dot = trimmed.IndexOf('.');
        var secondsText = dot < 0 ? trimmed : trimmed[..dot];
        if (!long.TryParse(secondsText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        // date without %N support (BSD) prints a literal "N": whole seconds are still good to ±1 s.
        var fraction = 0.0;
        if (dot >= 0 && trimmed[(dot + 1)..] is { Length: > 0 } digits && digits.All(char.IsAsciiDigit))
        {
            fraction = double.Parse("0." + digits, CultureInfo.InvariantCulture);
        }

        time = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks((long)(fraction * TimeSpan.TicksPerSecond));
        return true;
    }

    private static string Describe(ShellResult result) =>
        result.TimedOut ? "it did not finish in time." : $"exit {result.ExitCode}: {FirstLine(result.StandardError)}";

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "no output";

    /// <summary>A check's verdict before it is stamped with site, name and time.</summary>
    private readonly record struct Outcome(PreflightStatus Status, string Detail)
    {
        public static Outcome Pass(string detail) => new(PreflightStatus.Pass, detail);

        public static Outcome Warn(string problem, string fix) => new(PreflightStatus.Warn, $"{problem} Fix: {fix}");

        public static Outcome Fail(string problem, string fix) => new(PreflightStatus.Fail, $"{problem} Fix: {fix}");
    }

    /// <summary>The checks of one preflight so far, and the rule that a failed prerequisite skips a check.</summary>
    private sealed class Run(SiteProfile site, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        private readonly List<PreflightCheck> _results = new();

        public SiteProfile Site => site;

        public CancellationToken CancellationToken => cancellationToken;

        public IReadOnlyList<PreflightCheck> Results => _results;

        public async Task CheckAsync(string name, string[] dependsOn, Func<Task<Outcome>> probe)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report($"{site.Name}: {name}");
            var started = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            var blocker = dependsOn.FirstOrDefault(dependency =>
                _results.FirstOrDefault(result => result.Name == dependency)?.Status is not (PreflightStatus.Pass or PreflightStatus.Warn));
            Outcome outcome;
            if (blocker is not null)
            {
                outcome = Outcome.Fail($"Skipped because '{blocker}' failed.", $"Fix '{blocker}' first.");
            }
            else
            {
                try
                {
                    outcome = await probe().ConfigureAwait(false);
                }
                catch (SwarmException error)
                {
                    outcome = new Outcome(PreflightStatus.Fail, $"{error.ErrorId}: {error.Message} Fix: {error.Remediation}");
                }
            }

            _results.Add(new PreflightCheck
            {
                Site = site.Name,
                Name = name,
                Status = outcome.Status,
                Detail = outcome.Detail,
                Elapsed = clock.Elapsed,
                CheckedAt = started,
            });
        }
    }
}
