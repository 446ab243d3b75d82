namespace SwarmPS.Engine.Sites;

/// <summary>
/// Gives every command run on a site the profile's <c>environment</c>, so the scheduler's own commands
/// (sbatch, squeue, qsub, qstat) find what the site needs on the far side: SLURM_CONF for a second
/// cluster, SGE_ROOT/SGE_CELL, a PATH entry. A variable the command sets itself wins over the profile's.
/// Values travel as <c>env NAME=value</c> words (see docs/remote-shell.md): never put secrets there.
/// </summary>
public sealed class SiteEnvironmentShell : ISiteShell
{
    private readonly ISiteShell _inner;
    private readonly IReadOnlyDictionary<string, string> _environment;

    public SiteEnvironmentShell(ISiteShell inner, IReadOnlyDictionary<string, string> environment)
    {
        _inner = inner;
        _environment = environment;
    }

    public string Target => _inner.Target;

    /// <summary>The shell that runs the commands (local or OpenSSH).</summary>
    public ISiteShell Inner => _inner;

    public Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default)
    {
        var merged = new Dictionary<string, string>(_environment, StringComparer.Ordinal);
        foreach (var (name, value) in command.Environment ?? new Dictionary<string, string>())
        {
            merged[name] = value;
        }

        return _inner.RunAsync(command with { Environment = merged }, cancellationToken);
    }
}
