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
        Write(repository, run, promotedAt, rule);

    /// <summary>
    /// Promotes many terminal runs at once (a poll that ends a thousand tasks, Sync-SwarmLedger) as one
    /// <see cref="AtomicFileGroup"/>: each entry is rendered and staged in a temporary file (several at once),
    /// then all are flushed to disk together and renamed into place, and the ledger directory is flushed
    /// once. Every entry is still written whole or not at all; an entry whose flush or rename fails is
    /// reported failed and left absent, and the caller records only the promoted ones, so Sync-SwarmLedger
    /// writes the others again.
    /// </summary>
    /// <param name="repository">Where the entries go.</param>
    /// <param name="runs">Terminal runs.</param>
    /// <param name="clock">Gives each entry its <c>promoted_at</c>, read as it is rendered.</param>
    /// <param name="rule">The repository's redaction rule, read once by the caller; null reads it per entry.</param>
    /// <param name="cancellationToken">Stops staging new entries; those staged are still written, then it throws.</param>
    /// <returns>One outcome per run, in the order of <paramref name="runs"/>, with the time it was promoted at.</returns>
    public static (PromotionOutcome Outcome, DateTimeOffset At)[] PromoteAll(
        SwarmRepository repository, IReadOnlyList<LedgerRun> runs, TimeProvider clock, RedactionRule? rule, CancellationToken cancellationToken = default)
    {
        var outcomes = new (PromotionOutcome Outcome, DateTimeOffset At)[runs.Count];
        using var group = new AtomicFileGroup(repository.LedgerDirectory, runs.Count);

        // Checked once for all entries, right before they are written: a hundred thousand entries would
        // otherwise cost three extra system calls each.
        var linked = LinkedDirectory(repository);
        var directoryError = linked is null ? CreateLedgerDirectory(repository) : null;
        OperationCanceledException? canceled = null;
        try
        {
            // Flushed together, staging is rendering and a create: CPU work, so one writer per core. Flushed
            // per file, the fsyncs are the wait, so more writers at once overlap them.
            var writers = group.FlushesTogether ? Math.Min(Environment.ProcessorCount, ConcurrentWrites) : ConcurrentWrites;
            Parallel.For(0, runs.Count, new ParallelOptions { MaxDegreeOfParallelism = writers, CancellationToken = cancellationToken }, i =>
            {
                var at = clock.GetUtcNow();
                var run = runs[i];
                var outcome = Refusal(run, linked)
                    ?? (directoryError is { } why
                        ? Unwritten(run, why)
                        : Render(repository, run, at, rule, text => group.Stage(repository.LedgerEntryPath(run.Id), text)));
                outcomes[i] = (outcome, at);
            });
        }
        catch (OperationCanceledException error)
        {
            canceled = error;
        }

        var failures = group.Commit();
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (outcomes[i].Outcome is { Promoted: true } && failures.TryGetValue(repository.LedgerEntryPath(runs[i].Id), out var error))
            {
                outcomes[i].Outcome = Unwritten(runs[i], error.Message);
            }
        }

        if (canceled is not null)
        {
            throw canceled;
        }

        return outcomes;
    }

    /// <summary>How many entries <see cref="PromoteAll"/> stages at once when each is fsynced on its own: enough to overlap the fsyncs, few enough for a login node.</summary>
    private const int ConcurrentWrites = 8;

    private static PromotionOutcome Write(SwarmRepository repository, LedgerRun run, DateTimeOffset promotedAt, RedactionRule? rule) =>
        Refusal(run, LinkedDirectory(repository)) ?? Render(repository, run, promotedAt, rule, text =>
        {
            OwnerOnly.CreateDirectory(repository.LedgerDirectory);
            AtomicFile.WriteAllText(repository.LedgerEntryPath(run.Id), text, durable: true);
        });

    /// <summary>Why <paramref name="run"/> is not written at all: it is still live, or the ledger's directory (<paramref name="linked"/>) is a link.</summary>
    private static PromotionOutcome? Refusal(LedgerRun run, string? linked)
    {
        var relative = EntryPath(run);
        if (!run.IsTerminal)
        {
            return PromotionOutcome.Failure(run.Id, relative, $"Run {run.Id} is {run.Status.ToName()}; only terminal runs go to the ledger.");
        }

        return linked is null ? null : PromotionOutcome.Failure(
            run.Id,
            relative,
            $"{linked} is a symbolic link, so the entry would be written wherever it points. Replace the link with a real directory (git rm the link, then Initialize-SwarmRepository) and run Sync-SwarmLedger.",
            DirectoryLinkedId);
    }

    /// <summary>
    /// Renders the entry of <paramref name="run"/> and hands its text to <paramref name="write"/>; success
    /// means written (<see cref="Write"/>) or staged (<see cref="PromoteAll"/>, whose group may still fail it).
    /// </summary>
    private static PromotionOutcome Render(SwarmRepository repository, LedgerRun run, DateTimeOffset promotedAt, RedactionRule? rule, Action<string> write)
    {
        try
        {
            write(LedgerProjection.Render(run, repository.Root, promotedAt, rule ?? RedactionRule.ForRepository(repository)));
            return PromotionOutcome.Success(run.Id, EntryPath(run));
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or SwarmException)
        {
            return Unwritten(run, error.Message);
        }
    }

    /// <summary>Creates <c>.swarm/ledger</c> if it is missing; why not, when it could not be (every entry then fails with it).</summary>
    private static string? CreateLedgerDirectory(SwarmRepository repository)
    {
        try
        {
            OwnerOnly.CreateDirectory(repository.LedgerDirectory);
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return error.Message;
        }
    }

    private static PromotionOutcome Unwritten(LedgerRun run, string why) =>
        PromotionOutcome.Failure(run.Id, EntryPath(run), $"Could not write {EntryPath(run)}: {why} Run Sync-SwarmLedger once the cause is fixed.");

    private static string EntryPath(LedgerRun run) => $".swarm/ledger/{run.Id}.json";

    /// <summary>
    /// <c>.swarm</c> or <c>.swarm/ledger</c> when it is a link (a clone can carry one): checked right
    /// before writing; swapping one in afterwards needs write access to <c>.swarm/</c>, which is the owner's.
    /// </summary>
    internal static string? LinkedDirectory(SwarmRepository repository) => repository.FirstLinkedDirectory(".swarm/ledger");
}
