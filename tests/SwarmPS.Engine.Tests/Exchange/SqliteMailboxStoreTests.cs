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
