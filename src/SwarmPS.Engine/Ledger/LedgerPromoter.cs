namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Writes one terminal run to <c>.swarm/ledger/&lt;id&gt;.json</c> atomically. Any I/O failure becomes a
/// failed <see cref="PromotionOutcome"/> instead of an exception, because the caller has already
/// recorded the status and must not lose it.
/// </summary>
public static class LedgerPromoter
{
    public static PromotionOutcome Promote(SwarmRepository repository, LedgerRun run, DateTimeOffset promotedAt)
    {
        var relative = $".swarm/ledger/{run.Id}.json";
        if (!run.IsTerminal)
        {
            return PromotionOutcome.Failure(run.Id, relative, $"Run {run.Id} is {run.Status.ToName()}; only terminal runs go to the ledger.");
        }

        try
        {
            var text = LedgerProjection.Render(run, repository.Root, promotedAt);
            Directory.CreateDirectory(repository.LedgerDirectory);
            AtomicFile.WriteAllText(repository.LedgerEntryPath(run.Id), text);
            return PromotionOutcome.Success(run.Id, relative);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or SwarmException)
        {
            return PromotionOutcome.Failure(run.Id, relative, $"Could not write {relative}: {error.Message} Run Sync-SwarmLedger once the cause is fixed.");
        }
    }
}
