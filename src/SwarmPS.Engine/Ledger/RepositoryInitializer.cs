
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Prepares an experiment repository on this machine: <c>.swarm/</c>, <c>.swarm/ledger/</c>, the machine
/// label and the .gitignore block. Safe to run again: a label already written stays unless a new one is
/// given, and the block is refreshed in place.
/// </summary>
public static class RepositoryInitializer
{
    public static RepositoryInitialization Initialize(string root, string? machineLabel = null)
    {
        if (!Directory.Exists(root))
        {
            throw new SwarmException(
                "PathNotFound",
                $"'{root}' does not exist.",
                "Give the root directory of the experiment repository.",
                SwarmErrorCategory.ObjectNotFound,
                root);
        }

        var repository = SwarmRepository.At(root);
        var requested = machineLabel is null ? null : MachineLabel.Validate(machineLabel);
        // Owner-only from the first moment: the run store below holds raw statepoints. The ledger is
        // committed and shared through git, not through this directory's mode.
        OwnerOnly.CreateDirectory(repository.SwarmDirectory);
        OwnerOnly.Tighten(repository.SwarmDirectory);
        OwnerOnly.CreateDirectory(repository.LedgerDirectory);

        var existing = MachineLabel.Read(repository);
        var label = requested ?? existing ?? MachineLabel.Default();
        var labelChanged = existing != label;
        if (labelChanged)
        {
            MachineLabel.Write(repository, label);
        }

        var gitIgnore = ReadGitIgnore(repository);
        var (text, changed) = GitIgnoreBlock.Apply(gitIgnore, repository.GitIgnorePath);
        if (changed)
        {
            // .gitignore is the user's committed file, not ours: it keeps the mode it had (0644 when new).
            AtomicFile.WriteAllText(repository.GitIgnorePath, text, ExistingMode(repository.GitIgnorePath) ?? (UnixFileMode)0b110_100_100);
        }

        var warnings = GitIgnoreBlock.FindHidingLines(text, repository.GitIgnorePath);
        using (RunStore.Open(repository.Root))
        {
            // Opening creates runs.db and its schema, so the first New-SwarmRun needs nothing more.
        }

        return new RepositoryInitialization(repository.Root, label, labelChanged, changed, warnings);
    }

    private static string ReadGitIgnore(SwarmRepository repository)
    {
        try
        {
            return BoundedFileRead.ReadAllText(repository.GitIgnorePath, BoundedFileRead.TextFileLimit, followLinks: true) ?? "";
        }
        catch (IOException error)
        {
            throw new SwarmException(
                "GitIgnoreBlockBroken",
                $"'{repository.GitIgnorePath}' could not be read: {error.Message}",
                "Make .gitignore a regular text file (at most 1 MiB), then run Initialize-SwarmRepository again.",
                SwarmErrorCategory.InvalidData,
                repository.GitIgnorePath,
                error);
        }
    }

    private static UnixFileMode? ExistingMode(string path) =>
        !OperatingSystem.IsWindows() && File.Exists(path) ? File.GetUnixFileMode(path) : null;
}
