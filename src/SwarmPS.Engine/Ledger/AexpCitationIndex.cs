namespace SwarmPS.Engine.Ledger;

/// <summary>
/// What <see cref="CitationValidator"/> needs from the aexp ledger during a migration: which of the run ids
/// the SwarmPS ledger and store did not resolve are aexp entries, and which experiments' statuses aexp
/// holds. Read only when <c>.aexp/ledger/</c> exists and a citation is still unresolved: the cited files
/// alone (no listing) for runs, every file only when a batch is still unmatched. A bad aexp file is a
/// warning (the aexp ledger is a migration aid, not what SwarmPS cites from), and so is a linked directory,
/// which is never read.
/// </summary>
internal sealed class AexpCitationIndex
{
    private readonly Dictionary<string, RunStatus> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<RunStatus>> _experiments = new(StringComparer.Ordinal);

    private AexpCitationIndex()
    {
    }

    /// <summary>Problems met while reading (warnings), to report with the citations' findings.</summary>
    public List<LedgerFinding> Problems { get; } = [];

    /// <summary>The index, or null when the repository has no <c>.aexp/ledger/</c> (nothing is read then).</summary>
    /// <param name="repository">Whose aexp ledger.</param>
    /// <param name="runIds">Cited run ids still unresolved; only their files are read, unless <paramref name="everyEntry"/>.</param>
    /// <param name="everyEntry">A batch is still unmatched, so every aexp entry is read (once).</param>
    public static AexpCitationIndex? Read(SwarmRepository repository, IReadOnlyCollection<string> runIds, bool everyEntry)
    {
        if (!AexpLedger.Exists(repository))
        {
            return null;
        }

        var index = new AexpCitationIndex();
        if (AexpLedger.LinkedDirectory(repository) is { } linked)
        {
            index.Problems.Add(AexpLedger.LinkedFinding(linked, FindingSeverity.Warning));
            return index;
        }

        var names = everyEntry
            ? AexpLedger.FileNames(repository)
            : runIds.Distinct(StringComparer.Ordinal).Select(id => id + ".json").ToList();
        foreach (var item in AexpLedger.Read(repository, names))
        {
            if (item is LedgerFinding problem)
            {
                index.Problems.Add(problem with { Severity = FindingSeverity.Warning });
                continue;
            }

            var entry = (AexpEntry)item;
            index._runs[entry.Id] = entry.Status;
            foreach (var experiment in entry.Experiments)
            {
                if (!index._experiments.TryGetValue(experiment, out var statuses))
                {
                    index._experiments[experiment] = statuses = [];
                }

                statuses.Add(entry.Status);
            }
        }

        return index;
    }

    /// <summary>Whether <paramref name="id"/> is a readable aexp entry, and its status there.</summary>
    public bool TryGetRun(string id, out RunStatus status) => _runs.TryGetValue(id, out status);

    /// <summary>Whether some aexp entry is linked to the experiment with one of the statuses (any, when none is given).</summary>
    public bool MatchesBatch(string experiment, IReadOnlyCollection<RunStatus> statuses) =>
        _experiments.TryGetValue(experiment, out var held) && (statuses.Count == 0 || held.Any(statuses.Contains));
}
