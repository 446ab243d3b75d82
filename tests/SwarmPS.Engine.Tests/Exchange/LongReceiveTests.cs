using System.Diagnostics;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>A receive that waits longer than the exchange lets one request wait: slices under the cap, on a real store.</summary>
public sealed class LongReceiveTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-long-receive-").FullName;

    [Fact]
    public void Each_poll_waits_what_is_left_and_never_more_than_the_cap()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(TimeSpan.FromSeconds(55), LongReceive.NextWait(now.AddSeconds(130), now));
        Assert.Equal(TimeSpan.FromSeconds(20), LongReceive.NextWait(now.AddSeconds(20), now));
        Assert.Equal(TimeSpan.Zero, LongReceive.NextWait(now.AddSeconds(-1), now));
        Assert.Equal(LongReceive.MaxPollWait, LongReceive.NextWait(DateTimeOffset.MaxValue, now));
        // The exchange refuses a wait over its cap (WaitInvalid): a slice is always under the default one.
        Assert.True(LongReceive.MaxPollWait < new ExchangeLimits().MaxWait);
    }

    [Fact]
    public async Task An_empty_mailbox_is_waited_on_until_the_timeout_and_answers_empty()
    {
        await using var store = SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"));
        var mailbox = (await store.RegisterAsync("long-receive", "agent-a")).Id;

        var watch = Stopwatch.StartNew();
        var messages = await LongReceive.ReceiveAsync(store, mailbox, 10, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(400));

        Assert.Empty(messages);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(350), TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_message_sent_during_the_wait_ends_it()
    {
        await using var store = SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"));
        var mailbox = (await store.RegisterAsync("long-receive", "agent-b")).Id;

        var receiving = LongReceive.ReceiveAsync(store, mailbox, 10, TimeSpan.FromSeconds(30), timeout: null);
        await Task.Delay(300);
        Assert.False(receiving.IsCompleted);
        await store.SendAsync(OutgoingMessage.Create(mailbox, "hello"));

        var messages = await receiving.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("hello", Assert.Single(messages).Body);
    }

    [Fact]
    public async Task Cancelling_ends_a_wait_without_a_timeout()
    {
        await using var store = SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"));
        var mailbox = (await store.RegisterAsync("long-receive", "agent-c")).Id;
        using var stopping = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            LongReceive.ReceiveAsync(store, mailbox, 1, TimeSpan.FromSeconds(30), timeout: null, cancellationToken: stopping.Token).WaitAsync(TimeSpan.FromSeconds(20)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
