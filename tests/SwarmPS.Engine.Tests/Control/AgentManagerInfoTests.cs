using SwarmPS.Engine.Control;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>The state table of Get-SwarmAgentManager: what a manager's mailbox and record say about it.</summary>
public sealed class AgentManagerInfoTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static readonly ManagerIdentity Identity = new("default", "alice", "alpha");

    [Fact]
    public void No_mailbox_is_Stale_when_the_record_says_running_and_Stopped_otherwise()
    {
        Assert.Equal(ManagerState.Stale, AgentManagerInfo.From(Identity, null, Record(), Now).State);
        Assert.Equal(ManagerState.Stopped, AgentManagerInfo.From(Identity, null, Record() with { Running = false }, Now).State);
        Assert.Equal(ManagerState.Stopped, AgentManagerInfo.From(Identity, null, null, Now).State);
    }

    [Fact]
    public void A_terminated_mailbox_is_Stopped_even_if_the_record_says_running()
    {
        Assert.Equal(ManagerState.Stopped, AgentManagerInfo.From(Identity, Mailbox(MailboxState.Terminated), Record(), Now).State);
    }

    [Fact]
    public void An_inactive_mailbox_is_Stale_even_with_a_live_process()
    {
        Assert.Equal(ManagerState.Stale, AgentManagerInfo.From(Identity, Mailbox(MailboxState.Inactive), Record(), Now).State);
    }

    [Fact]
    public void An_active_mailbox_whose_recorded_process_on_this_host_is_gone_is_Stale()
    {
        var current = ProcessIdentity.Current;
        // Same pid, another start time: the pid was recycled, the manager that had it is gone.
        var dead = Record() with { StartTicks = current.StartTicks + 1 };

        Assert.Equal(ManagerState.Stale, AgentManagerInfo.From(Identity, Mailbox(MailboxState.Active), dead, Now).State);
    }

    [Fact]
    public void A_dead_looking_process_recorded_on_another_host_is_not_judged_here()
    {
        var elsewhere = Record() with { Host = "another-login-node", StartTicks = ProcessIdentity.Current.StartTicks + 1 };

        Assert.Equal(ManagerState.Running, AgentManagerInfo.From(Identity, Mailbox(MailboxState.Active), elsewhere, Now).State);
    }

    [Fact]
    public void An_active_mailbox_silent_longer_than_StaleAfter_is_Stale()
    {
        var past = ManagerOptions.StaleAfter + TimeSpan.FromSeconds(1);
        var within = ManagerOptions.StaleAfter - TimeSpan.FromSeconds(1);

        Assert.Equal(ManagerState.Stale, AgentManagerInfo.From(Identity, Mailbox(MailboxState.Active, silentFor: past), Record(), Now).State);
        Assert.Equal(ManagerState.Stale, AgentManagerInfo.From(Identity, Mailbox(MailboxState.Active, heartbeatAgo: past), Record(), Now).State);
        Assert.Equal(ManagerState.Running, AgentManagerInfo.From(Identity, Mailbox(MailboxState.Active, silentFor: within), Record(), Now).State);
        Assert.Equal(ManagerState.Running, AgentManagerInfo.From(Identity, Mailbox(MailboxState.Active, heartbeatAgo: within), null, Now).State);
    }

    [Fact]
    public void The_exchanges_own_silence_wins_over_this_machines_clock()
    {
        // This machine's clock is an hour ahead of the exchange's: the heartbeat looks old here, but the exchange heard it 1 s ago.
        var skewed = Mailbox(MailboxState.Active, heartbeatAgo: TimeSpan.FromHours(1), silentFor: TimeSpan.FromSeconds(1));

        Assert.Equal(ManagerState.Running, AgentManagerInfo.From(Identity, skewed, Record(), Now).State);
    }

    [Fact]
    public void A_running_manager_shows_its_host_pid_heartbeat_and_its_slices_that_are_not_stopped()
    {
        var record = Record() with
        {
            Runs = new[]
            {
                new ManagedRun("chat-007", "c.yaml", "/s/1", "/r/1", Now) { Lifecycle = ManagerLifecycle.Running },
                new ManagedRun("chat-006", "c.yaml", "/s/2", "/r/2", Now) { Lifecycle = ManagerLifecycle.Stopped },
                new ManagedRun("chat-008", "c.yaml", "/s/3", "/r/3", Now) { Lifecycle = ManagerLifecycle.Starting },
            },
        };
        var mailbox = Mailbox(MailboxState.Active, heartbeatAgo: TimeSpan.FromSeconds(2));

        var info = AgentManagerInfo.From(Identity, mailbox, record, Now);

        Assert.Equal(ManagerState.Running, info.State);
        Assert.Equal("chat-007 (Running), chat-008 (Starting)", info.Running);
        Assert.Equal(3, info.Runs.Count);
        Assert.Equal(Environment.MachineName, info.Host);
        Assert.Equal(Environment.ProcessId, info.Pid);
        Assert.Equal(mailbox.LastHeartbeat, info.LastHeartbeat);
        Assert.Equal(Identity.MailboxId, info.MailboxId);
        Assert.NotNull(info.Directory);
    }

    [Fact]
    public void Without_a_mailbox_the_heartbeat_shown_is_the_records_and_without_a_record_there_is_no_directory()
    {
        var record = Record() with { HeartbeatAt = Now - TimeSpan.FromMinutes(3) };

        Assert.Equal(record.HeartbeatAt, AgentManagerInfo.From(Identity, null, record, Now).LastHeartbeat);
        Assert.Null(AgentManagerInfo.From(Identity, Mailbox(MailboxState.Active), null, Now).Directory);
    }

    private static MailboxStatus Mailbox(MailboxState state, TimeSpan? heartbeatAgo = null, TimeSpan? silentFor = null) =>
        new(Identity.MailboxId, Identity.RunId, Identity.MailboxName, state, Now - TimeSpan.FromHours(1), Now - (heartbeatAgo ?? TimeSpan.FromSeconds(1)), 0)
        {
            SilentFor = silentFor,
        };

    /// <summary>A record of a manager running as this very process on this host: alive by construction.</summary>
    private static ManagerRecord Record()
    {
        var current = ProcessIdentity.Current;
        return new ManagerRecord
        {
            Namespace = "default",
            User = "alice",
            Site = "alpha",
            Host = Environment.MachineName,
            Pid = current.Pid,
            StartTicks = current.StartTicks,
            MailboxId = Identity.MailboxId,
            ExchangeUrl = "http://127.0.0.1:1",
            WorkingDirectory = "/",
            StartedAt = Now - TimeSpan.FromHours(1),
            HeartbeatAt = Now,
            Running = true,
        };
    }
}
