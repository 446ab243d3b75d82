using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Authentication;
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
        if (handler is null)
        {
            var sockets = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
            if (connection.Url.Scheme == Uri.UriSchemeHttps)
            {
                // Always our own check, so a refused certificate is explained (fingerprint and fix), not just "SSL failed".
                _certificateCheck = (connection.Trust ?? ExchangeTrust.FromEnvironment()).CreateCheck(connection.Url);
                sockets.SslOptions.RemoteCertificateValidationCallback = _certificateCheck.Validate;
            }

            handler = sockets;
        }

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
        return new ExchangeSummary(summary.Mailboxes, summary.ActiveMailboxes, summary.PendingMessages, summary.StoreBytes);
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

    private async Task<T> SendAsync<T>(HttpRequestMessage request, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout ?? RequestSlack);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SwarmException(
                "ExchangeTimeout",
                $"The exchange at {_baseUrl} did not answer {request.Method} {request.RequestUri} in time.",
                "Check that the exchange is running (Get-SwarmExchange) and reachable from here (proxy, SSH tunnel).",
                SwarmErrorCategory.OperationTimeout,
                _baseUrl);
        }
        catch (HttpRequestException error) when (error.InnerException is AuthenticationException && _certificateCheck?.Refusal is { } refusal)
        {
            throw new SwarmException(refusal.ErrorId, refusal.Message, refusal.Remediation, refusal.Category, _baseUrl, error);
        }
        catch (HttpRequestException error)
        {
            throw new SwarmException(
                "ExchangeUnreachable",
                $"Could not reach the exchange at {_baseUrl}: {error.Message}",
                "Start it (Start-SwarmExchange) or fix SWARM_EXCHANGE_URL; from a compute node check the HTTP proxy or SSH tunnel.",
                SwarmErrorCategory.ConnectionError,
                _baseUrl,
                error);
        }
        finally
        {
            request.Dispose();
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync<T>(ExchangeWire.Json, deadline.Token).ConfigureAwait(false)
                    ?? throw new SwarmException("ExchangeProtocolError", $"The exchange at {_baseUrl} answered with an empty body.", "Check that the URL points at a SwarmPS exchange.", SwarmErrorCategory.InvalidData, _baseUrl);
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                throw new SwarmException(
                    "ExchangeUnauthorized",
                    $"The exchange at {_baseUrl} refused the token.",
                    "Set SWARM_EXCHANGE_TOKEN to the token the exchange was started with.",
                    SwarmErrorCategory.PermissionDenied,
                    _baseUrl);
            }

            ExchangeWire.ErrorResponse? error = null;
            try
            {
                error = await response.Content.ReadFromJsonAsync<ExchangeWire.ErrorResponse>(ExchangeWire.Json, deadline.Token).ConfigureAwait(false);
            }
            catch (Exception parse) when (parse is JsonException or NotSupportedException or InvalidOperationException)
            {
                // Not our gateway (a proxy's HTML page, say): fall through to the generic error.
            }

            if (error is null || string.IsNullOrEmpty(error.Error))
            {
                throw new SwarmException(
                    "ExchangeProtocolError",
                    $"The exchange at {_baseUrl} answered {(int)response.StatusCode} {response.ReasonPhrase} without a SwarmPS error body.",
                    "Check that the URL points at a SwarmPS exchange and not at a proxy or another service.",
                    SwarmErrorCategory.InvalidData,
                    _baseUrl);
            }

            throw new SwarmException(error.Error, error.Message, error.Remediation ?? "See docs/exchange-protocol.md.", CategoryFor(response.StatusCode), _baseUrl);
        }
    }

    private static SwarmErrorCategory CategoryFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => SwarmErrorCategory.ObjectNotFound,
        HttpStatusCode.Conflict => SwarmErrorCategory.ResourceExists,
        HttpStatusCode.ServiceUnavailable => SwarmErrorCategory.ResourceUnavailable,
        HttpStatusCode.TooManyRequests => SwarmErrorCategory.InvalidOperation,
        _ => SwarmErrorCategory.InvalidArgument,
    };

    public void Dispose() => _http.Dispose();
}
