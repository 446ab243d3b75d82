namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Acknowledges any number of messages of one mailbox. An exchange takes at most
/// <see cref="ExchangeLimits.MaxBatch"/> ids per acknowledgement (more is <c>BatchTooLarge</c>), so a longer
/// list goes in batches of that size, in order.
/// </summary>
public static class AcknowledgeBatches
{
    /// <summary>The batch size: the default exchange's limit, which every SwarmPS exchange enforces unless configured lower.</summary>
    public static int BatchSize { get; } = new ExchangeLimits().MaxBatch;

    /// <summary>Acknowledges <paramref name="messageIds"/>; returns how many were pending and are now acknowledged.</summary>
    public static async Task<int> AcknowledgeAllAsync(IExchange exchange, Guid mailbox, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        var acknowledged = 0;
        foreach (var batch in messageIds.Chunk(BatchSize))
        {
            acknowledged += await exchange.AcknowledgeAsync(mailbox, batch, cancellationToken).ConfigureAwait(false);
        }

        return acknowledged;
    }
}
