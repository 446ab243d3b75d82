using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>What the SQLite store does beyond the conformance suite: persistence, group commit isolation, the mailbox bound.</summary>
public sealed class SqliteMailboxStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-store-").FullName;

    private string DatabasePath => Path.Combine(_directory, "exchange.db");

    [Fact]
    public async Task Messages_and_mailboxes_survive_closing_and_reopening_the_store_in_order()
    {
        Guid target;
        await using (var store = SqliteMailboxStore.Open(DatabasePath))
        {
            target = (await store.RegisterAsync("persist", "agent-b")).Id;
            for (var i = 0; i < 5; i++)
            {
                await store.SendAsync(OutgoingMessage.Create(target, $"m{i}"));
            }
        }

        await using var reopened = SqliteMailboxStore.Open(DatabasePath);
        var mailbox = Assert.Single(await reopened.GetStatusAsync([target]));
        var received = await reopened.ReceiveAsync(target, new ReceiveRequest(100));

        Assert.Equal("agent-b", mailbox.Name);
        Assert.Equal(5, mailbox.Pending);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"m{i}"), received.Select(m => m.Body));
    }

    [Fact]
    public async Task One_failing_write_in_a_commit_group_does_not_undo_the_others()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);
        var target = (await store.RegisterAsync("group", "agent-b")).Id;

        // Fired together so the writer commits many of them in one transaction.
        var sends = Enumerable.Range(0, 200)
            .Select(i => i % 4 == 0 ? OutgoingMessage.Create(Guid.NewGuid(), "to nobody") : OutgoingMessage.Create(target, $"ok {i}"))
            .Select(async message =>
            {
                try
                {
                    await store.SendAsync(message);
                    return true;
                }
                catch (SwarmException error) when (error.ErrorId == "MailboxNotFound")
                {
                    return false;
                }
            })
            .ToList();
        var outcomes = await Task.WhenAll(sends);

        Assert.Equal(150, outcomes.Count(ok => ok));
        Assert.Equal(150, Assert.Single(await store.GetStatusAsync([target])).Pending);
    }

    [Fact]
    public async Task The_pending_cap_counts_what_a_reopened_store_holds_and_only_the_writes_that_committed()
    {
        // The writer keeps the pending count itself (PendingMessageCount) instead of counting per send:
        // it must start from the file, ignore refused writes and duplicates, and follow acknowledgements.
        var limits = new ExchangeLimits { MaxPendingMessages = 3 };
        Guid target;
        await using (var store = SqliteMailboxStore.Open(DatabasePath, limits))
        {
            target = (await store.RegisterAsync("cap", "agent-b")).Id;
            var first = OutgoingMessage.Create(target, "a");
            await store.SendAsync(first);
            await store.SendAsync(OutgoingMessage.Create(target, "b"));
            Assert.True((await store.SendAsync(first)).Duplicate);
            await Assert.ThrowsAsync<SwarmException>(() => store.SendAsync(OutgoingMessage.Create(Guid.NewGuid(), "to nobody")));
            var batch = await Assert.ThrowsAsync<SwarmException>(() => store.SendBatchAsync([OutgoingMessage.Create(target, "x"), OutgoingMessage.Create(target, "y")]));
            Assert.Equal("ExchangePendingLimitReached", batch.ErrorId);
        }

        await using var reopened = SqliteMailboxStore.Open(DatabasePath, limits);
        await reopened.SendAsync(OutgoingMessage.Create(target, "c"));
        var full = await Assert.ThrowsAsync<SwarmException>(() => reopened.SendAsync(OutgoingMessage.Create(target, "d")));
        Assert.Equal("ExchangePendingLimitReached", full.ErrorId);
        Assert.Contains("already holds 3 unacknowledged", full.Message, StringComparison.Ordinal);

        var received = await reopened.ReceiveAsync(target, new ReceiveRequest(2));
        Assert.Equal(2, await reopened.AcknowledgeAsync(target, received.Select(m => m.Id).ToList()));
        // Acknowledged twice, a message frees its room once.
        Assert.Equal(0, await reopened.AcknowledgeAsync(target, received.Select(m => m.Id).ToList()));
        await reopened.SendBatchAsync([OutgoingMessage.Create(target, "e"), OutgoingMessage.Create(target, "f")]);
        var again = await Assert.ThrowsAsync<SwarmException>(() => reopened.SendAsync(OutgoingMessage.Create(target, "g")));
        Assert.Equal("ExchangePendingLimitReached", again.ErrorId);
        Assert.Equal(3, Assert.Single(await reopened.GetStatusAsync([target])).Pending);
    }

    [Fact]
    public async Task A_run_cannot_register_more_mailboxes_than_the_limit()
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath, new ExchangeLimits { MaxMailboxesPerRun = 2 });
        await store.RegisterAsync("bounded", "a");
        await store.RegisterAsync("bounded", "b");

        var error = await Assert.ThrowsAsync<SwarmException>(() => store.RegisterAsync("bounded", "c"));

        Assert.Equal("MailboxLimitReached", error.ErrorId);
        Assert.Equal("a", (await store.RegisterAsync("other-run", "a")).Name);
    }

    [Theory]
    [InlineData("Bad Run", "agent", "RunIdInvalid")]
    [InlineData("run-1", "", "AgentNameInvalid")]
    [InlineData("run-1", "line\nbreak", "AgentNameInvalid")]
    [InlineData("run-1", "../../../../tmp/x", "AgentNameInvalid")]
    [InlineData("run-1", "a/b", "AgentNameInvalid")]
    [InlineData("run-1", "..", "AgentNameInvalid")]
    public async Task Registration_refuses_bad_run_ids_and_names(string runId, string name, string errorId)
    {
        await using var store = SqliteMailboxStore.Open(DatabasePath);

        var error = await Assert.ThrowsAsync<SwarmException>(() => store.RegisterAsync(runId, name));

        Assert.Equal(errorId, error.ErrorId);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
