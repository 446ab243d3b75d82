using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The HTTP face of an exchange (docs/exchange-protocol.md), built on the BCL's HttpListener so it runs
/// inside pwsh with nothing installed. It authenticates, bounds and parses each request, calls the
/// <see cref="IExchange"/> behind it and maps <see cref="SwarmException"/> ErrorIds to 4xx statuses.
/// A client mistake is never a 5xx; only a failure of the exchange itself is.
/// </summary>
public sealed class ExchangeGateway : IAsyncDisposable
{
    /// <summary>Requests in flight at once (long polls included); beyond it the gateway answers 503 ExchangeBusy.</summary>
    public const int MaxConcurrentRequests = 2048;

    private static readonly byte[] UnauthorizedBody = JsonSerializer.SerializeToUtf8Bytes(
        new ExchangeWire.ErrorResponse("Unauthorized", "A valid bearer token is required."), ExchangeWire.Json);

    private readonly IExchange _exchange;
    private readonly ExchangeLimits _limits;
    private readonly BearerTokenCheck _auth;
    private readonly ExchangeLog _log;
    private readonly HttpListener _listener = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _slots = new(MaxConcurrentRequests);
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly List<Task> _acceptLoops = new();
    private readonly ReceiveWaits _waits = new();
    private readonly LongPollBudget _longPolls;
    private readonly RequestBodyBudget _bodies;
    private readonly BlobRoutes? _blobs;
    private readonly ContributionRoutes? _contributions;
    private GatewayFront? _front;

    private ExchangeGateway(IExchange exchange, ExchangeLimits limits, string token, ExchangeLog log, Uri url, BlobStore? blobs, ContributionStore? contributions)
    {
        _exchange = exchange;
        _limits = limits;
        _auth = new BearerTokenCheck(token);
        _log = log;
        _longPolls = new LongPollBudget(limits);
        _bodies = new RequestBodyBudget(limits);
        _blobs = blobs is null ? null : new BlobRoutes(blobs, limits, _bodies, log);
        _contributions = contributions is null ? null : new ContributionRoutes(contributions, limits, _bodies, log);
        Url = url;
    }

    /// <summary>Bytes of request bodies held in memory now, for all requests in flight (bounded by MaxBufferedRequestBytes).</summary>
    public long BufferedRequestBytes => _bodies.Held;

    /// <summary>Long polls in progress now (bounded by MaxLongPolls).</summary>
    public int LongPolls => _longPolls.Count;

    /// <summary>The HttpListener's own port; behind a front the private one it relays to (under TLS, tests prove it refuses plain callers).</summary>
    internal int ListenerPort { get; private set; }

    /// <summary>Where clients reach this gateway, e.g. http://127.0.0.1:8471/ (https:// under TLS).</summary>
    public Uri Url { get; private set; }

    /// <summary>
    /// Starts serving on <paramref name="bindAddress"/>:<paramref name="port"/> (port 0 picks a free one),
    /// over HTTPS with <paramref name="certificate"/> when one is given (<see cref="GatewayFront"/>), serving
    /// /v1/blobs/ from <paramref name="blobs"/> and /v1/runs/{runId}/contributions from
    /// <paramref name="contributions"/> when given (404 RouteNotFound without).
    /// </summary>
    public static ExchangeGateway Start(IExchange exchange, ExchangeLimits limits, string token, string bindAddress = "127.0.0.1", int port = 0, ExchangeLog? log = null, X509Certificate2? certificate = null, BlobStore? blobs = null, ContributionStore? contributions = null)
    {
        var address = ExchangeStartCheck.ParseBindAddress(bindAddress);
        if (port is < 0 or > 65535)
        {
            throw new SwarmException("PortInvalid", $"Port {port} is outside 0 to 65535.", "Choose a free port above 1024, or 0 to pick one.", SwarmErrorCategory.InvalidArgument, port);
        }

        // Any Host name is answered on the gateway's port (docs/exchange.md, "Host names"): the name is no access
        // control (every route but health needs the token), and a client may rightly use another one: through an
        // SSH gateway tunnel (the login node's name), a proxy, or an IP alias. A wildcard listener takes any name
        // itself. On a loopback or one-address bind it knows only its own names (a wildcard name would bind every
        // interface), so the front takes the port and gives each request a Host the listener knows, and the
        // listener takes a private port of its own, as it does under TLS.
        var host = address.Equals(IPAddress.Any) ? "*" : address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        var fronted = certificate is not null || host != "*";
        var chosen = port == 0 || fronted ? FreeTcpPort.On(address) : port;
        var gateway = new ExchangeGateway(exchange, limits, token, log ?? ExchangeLog.None, new Uri($"http://{(host == "*" ? "127.0.0.1" : host)}:{chosen}/"), blobs, contributions);
        gateway.ListenerPort = chosen;
        gateway._listener.Prefixes.Add($"http://{host}:{chosen}/");

        try
        {
            gateway._listener.Start();
        }
        catch (HttpListenerException error)
        {
            throw ExchangeStartCheck.PortUnavailable(bindAddress, chosen, error.Message, error);
        }

        if (fronted)
        {
            var upstream = new IPEndPoint(address.Equals(IPAddress.Any) ? IPAddress.Loopback : address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : address, chosen);
            try
            {
                gateway._front = GatewayFront.Start(address, bindAddress, port, upstream, certificate, host == "*" ? null : $"{host}:{chosen}");
            }
            catch
            {
                gateway._listener.Close();
                throw;
            }

            gateway.Url = new Uri($"{(certificate is null ? "http" : "https")}://{(host == "*" ? "127.0.0.1" : host)}:{gateway._front.Port}/");
        }

        // Several pending accepts keep the listener busy while handlers run.
        for (var i = 0; i < Math.Max(4, Environment.ProcessorCount * 2); i++)
        {
            gateway._acceptLoops.Add(Task.Run(gateway.AcceptAsync));
        }

        return gateway;
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stopping.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            catch (HttpListenerException)
            {
                continue;
            }

            // Handled on this continuation until its first wait (the store, a slow body), not queued to the
            // pool first: one thread hop less per request. The other accept loops keep accepting meanwhile.
            _ = HandleAsync(context);
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var response = context.Response;
        var route = ExchangeRoute.Parse(context.Request.HttpMethod, context.Request.RawUrl);
        if (_front is { IsTls: true } && !_front.IsRelayed(context.Request.RemoteEndPoint))
        {
            // The private port of a TLS exchange: plain HTTP there would carry the token in the clear.
            _log.WriteRefused($"403 {context.Request.HttpMethod} {route.LogPath} TlsRequired from {context.Request.RemoteEndPoint}");
            await WriteJsonAsync(context, HttpStatusCode.Forbidden, new ExchangeWire.ErrorResponse("TlsRequired", "This exchange is served over HTTPS only.", $"Use {Url}.")).ConfigureAwait(false);
            return;
        }

        if (route.Kind == ExchangeRouteKind.Health)
        {
            // Health takes no request slot: it answers however many long polls or slow uploads are in flight.
            await WriteJsonAsync(context, HttpStatusCode.OK, new { status = "ok" }).ConfigureAwait(false);
            return;
        }

        if (!_slots.Wait(0))
        {
            _log.WriteRefused($"503 {context.Request.HttpMethod} {route.LogPath} ExchangeBusy");
            await WriteJsonAsync(context, HttpStatusCode.ServiceUnavailable, new ExchangeWire.ErrorResponse("ExchangeBusy", "The exchange has too many requests in flight.", "Retry after a short pause.")).ConfigureAwait(false);
            return;
        }

        try
        {
            if (!_auth.IsAuthorized(context.Request.Headers["Authorization"]))
            {
                _log.WriteRefused($"401 {context.Request.HttpMethod} {route.LogPath} from {context.Request.RemoteEndPoint}");
                response.AddHeader("WWW-Authenticate", "Bearer");
                if (context.Request.HasEntityBody && !await SkipSmallBodyAsync(context).ConfigureAwait(false))
                {
                    // Close() would read the rest of a body nobody authenticated, for as long as its sender trickles.
                    await CutOffAsync(context, HttpStatusCode.Unauthorized, UnauthorizedBody).ConfigureAwait(false);
                    return;
                }

                await WriteJsonBytesAsync(context, HttpStatusCode.Unauthorized, UnauthorizedBody).ConfigureAwait(false);
                return;
            }

            if (route.Kind == ExchangeRouteKind.Blob && _blobs is not null)
            {
                // Blob bodies are streamed, never buffered: the blob routes read and answer them themselves.
                await _blobs.HandleAsync(context, _stopping.Token).ConfigureAwait(false);
                return;
            }

            if (route.Kind == ExchangeRouteKind.Contributions && _contributions is not null)
            {
                // Named routes with a strict body of their own: the contribution routes read and answer them.
                await _contributions.HandleAsync(context, _stopping.Token).ConfigureAwait(false);
                return;
            }

            var (status, body) = await DispatchAsync(context, route).ConfigureAwait(false);
            await WriteJsonAsync(context, status, body).ConfigureAwait(false);
        }
        catch (SwarmException error)
        {
            var status = ExchangeErrors.StatusFor(error.ErrorId);
            if (error.Category == SwarmErrorCategory.ResourceUnavailable)
            {
                status = HttpStatusCode.ServiceUnavailable;
            }

            var line = $"{(int)status} {context.Request.HttpMethod} {route.LogPath} {error.ErrorId}";
            if ((int)status < 500)
            {
                _log.WriteRefused(line);
            }
            else
            {
                _log.Write(line);
            }

            var answer = new ExchangeWire.ErrorResponse(error.ErrorId, error.Message, error.Remediation);
            if (error.ErrorId == "RequestBufferLimitReached")
            {
                // Its body is still arriving: answer without reading the rest.
                await CutOffAsync(context, status, JsonSerializer.SerializeToUtf8Bytes(answer, ExchangeWire.Json)).ConfigureAwait(false);
            }
            else
            {
                await WriteJsonAsync(context, status, answer).ConfigureAwait(false);
            }
        }
        catch (BodyTimeoutException)
        {
            _log.WriteRefused($"408 {context.Request.HttpMethod} {route.LogPath} RequestTimeout from {context.Request.RemoteEndPoint}");
            var answer = new ExchangeWire.ErrorResponse("RequestTimeout", $"The request body did not arrive within {_limits.RequestBodyTimeout.TotalSeconds} s.", "Send each request body promptly and in full; check the network path to the exchange.");
            await CutOffAsync(context, HttpStatusCode.RequestTimeout, JsonSerializer.SerializeToUtf8Bytes(answer, ExchangeWire.Json)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            await WriteJsonAsync(context, HttpStatusCode.ServiceUnavailable, new ExchangeWire.ErrorResponse("ExchangeStopping", "The exchange is shutting down.", "Retry against the restarted exchange.")).ConfigureAwait(false);
        }
        catch (Exception error) when (error is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The client went away mid-request; nothing to answer.
            Abort(response);
        }
        catch (Exception error)
        {
            _log.Write($"500 {context.Request.HttpMethod} {route.LogPath} {error.GetType().Name}: {Truncate(error.Message)}");
            await WriteJsonAsync(context, HttpStatusCode.InternalServerError, new ExchangeWire.ErrorResponse("InternalError", "The exchange failed to handle the request.", "See the exchange log; report it if it repeats.")).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task<(HttpStatusCode Status, object Body)> DispatchAsync(HttpListenerContext context, ExchangeRoute route)
    {
        var ct = _stopping.Token;
        switch (route.Kind)
        {
            case ExchangeRouteKind.Summary:
            {
                var summary = await _exchange.GetSummaryAsync(ct).ConfigureAwait(false);
                return (HttpStatusCode.OK, new ExchangeWire.SummaryResponse(summary.Mailboxes, summary.ActiveMailboxes, summary.PendingMessages, summary.StoreBytes, Environment.ProcessId, _startedAt, EngineVersion, summary.Backend));
            }

            case ExchangeRouteKind.Register:
            {
                var body = await ReadJsonAsync<ExchangeWire.RegisterRequest>(context, required: true).ConfigureAwait(false);
                if (string.IsNullOrEmpty(body!.RunId) || string.IsNullOrEmpty(body.Name))
                {
                    throw ExchangeErrors.Invalid("BodyInvalid", "Registration needs both 'runId' and 'name'.", "Send {\"runId\": \"<run id>\", \"name\": \"<agent name>\"}.");
                }

                var status = await _exchange.RegisterAsync(body.RunId, body.Name, ct).ConfigureAwait(false);
                return (HttpStatusCode.Created, ExchangeWire.MailboxView.From(status));
            }

            case ExchangeRouteKind.Mailbox:
            {
                var found = await _exchange.GetStatusAsync([route.MailboxId], ct).ConfigureAwait(false);
                return found.Count == 0 ? throw ExchangeErrors.MailboxNotFound(route.MailboxId) : (HttpStatusCode.OK, ExchangeWire.MailboxView.From(found[0]));
            }

            case ExchangeRouteKind.Query:
            {
                var body = await ReadJsonAsync<ExchangeWire.IdsRequest>(context, required: true).ConfigureAwait(false);
                var ids = body!.Ids ?? throw ExchangeErrors.Invalid("BodyInvalid", "A query needs 'ids', a list of mailbox ids.", "Send {\"ids\": [\"<uuid>\", ...]}.");
                var found = await _exchange.GetStatusAsync(ids, ct).ConfigureAwait(false);
                return (HttpStatusCode.OK, new ExchangeWire.MailboxesResponse(found.Select(ExchangeWire.MailboxView.From).ToList()));
            }

            case ExchangeRouteKind.Heartbeat:
                await ReadJsonAsync<JsonElement>(context, required: false).ConfigureAwait(false);
                return (HttpStatusCode.OK, ExchangeWire.MailboxView.From(await _exchange.HeartbeatAsync(route.MailboxId, ct).ConfigureAwait(false)));

            case ExchangeRouteKind.Terminate:
                await ReadJsonAsync<JsonElement>(context, required: false).ConfigureAwait(false);
                return (HttpStatusCode.OK, ExchangeWire.MailboxView.From(await _exchange.TerminateAsync(route.MailboxId, ct).ConfigureAwait(false)));

            case ExchangeRouteKind.Send:
            {
                var body = await ReadJsonAsync<ExchangeWire.SendRequest>(context, required: true).ConfigureAwait(false);
                var message = ToMessage(body, route.MailboxId);
                var receipt = await _exchange.SendAsync(message, ct).ConfigureAwait(false);
                return (receipt.Duplicate ? HttpStatusCode.OK : HttpStatusCode.Created, new ExchangeWire.SendResponse(receipt.Id, receipt.To, receipt.Duplicate));
            }

            case ExchangeRouteKind.SendBatch:
            {
                var body = await ReadJsonAsync<ExchangeWire.SendBatchRequest>(context, required: true).ConfigureAwait(false);
                var messages = body!.Messages ?? throw ExchangeErrors.Invalid("BodyInvalid", "A batch needs 'messages', a list of messages.", "Send {\"messages\": [{\"to\": \"<uuid>\", \"body\": \"...\"}]}.");
                _limits.ValidateBatchSize(messages.Count);

                var receipts = await _exchange.SendBatchAsync(messages.Select(m => ToMessage(m, null)).ToList(), ct).ConfigureAwait(false);
                return (HttpStatusCode.OK, new ExchangeWire.SendBatchResponse(receipts.Select(r => new ExchangeWire.SendResponse(r.Id, r.To, r.Duplicate)).ToList()));
            }

            case ExchangeRouteKind.Receive:
            {
                var body = await ReadJsonAsync<ExchangeWire.ReceiveRequestBody>(context, required: false).ConfigureAwait(false);
                var request = new ReceiveRequest(
                    body?.MaxMessages ?? 1,
                    body?.LeaseMilliseconds is { } lease ? TimeSpan.FromMilliseconds(lease) : null,
                    body?.WaitMilliseconds is { } wait ? TimeSpan.FromMilliseconds(wait) : null,
                    body?.Acknowledge);
                // A receive that may wait holds a request slot for up to MaxWait: it counts against the long-poll budget.
                using var longPoll = request.EffectiveWait > TimeSpan.Zero ? _longPolls.Enter(route.MailboxId) : null;
                var messages = body?.Poll is { } poll
                    ? await ReceiveCancellableAsync(route.MailboxId, poll, request, ct).ConfigureAwait(false)
                    : await _exchange.ReceiveAsync(route.MailboxId, request, ct).ConfigureAwait(false);
                return (HttpStatusCode.OK, new ExchangeWire.ReceiveResponse(messages.Select(ExchangeWire.MessageView.Of).ToList()));
            }

            case ExchangeRouteKind.CancelReceive:
            {
                var body = await ReadJsonAsync<ExchangeWire.CancelReceiveRequest>(context, required: true).ConfigureAwait(false);
                var poll = body!.Poll ?? throw ExchangeErrors.Invalid("BodyInvalid", "A cancel needs 'poll', the id the receive carried.", "Send {\"poll\": \"<uuid>\"} with the poll id of the receive to cancel.");
                return (HttpStatusCode.OK, new ExchangeWire.CancelReceiveResponse(_waits.Cancel(route.MailboxId, poll)));
            }

            case ExchangeRouteKind.Release:
            {
                var body = await ReadJsonAsync<ExchangeWire.IdsRequest>(context, required: true).ConfigureAwait(false);
                var ids = body!.Ids ?? throw ExchangeErrors.Invalid("BodyInvalid", "A release needs 'ids', the leased message ids to give back.", "Send {\"ids\": [\"<message id>\", ...]}.");
                return (HttpStatusCode.OK, new ExchangeWire.ReleaseResponse(await _exchange.ReleaseAsync(route.MailboxId, ids, ct).ConfigureAwait(false)));
            }

            case ExchangeRouteKind.Acknowledge:
            {
                var body = await ReadJsonAsync<ExchangeWire.IdsRequest>(context, required: true).ConfigureAwait(false);
                var ids = body!.Ids ?? throw ExchangeErrors.Invalid("BodyInvalid", "An acknowledgement needs 'ids', the message ids to acknowledge.", "Send {\"ids\": [\"<message id>\", ...]}.");
                return (HttpStatusCode.OK, new ExchangeWire.AcknowledgeResponse(await _exchange.AcknowledgeAsync(route.MailboxId, ids, ct).ConfigureAwait(false)));
            }

            case ExchangeRouteKind.MethodNotAllowed:
                throw ExchangeErrors.Invalid("MethodNotAllowed", $"{context.Request.HttpMethod} is not allowed on {route.LogPath}.", "See docs/exchange-protocol.md for the method of each route.");

            default:
                throw ExchangeErrors.Invalid("RouteNotFound", $"No route {route.LogPath}.", "Use a /v1/... route from docs/exchange-protocol.md.");
        }
    }

    /// <summary>A receive its client can cancel by poll id: cancelled, it ends empty and leases nothing.</summary>
    private async Task<IReadOnlyList<ReceivedMessage>> ReceiveCancellableAsync(Guid mailbox, Guid poll, ReceiveRequest request, CancellationToken stopping)
    {
        using var wait = _waits.Begin(mailbox, poll, stopping);
        if (wait is null)
        {
            return [];
        }

        try
        {
            return await _exchange.ReceiveAsync(mailbox, request, wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // Its client gave up; nobody reads this answer.
            return [];
        }
    }

    private static OutgoingMessage ToMessage(ExchangeWire.SendRequest? body, Guid? to)
    {
        if (body is null || body.Body is null)
        {
            throw ExchangeErrors.Invalid("BodyInvalid", "A message needs a 'body' string.", "Send {\"id\": \"<uuid>\", \"body\": \"...\"}; put JSON payloads in the string.");
        }

        var target = to ?? body.To ?? throw ExchangeErrors.Invalid("BodyInvalid", "A message in a batch needs 'to', the target mailbox id.", "Add \"to\": \"<mailbox id>\" to each message.");
        return new OutgoingMessage(body.Id ?? Guid.NewGuid(), target, body.Body, body.From);
    }

    private async Task<T?> ReadJsonAsync<T>(HttpListenerContext context, bool required)
    {
        var request = context.Request;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(_limits.RequestBodyTimeout);
        if (request.ContentLength64 > _limits.MaxRequestBytes)
        {
            await DrainAsync(context, deadline.Token).ConfigureAwait(false);
            throw RequestTooLarge();
        }

        // The buffer starts small and grows with the bytes that arrived, never with the declared length:
        // a client that announces 4 MiB and sends a byte a minute holds 64 KiB, not 4 MiB.
        var buffer = RentBody(Math.Min(InitialBodyBuffer, request.ContentLength64 > 0 ? (int)request.ContentLength64 + 1 : InitialBodyBuffer));
        var length = 0;
        try
        {
            var input = request.InputStream;
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length > _limits.MaxRequestBytes)
                    {
                        throw RequestTooLarge();
                    }

                    var larger = RentBody(Math.Min(buffer.Length * 2, _limits.MaxRequestBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ReturnBody(buffer);
                    buffer = larger;
                }

                var read = await ReadBeforeDeadlineAsync(input, buffer.AsMemory(length, buffer.Length - length), deadline.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > _limits.MaxRequestBytes)
                {
                    await DrainAsync(context, deadline.Token).ConfigureAwait(false);
                    throw RequestTooLarge();
                }

                if (length == request.ContentLength64)
                {
                    // The declared body is in: the listener's stream would only answer end of body, and
                    // asking it costs a read (with its deadline wrapper) per request.
                    break;
                }
            }

            if (length == 0)
            {
                return required
                    ? throw ExchangeErrors.Invalid("BodyInvalid", "This request needs a JSON body.", "Send a JSON object with Content-Type: application/json, as docs/exchange-protocol.md shows.")
                    : default;
            }

            var mediaType = request.ContentType?.Split(';')[0].Trim();
            if (!string.Equals(mediaType, ExchangeWire.MediaType, StringComparison.OrdinalIgnoreCase))
            {
                throw new SwarmException(
                    "ContentTypeUnsupported",
                    $"The body's Content-Type is '{Truncate(request.ContentType)}', not application/json.",
                    "Send JSON bodies with Content-Type: application/json.",
                    SwarmErrorCategory.InvalidArgument);
            }

            try
            {
                var value = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, length), ExchangeWire.Json);
                return value ?? throw ExchangeErrors.Invalid("BodyInvalid", "The JSON body is null.", "Send a JSON object.");
            }
            catch (JsonException error)
            {
                throw ExchangeErrors.Invalid("BodyInvalid", $"The body is not the JSON this route expects: {Truncate(error.Message)}", "Check the body against docs/exchange-protocol.md.");
            }
        }
        catch (BodyTimeoutException)
        {
            // A read may still be writing into the buffer: leave it to the GC instead of the shared pool.
            _bodies.Give(buffer.Length);
            buffer = [];
            throw;
        }
        finally
        {
            if (buffer.Length > 0)
            {
                ReturnBody(buffer);
            }
        }
    }

    private const int InitialBodyBuffer = 64 * 1024;

    /// <summary>A body buffer whose bytes are taken from the budget first (RequestBufferLimitReached when it is spent).</summary>
    private byte[] RentBody(int minimum)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(minimum);
        try
        {
            _bodies.Take(buffer.Length);
        }
        catch (SwarmException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return buffer;
    }

    private void ReturnBody(byte[] buffer)
    {
        _bodies.Give(buffer.Length);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>
    /// One read of the body, bounded by the request's deadline. HttpListener's stream ignores
    /// cancellation, so past the deadline the read is left behind and the request ends as
    /// <see cref="BodyTimeoutException"/>; <see cref="CutOffAsync"/> then closes the connection, which ends it.
    /// </summary>
    private async Task<int> ReadBeforeDeadlineAsync(Stream input, Memory<byte> into, CancellationToken deadline)
    {
        try
        {
            return await input.ReadAsync(into, CancellationToken.None).AsTask().WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            throw new BodyTimeoutException();
        }
    }

    /// <summary>
    /// Reads and discards a body of at most 64 KiB that arrives before the deadline, so the answer can
    /// go out on a connection with nothing unread (closing one with unread bytes resets it, and the
    /// client may lose the answer). False when the body is larger or slower.
    /// </summary>
    private async Task<bool> SkipSmallBodyAsync(HttpListenerContext context)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        deadline.CancelAfter(_limits.RequestBodyTimeout);
        var scratch = new byte[16 * 1024];
        long skipped = 0;
        try
        {
            int read;
            while ((read = await ReadBeforeDeadlineAsync(context.Request.InputStream, scratch, deadline.Token).ConfigureAwait(false)) > 0)
            {
                skipped += read;
                if (skipped > 64 * 1024)
                {
                    return false;
                }
            }

            return true;
        }
        catch (BodyTimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// Answers and closes the connection at once. Close() would first read the rest of the body, which
    /// a trickling sender can stretch out indefinitely; Abort() closes without reading.
    /// </summary>
    internal static async Task CutOffAsync(HttpListenerContext context, HttpStatusCode status, byte[] bytes)
    {
        var response = context.Response;
        try
        {
            response.StatusCode = (int)status;
            response.KeepAlive = false;
            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
            await response.OutputStream.FlushAsync().ConfigureAwait(false);
        }
        catch (Exception error) when (error is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone already.
        }

        Abort(response);
    }

    /// <summary>
    /// Reads and discards the rest of an oversized body (up to a bound and the request's deadline) so the
    /// client, still writing, gets to read the 413 instead of a broken pipe. Memory stays one small
    /// buffer; a body beyond the bound is cut off by closing the connection.
    /// </summary>
    private async Task DrainAsync(HttpListenerContext context, CancellationToken deadline)
    {
        // Not from the pool: a read cut off by the deadline may still write into it.
        var scratch = new byte[16 * 1024];
        long drained = 0;
        var bound = 8L * _limits.MaxRequestBytes;
        int read;
        while (drained < bound && (read = await ReadBeforeDeadlineAsync(context.Request.InputStream, scratch, deadline).ConfigureAwait(false)) > 0)
        {
            drained += read;
        }
    }

    /// <summary>A request body that did not arrive within RequestBodyTimeout; a read may still be pending on its connection.</summary>
    private sealed class BodyTimeoutException : Exception;

    private SwarmException RequestTooLarge() => new(
        "RequestTooLarge",
        $"The request body is larger than {_limits.MaxRequestBytes} bytes.",
        "Send fewer or smaller messages per request, or raise the exchange's request limit.",
        SwarmErrorCategory.InvalidArgument);

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 120 ? text : text[..120] + "...";

    /// <summary>A JSON answer: the one writer of the gateway and its routes (blobs, contributions).</summary>
    internal static Task WriteJsonAsync(HttpListenerContext context, HttpStatusCode status, object body) =>
        WriteJsonBytesAsync(context, status, JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), ExchangeWire.Json));

    /// <summary>An answer already serialized as JSON; a client gone meanwhile ends the connection, nothing more.</summary>
    internal static async Task WriteJsonBytesAsync(HttpListenerContext context, HttpStatusCode status, byte[] body, CancellationToken cancellationToken = default)
    {
        var response = context.Response;
        try
        {
            response.StatusCode = (int)status;
            if (context.Request.HttpMethod == "HEAD")
            {
                // HttpListener would send the body; after a HEAD the client reads none, and the next answer on the connection would be garbled.
                response.ContentLength64 = 0;
                response.Close();
                return;
            }

            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength64 = body.Length;
            await response.OutputStream.WriteAsync(body, cancellationToken).ConfigureAwait(false);
            response.Close();
        }
        catch (Exception error) when (error is HttpListenerException or IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
        {
            Abort(response);
        }
    }

    private static void Abort(HttpListenerResponse response)
    {
        try
        {
            response.Abort();
        }
        catch (Exception)
        {
            // Already gone.
        }
    }

    private static string EngineVersion => typeof(ExchangeGateway).Assembly.GetName().Version?.ToString() ?? "0";

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        if (_front is not null)
        {
            await _front.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            // Close alone: on Unix, Stop() and then Close() each remove the prefixes, and the second removal
            // re-creates an endpoint listener that binds the port again, failing with "Address already in
            // use" when another process has taken the freed port meanwhile.
            _listener.Close();
        }
        catch (ObjectDisposedException)
        {
        }

        await Task.WhenAll(_acceptLoops).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }
}
