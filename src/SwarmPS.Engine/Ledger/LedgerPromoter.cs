using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Writes one terminal run to <c>.swarm/ledger/&lt;id&gt;.json</c> atomically. Any I/O failure becomes a
/// failed <see cref="PromotionOutcome"/> instead of an exception, because the caller has already
/// recorded the status and must not lose it.
/// </summary>
public static class LedgerPromoter
{
    public const string DirectoryLinkedId = "LedgerDirectoryLinked";

    /// <param name="repository">Where the entry goes.</param>
    /// <param name="run">A terminal run.</param>
    /// <param name="promotedAt">The entry's <c>promoted_at</c>.</param>
    /// <param name="rule">The repository's redaction rule, when the caller promotes many runs and read it once; null reads it here.</param>
    public static PromotionOutcome Promote(SwarmRepository repository, LedgerRun run, DateTimeOffset promotedAt, RedactionRule? rule = null) =>
        Write(repository, run, promotedAt, rule, flushDirectory: true);

    /// <summary>
    /// Promotes many terminal runs at once (a poll that ends a thousand tasks, Sync-SwarmLedger). Each entry
    /// is a latency-bound create, fsync and rename, so several are rendered and written at once, and the
    /// ledger directory is flushed to disk once after the last rename rather than once per entry. Every entry
    /// is still written whole or not at all; a crash before that flush may lose some renames (never half an
    /// entry), and the caller records promotions only after it, so Sync-SwarmLedger writes those again.
    /// </summary>
    /// <param name="repository">Where the entries go.</param>
    /// <param name="runs">Terminal runs.</param>
    /// <param name="clock">Gives each entry its <c>promoted_at</c>, read as it is written.</param>
    /// <param name="rule">The repository's redaction rule, read once by the caller; null reads it per entry.</param>
    /// <param name="cancellationToken">Stops starting new entries; those written stay.</param>
    /// <returns>One outcome per run, in the order of <paramref name="runs"/>, with the time it was promoted at.</returns>
    public static (PromotionOutcome Outcome, DateTimeOffset At)[] PromoteAll(
        SwarmRepository repository, IReadOnlyList<LedgerRun> runs, TimeProvider clock, RedactionRule? rule, CancellationToken cancellationToken = default)
    {
        var outcomes = new (PromotionOutcome Outcome, DateTimeOffset At)[runs.Count];
        Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = ConcurrentWrites, CancellationToken = cancellationToken }, i =>
        {
            var at = clock.GetUtcNow();
            outcomes[i] = (Write(repository, runs[i], at, rule, flushDirectory: false), at);
        });

        if (outcomes.Any(o => o.Outcome.Promoted))
        {
            try
            {
                DirectorySync.Flush(repository.LedgerDirectory);
            }
            catch (IOException error)
            {
                // The entries are in place but perhaps not on disk: report them unwritten, so nothing records
                // them promoted and Sync-SwarmLedger writes them again.
                for (var i = 0; i < outcomes.Length; i++)
                {
                    if (outcomes[i].Outcome.Promoted)
                    {
                        var run = outcomes[i].Outcome;
                        outcomes[i].Outcome = PromotionOutcome.Failure(run.RunId, run.EntryPath,
                            $"Could not flush .swarm/ledger to disk after writing {run.EntryPath}: {error.Message} Run Sync-SwarmLedger once the cause is fixed.");
                    }
                }
            }
        }

        return outcomes;
    }

    /// <summary>How many entries <see cref="PromoteAll"/> writes at once: enough to overlap their fsyncs, few enough for a login node.</summary>
    private const int ConcurrentWrites = 8;

    private static PromotionOutcome Write(SwarmRepository repository, LedgerRun run, DateTimeOffset promotedAt, RedactionRule? rule, bool flushDirectory)
    {
        var relative = $".swarm/ledger/{run.Id}.json";
        if (!run.IsTerminal)
        {
            return PromotionOutcome.Failure(run.Id, relative, $"Run {run.Id} is {run.Status.ToName()}; only terminal runs go to the ledger.");
        }

        if (LinkedDirectory(repository) is { } linked)
        {
            return PromotionOutcome.Failure(
                run.Id,
                relative,
                $"{linked} is a symbolic link, so the entry would be written wherever it points. Replace the link with a real directory (git rm the link, then Initialize-SwarmRepository) and run Sync-SwarmLedger.",
                DirectoryLinkedId);
        }

        try
        {
            var text = LedgerProjection.Render(run, repository.Root, promotedAt, rule ?? RedactionRule.ForRepository(repository));
            OwnerOnly.CreateDirectory(repository.LedgerDirectory);
            AtomicFile.WriteAllText(repository.LedgerEntryPath(run.Id), text, durable: true, flushDirectory: flushDirectory);
            return PromotionOutcome.Success(run.Id, relative);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or SwarmException)
        {
            return PromotionOutcome.Failure(run.Id, relative, $"Could not write {relative}: {error.Message} Run Sync-SwarmLedger once the cause is fixed.");
        }
    }

    /// <summary>
    /// <c>.swarm</c> or <c>.swarm/ledger</c> when it is a link (a clone can carry one): checked right
    /// before writing; swapping one in afterwards needs write access to <c>.swarm/</c>, which is the owner's.
    /// </summary>
    internal static string? LinkedDirectory(SwarmRepository repository) => repository.FirstLinkedDirectory(".swarm/ledger");
}
