using System.Diagnostics;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Sites;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// "Another machine": a user of its own (swarmps-remote, its own home, no SwarmPS or pwsh) behind a real
/// sshd on 127.0.0.1:2223 that admits only it (tests/infra/start-remote-user.sh). A remote launch that
/// quietly ran locally would run as this process's user under its own run root; the tests check the uid of
/// the processes and that the run directory is under this user's home. Dispose ends every process of that
/// test-only user and its sshd (tests/infra/stop-remote-user.sh), so nothing is left on the remote side.
/// </summary>
public sealed class RemoteUserFixture : IAsyncLifetime
{
    public const string StateDirectory = "/tmp/swarmps-test/sshd-remote";

    public string User { get; private set; } = "";

    public int Uid { get; private set; }

    public string Home { get; private set; } = "";

    public int Port { get; private set; }

    public string ControlDirectory => Path.Combine(StateDirectory, "mux");

    public async Task InitializeAsync()
    {
        var (exitCode, text, error) = await RunInfraScript("start-remote-user.sh");
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"tests/infra/start-remote-user.sh failed (exit {exitCode}):\n{text}\n{error}\nSee {StateDirectory}/sshd.log.");
        }

        string Field(string name) => text.Split(' ', '\n').First(word => word.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..].Trim();
        Port = int.Parse(Field("port"));
        User = Field("user");
        Uid = int.Parse(Field("uid"));
        Home = Field("home");
        Directory.CreateDirectory(ControlDirectory);
    }

    public async Task DisposeAsync()
    {
        await new OpenSshShell(Settings()).CloseConnectionAsync();
        await RunInfraScript("stop-remote-user.sh");
    }

    /// <summary>The remote site's ssh settings: this user, this key, this sshd; independent of ~/.ssh/config.</summary>
    public SshSettings Settings() => new()
    {
        Host = "127.0.0.1",
        User = User,
        Port = Port,
        IdentityFile = Path.Combine(StateDirectory, "id_ed25519"),
        ConfigFile = "/dev/null",
        ControlPath = Path.Combine(ControlDirectory, "%C"),
        ControlPersist = "60",
        ConnectTimeout = TimeSpan.FromSeconds(5),
        Options = new Dictionary<string, string>
        {
            ["UserKnownHostsFile"] = Path.Combine(StateDirectory, "known_hosts"),
            ["StrictHostKeyChecking"] = "yes",
        },
    };

    /// <summary>The real uid of a live process, from /proc (the "remote" is this machine, which proves who runs it).</summary>
    public static int UidOf(int pid) =>
        int.Parse(File.ReadAllLines($"/proc/{pid}/status").First(line => line.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);

    private static async Task<(int ExitCode, string Output, string Error)> RunInfraScript(string name)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(SshdFixture.RepositoryRoot(), "tests", "infra", name));
        start.ArgumentList.Add(StateDirectory);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }
}

[CollectionDefinition(Name)]
public sealed class RemoteUserCollection : ICollectionFixture<RemoteUserFixture>
{
    public const string Name = "remote user";
}
