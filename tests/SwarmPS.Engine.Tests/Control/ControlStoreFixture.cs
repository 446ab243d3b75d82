using System.Text.Json.Nodes;
using SwarmPS.Engine.Control;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Control;

/// <summary>
/// A real SQLite store with a receiver's mailbox (manager.alice.alpha) and a reply mailbox registered in
/// control.default, and a <see cref="ControlReceiver"/> on them whose execute delegate the test sets.
/// </summary>
internal sealed class ControlStoreFixture : IAsyncDisposable
{
    public const string NameSpace = "default";

    private ControlStoreFixture(string directory, SqliteMailboxStore store, Guid own, Guid replyTo)
    {
        Directory = directory;
        Store = store;
        Own = own;
        ReplyTo = replyTo;
        Handled = HandledCommands.Open(Path.Combine(directory, "handled.jsonl"), DateTimeOffset.UtcNow);
        Events = new EventLog(Path.Combine(directory, "events.jsonl"));
    }

    public string Directory { get; }

    public SqliteMailboxStore Store { get; }

    public Guid Own { get; }

    public Guid ReplyTo { get; }

    public ControlToken Token { get; } = ControlTestKit.Token();

    public HandledCommands Handled { get; }

    public EventLog Events { get; }

    /// <summary>What the receiver ran, in order, with the moments it was acknowledged ("ack") between them.</summary>
    public List<string> Trace { get; } = new();

    public Func<ControlCommand, JsonObject> Execute { get; set; } = command => new JsonObject { ["ran"] = command.Command };

    public static async Task<ControlStoreFixture> CreateAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("swarm-control-").FullName;
        var store = SqliteMailboxStore.Open(Path.Combine(directory, "exchange.db"));
        var runId = "control." + NameSpace;
        var own = (await store.RegisterAsync(runId, "manager.alice.alpha")).Id;
        var replyTo = (await store.RegisterAsync(runId, "reply.alice.0")).Id;
        return new ControlStoreFixture(directory, store, own, replyTo);
    }

    public ControlReceiver Receiver() => new(Store, Token, NameSpace, Own, Handled, Events, "alpha", ControlEvents.Agent, (command, _) =>
    {
        lock (Trace)
        {
            Trace.Add("execute " + command.CorrelationId);
        }

        return Task.FromResult(Execute(command));
    });

    /// <summary>Sends <paramref name="body"/> to the receiver's mailbox, leases it as the manager would, and has the receiver handle it.</summary>
    public async Task HandleAsync(string body)
    {
        await Store.SendAsync(OutgoingMessage.Create(Own, body, ReplyTo));
        var message = Assert.Single(await Store.ReceiveAsync(Own, new ReceiveRequest(1, Wait: TimeSpan.FromSeconds(1))));
        await Receiver().HandleAsync(message, () => AcknowledgeAsync(message), CancellationToken.None);
    }

    public Task HandleAsync(ControlCommand command, ControlToken? token = null) => HandleAsync(ControlEnvelope.Seal(token ?? Token, command.ToJson()));

    public int Executions => Trace.Count(step => step.StartsWith("execute", StringComparison.Ordinal));

    public int Acknowledgements => Trace.Count(step => step == "ack");

    /// <summary>Every envelope the reply mailbox holds now, acknowledged.</summary>
    public async Task<IReadOnlyList<ControlEnvelope>> RepliesAsync()
    {
        var messages = await Store.ReceiveAsync(ReplyTo, new ReceiveRequest(100));
        if (messages.Count > 0)
        {
            await Store.AcknowledgeAsync(ReplyTo, messages.Select(message => message.Id).ToList());
        }

        return messages.Select(message => ControlEnvelope.TryRead(message.Body) ?? throw new InvalidOperationException("not an envelope: " + message.Body)).ToList();
    }

    /// <summary>The one reply the mailbox holds, which must be sealed with the token.</summary>
    public async Task<ControlReply> SealedReplyAsync()
    {
        var envelope = Assert.Single(await RepliesAsync());
        Assert.True(envelope.IsSealedWith(Token), "the reply is not sealed with the token");
        return ControlReply.TryParse(envelope.Payload) ?? throw new InvalidOperationException("not a reply: " + envelope.Payload);
    }

    public IReadOnlyList<JsonObject> EventLines() =>
        File.Exists(Events.Path) ? File.ReadAllLines(Events.Path).Select(line => JsonNode.Parse(line)!.AsObject()).ToList() : Array.Empty<JsonObject>();

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private async Task AcknowledgeAsync(ReceivedMessage message)
    {
        lock (Trace)
        {
            Trace.Add("ack");
        }

        await Store.AcknowledgeAsync(Own, new[] { message.Id });
    }
}
