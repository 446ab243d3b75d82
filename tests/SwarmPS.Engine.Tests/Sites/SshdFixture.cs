using System.Diagnostics;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Sites;

/// <summary>
/// A real OpenSSH server on 127.0.0.1, started by tests/infra/start-sshd.sh (which installs openssh when
/// missing and reuses a daemon already running from the same state directory, so parallel or repeated
/// runs share one). Nothing is skipped: if sshd cannot start, every test in the collection fails with
/// the script's output. An sshd these tests started is stopped when the last fixture of this process is
/// disposed; one that was already running (.ci/run's) is left to whoever started it.
/// </summary>
public sealed class SshdFixture : IAsyncLifetime
{
    public const string StateDirectory = "/tmp/swarmps-test/sshd";

    // The sshd collection and the slurm-over-ssh collection each hold a fixture, and xunit runs them in
    // parallel: the daemon is stopped only once neither uses it.
    private static readonly SemaphoreSlim Users = new(1, 1);
    private static int _userCount;
    private static bool _startedByThisProcess;
    private bool _counted;

    public int Port { get; private set; }

    public string KeyFile => Path.Combine(StateDirectory, "id_ed25519");

    public string KnownHosts => Path.Combine(StateDirectory, "known_hosts");

    private static int _instances;

    /// <summary>
    /// Control sockets of this fixture's tests live here, so tests can see them and stop-sshd.sh closes them.
    /// One folder per fixture: the sshd collection and the slurm-over-ssh collection each hold one and run in
    /// parallel, and disposing one must close only its own masters, not the one the other's test is using.
    /// (A short name: a control socket's path, with ssh's temporary suffix, must fit in 108 bytes.)
    /// </summary>
    public string ControlDirectory { get; } = Path.Combine(StateDirectory, "mux", $"f{Interlocked.Increment(ref _instances)}");

    public string User => Environment.GetEnvironmentVariable("SSHD_USER") ?? Environment.UserName;

    public async Task InitializeAsync()
    {
        await Users.WaitAsync();
        try
        {
            var (exitCode, text, error) = await RunInfraScript("start-sshd.sh");
            if (exitCode != 0)
            {
                throw new InvalidOperationException(
                    $"tests/infra/start-sshd.sh failed (exit {exitCode}); the SSH tests need a real sshd on "
                    + $"127.0.0.1. Output:\n{text}\n{error}\nSee {StateDirectory}/sshd.log and /tmp/swarmps-apt-sshd.log.");
            }

            if (_userCount++ == 0)
            {
                _startedByThisProcess = !error.Contains("already running", StringComparison.Ordinal);
            }

            _counted = true;

            ReadPort(text);
        }
        finally
        {
            Users.Release();
        }

        Directory.CreateDirectory(ControlDirectory);
    }

    public async Task DisposeAsync()
    {
        // Close our masters so no ssh process outlives the test run.
        await new OpenSshShell(Settings()).CloseConnectionAsync();
        await Users.WaitAsync();
        try
        {
            if (_counted && --_userCount == 0 && _startedByThisProcess)
            {
                await RunInfraScript("stop-sshd.sh");
                _startedByThisProcess = false;
            }
        }
        finally
        {
            Users.Release();
        }
    }

    private void ReadPort(string text)
    {
        var portField = text.Split(' ', '\n').FirstOrDefault(word => word.StartsWith("port=", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"start-sshd.sh printed no port: {text}");
        Port = int.Parse(portField["port=".Length..]);
    }

    private async Task<(int ExitCode, string Output, string Error)> RunInfraScript(string name)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "tests", "infra", name));
        start.ArgumentList.Add(StateDirectory);
        start.Environment["SSHD_PORT"] = Environment.GetEnvironmentVariable("SSHD_PORT") ?? "2222";
        start.Environment["SSHD_USER"] = User;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Settings for the test sshd, independent of the user's own ~/.ssh/config.</summary>
    public SshSettings Settings(string? controlPath = "default", string? identityFile = null, int? port = null) => new()
    {
        Host = "127.0.0.1",
        User = User,
        Port = port ?? Port,
        IdentityFile = identityFile ?? KeyFile,
        ConfigFile = "/dev/null",
        ControlPath = controlPath == "default" ? Path.Combine(ControlDirectory, "%C") : controlPath,
        ControlPersist = "60",
        ConnectTimeout = TimeSpan.FromSeconds(5),
        Options = new Dictionary<string, string>
        {
            ["UserKnownHostsFile"] = KnownHosts,
            ["StrictHostKeyChecking"] = "yes",
        },
    };

    /// <summary>
    /// The same site for the in-process SSH.NET client: no ssh_config (it reads none), the same key and
    /// known_hosts; the control path is not used by it.
    /// </summary>
    public SshSettings SshNetSettings(string? identityFile = null, int? port = null) =>
        Settings(controlPath: null, identityFile: identityFile, port: port) with { Client = SshClientKind.SshNet, ConfigFile = null };

    /// <summary>A shell of either transport on this sshd, for tests that must hold for both.</summary>
    public ISiteShell Shell(string client) => client switch
    {
        "openssh" => new OpenSshShell(Settings()),
        "sshnet" => new SshNetShell(SshNetSettings()),
        _ => throw new ArgumentOutOfRangeException(nameof(client), client, "openssh or sshnet"),
    };

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "tests", "infra", "start-sshd.sh")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"tests/infra/start-sshd.sh not found above {AppContext.BaseDirectory}.");
    }
}

[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd";
}
