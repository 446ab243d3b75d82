using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The fold every RabbitMQ gateway applies to the registry log: the same records in the same order give
/// the same state, whoever folds them. These are the decisions gateways must agree on without talking.
/// </summary>
public sealed class MailboxRegistryTests
{
    private static readonly Guid Mailbox = Guid.NewGuid();
    private static readonly TimeSpan Threshold = TimeSpan.FromSeconds(30);

    private static RegistryRecord Claim(Guid claim, long at, string run = "run-1", string name = "agent-a", Guid? mailbox = null, int? maxPerRun = null) => new()
    {
        Kind = RegistryRecord.Register, Mailbox = mailbox ?? Mailbox, At = at, RunId = run, Name = name, Claim = claim,
        HeartbeatThresholdMs = (long)Threshold.TotalMilliseconds, MaxMailboxesPerRun = maxPerRun,
    };

    [Fact]
    public void The_first_claim_in_log_order_wins_and_a_later_one_while_it_is_live_gets_MailboxExists()
    {
        var registry = new MailboxRegistry();
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();

        registry.Apply(Claim(first, 1_000));
        registry.Apply(Claim(second, 1_001));

        Assert.True(registry.Outcome(first)!.Value.Won);
        var lost = registry.Outcome(second)!.Value;
        Assert.False(lost.Won);
        Assert.Equal("MailboxExists", lost.Lost!.ErrorId);
        Assert.Equal(1_000, registry.Status(Mailbox, 1_002, Threshold)!.RegisteredAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void A_claim_after_the_holder_went_silent_or_terminated_takes_the_mailbox_over()
    {
        var registry = new MailboxRegistry();
        registry.Apply(Claim(Guid.NewGuid(), 1_000));
        var takeOver = Guid.NewGuid();

        registry.Apply(Claim(takeOver, 1_000 + (long)Threshold.TotalMilliseconds + 1));
        registry.Apply(new RegistryRecord { Kind = RegistryRecord.Terminate, Mailbox = Mailbox, At = 50_000 });
        var afterTermination = Guid.NewGuid();
        registry.Apply(Claim(afterTermination, 50_001));

        Assert.True(registry.Outcome(takeOver)!.Value.Won);
        Assert.True(registry.Outcome(afterTermination)!.Value.Won);
        Assert.Equal(MailboxState.Active, registry.Status(Mailbox, 50_002, Threshold)!.State);
    }

    [Fact]
    public void Stored_and_acknowledged_ids_give_the_same_state_in_either_order()
    {
        var storedFirst = new MailboxRegistry();
        var acknowledgedFirst = new MailboxRegistry();
        foreach (var registry in new[] { storedFirst, acknowledgedFirst })
        {
            registry.Apply(Claim(Guid.NewGuid(), 1_000));
        }

        var message = Guid.NewGuid();
        var sent = new RegistryRecord { Kind = RegistryRecord.Sent, Mailbox = Mailbox, At = 2_000, Messages = [message] };
        var acknowledged = new RegistryRecord { Kind = RegistryRecord.Acknowledged, Mailbox = Mailbox, At = 2_001, Messages = [message] };
        storedFirst.Apply(sent);
        storedFirst.Apply(acknowledged);
        acknowledgedFirst.Apply(acknowledged);
        acknowledgedFirst.Apply(sent);

        foreach (var registry in new[] { storedFirst, acknowledgedFirst })
        {
            Assert.True(registry.IsStored(Mailbox, message));
            Assert.True(registry.IsAcknowledged(Mailbox, message));
            Assert.Equal(0, registry.PendingOf(Mailbox));
            Assert.Equal(0, registry.Pending);
        }
    }

    [Fact]
    public void An_id_recorded_twice_is_pending_once_and_a_second_acknowledgement_changes_nothing()
    {
        var registry = new MailboxRegistry();
        registry.Apply(Claim(Guid.NewGuid(), 1_000));
        var message = Guid.NewGuid();

        registry.MarkStored(Mailbox, message, 2_000);
        registry.Apply(new RegistryRecord { Kind = RegistryRecord.Sent, Mailbox = Mailbox, At = 2_000, Messages = [message] });

        Assert.Equal(1, registry.PendingOf(Mailbox));
        Assert.True(registry.MarkAcknowledged(Mailbox, message, 2_001));
        Assert.False(registry.MarkAcknowledged(Mailbox, message, 2_002));
        Assert.Equal(0, registry.PendingOf(Mailbox));
    }

    [Fact]
    public void A_heartbeat_brings_back_a_mailbox_whose_registration_fell_out_of_the_log()
    {
        var registry = new MailboxRegistry();

        registry.Apply(new RegistryRecord { Kind = RegistryRecord.Heartbeat, Mailbox = Mailbox, At = 90_000, RunId = "run-1", Name = "agent-a", RegisteredAt = 1_000 });

        var status = registry.Status(Mailbox, 90_001, Threshold)!;
        Assert.Equal("agent-a", status.Name);
        Assert.Equal(MailboxState.Active, status.State);
        Assert.Equal(1_000, status.RegisteredAt.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void The_per_run_limit_travels_in_the_claim_so_every_gateway_refuses_the_same_one()
    {
        var registry = new MailboxRegistry();
        registry.Apply(Claim(Guid.NewGuid(), 1_000, name: "a", mailbox: Guid.NewGuid(), maxPerRun: 1));
        var over = Guid.NewGuid();

        registry.Apply(Claim(over, 1_001, name: "b", mailbox: Guid.NewGuid(), maxPerRun: 1));

        Assert.Equal("MailboxLimitReached", registry.Outcome(over)!.Value.Lost!.ErrorId);
        Assert.Equal(1, registry.Count);
    }

    [Fact]
    public void A_log_entry_someone_else_wrote_reads_as_no_records()
    {
        Assert.Empty(RegistryRecord.Deserialize("not json"u8));
        Assert.Empty(RegistryRecord.Deserialize("[{\"mb\":\"00000000-0000-0000-0000-000000000001\"}]"u8));
    }
}
