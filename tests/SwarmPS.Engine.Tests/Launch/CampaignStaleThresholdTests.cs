using System.Diagnostics;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// The launch judges an old launch's mailboxes live or dead by the campaign's stale_after, not the exchange's
/// fixed 30 s; the exchange keeps its own threshold for registration, and the launch waits for it to agree
/// (or refuses at once when a stamp moves). See LaunchPreflight.WaitForExchangeToAgreeAsync for why.
/// </summary>
public sealed class CampaignStaleThresholdTests : IDisposable
{
    private readonly LaunchTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static Campaign Solo(TimeSpan heartbeat, TimeSpan staleAfter) =>
        LaunchTestBed.Campaign("solo", LaunchTestBed.Agent("solo", "alpha", new[] { "sh", "-c", "exit 0" }))
            with { Exchange = new ExchangeSettings { HeartbeatInterval = heartbeat, StaleAfter = staleAfter } };

    [Fact]
    public async Task A_run_whose_mailboxes_went_silent_past_the_campaigns_stale_after_is_relaunched_not_refused_as_live_for_30_s()
    {
        var runId = $"stale-{Guid.NewGuid():N}"[..20];
        // The old launch: its mailbox registered, then its launcher died (kill -9) and nothing heartbeats it.
        await _bed.Client.RegisterAsync(runId, "solo");
        await Task.Delay(TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();

        var result = await new SiteLauncher(_bed.Options(Solo(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)), runId, "alpha"), _bed.Client).RunAsync(CancellationToken.None);

        Assert.Equal(SiteState.Finished, result.State);
        // Not at once: the exchange still held the mailbox by its own 30 s, and the launch waited for it to let go.
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(45));
        var events = File.ReadAllText(_bed.Layout(runId, "alpha").EventsFile);
        Assert.Contains("\"site_finished\"", events);
    }

    [Fact]
    public async Task A_mailbox_silent_for_less_than_the_campaigns_stale_after_is_live_even_when_the_exchange_calls_it_inactive()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var store = SqliteMailboxStore.Open(Path.Combine(_bed.Root, "manual-clock.db"), clock: clock);
        var runId = $"slow-{Guid.NewGuid():N}"[..20];
        await store.RegisterAsync(runId, "solo");
        clock.Advance(TimeSpan.FromSeconds(40)); // past the exchange's 30 s, within the campaign's 60 s

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            LaunchPreflight.CheckAsync(_bed.Options(Solo(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(60)), runId, "alpha"), store, CancellationToken.None));

        Assert.Equal(MailboxState.Inactive, (await store.GetStatusAsync([AgentMailboxId.For(runId, "solo")]))[0].State);
        Assert.Equal("MailboxExists", error.ErrorId);
        Assert.Contains("last heartbeat 40 s ago, within the campaign's stale_after of 60 s", error.Message);
    }

    [Fact]
    public async Task A_mailbox_that_heartbeats_while_the_launch_waits_for_the_exchange_is_live_and_refused_at_once()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var store = SqliteMailboxStore.Open(Path.Combine(_bed.Root, "beating.db"), clock: clock);
        var runId = $"beat-{Guid.NewGuid():N}"[..20];
        var old = await store.RegisterAsync(runId, "solo");
        clock.Advance(TimeSpan.FromSeconds(5)); // dead by the campaign's 3 s, live by the exchange's 30 s
        var check = LaunchPreflight.CheckAsync(_bed.Options(Solo(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)), runId, "alpha"), store, CancellationToken.None);
        await Task.Delay(600);
        Assert.False(check.IsCompleted, "the launch waits for the exchange to let the mailbox go");

        clock.Advance(TimeSpan.FromSeconds(1));
        await store.HeartbeatAsync(old.Id); // the old launch was alive after all (a slow link, a paused VM)
        var error = await Assert.ThrowsAsync<SwarmException>(() => check.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Equal("MailboxExists", error.ErrorId);
    }

    [Fact]
    public async Task An_exchange_that_still_holds_a_dead_mailbox_past_its_own_threshold_is_MailboxHeldByExchange()
    {
        // The exchange's clock stands still, so by its own 3 s threshold the mailbox never lets go.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var store = SqliteMailboxStore.Open(Path.Combine(_bed.Root, "held.db"), new ExchangeLimits { HeartbeatThreshold = TimeSpan.FromSeconds(3) }, clock);
        var runId = $"held-{Guid.NewGuid():N}"[..20];
        await store.RegisterAsync(runId, "solo");
        clock.Advance(TimeSpan.FromSeconds(2)); // dead by the campaign's 1 s, live by the exchange's 3 s
        var waited = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            LaunchPreflight.CheckAsync(_bed.Options(Solo(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1)), runId, "alpha"), store, CancellationToken.None));

        Assert.Equal("MailboxHeldByExchange", error.ErrorId);
        Assert.Contains("its own threshold (3 s)", error.Message);
        Assert.Contains($"Get-SwarmMailbox -RunId {runId} -Name solo", error.Remediation);
        // It waited the exchange's remaining second and the margin, no longer.
        Assert.InRange(waited.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
