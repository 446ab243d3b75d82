using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>Passes every command to a real shell and counts them by program; can make chosen calls fail like a broken link or a refusing scheduler.</summary>
public sealed class CountingShell(ISiteShell inner) : ISiteShell
{
    private readonly object _gate = new();

    public string Target => inner.Target;

    public List<ShellCommand> Commands { get; } = new();

    /// <summary>Return this instead of running the command, when it returns non-null.</summary>
    public Func<ShellCommand, int, ShellResult?>? Fault { get; set; }

    public int Count(string program)
    {
        lock (_gate)
        {
            return Commands.Count(c => c.Program == program);
        }
    }

    public Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default)
    {
        int number;
        lock (_gate)
        {
            Commands.Add(command);
            number = Commands.Count;
        }

        var fault = Fault?.Invoke(command, number);
        return fault is not null ? Task.FromResult(fault) : inner.RunAsync(command, cancellationToken);
    }
}
