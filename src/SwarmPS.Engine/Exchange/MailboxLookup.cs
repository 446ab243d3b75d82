namespace SwarmPS.Engine.Exchange;

/// <summary>One mailbox asked about by id: its status, or (when the exchange does not know it) the <c>MailboxNotFound</c> to report.</summary>
public sealed record MailboxLookup(Guid Id, MailboxStatus? Mailbox, SwarmException? NotFound)
{
    /// <summary>
    /// Asks the exchange about <paramref name="ids"/> in one query and answers in the order asked, one
    /// lookup per id: an exchange leaves unknown ids out of its answer, and each of them is reported.
    /// </summary>
    public static async Task<IReadOnlyList<MailboxLookup>> FindAsync(IExchange exchange, IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<Guid, MailboxStatus>();
        foreach (var mailbox in await exchange.GetStatusAsync(ids, cancellationToken).ConfigureAwait(false))
        {
            found.TryAdd(mailbox.Id, mailbox);
        }

        return ids.Select(id => found.TryGetValue(id, out var mailbox)
            ? new MailboxLookup(id, mailbox, null)
            : new MailboxLookup(id, null, ExchangeErrors.MailboxNotFound(id))).ToList();
    }
}
