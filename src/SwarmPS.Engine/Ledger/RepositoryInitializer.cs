
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
        Directory.CreateDirectory(repository.SwarmDirectory);
        Directory.CreateDirectory(repository.LedgerDirectory);

        var existing = MachineLabel.Read(repository);
        var label = requested ?? existing ?? MachineLabel.Default();
        var labelChanged = existing != label;
        if (labelChanged)
        {
            MachineLabel.Write(repository, label);
        }

        var gitIgnore = File.Exists(repository.GitIgnorePath) ? File.ReadAllText(repository.GitIgnorePath) : "";
        var (text, changed) = GitIgnoreBlock.Apply(gitIgnore, repository.GitIgnorePath);
        if (changed)
        {
            AtomicFile.WriteAllText(repository.GitIgnorePath, text);
        }

        var warnings = GitIgnoreBlock.FindHidingLines(text, repository.GitIgnorePath);
        using (RunStore.Open(repository.Root))
        {
            // Opening creates runs.db and its schema, so the first New-SwarmRun needs nothing more.
        }

        return new RepositoryInitialization(repository.Root, label, labelChanged, changed, warnings);
    }
}
