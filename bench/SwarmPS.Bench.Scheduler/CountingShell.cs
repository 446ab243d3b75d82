using SwarmPS.Engine.Sites;

namespace SwarmPS.Bench.Scheduler;

/// <summary>Wraps the real shell and counts the commands that go through it, by program.</summary>
internal sealed class CountingShell(ISiteShell inner) : ISiteShell
{
    private int _calls;

    public string Target => inner.Target;

    public int Calls => _calls;

    public List<string> Programs { get; } = new();

    public Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _calls);
        lock (Programs)
        {
            Programs.Add(command.Program);
        }

        return inner.RunAsync(command, cancellationToken);
    }
}
