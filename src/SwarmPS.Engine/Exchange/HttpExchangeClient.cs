using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// <see cref="IExchange"/> over the HTTP protocol of docs/exchange-protocol.md. Error bodies come
/// back as the same <see cref="SwarmException"/> the store would throw in-process. It honours the usual
/// proxy variables (HTTP_PROXY, NO_PROXY), which is how compute nodes reach a login-node exchange, and
/// over HTTPS believes the certificate <see cref="ExchangeTrust"/> says (SWARM_EXCHANGE_CA / SWARM_EXCHANGE_PIN).
/// </summary>
public sealed class HttpExchangeClient : IExchange
{
    /// <summary>Extra time allowed beyond a receive's own wait before the client gives up.</summary>
    private static readonly TimeSpan RequestSlack = TimeSpan.FromSeconds(30);

    /// <summary>How long giving up a wait may take (cancel, then release what it leased meanwhile): Ctrl+C must feel prompt.</summary>
    private static readonly TimeSpan CancelBound = TimeSpan.FromMilliseconds(1500);

    private static readonly MediaTypeHeaderValue JsonMediaType = new(ExchangeWire.MediaType);

    private readonly HttpClient _http;
    private readonly Uri _baseUrl;
    private readonly ServerCertificateCheck? _certificateCheck;

    public HttpExchangeClient(ExchangeConnection connection, HttpMessageHandler? handler = null)
    {
        _baseUrl = connection.Url;
        handler ??= ExchangeHttp.CreateHandler(connection, out _certificateCheck);
        _http = new HttpClient(handler)
        {
            BaseAddress = connection.Url,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
    }

    public async Task<MailboxStatus> RegisterAsync(string runId, string agentName, CancellationToken cancellationToken = default) =>
        (await PostAsync<ExchangeWire.MailboxView>("v1/mailboxes", new ExchangeWire.RegisterRequest(runId, agentName), null, cancellationToken).ConfigureAwait(false)).ToStatus();

    public async Task<MailboxStatus> HeartbeatAsync(Guid mailboxId, CancellationToken cancellationToken = default) =>
        (await PostAsync<ExchangeWire.MailboxView>($"v1/mailboxes/{mailboxId:D}/heartbeat", null, null, cancellationToken).ConfigureAwait(false)).ToStatus();

    public async Task<MailboxStatus> TerminateAsync(Guid mailboxId, CancellationToken cancellationToken = default) =>
        (await PostAsync<ExchangeWire.MailboxView>($"v1/mailboxes/{mailboxId:D}/terminate", null, null, cancellationToken).ConfigureAwait(false)).ToStatus();

    public async Task<IReadOnlyList<MailboxStatus>> GetStatusAsync(IReadOnlyCollection<Guid> mailboxIds, CancellationToken cancellationToken = default) =>
        (await PostAsync<ExchangeWire.MailboxesResponse>("v1/mailboxes/query", new ExchangeWire.IdsRequest(mailboxIds.ToList()), null, cancellationToken).ConfigureAwait(false))
            .Mailboxes.Select(m => m.ToStatus()).ToList();

    public async Task<SendReceipt> SendAsync(OutgoingMessage message, CancellationToken cancellationToken = default)
    {
        var receipt = await PostAsync<ExchangeWire.SendResponse>(
            $"v1/mailboxes/{message.To:D}/messages",
            new ExchangeWire.SendRequest(message.Id, null, message.From, message.Body),
            null,
            cancellationToken).ConfigureAwait(false);
        return new SendReceipt(receipt.Id, receipt.To, receipt.Duplicate);
    }

    public async Task<IReadOnlyList<SendReceipt>> SendBatchAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken = default)
    {
        var body = new ExchangeWire.SendBatchRequest(messages.Select(m => (ExchangeWire.SendRequest?)new ExchangeWire.SendRequest(m.Id, m.To, m.From, m.Body)).ToList());
        var response = await PostAsync<ExchangeWire.SendBatchResponse>("v1/messages", body, null, cancellationToken).ConfigureAwait(false);
        return response.Results.Select(r => new SendReceipt(r.Id, r.To, r.Duplicate)).ToList();
    }

    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(Guid mailboxId, ReceiveRequest request, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        // A waiting receive carries a poll id so that giving it up can reach the exchange (CancelWaitAsync).
        var poll = request.EffectiveWait > TimeSpan.Zero ? Guid.NewGuid() : (Guid?)null;
        var body = new ExchangeWire.ReceiveRequestBody(
            request.MaxMessages,
            (int)request.EffectiveLease.TotalMilliseconds,
            (int)request.EffectiveWait.TotalMilliseconds,
            request.Acknowledge is { Count: > 0 } acknowledge ? acknowledge.ToList() : null,
            poll);
        var path = $"v1/mailboxes/{mailboxId:D}/receive";
        if (poll is null)
        {
            var quick = await PostAsync<ExchangeWire.ReceiveResponse>(path, body, RequestSlack, cancellationToken).ConfigureAwait(false);
            return quick.Messages.Select(m => m.ToMessage()).ToList();
        }

        // The request is not tied to the caller's token: cancelled, it is first cancelled on the exchange,
        // whose answer then tells whether the wait leased anything before the cancel arrived.
        using var abandon = new CancellationTokenSource();
        var receiving = PostAsync<ExchangeWire.ReceiveResponse>(path, body, request.EffectiveWait + RequestSlack, abandon.Token);
        try
        {
            var response = await receiving.WaitAsync(cancellationToken).ConfigureAwait(false);
            return response.Messages.Select(m => m.ToMessage()).ToList();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await CancelWaitAsync(mailboxId, poll.Value, receiving, abandon).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Ends an abandoned wait on the exchange so it does not lease the next message to nobody (the gateway
    /// cannot see that the client left). Should the wait have leased just before the cancel, those
    /// messages are released at once. Bounded: an exchange that does not answer in time is left to its
    /// lease, as before.
    /// </summary>
    private async Task CancelWaitAsync(Guid mailboxId, Guid poll, Task<ExchangeWire.ReceiveResponse> receiving, CancellationTokenSource abandon)
    {
        using var bound = new CancellationTokenSource(CancelBound);
        try
        {
            await PostAsync<ExchangeWire.CancelReceiveResponse>($"v1/mailboxes/{mailboxId:D}/receive/cancel", new ExchangeWire.CancelReceiveRequest(poll), CancelBound, bound.Token).ConfigureAwait(false);
            var answer = await receiving.WaitAsync(bound.Token).ConfigureAwait(false);
            if (answer.Messages.Count > 0)
            {
                await ReleaseAsync(mailboxId, answer.Messages.Select(m => m.Id).ToList(), bound.Token).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is SwarmException or OperationCanceledException)
        {
            // Best effort, as a closed connection would be: the lease ends on its own.
        }
        finally
        {
            abandon.Cancel();
            _ = receiving.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        }
    }

    public async Task<int> AcknowledgeAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default) =>
        (await PostAsync<ExchangeWire.AcknowledgeResponse>($"v1/mailboxes/{mailboxId:D}/acknowledge", new ExchangeWire.IdsRequest(messageIds.ToList()), null, cancellationToken).ConfigureAwait(false)).Acknowledged;

    public async Task<int> ReleaseAsync(Guid mailboxId, IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default) =>
        (await PostAsync<ExchangeWire.ReleaseResponse>($"v1/mailboxes/{mailboxId:D}/release", new ExchangeWire.IdsRequest(messageIds.ToList()), null, cancellationToken).ConfigureAwait(false)).Released;

    public async Task<ExchangeSummary> GetSummaryAsync(CancellationToken cancellationToken = default)
    {
        var summary = await SendAsync<ExchangeWire.SummaryResponse>(new HttpRequestMessage(HttpMethod.Get, "v1/exchange"), null, cancellationToken).ConfigureAwait(false);
        return new ExchangeSummary(summary.Mailboxes, summary.ActiveMailboxes, summary.PendingMessages, summary.StoreBytes) { Backend = summary.Backend };
    }

    /// <summary>The gateway's own description: pid and start time on top of the summary.</summary>
    public Task<ExchangeWire.SummaryResponse> GetGatewaySummaryAsync(CancellationToken cancellationToken = default) =>
        SendAsync<ExchangeWire.SummaryResponse>(new HttpRequestMessage(HttpMethod.Get, "v1/exchange"), null, cancellationToken);

    private Task<T> PostAsync<T>(string path, object? body, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (body is not null)
        {
            // Serialized up front so the request carries a Content-Length: a streamed JsonContent goes out
            // chunked, which costs the gateway a chunk parser per request and the wire extra bytes.
            request.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), ExchangeWire.Json));
            request.Content.Headers.ContentType = JsonMediaType;
        }

        return SendAsync<T>(request, timeout, cancellationToken);
    }

    private Task<T> SendAsync<T>(HttpRequestMessage request, TimeSpan? timeout, CancellationToken cancellationToken) =>
        ExchangeHttp.SendJsonAsync<T>(_http, request, timeout ?? RequestSlack, _baseUrl, _certificateCheck, cancellationToken);

    public void Dispose() => _http.Dispose();
}
