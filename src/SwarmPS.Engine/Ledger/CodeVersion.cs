using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The git commit a run's code came from and whether the working tree had uncommitted changes
/// (tracked or untracked, ignored files excepted). Outside a git repository, or without git, both are null:
/// a run is still recorded, just without provenance.
/// </summary>
public sealed record CodeVersion(string? Commit, bool? Dirty)
{
    public static CodeVersion Unknown { get; } = new(null, null);

    public static CodeVersion Read(string repositoryRoot)
    {
        try
        {
            var head = Git(repositoryRoot, "rev-parse", "--verify", "--quiet", "HEAD");
            if (!head.Succeeded)
            {
                return Unknown;
            }

            // The ledger itself changes as runs finish; it is not code, so it does not make the tree dirty.
            var status = Git(repositoryRoot, "status", "--porcelain=v1", "--", ".", ":(exclude).swarm");
            return new CodeVersion(head.StandardOutput.Trim(), status.Succeeded ? status.StandardOutput.Length > 0 : null);
        }
        catch (SwarmException error) when (error.ErrorId == "CommandNotFound")
        {
            return Unknown;
        }
    }

    private static ShellResult Git(string root, params string[] arguments) =>
        ProcessRunner.RunAsync(new ShellCommand("git", new[] { "-C", root }.Concat(arguments).ToArray())
        {
            Timeout = TimeSpan.FromSeconds(30),
        }).GetAwaiter().GetResult();
}
