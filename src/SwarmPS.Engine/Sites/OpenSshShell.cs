using System.Globalization;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Runs commands on a remote login host through the system OpenSSH client, so everything the operator
/// already set up for ssh (config, agent, Kerberos, MFA master connections, ProxyJump) keeps working.
/// The argv list is turned into ONE POSIX-quoted command string, because that is all the ssh protocol
/// carries: the remote login shell parses it back into exactly the original words.
/// </summary>
public sealed partial class OpenSshShell : ISiteShell
{
    /// <summary>ssh's own failures (connect, auth, host key, bad config) all exit with this code.</summary>
    public const int SshFailureExitCode = 255;

    private readonly string _sshProgram;

    public OpenSshShell(SshSettings settings, string sshProgram = "ssh")
    {
        Settings = settings;
        _sshProgram = sshProgram;
    }

    public SshSettings Settings { get; }

    public string Target => Settings.Destination;

    public async Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default)
    {
        EnsureControlDirectory();
        var ssh = new ShellCommand(_sshProgram, BuildSshArguments(BuildRemoteCommand(command)))
        {
            StandardInput = command.StandardInput,
            StandardInputWriter = command.StandardInputWriter,
            Timeout = command.Timeout,
        };
        var result = await ProcessRunner.RunAsync(ssh, cancellationToken).ConfigureAwait(false);

        // A remote program that itself exits 255 cannot be told apart from ssh failing; every ssh-based
        // tool shares this. We side with "ssh failed", because that is by far the likelier cause and its
        // stderr (shown in the message) makes the rare other case plain.
        if (!result.TimedOut && result.ExitCode == SshFailureExitCode)
        {
            throw SshFailure.From(result.StandardError, Settings);
        }

        return result;
    }

    /// <summary>
    /// Asks the multiplexing master for this destination to exit (ssh -O exit). Harmless when none runs.
    /// </summary>
    public async Task CloseConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (Settings.ControlPath is null)
        {
            return;
        }

        var arguments = new List<string> { "-O", "exit" };
        arguments.AddRange(ConnectionOptions());
        arguments.Add("--");
        arguments.Add(Settings.Destination);
        await ProcessRunner.RunAsync(
            new ShellCommand(_sshProgram, arguments) { Timeout = TimeSpan.FromSeconds(10) },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The full ssh argv for one remote command string: options, "--", destination, command.</summary>
    public IReadOnlyList<string> BuildSshArguments(string remoteCommand)
    {
        // -T: no pseudo-terminal, so stdin/stdout stay byte-exact and no "TERM" noise reaches output.
        var arguments = new List<string> { "-T" };
        arguments.AddRange(ConnectionOptions());
        arguments.Add("--");
        arguments.Add(Settings.Destination);
        arguments.Add(remoteCommand);
        return arguments;
    }

    /// <summary>
    /// The options that pick the connection: shared by commands, ssh -O and ssh -G (preflight), so all
    /// three talk about the same master socket and the same resolved host.
    /// </summary>
    public IReadOnlyList<string> ConnectionOptions()
    {
        var arguments = new List<string>();
        if (Settings.ConfigFile is not null)
        {
            arguments.Add("-F");
            arguments.Add(ExpandHome(Settings.ConfigFile));
        }

        arguments.Add("-p");
        arguments.Add(Settings.Port.ToString(CultureInfo.InvariantCulture));
        if (Settings.IdentityFile is not null)
        {
            arguments.Add("-i");
            arguments.Add(ExpandHome(Settings.IdentityFile));
        }

        // ssh keeps the FIRST value it sees for an option, so the operator's options go before our
        // defaults and win; ours are then only fallbacks.
        var given = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in Settings.Options)
        {
            given.Add(name);
            arguments.Add("-o");
            arguments.Add($"{name}={value}");
        }

        void Default(string name, string value)
        {
            if (given.Add(name))
            {
                arguments.Add("-o");
                arguments.Add($"{name}={value}");
            }
        }

        // Never prompt: a password or passphrase prompt would hang an unattended launch at 3 a.m.
        Default("BatchMode", "yes");
        var seconds = Math.Max(1, (int)Math.Ceiling(Settings.ConnectTimeout.TotalSeconds));
        Default("ConnectTimeout", seconds.ToString(CultureInfo.InvariantCulture));
        // A login node that dies mid-command must not leave us waiting forever.
        Default("ServerAliveInterval", "15");
        Default("ServerAliveCountMax", "4");
        if (Settings.IdentityFile is not null)
        {
            // Offer only the named key: a full agent otherwise trips "Too many authentication failures".
            Default("IdentitiesOnly", "yes");
        }

        if (Settings.ControlPath is null)
        {
            Default("ControlMaster", "no");
            Default("ControlPath", "none");
        }
        else
        {
            Default("ControlMaster", "auto");
            Default("ControlPath", Settings.ControlPath);
            Default("ControlPersist", Settings.ControlPersist);
        }

        return arguments;
    }

    /// <summary>
    /// The one string the remote login shell receives: optional <c>cd -- dir &amp;&amp;</c>, optional
    /// <c>env NAME=value</c> prefix, then the program and its arguments, each word POSIX-quoted.
    /// </summary>
    public static string BuildRemoteCommand(ShellCommand command)
    {
        if (string.IsNullOrEmpty(command.Program))
        {
            throw new SwarmException(
                "CommandInvalid",
                "A remote command needs a program name; it was empty.",
                "Pass the program as the first word of the command (for a shell snippet: sh -c '<script>').");
        }

        var words = new List<string>();
        if (command.Environment is { Count: > 0 })
        {
            words.Add("env");
            foreach (var (name, value) in command.Environment)
            {
                if (!EnvironmentName().IsMatch(name))
                {
                    throw new SwarmException(
                        "EnvironmentNameInvalid",
                        $"'{name}' is not a valid environment variable name.",
                        "Use letters, digits and '_' only, not starting with a digit (e.g. SWARM_RUN_ID).",
                        SwarmErrorCategory.InvalidArgument,
                        name);
                }

                words.Add(PosixQuoting.Quote($"{name}={value}"));
            }
        }

        words.Add(PosixQuoting.Quote(command.Program));
        words.AddRange(command.Arguments.Select(PosixQuoting.Quote));
        var line = string.Join(' ', words);
        return command.WorkingDirectory is null
            ? line
            : $"cd -- {PosixQuoting.Quote(command.WorkingDirectory)} && {line}";
    }

    /// <summary>ssh will not create the directory of its control socket; a missing one fails every command.</summary>
    private void EnsureControlDirectory()
    {
        if (Settings.ControlPath is null || Settings.ControlPath.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var directory = Path.GetDirectoryName(ExpandHome(Settings.ControlPath));
        if (string.IsNullOrEmpty(directory) || directory.Contains('%') || Directory.Exists(directory))
        {
            return;
        }

        var created = Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows())
        {
            // Control sockets grant a logged-in session to whoever can reach them.
            created.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        }
    }

    internal static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + path[1..]
            : path;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();
}
