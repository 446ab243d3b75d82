using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// The real SLURM (tests/infra/start-slurm.sh) reached through the real sshd on 127.0.0.1
/// (tests/infra/start-sshd.sh), which logs in as this machine's user: SLURM commands run "remotely" in an
/// ssh login that inherits nothing from the test process. Both start scripts reuse running daemons.
/// </summary>
public sealed class RemoteSlurmFixture : IAsyncLifetime
{
    private readonly SshdFixture _sshd = new();
    private SlurmFixture? _slurm;

    public SshdFixture Sshd => _sshd;

    /// <summary>Its own ControlPath, so closing it never touches the masters of the sshd collection's tests.</summary>
    public string ControlPath => Path.Combine(_sshd.ControlDirectory, "sched-%C");

    public async Task InitializeAsync()
    {
        _slurm = new SlurmFixture();
        await _sshd.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await new OpenSshShell(_sshd.Settings(ControlPath)).CloseConnectionAsync();
        // Its sshd fixture counts as one user of the daemon; the last one out stops one these tests started.
        await _sshd.DisposeAsync();
        _slurm?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RemoteSlurmCollection : ICollectionFixture<RemoteSlurmFixture>
{
    public const string Name = "slurm over ssh";
}
