namespace SwarmPS.Engine.Ledger;

/// <summary>
/// An experiment repository and the SwarmPS paths inside it. <see cref="Locate"/> walks up from a
/// directory to the first one holding <c>.swarm/</c> or <c>.git</c>, the way git finds its root, so every
/// cmdlet works from any subdirectory.
/// </summary>
public sealed class SwarmRepository
{
    private SwarmRepository(string root)
    {
        Root = root;
    }

    public string Root { get; }

    public string SwarmDirectory => Path.Combine(Root, ".swarm");

    public string RunStorePath => Path.Combine(SwarmDirectory, "runs.db");

    public string LedgerDirectory => Path.Combine(SwarmDirectory, "ledger");

    public string MachineFilePath => Path.Combine(SwarmDirectory, "machine.json");

    /// <summary>The committed settings (<see cref="RepositoryConfig"/>).</summary>
    public string ConfigPath => Path.Combine(SwarmDirectory, "config.json");

    public string GitIgnorePath => Path.Combine(Root, ".gitignore");

    public bool IsInitialized => Directory.Exists(SwarmDirectory);

    /// <summary>The repository at exactly this directory, without walking up.</summary>
    public static SwarmRepository At(string root) => new(Path.GetFullPath(root).TrimEnd(Path.DirectorySeparatorChar) is { Length: > 0 } full ? full : "/");

    /// <summary>Walks up from <paramref name="start"/> (a file or directory) to the repository root.</summary>
    public static SwarmRepository Locate(string start)
    {
        var full = Path.GetFullPath(start);
        var directory = Directory.Exists(full) ? new DirectoryInfo(full) : new FileInfo(full).Directory;
        if (directory is null || !directory.Exists)
        {
            throw new SwarmException(
                "PathNotFound",
                $"'{start}' does not exist.",
                "Give a path inside an experiment repository.",
                SwarmErrorCategory.ObjectNotFound,
                start);
        }

        for (var current = directory; current is not null; current = current.Parent)
        {
            if (Directory.Exists(Path.Combine(current.FullName, ".swarm"))
                || Directory.Exists(Path.Combine(current.FullName, ".git"))
                || File.Exists(Path.Combine(current.FullName, ".git")))
            {
                return At(current.FullName);
            }
        }

        throw new SwarmException(
            "RepositoryNotFound",
            $"No experiment repository holds '{full}': no parent directory has a .swarm/ or .git.",
            "Run this from inside a git repository, or run Initialize-SwarmRepository in the experiment's root directory first.",
            SwarmErrorCategory.ObjectNotFound,
            start);
    }

    /// <summary>Throws <c>RepositoryNotInitialized</c> unless <c>.swarm/</c> exists.</summary>
    public SwarmRepository EnsureInitialized()
    {
        if (!IsInitialized)
        {
            throw new SwarmException(
                "RepositoryNotInitialized",
                $"'{Root}' has no .swarm/ directory, so it has no run store yet.",
                $"Run 'Initialize-SwarmRepository -Path {Root}' once on this machine.",
                SwarmErrorCategory.ObjectNotFound,
                Root);
        }

        return this;
    }

    /// <summary>The ledger file of a run; the id is validated first, so it can never name another path.</summary>
    public string LedgerEntryPath(string runId) => Path.Combine(LedgerDirectory, LedgerRunId.Validate(runId) + ".json");

    /// <summary>
    /// The first directory along <paramref name="relativePath"/> (e.g. <c>.swarm/ledger</c>) that is a symbolic
    /// link, as a path relative to the root (<c>.swarm</c> or <c>.swarm/ledger</c>); null when none is. A clone
    /// can carry such a link, and writing or reading through it would go wherever it points.
    /// </summary>
    internal string? FirstLinkedDirectory(string relativePath)
    {
        var walked = "";
        foreach (var part in relativePath.Split('/'))
        {
            walked = walked.Length == 0 ? part : walked + "/" + part;
            if (new DirectoryInfo(Path.Combine(Root, walked)).LinkTarget is not null)
            {
                return walked;
            }
        }

        return null;
    }

    public override string ToString() => Root;
}
