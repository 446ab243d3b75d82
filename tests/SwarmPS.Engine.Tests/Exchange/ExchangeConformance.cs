using System.Diagnostics;
using SwarmPS.Engine;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The behaviour DESIGN.md asks of every exchange backend. A backend's test class derives from this and
/// supplies only <see cref="CreateAsync"/>; the liveness threshold is shortened through the limits it
/// receives, so "turns INACTIVE" is observable in well under a second.
/// </summary>
public abstract class ExchangeConformance : IAsyncLifetime
{
    /// <summary>Short enough to observe, long enough that a slow shared CI machine keeps a fresh mailbox ACTIVE.</summary>
    protected static readonly ExchangeLimits ConformanceLimits = new()
    {
        HeartbeatThreshold = TimeSpan.FromMilliseconds(1500),
        MinLease = TimeSpan.FromMilliseconds(50),
        MaxBodyBytes = 64 * 1024,
    };

    private readonly string _runId = "conf-" + Guid.NewGuid().ToString("N")[..12];
    private IExchange _exchange = null!;

    /// <summary>A fresh, empty exchange backed by the implementation under test, enforcing <paramref name="limits"/>.</summary>
    protected abstract Task<IExchange> CreateAsync(ExchangeLimits limits);

    /// <summary>Releases whatever <see cref="CreateAsync"/> started.</summary>
    protected virtual Task CleanUpAsync() => Task.CompletedTask;

    public async Task InitializeAsync() => _exchange = await CreateAsync(ConformanceLimits);

    public async Task DisposeAsync()
    {
        _exchange.Dispose();
        await CleanUpAsync();
    }

    private Task<MailboxStatus> Register(string name) => _exchange.RegisterAsync(_runId, name);

    private static ReceiveRequest Take(int count = 100, int leaseMs = 30_000, int waitMs = 0) =>
        new(count, TimeSpan.FromMilliseconds(leaseMs), TimeSpan.FromMilliseconds(waitMs));

    [Fact]
    public async Task Register_returns_the_derived_id_and_discovery_keeps_the_name()
    {
        var mailbox = await Register("agent-a");

        Assert.Equal(AgentMailboxId.For(_runId, "agent-a"), mailbox.Id);
        Assert.Equal(MailboxState.Active, mailbox.State);
        var unknown = Guid.NewGuid();
        var found = await _exchange.GetStatusAsync([mailbox.Id, unknown]);
        var only = Assert.Single(found);
        Assert.Equal("agent-a", only.Name);
        Assert.Equal(_runId, only.RunId);
    }

    [Fact]
    public async Task Registering_a_live_mailbox_again_fails_with_MailboxExists()
    {
        await Register("agent-a");

        var error = await Assert.ThrowsAsync<SwarmException>(() => Register("agent-a"));
        Assert.Equal("MailboxExists", error.ErrorId);
    }

    [Fact]
    public async Task Messages_are_delivered_in_the_order_they_were_sent()
    {
        var target = await Register("agent-b");
        var sent = new List<Guid>();
        for (var i = 0; i < 25; i++)
        {
            var message = OutgoingMessage.Create(target.Id, $"m{i}");
            sent.Add(message.Id);
            await _exchange.SendAsync(message);
        }

        var first = await _exchange.ReceiveAsync(target.Id, Take(count: 10));
        var rest = await _exchange.ReceiveAsync(target.Id, Take(count: 100));

        Assert.Equal(sent, first.Concat(rest).Select(m => m.Id));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"m{i}"), first.Concat(rest).Select(m => m.Body));
    }

    [Fact]
    public async Task A_message_not_acknowledged_within_its_lease_is_delivered_again()
    {
        var target = await Register("agent-b");
        var sent = await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "work"));

        var first = Assert.Single(await _exchange.ReceiveAsync(target.Id, Take(leaseMs: 300)));
        var whileLeased = await _exchange.ReceiveAsync(target.Id, Take());
        var again = Assert.Single(await _exchange.ReceiveAsync(target.Id, Take(waitMs: 5_000)));

        Assert.Equal(sent.Id, first.Id);
        Assert.Equal(1, first.DeliveryCount);
        Assert.Empty(whileLeased);
        Assert.Equal(sent.Id, again.Id);
        Assert.Equal(2, again.DeliveryCount);
    }

    [Fact]
    public async Task A_resent_message_id_is_stored_once()
    {
        var target = await Register("agent-b");
        var message = OutgoingMessage.Create(target.Id, "once");

        var first = await _exchange.SendAsync(message);
        var second = await _exchange.SendAsync(message);
        var batch = await _exchange.SendBatchAsync([message, OutgoingMessage.Create(target.Id, "other")]);

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.True(batch[0].Duplicate);
        Assert.False(batch[1].Duplicate);
        var received = await _exchange.ReceiveAsync(target.Id, Take());
        Assert.Equal(["once", "other"], received.Select(m => m.Body));
    }

    [Fact]
    public async Task An_acknowledged_message_is_gone_for_good()
    {
        var target = await Register("agent-b");
        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "done"));
        var received = Assert.Single(await _exchange.ReceiveAsync(target.Id, Take(leaseMs: 100)));

        Assert.Equal(1, await _exchange.AcknowledgeAsync(target.Id, [received.Id]));
        await Task.Delay(250);

        Assert.Empty(await _exchange.ReceiveAsync(target.Id, Take()));
        Assert.Equal(0, Assert.Single(await _exchange.GetStatusAsync([target.Id])).Pending);
        Assert.Equal(0, await _exchange.AcknowledgeAsync(target.Id, [received.Id]));
        Assert.True((await _exchange.SendAsync(new OutgoingMessage(received.Id, target.Id, "done"))).Duplicate);
    }

    [Fact]
    public async Task A_receive_acknowledges_the_ids_it_names_before_leasing_the_next_messages()
    {
        var target = await Register("agent-b");
        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "first"));
        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "second"));
        var first = Assert.Single(await _exchange.ReceiveAsync(target.Id, Take(count: 1, leaseMs: 100)));

        var next = await _exchange.ReceiveAsync(target.Id, Take(count: 10) with { Acknowledge = [first.Id] });
        await Task.Delay(250);

        // "first" was acknowledged by the second receive: its short lease ran out, yet it never comes back.
        Assert.Equal("second", Assert.Single(next).Body);
        Assert.Empty(await _exchange.ReceiveAsync(target.Id, Take()));
        Assert.Equal(1, Assert.Single(await _exchange.GetStatusAsync([target.Id])).Pending);
        Assert.Equal(0, await _exchange.AcknowledgeAsync(target.Id, [first.Id]));
        Assert.Equal(1, await _exchange.AcknowledgeAsync(target.Id, [next[0].Id]));
    }

    [Fact]
    public async Task A_receive_that_finds_nothing_still_commits_its_acknowledgements()
    {
        var target = await Register("agent-b");
        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "only"));
        var only = Assert.Single(await _exchange.ReceiveAsync(target.Id, Take()));

        var none = await _exchange.ReceiveAsync(target.Id, Take(waitMs: 100) with { Acknowledge = [only.Id, Guid.NewGuid()] });

        Assert.Empty(none);
        Assert.Equal(0, Assert.Single(await _exchange.GetStatusAsync([target.Id])).Pending);
    }

    [Fact]
    public async Task A_receive_acknowledges_only_messages_of_its_own_mailbox()
    {
        var owner = await Register("agent-a");
        var other = await Register("agent-b");
        await _exchange.SendAsync(OutgoingMessage.Create(owner.Id, "not yours"));
        var message = Assert.Single(await _exchange.ReceiveAsync(owner.Id, Take()));

        await _exchange.ReceiveAsync(other.Id, Take() with { Acknowledge = [message.Id] });

        Assert.Equal(1, Assert.Single(await _exchange.GetStatusAsync([owner.Id])).Pending);
    }

    [Fact]
    public async Task A_receive_acknowledging_more_than_a_batch_fails_with_BatchTooLarge_and_acknowledges_nothing()
    {
        var target = await Register("agent-b");
        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "kept"));
        var kept = Assert.Single(await _exchange.ReceiveAsync(target.Id, Take()));
        var tooMany = Enumerable.Range(0, 100).Select(_ => Guid.NewGuid()).Append(kept.Id).ToList();

        var error = await Assert.ThrowsAsync<SwarmException>(() => _exchange.ReceiveAsync(target.Id, Take() with { Acknowledge = tooMany }));

        Assert.Equal("BatchTooLarge", error.ErrorId);
        Assert.Equal(1, Assert.Single(await _exchange.GetStatusAsync([target.Id])).Pending);
    }

    [Fact]
    public async Task A_terminated_mailbox_reports_TERMINATED_and_refuses_messages()
    {
        var target = await Register("agent-b");

        var terminated = await _exchange.TerminateAsync(target.Id);

        Assert.Equal(MailboxState.Terminated, terminated.State);
        var error = await Assert.ThrowsAsync<SwarmException>(() => _exchange.SendAsync(OutgoingMessage.Create(target.Id, "late")));
        Assert.Equal("MailboxTerminated", error.ErrorId);
        var heartbeat = await Assert.ThrowsAsync<SwarmException>(() => _exchange.HeartbeatAsync(target.Id));
        Assert.Equal("MailboxTerminated", heartbeat.ErrorId);
        Assert.Equal(MailboxState.Active, (await Register("agent-b")).State);
    }

    [Fact]
    public async Task A_terminated_mailbox_registered_again_takes_and_delivers_messages()
    {
        // An agent manager that stops terminates its mailbox; the next one registers the same id and must get its commands.
        var first = await Register("agent-b");
        await _exchange.TerminateAsync(first.Id);
        var again = await Register("agent-b");

        await _exchange.SendAsync(OutgoingMessage.Create(again.Id, "after"));
        var waited = await _exchange.ReceiveAsync(again.Id, new ReceiveRequest(MaxMessages: 1, Wait: TimeSpan.FromSeconds(2)));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal("after", Assert.Single(waited).Body);
    }

    [Fact]
    public async Task A_mailbox_without_heartbeats_turns_INACTIVE_and_a_heartbeat_revives_it()
    {
        var mailbox = await Register("agent-a");

        await Task.Delay(ConformanceLimits.HeartbeatThreshold + TimeSpan.FromMilliseconds(300));
        var silent = Assert.Single(await _exchange.GetStatusAsync([mailbox.Id]));
        var revived = await _exchange.HeartbeatAsync(mailbox.Id);

        Assert.Equal(MailboxState.Inactive, silent.State);
        Assert.Equal(MailboxState.Active, revived.State);
        Assert.True(revived.LastHeartbeat > silent.LastHeartbeat);

        // An INACTIVE mailbox may be taken over by a restarted agent; only a live one is protected.
        await Task.Delay(ConformanceLimits.HeartbeatThreshold + TimeSpan.FromMilliseconds(300));
        Assert.Equal(MailboxState.Active, (await Register("agent-a")).State);
    }

    [Fact]
    public async Task A_waiting_receive_wakes_when_a_message_is_sent()
    {
        var target = await Register("agent-b");
        var clock = Stopwatch.StartNew();
        var waiting = _exchange.ReceiveAsync(target.Id, Take(waitMs: 20_000));
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);

        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "wake"));
        var received = await waiting.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("wake", Assert.Single(received).Body);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"woke after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_waiting_receive_ends_promptly_when_cancelled()
    {
        var target = await Register("agent-b");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _exchange.ReceiveAsync(target.Id, Take(waitMs: 30_000), cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"cancelled after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_cancelled_wait_leases_nothing_so_the_next_message_goes_to_the_next_receive()
    {
        var target = await Register("agent-b");
        using var cancel = new CancellationTokenSource();
        var waiting = _exchange.ReceiveAsync(target.Id, Take(waitMs: 30_000), cancel.Token);
        await Task.Delay(300);

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "after the cancel"));

        // A wait left alive on the far side would have leased this for 30 s.
        var received = await _exchange.ReceiveAsync(target.Id, Take(waitMs: 2_000));
        Assert.Equal("after the cancel", Assert.Single(received).Body);
        Assert.Equal(1, received[0].DeliveryCount);
    }

    [Fact]
    public async Task A_released_message_is_received_again_at_once_and_an_acknowledged_one_is_not_released()
    {
        var target = await Register("agent-b");
        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "back"));
        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "done"));
        var leased = await _exchange.ReceiveAsync(target.Id, Take(count: 2, leaseMs: 30_000));
        await _exchange.AcknowledgeAsync(target.Id, [leased[1].Id]);

        Assert.Equal(1, await _exchange.ReleaseAsync(target.Id, [leased[0].Id, leased[1].Id, Guid.NewGuid()]));

        var again = Assert.Single(await _exchange.ReceiveAsync(target.Id, Take()));
        Assert.Equal("back", again.Body);
        Assert.Equal(2, again.DeliveryCount);
    }

    [Fact]
    public async Task A_release_wakes_a_waiting_receive()
    {
        var target = await Register("agent-b");
        await _exchange.SendAsync(OutgoingMessage.Create(target.Id, "handed back"));
        var leased = Assert.Single(await _exchange.ReceiveAsync(target.Id, Take(leaseMs: 30_000)));
        var waiting = _exchange.ReceiveAsync(target.Id, Take(waitMs: 20_000));
        await Task.Delay(300);

        await _exchange.ReleaseAsync(target.Id, [leased.Id]);

        Assert.Equal("handed back", Assert.Single(await waiting.WaitAsync(TimeSpan.FromSeconds(5))).Body);
    }

    [Fact]
    public async Task A_receive_that_waits_returns_empty_at_its_deadline()
    {
        var target = await Register("agent-b");
        var clock = Stopwatch.StartNew();

        var received = await _exchange.ReceiveAsync(target.Id, Take(waitMs: 400));

        Assert.Empty(received);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(350), $"returned after {clock.Elapsed}");
    }

    [Fact]
    public async Task Sending_to_an_unregistered_mailbox_fails_with_MailboxNotFound()
    {
        var error = await Assert.ThrowsAsync<SwarmException>(() => _exchange.SendAsync(OutgoingMessage.Create(Guid.NewGuid(), "lost")));

        Assert.Equal("MailboxNotFound", error.ErrorId);
    }

    [Fact]
    public async Task A_batch_with_one_bad_target_stores_nothing()
    {
        var target = await Register("agent-b");

        var error = await Assert.ThrowsAsync<SwarmException>(() => _exchange.SendBatchAsync(
            [OutgoingMessage.Create(target.Id, "ok"), OutgoingMessage.Create(Guid.NewGuid(), "bad")]));

        Assert.Equal("MailboxNotFound", error.ErrorId);
        Assert.Empty(await _exchange.ReceiveAsync(target.Id, Take()));
    }

    [Theory]
    [InlineData(0, 1000, 0, "ReceiveCountInvalid")]
    [InlineData(101, 1000, 0, "ReceiveCountInvalid")]
    [InlineData(1, 1, 0, "LeaseInvalid")]
    [InlineData(1, 1000, 3_600_000, "WaitInvalid")]
    public async Task Receive_requests_outside_the_limits_are_refused(int count, int leaseMs, int waitMs, string errorId)
    {
        var target = await Register("agent-b");

        var error = await Assert.ThrowsAsync<SwarmException>(() => _exchange.ReceiveAsync(target.Id, Take(count, leaseMs, waitMs)));

        Assert.Equal(errorId, error.ErrorId);
    }

    [Fact]
    public async Task Bodies_over_the_limit_and_oversized_batches_are_refused()
    {
        var target = await Register("agent-b");

        var large = await Assert.ThrowsAsync<SwarmException>(() => _exchange.SendAsync(OutgoingMessage.Create(target.Id, new string('x', ConformanceLimits.MaxBodyBytes + 1))));
        var batch = await Assert.ThrowsAsync<SwarmException>(() => _exchange.SendBatchAsync(
            Enumerable.Range(0, 101).Select(_ => OutgoingMessage.Create(target.Id, "x")).ToList()));

        Assert.Equal("MessageTooLarge", large.ErrorId);
        Assert.Equal("BatchTooLarge", batch.ErrorId);
        Assert.Empty(await _exchange.ReceiveAsync(target.Id, Take()));
    }

    [Fact]
    public async Task The_summary_counts_mailboxes_and_pending_messages()
    {
        var target = await Register("agent-b");
        await _exchange.SendBatchAsync([OutgoingMessage.Create(target.Id, "1"), OutgoingMessage.Create(target.Id, "2")]);

        var summary = await _exchange.GetSummaryAsync();

        Assert.Equal(1, summary.Mailboxes);
        Assert.Equal(2, summary.PendingMessages);
        Assert.True(summary.StoreBytes > 0);
    }
}
