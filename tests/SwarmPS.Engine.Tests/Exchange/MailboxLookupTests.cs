using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>Looking mailboxes up by id on a real store: the answer follows the ids asked, unknown ones as MailboxNotFound.</summary>
public sealed class MailboxLookupTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarm-lookup-").FullName;

    [Fact]
    public async Task Each_id_asked_is_answered_in_order_with_its_mailbox_or_MailboxNotFound()
    {
        await using var store = SqliteMailboxStore.Open(Path.Combine(_directory, "exchange.db"));
        var a = (await store.RegisterAsync("lookup", "agent-a")).Id;
        var b = (await store.RegisterAsync("lookup", "agent-b")).Id;
        var unknown = Guid.NewGuid();

        var lookups = await MailboxLookup.FindAsync(store, [b, unknown, a]);

        Assert.Equal(new[] { b, unknown, a }, lookups.Select(l => l.Id));
        Assert.Equal("agent-b", lookups[0].Mailbox!.Name);
        Assert.Null(lookups[0].NotFound);
        Assert.Null(lookups[1].Mailbox);
        Assert.Equal("MailboxNotFound", lookups[1].NotFound!.ErrorId);
        Assert.Equal(unknown, lookups[1].NotFound!.Target);
        Assert.Equal("agent-a", lookups[2].Mailbox!.Name);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
