
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Prepares an experiment repository on this machine: <c>.swarm/</c>, <c>.swarm/ledger/</c>, the machine
/// label, the .gitignore block and, when one is chosen, the run id scheme (<see cref="RepositoryConfig"/>).
/// Safe to run again: a label already written stays unless a new one is given, the block is refreshed in
/// place, and the scheme recorded stays unless a change is forced.
/// </summary>
public static class RepositoryInitializer
{
    public static RepositoryInitialization Initialize(string root, string? machineLabel = null, RunIdScheme? idScheme = null, bool force = false)
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

        var warnings = GitIgnoreBlock.FindHidingLines(text, repository.GitIgnorePath).ToList();
        int existingRuns;
        using (var store = RunStore.Open(repository.Root))
        {
            // Opening creates runs.db and its schema, so the first New-SwarmRun needs nothing more.
            existingRuns = store.CountRuns();
        }

        var (scheme, schemeChanged) = ChooseIdScheme(repository, idScheme, force, existingRuns, warnings);
        return new RepositoryInitialization(repository.Root, label, labelChanged, changed, warnings) { IdScheme = scheme, IdSchemeChanged = schemeChanged };
    }

    /// <summary>
    /// Records the requested scheme, or keeps the one recorded. A repository that already has runs (or a
    /// recorded scheme) has ids made by its scheme: changing it would give a statepoint already run a second
    /// id, so a change is refused unless forced, and a forced one says what keeps its old id.
    /// </summary>
    private static (RunIdScheme Scheme, bool Changed) ChooseIdScheme(SwarmRepository repository, RunIdScheme? requested, bool force, int existingRuns, List<LedgerFinding> warnings)
    {
        var recorded = RepositoryConfig.Read(repository);
        var current = recorded?.IdScheme ?? RunIdScheme.Swarm;
        if (requested is not { } wanted || (recorded is not null && wanted == current))
        {
            return (current, false);
        }

        var entries = LedgerDirectoryListing.EntryIds(repository).Count;
        // No config.json yet and nothing recorded: the first choice, free to make.
        var isChange = wanted != current && (recorded is not null || entries > 0 || existingRuns > 0);
        if (isChange && !force)
        {
            throw new SwarmException(
                "IdSchemeChangeRefused",
                $"'{repository.Root}' gives run ids by the {RepositoryConfig.NameOf(current)} scheme{(recorded is null ? " (the default: it has runs but no .swarm/config.json)" : "")}, with {entries} ledger entries and {existingRuns} runs in this machine's store; the {RepositoryConfig.NameOf(wanted)} scheme would give a statepoint already run a second id.",
                $"Keep the scheme (run Initialize-SwarmRepository without -IdScheme), or start the {RepositoryConfig.NameOf(wanted)} repository in a new directory and bring the runs over (Import-SwarmSignacProject, Convert-SwarmLedger -From Aexp). To change it anyway, pass -Force: the runs already recorded keep their ids.",
                SwarmErrorCategory.InvalidOperation,
                repository.Root);
        }

        RepositoryConfig.Write(repository, new RepositoryConfig(wanted));
        if (isChange)
        {
            warnings.Add(new LedgerFinding(
                "IdSchemeChanged", FindingSeverity.Warning, ".swarm/config.json", 0, null,
                $"The run id scheme is now {RepositoryConfig.NameOf(wanted)} (was {RepositoryConfig.NameOf(current)}): the {entries} ledger entries and {existingRuns} runs already recorded keep their {RepositoryConfig.NameOf(current)} ids (citations of them stay valid), and a statepoint run again gets a new {RepositoryConfig.NameOf(wanted)} id. Commit .swarm/config.json so every clone follows."));
        }

        return (wanted, true);
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
