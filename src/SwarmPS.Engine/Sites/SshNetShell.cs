using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Runs commands on a remote login host through the in-process SSH.NET client (<c>ssh: { client: sshnet }</c>),
/// for machines that have no OpenSSH client. The remote command string is the one <see cref="OpenSshShell"/>
/// builds (<see cref="OpenSshShell.BuildRemoteCommand"/>), so both transports deliver the same words.
/// One connection serves every command of a shell: made on the first command, made again when it dropped,
/// so a hundred status polls pay for one handshake. Host keys are checked against known_hosts and an
/// unknown one is refused, never accepted; keys come from identity_file or the user's default key files
/// (SSH.NET does not talk to ssh-agent).
/// </summary>
public sealed class SshNetShell : ISiteShell, IDisposable
{
    /// <summary>The key files tried, in ssh's order, when the profile names none.</summary>
    public static readonly IReadOnlyList<string> DefaultKeyFiles = new[] { "~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa" };

    // One shell (so one connection) per distinct set of settings in this process: the cmdlets ask
    // SiteShell.For for a shell on every call, and each would otherwise open its own connection.
    private static readonly ConcurrentDictionary<string, SshNetShell> SharedShells = new(StringComparer.Ordinal);

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private SshClient? _client;
    private int _connections;

    public SshNetShell(SshSettings settings)
    {
        if (settings.ConfigFile is not null)
        {
            throw new SwarmException(
                "SshSettingNotSupported",
                $"An ssh_config file ('{settings.ConfigFile}') is not read with client: sshnet.",
                SshNetOptions.Remediation,
                SwarmErrorCategory.InvalidArgument,
                settings.ConfigFile);
        }

        foreach (var (name, value) in settings.Options)
        {
            if (SshNetOptions.Problem(name, value) is { } problem)
            {
                throw new SwarmException("SshSettingNotSupported", problem, SshNetOptions.Remediation, SwarmErrorCategory.InvalidArgument, name);
            }
        }

        Settings = settings;
    }

    public SshSettings Settings { get; }

    public string Target => Settings.Destination;

    /// <summary>How many times this shell has connected (and authenticated): 1 for any number of commands on a live link.</summary>
    public int Connections => _connections;

    /// <summary>The shell this process shares for these settings, so commands of every caller reuse one connection.</summary>
    public static SshNetShell Shared(SshSettings settings) => SharedShells.GetOrAdd(SharingKey(settings), _ => new SshNetShell(settings));

    public async Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default)
    {
        // Built (and checked) before connecting, so a bad command costs no handshake.
        var remoteCommand = OpenSshShell.BuildRemoteCommand(command);
        var client = await ConnectedClientAsync(cancellationToken).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (command.Timeout is { } timeout)
        {
            deadline.CancelAfter(timeout);
        }

        using var ssh = client.CreateCommand(remoteCommand);
        try
        {
            var execution = ssh.ExecuteAsync(deadline.Token);
            await SendInputAsync(ssh, command.StandardInput, deadline.Token).ConfigureAwait(false);
            await execution.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadline.IsCancellationRequested)
        {
            // As OpenSshShell, the remote program is not waited for. Its partial output is not returned: SSH.NET
            // hands output over only once a command has completed.
            return new ShellResult(-1, "", "", clock.Elapsed, TimedOut: true);
        }
        catch (Exception error) when (error is SshException or SocketException or ObjectDisposedException
            && !cancellationToken.IsCancellationRequested)
        {
            Forget(client);
            throw SshNetFailure.Dropped(error, Settings);
        }

        return new ShellResult(ExitCode(ssh), ssh.Result, ssh.Error, clock.Elapsed);
    }

    /// <summary>Closes the connection; the next command opens a new one.</summary>
    public void Disconnect()
    {
        _connecting.Wait();
        try
        {
            _client?.Dispose();
            _client = null;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public void Dispose()
    {
        Disconnect();
        _connecting.Dispose();
    }

    /// <summary>
    /// The remote exit status; a command ended by a signal gets 128 + its number, as a shell reports it.
    /// A channel that closed with neither means the link failed under the command.
    /// </summary>
    private int ExitCode(SshCommand ssh)
    {
        if (ssh.ExitStatus is { } status)
        {
            return status;
        }

        if (ssh.ExitSignal is { } signal)
        {
            return 128 + SignalNumber(signal);
        }

        throw SshNetFailure.Dropped(new SshException("the command ended without an exit status"), Settings);
    }

    private static int SignalNumber(string name) => name switch
    {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "SEGV" => 11,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    };

    /// <summary>
    /// Writes the command's stdin and closes it. Always closed, even with nothing to send: an open channel
    /// would leave a command that reads stdin (cat) waiting forever, where OpenSSH gives it end-of-file.
    /// </summary>
    private static async Task SendInputAsync(SshCommand ssh, byte[]? input, CancellationToken token)
    {
        var stream = ssh.CreateInputStream();
        await using (stream.ConfigureAwait(false))
        {
            if (input is { Length: > 0 })
            {
                await stream.WriteAsync(input, token).ConfigureAwait(false);
            }
        }
    }

    private async Task<SshClient> ConnectedClientAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client is { IsConnected: true })
            {
                return _client;
            }

            // A dropped link (the host rebooted, a NAT forgot us) is replaced, not reported.
            _client?.Dispose();
            _client = null;
            var hostKey = new SshNetHostKeyCheck(SshNetOptions.KnownHostsFiles(Settings));
            var client = new SshClient(ConnectionInfo()) { KeepAliveInterval = SshNetOptions.KeepAlive(Settings) };
            client.HostKeyReceived += (_, key) => key.CanTrust = hostKey.Judge(Settings.Host, Settings.Port, key.HostKey, key.FingerPrintSHA256);
            try
            {
                await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                client.Dispose();
                if (error is OperationCanceledException && cancellationToken.IsCancellationRequested)
                {
                    throw;
                }

                throw SshNetFailure.FromConnect(error, hostKey, Settings);
            }

            _client = client;
            Interlocked.Increment(ref _connections);
            return client;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private void Forget(SshClient client)
    {
        _connecting.Wait();
        try
        {
            if (ReferenceEquals(_client, client))
            {
                _client = null;
                client.Dispose();
            }
        }
        finally
        {
            _connecting.Release();
        }
    }

    private ConnectionInfo ConnectionInfo()
    {
        var user = Settings.User ?? Environment.UserName;
        var keys = Settings.IdentityFile is { } named
            ? new[] { LoadKey(OpenSshShell.ExpandHome(named), required: true)! }
            : DefaultKeyFiles.Select(path => LoadKey(OpenSshShell.ExpandHome(path), required: false)).OfType<PrivateKeyFile>().ToArray();
        if (keys.Length == 0)
        {
            throw SshNetFailure.KeyUnusable(
                string.Join(", ", DefaultKeyFiles), "no identity_file is set and none of the default key files is a usable key", Settings);
        }

        return new ConnectionInfo(Settings.Host, Settings.Port, user, new PrivateKeyAuthenticationMethod(user, keys))
        {
            Timeout = Settings.ConnectTimeout,
        };
    }

    /// <summary>
    /// A key file as ssh would take it: present, private to its owner, readable without a passphrase
    /// (there is no prompt). A named key that fails is an error; a default one is skipped, as ssh skips it.
    /// </summary>
    private PrivateKeyFile? LoadKey(string path, bool required)
    {
        string? problem;
        if (!File.Exists(path))
        {
            problem = "the file does not exist";
        }
        else if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            problem = "it is readable or writable by others (ssh refuses such a key too)";
        }
        else
        {
            try
            {
                return new PrivateKeyFile(path);
            }
            catch (SshPassPhraseNullOrEmptyException)
            {
                problem = "it is protected by a passphrase, and the in-process client cannot ask for one";
            }
            catch (Exception error) when (error is SshException or IOException or UnauthorizedAccessException or ArgumentException or FormatException)
            {
                problem = $"it is not a private key SSH.NET can read ({error.Message})";
            }
        }

        return required ? throw SshNetFailure.KeyUnusable(path, problem, Settings) : null;
    }

    private static string SharingKey(SshSettings settings) => string.Join(
        '\n',
        settings.Destination,
        settings.Port,
        settings.IdentityFile,
        settings.ConnectTimeout.Ticks,
        string.Join('\n', settings.Options.OrderBy(option => option.Key, StringComparer.Ordinal).Select(option => $"{option.Key}={option.Value}")));
}
