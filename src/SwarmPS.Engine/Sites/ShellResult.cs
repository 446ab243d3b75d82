namespace SwarmPS.Engine.Sites;

/// <summary>What a finished command left behind. A timed-out command has <see cref="TimedOut"/> set and exit code -1.</summary>
public sealed record ShellResult(int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed, bool TimedOut = false)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}
