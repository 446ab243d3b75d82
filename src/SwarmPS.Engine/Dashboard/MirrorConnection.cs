using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Files;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// A mirror's own ssh connection: a long-lived <c>ssh -M -N</c> master on a control socket in the mirror's
/// private control directory, and the <see cref="OpenSshShell"/> each poll runs through over it.
/// </summary>
/// <remarks>
/// Why its own master and not the profile's ControlPath: other SwarmPS commands share that one, and a mirror
/// that polls every second for hours must neither keep it alive against its ControlPersist nor ever be what
/// ends it. So the mirror's settings are the profile's (user, host, port, identity, config file, options,
/// connect timeout: <see cref="OpenSshShell.ConnectionOptions"/> turns them into arguments, as for every
/// other ssh) with the control socket moved here and ControlPersist off; the polls use ControlMaster=no, so a
/// poll while the master is down connects directly and never becomes a master itself. The master is the
/// process recorded (<see cref="ProcessIdentity"/>), so stopping it touches nothing else. A profile without
/// multiplexing (ControlPath none) gets no master: each poll connects afresh, as its commands do.
/// </remarks>
public sealed class MirrorConnection
{
    /// <summary>Longest control socket path: sockaddr_un holds 104 bytes on macOS, and ssh adds a temporary suffix of 17 while it binds.</summary>
    public const int MaxSocketPathLength = 104 - 18;

    private static readonly string[] OwnOptions = ["ControlMaster", "ControlPath", "ControlPersist"];

    private readonly string _controlDirectory;
    private bool _leadsGroup;
    private ProcessIdentity? _master;

    private MirrorConnection(SshSettings settings, string controlDirectory, string? socket)
    {
        _controlDirectory = controlDirectory;
        Socket = socket;
        Shell = new OpenSshShell(settings);
    }

    /// <summary>The shell the polls run through (over <see cref="Socket"/> when there is one).</summary>
    public OpenSshShell Shell { get; }

    /// <summary>The master's control socket; null when the profile does not multiplex.</summary>
    public string? Socket { get; }

    /// <summary>The running master; null before it started, after it died, and without multiplexing.</summary>
    public ProcessIdentity? Master { get => Volatile.Read(ref _master); private set => Volatile.Write(ref _master, value); }

    private string Log => Path.Combine(_controlDirectory, "ssh.log");

    /// <summary>The mirror's settings for <paramref name="profile"/>. No I/O.</summary>
    public static MirrorConnection For(SshSettings profile, string site, string controlDirectory)
    {
        var multiplexed = profile.ControlPath is { } path && !path.Equals("none", StringComparison.OrdinalIgnoreCase);
        // A short fixed-length name (unix socket paths are short); ssh expands % tokens, so a % in the folder is doubled.
        var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{site}\n{profile.Destination}\n{profile.Port}")))[..12].ToLowerInvariant();
        var socket = multiplexed ? Path.Combine(controlDirectory, name) : null;
        if (socket is not null && Encoding.UTF8.GetByteCount(socket) > MaxSocketPathLength)
        {
            throw new SwarmException(
                "MirrorControlPathTooLong",
                $"The mirror's control socket for site '{site}' would be {socket}, longer than the {MaxSocketPathLength} bytes a unix socket path may have.",
                "Give the mirror a shorter control directory (e.g. under /tmp or $XDG_RUNTIME_DIR).",
                SwarmErrorCategory.InvalidArgument,
                socket);
        }

        var options = new Dictionary<string, string> { ["ControlMaster"] = "no" };
        foreach (var (key, value) in profile.Options.Where(option => !OwnOptions.Contains(option.Key, StringComparer.OrdinalIgnoreCase)))
        {
            options[key] = value;
        }

        var settings = profile with
        {
            ControlPath = socket?.Replace("%", "%%", StringComparison.Ordinal),
            ControlPersist = "no",
            Options = options,
        };
        return new MirrorConnection(settings, controlDirectory, socket);
    }

    /// <summary>
    /// Starts the master unless it runs (or there is none to run), and waits until its socket is there. Returns
    /// null when the connection is up, else ssh's own error line (the master exited, or did not connect in time).
    /// </summary>
    public async Task<string?> EnsureMasterAsync(CancellationToken cancellationToken)
    {
        if (Socket is null || (Master is { IsAlive: true } && File.Exists(Socket)))
        {
            return null;
        }

        await StopAsync().ConfigureAwait(false);
        OwnerOnly.CreateDirectory(_controlDirectory);
        File.Delete(Log);
        var command = new List<string>
        {
            "ssh", "-M", "-N",
            // The operator's config may forward ports for this host; a second connection binding them again would fail or steal them.
            "-o", "ClearAllForwardings=yes",
        };
        command.AddRange(Shell.ConnectionOptions());
        command.Add("--");
        command.Add(Shell.Settings.Destination);
        using var process = LoggedProcess.Start(command, new Dictionary<string, string?>(), _controlDirectory, Log, Log);
        Master = process.Identity;
        _leadsGroup = process.LeadsProcessGroup;
        var waited = Stopwatch.StartNew();
        var limit = Shell.Settings.ConnectTimeout + TimeSpan.FromSeconds(10);
        while (!File.Exists(Socket))
        {
            if (process.HasExited || waited.Elapsed > limit)
            {
                var line = FirstDiagnostic(ReadLog()) ?? (process.HasExited
                    ? $"ssh exited with {process.ExitCode} and no message"
                    : $"ssh did not connect to {Shell.Target} within {limit.TotalSeconds:0} s");
                await StopAsync().ConfigureAwait(false);
                return line;
            }

            try
            {
                await Task.Delay(25, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await StopAsync().ConfigureAwait(false);
                throw;
            }
        }

        return null;
    }

    /// <summary>Ends the master (SIGTERM to that very process, then SIGKILL) and removes its socket; nothing else is signalled.</summary>
    public async Task StopAsync()
    {
        if (Master is { } master)
        {
            await ProcessStopper.StopAsync([(master, _leadsGroup)], TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            Master = null;
        }

        if (Socket is not null && File.Exists(Socket))
        {
            // Ours alone (a name in the mirror's private folder); a master killed with SIGKILL leaves it behind.
            File.Delete(Socket);
        }
    }

    /// <summary>ssh's first line that is not a warning: the one that says what failed.</summary>
    public static string? FirstDiagnostic(string standardError) =>
        standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(line => !line.StartsWith("Warning:", StringComparison.OrdinalIgnoreCase) && !line.StartsWith("**", StringComparison.Ordinal));

    private string ReadLog()
    {
        try
        {
            return File.ReadAllText(Log);
        }
        catch (IOException)
        {
            return "";
        }
    }
}
