using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The exchange-wide caps on mailboxes and pending messages (issue 10), through the real gateway: a
/// caller over one gets the error that names it, as the same SwarmException it would get in-process.
/// </summary>
public sealed class ExchangeCapacityTests
{
    [Fact]
    public async Task Registering_past_the_exchange_wide_mailbox_cap_is_ExchangeMailboxLimitReached()
    {
        await using var exchange = LimitedExchange.Start(new ExchangeLimits { MaxMailboxes = 3 });
        var first = await exchange.Client.RegisterAsync("run-1", "a");
        await exchange.Client.RegisterAsync("run-2", "a");
        await exchange.Client.RegisterAsync("run-3", "a");

        var refused = await Assert.ThrowsAsync<SwarmException>(() => exchange.Client.RegisterAsync("run-4", "a"));
        Assert.Equal("ExchangeMailboxLimitReached", refused.ErrorId);
        Assert.Contains("3 mailboxes", refused.Message, StringComparison.Ordinal);
        Assert.Contains("MaxMailboxes", refused.Remediation, StringComparison.Ordinal);

        // A mailbox already held is registered again (a restarted agent), cap or not.
        await exchange.Client.TerminateAsync(first.Id);
        Assert.Equal(first.Id, (await exchange.Client.RegisterAsync("run-1", "a")).Id);
        Assert.Equal(3, (await exchange.Client.GetSummaryAsync()).Mailboxes);
    }

    [Fact]
    public async Task The_per_run_cap_stays_MailboxLimitReached()
    {
        await using var exchange = LimitedExchange.Start(new ExchangeLimits { MaxMailboxes = 10, MaxMailboxesPerRun = 2 });
        await exchange.Client.RegisterAsync("run", "a");
        await exchange.Client.RegisterAsync("run", "b");
        var refused = await Assert.ThrowsAsync<SwarmException>(() => exchange.Client.RegisterAsync("run", "c"));
        Assert.Equal("MailboxLimitReached", refused.ErrorId);
    }

    [Fact]
    public async Task Sending_past_the_pending_cap_is_ExchangePendingLimitReached_until_messages_are_acknowledged()
    {
        await using var exchange = LimitedExchange.Start(new ExchangeLimits { MaxPendingMessages = 5 });
        var to = (await exchange.Client.RegisterAsync("run", "reader")).Id;
        var sent = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            sent.Add((await exchange.Client.SendAsync(new OutgoingMessage(Guid.NewGuid(), to, $"m{i}"))).Id);
        }

        // A batch is refused whole: two more would make six.
        var batch = await Assert.ThrowsAsync<SwarmException>(() => exchange.Client.SendBatchAsync(
            [new OutgoingMessage(Guid.NewGuid(), to, "x"), new OutgoingMessage(Guid.NewGuid(), to, "y")]));
        Assert.Equal("ExchangePendingLimitReached", batch.ErrorId);
        Assert.Equal(4, (await exchange.Client.GetSummaryAsync()).PendingMessages);

        sent.Add((await exchange.Client.SendAsync(new OutgoingMessage(Guid.NewGuid(), to, "m4"))).Id);
        var refused = await Assert.ThrowsAsync<SwarmException>(() => exchange.Client.SendAsync(new OutgoingMessage(Guid.NewGuid(), to, "m5")));
        Assert.Equal("ExchangePendingLimitReached", refused.ErrorId);
        Assert.Contains("limit of 5", refused.Message, StringComparison.Ordinal);
        Assert.Contains("MaxPendingMessages", refused.Remediation, StringComparison.Ordinal);

        // A retried send of a stored message takes no room: it still gets its duplicate receipt.
        Assert.True((await exchange.Client.SendAsync(new OutgoingMessage(sent[0], to, "m0"))).Duplicate);

        var received = await exchange.Client.ReceiveAsync(to, new ReceiveRequest(MaxMessages: 2));
        Assert.Equal(2, await exchange.Client.AcknowledgeAsync(to, received.Select(m => m.Id).ToList()));
        await exchange.Client.SendBatchAsync([new OutgoingMessage(Guid.NewGuid(), to, "x"), new OutgoingMessage(Guid.NewGuid(), to, "y")]);
        Assert.Equal(5, (await exchange.Client.GetSummaryAsync()).PendingMessages);
    }
}
