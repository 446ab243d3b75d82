using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>Acknowledging more ids than one request may carry, on a real store that refuses an oversized batch.</summary>
public sealed class AcknowledgeBatchesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-ack-batches-").FullName;

    [Fact]
    public async Task More_ids_than_one_batch_are_all_acknowledged()
    {
        await using var store = SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"));
        var mailbox = (await store.RegisterAsync("ack-batches", "agent-a")).Id;
        var count = AcknowledgeBatches.BatchSize * 2 + 7;
        for (var i = 0; i < count; i++)
        {
            await store.SendAsync(OutgoingMessage.Create(mailbox, $"m{i}"));
        }

        var ids = new List<Guid>();
        while (ids.Count < count)
        {
            ids.AddRange((await store.ReceiveAsync(mailbox, new ReceiveRequest(AcknowledgeBatches.BatchSize, TimeSpan.FromMinutes(5)))).Select(m => m.Id));
        }

        // One request with all of them is refused: the batching is what makes this work.
        var refused = await Assert.ThrowsAsync<SwarmException>(() => store.AcknowledgeAsync(mailbox, ids));
        Assert.Equal("BatchTooLarge", refused.ErrorId);

        Assert.Equal(count, await AcknowledgeBatches.AcknowledgeAllAsync(store, mailbox, ids));
        Assert.Equal(0, Assert.Single(await store.GetStatusAsync([mailbox])).Pending);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
