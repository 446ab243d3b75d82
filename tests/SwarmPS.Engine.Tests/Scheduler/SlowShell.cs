using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// A site whose every command first waits (a real <c>sleep</c> process in front of the real command), as
/// a busy scheduler or a slow link does; cancelling must kill that process, not wait it out.
/// </summary>
public sealed class SlowShell(ISiteShell inner, TimeSpan delay) : ISiteShell
{
    public string Target => inner.Target;

    public Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default)
    {
        var arguments = new List<string> { "-c", $"sleep {delay.TotalSeconds:0}; exec \"$0\" \"$@\"", command.Program };
        arguments.AddRange(command.Arguments);
        return inner.RunAsync(command with { Program = "bash", Arguments = arguments }, cancellationToken);
    }
}
