using System.Diagnostics;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// An agent's client of several interchangeable gateways (the RabbitMQ backend, docs/exchange.md): it uses
/// one until a call to it fails for a reason another gateway may not share (unreachable, timed out, its
/// broker connection down), then moves to the next and repeats the call there, for up to
/// <see cref="RetryWindow"/>. Repeating is safe for every call of the protocol: a send carries its message
/// id, so a send repeated after its answer was lost is a duplicate, not a second message; a lease held by a
/// gateway that died is given back by the broker; acknowledging or releasing twice changes nothing.
/// A registration repeated after its answer was lost can find its own, live mailbox and fail with
/// MailboxExists; the agent then starts again, as after any failed start.
/// </summary>
public sealed class FailoverExchangeClient : IExchange
{
    /// <summary>How long a call keeps moving between gateways before it fails with the last gateway's error.</summary>
    public static readonly TimeSpan RetryWindow = TimeSpan.FromSeconds(60);

    /// <summary>The errors that say "this gateway, now" rather than "this request".</summary>
    private static readonly HashSet<string> GatewayFailures = new(StringComparer.Ordinal)
    {
        "ExchangeUnreachable", "ExchangeTimeout", "ExchangeBusy", "BrokerUnavailable", "BrokerAuthenticationFailed", "MailboxQueueMissing",
    };

    private readonly IReadOnlyList<IExchange> _gateways;
    private readonly IReadOnlyList<Uri> _urls;
    private int _current;

    public FailoverExchangeClient(ExchangeConnection connection, Func<ExchangeConnection, IExchange>? open = null)
    {
        open ??= single => new HttpExchangeClient(single);
        _urls = connection.Urls;
        _gateways = _urls.Select(url => open(new ExchangeConnection(url, connection.Token, connection.Trust))).ToList();
    }

    /// <summary>The gateway calls go to now.</summary>
    public Uri Current => _urls[Volatile.Read(ref _current)];

    /// <summary>Says each move to another gateway (the agent's log).</summary>
    public Action<string>? Moved { get; set; }

    public Task<MailboxStatus> RegisterAsync(string runId, string agentName, CancellationToken cancellationToken = default) =>
        CallAsync(g => g.RegisterAsync(runId, agentName, cancellationToken), cancellationToken);

    public Task<MailboxStatus> HeartbeatAsync(Guid mailboxId, CancellationToken cancellationToken = default) =>
        CallAsync(g => g.HeartbeatAsync(mailboxId, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<MailboxStatus>> GetStatusAsync(IReadOnlyCollection<Guid> mailboxIds, CancellationToken cancellationToken = default) =>
        CallAsync(g => g.GetStatusAsync(mailboxIds, cancellationToken), cancellationToken);

    public Task<SendReceipt> SendAsync(OutgoingMessage message, CancellationToken cancellationToken = default) =>
        CallAsync(g => g.SendAsync(message, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<SendReceipt>> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default) =>
        CallAsync(g => g.SendBatchAsync(messages, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(Guid mailboxId, ReceiveRequest request, CancellationToken cancellationToken = default) =>
        CallAsync(g => g.ReceiveAsync(mailboxId, request, cancellationToken), cancellationToken);

    public Task<int> AcknowledgeAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default) =>
        CallAsync(g => g.AcknowledgeAsync(mailboxId, messageIds, cancellationToken), cancellationToken);

    public Task<int> ReleaseAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default) =>
        CallAsync(g => g.ReleaseAsync(mailboxId, messageIds, cancellationToken), cancellationToken);

    public Task<MailboxStatus> TerminateAsync(Guid mailboxId, CancellationToken cancellationToken = default) =>
        CallAsync(g => g.TerminateAsync(mailboxId, cancellationToken), cancellationToken);

    public Task<ExchangeSummary> GetSummaryAsync(CancellationToken cancellationToken = default) =>
        CallAsync(g => g.GetSummaryAsync(cancellationToken), cancellationToken);

    private async Task<T> CallAsync<T>(Func<IExchange, Task<T>> call, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var tried = 0;
        while (true)
        {
            var index = Volatile.Read(ref _current);
            try
            {
                return await call(_gateways[index]).ConfigureAwait(false);
            }
            catch (SwarmException error) when (GatewayFailures.Contains(error.ErrorId) && clock.Elapsed < RetryWindow && !cancellationToken.IsCancellationRequested)
            {
                tried++;
                var next = (index + 1) % _gateways.Count;
                if (Interlocked.CompareExchange(ref _current, next, index) == index)
                {
                    Moved?.Invoke($"gateway {_urls[index]} failed ({error.ErrorId}: {error.Message}); using {_urls[next]}");
                }

                // Once every gateway has failed in a row, pause before the next round: the cluster may be electing.
                if (tried % _gateways.Count == 0)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    public void Dispose()
    {
        foreach (var gateway in _gateways)
        {
            gateway.Dispose();
        }
    }
}
