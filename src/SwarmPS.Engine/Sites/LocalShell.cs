namespace SwarmPS.Engine.Sites;

/// <summary>Runs commands on this machine, for the <c>local</c> site and for login-node use without SSH.</summary>
public sealed class LocalShell : ISiteShell
{
    public static readonly LocalShell Instance = new();

    public string Target => "local";

    public Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync(command, cancellationToken);
}
