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
    public static PromotionOutcome Promote(SwarmRepository repository, LedgerRun run, DateTimeOffset promotedAt, RedactionRule? rule = null)
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
            AtomicFile.WriteAllText(repository.LedgerEntryPath(run.Id), text, durable: true);
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
    internal static string? LinkedDirectory(SwarmRepository repository)
    {
        if (new DirectoryInfo(repository.SwarmDirectory).LinkTarget is not null)
        {
            return ".swarm";
        }

        return new DirectoryInfo(repository.LedgerDirectory).LinkTarget is not null ? ".swarm/ledger" : null;
    }
}
