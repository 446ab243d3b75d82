using System.Net;
using System.Text.Json;
using SwarmPS.Engine.Campaigns;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The HTTP face of <see cref="ContributionStore"/>: <c>PUT /v1/runs/{runId}/contributions/{contributor}</c>
/// announces a contribution whose blobs are stored, <c>GET /v1/runs/{runId}/contributions</c> lists them
/// (docs/exchange-protocol.md, Contributions). The gateway authenticates first and hands the request over.
/// The announcement body is tiny and read here through a 4 KiB bound of its own (taken from the gateway's
/// body budget), strictly: exactly its two fields, so a typo is refused instead of silently ignored.
/// </summary>
internal sealed class ContributionRoutes(ContributionStore store, ExchangeLimits limits, RequestBodyBudget bodies, ExchangeLog log)
{
    /// <summary>The most an announcement body may hold; a real one is about 170 bytes.</summary>
    public const int MaxBodyBytes = 4 * 1024;

    /// <summary>A refused request's unread body is skipped up to this size (so the answer is read), cut off beyond it.</summary>
    private const int SkippableBody = 64 * 1024;

    private static readonly string[] Fields = { "manifest", "adapter" };

    public async Task HandleAsync(HttpListenerContext context, CancellationToken stopping)
    {
        var request = context.Request;
        var path = ExchangeRoute.PathForLog(request.RawUrl);
        var bodyRead = false;
        try
        {
            // The raw path, split at '/': percent escapes and dot segments stay as they are, and fail the name rules.
            var segments = (request.RawUrl ?? "").Split('?')[0].Split('/');
            switch (segments)
            {
                case ["", "v1", "runs", var runId, "contributions"] when request.HttpMethod == "GET":
                    await ExchangeGateway.WriteJsonAsync(context, HttpStatusCode.OK, new ContributionWire.ListResponse(store.List(runId).Select(ContributionWire.ArrivalView.From).ToList())).ConfigureAwait(false);
                    return;
                case ["", "v1", "runs", var runId, "contributions", var contributor] when request.HttpMethod == "PUT":
                {
                    // The names first: a request that can never be stored is refused before its body is read.
                    CampaignRunId.Validate(runId);
                    ContributorName.Validate(contributor);
                    var (manifest, adapter) = await ReadAnnouncementAsync(context, stopping).ConfigureAwait(false);
                    bodyRead = true;
                    var (arrival, created) = await store.AnnounceAsync(runId, contributor, manifest, adapter, stopping).ConfigureAwait(false);
                    if (created)
                    {
                        log.Write($"contribution {arrival.RunId}/{arrival.Contributor} announced manifest={arrival.ManifestDigest} adapter={arrival.AdapterDigest} size={arrival.AdapterBytes}");
                    }

                    await ExchangeGateway.WriteJsonAsync(context, created ? HttpStatusCode.Created : HttpStatusCode.OK, ContributionWire.ArrivalView.From(arrival)).ConfigureAwait(false);
                    return;
                }

                case ["", "v1", "runs", _, "contributions"] or ["", "v1", "runs", _, "contributions", _]:
                    throw ExchangeErrors.Invalid("MethodNotAllowed", $"{request.HttpMethod} is not allowed on {path}.", "List with GET /v1/runs/{runId}/contributions, announce with PUT /v1/runs/{runId}/contributions/{contributor} (docs/exchange-protocol.md, Contributions).");
                default:
                    throw ExchangeErrors.Invalid("RouteNotFound", $"No route {path}.", "Use a /v1/... route from docs/exchange-protocol.md.");
            }
        }
        catch (SwarmException error)
        {
            var status = error.Category == SwarmErrorCategory.ResourceUnavailable ? HttpStatusCode.ServiceUnavailable : ExchangeErrors.StatusFor(error.ErrorId);
            if ((int)status < 500)
            {
                log.WriteRefused($"{(int)status} {request.HttpMethod} {path} {error.ErrorId}");
            }
            else
            {
                log.Write($"{(int)status} {request.HttpMethod} {path} {error.ErrorId}: {error.Message}");
            }

            var answer = JsonSerializer.SerializeToUtf8Bytes(new ExchangeWire.ErrorResponse(error.ErrorId, error.Message, error.Remediation), ExchangeWire.Json);

            // A body left unread is skipped when small and prompt, so the sender reads the answer; a stalled,
            // large or unending one gets the answer and the connection closed, never waited for.
            var unread = !bodyRead && request.HasEntityBody;
            if (error.ErrorId == "RequestTimeout" || (unread && !await SkipSmallBodyAsync(request, stopping).ConfigureAwait(false)))
            {
                await ExchangeGateway.CutOffAsync(context, status, answer).ConfigureAwait(false);
                return;
            }

            await ExchangeGateway.WriteJsonBytesAsync(context, status, answer).ConfigureAwait(false);
        }
    }

    /// <summary>Reads and checks the body: a JSON object with exactly "manifest" and "adapter", each a blob name.</summary>
    private async Task<(BlobDigest Manifest, BlobDigest Adapter)> ReadAnnouncementAsync(HttpListenerContext context, CancellationToken stopping)
    {
        var request = context.Request;
        if (request.ContentLength64 > MaxBodyBytes)
        {
            throw TooLarge();
        }

        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(mediaType, ExchangeWire.MediaType, StringComparison.OrdinalIgnoreCase))
        {
            throw new SwarmException(
                "ContentTypeUnsupported",
                $"The body's Content-Type is '{request.ContentType}', not application/json.",
                "Send JSON bodies with Content-Type: application/json.",
                SwarmErrorCategory.InvalidArgument);
        }

        var buffer = new byte[MaxBodyBytes + 1];
        bodies.Take(buffer.Length);
        try
        {
            var length = 0;
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            deadline.CancelAfter(limits.RequestBodyTimeout);
            while (length < buffer.Length)
            {
                int count;
                try
                {
                    // HttpListener's stream ignores cancellation: past the deadline the read is left behind.
                    count = await request.InputStream.ReadAsync(buffer.AsMemory(length), CancellationToken.None).AsTask().WaitAsync(deadline.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
                {
                    throw new SwarmException("RequestTimeout", $"The request body did not arrive within {limits.RequestBodyTimeout.TotalSeconds} s.", "Send each request body promptly and in full; check the network path to the exchange.", SwarmErrorCategory.OperationTimeout);
                }

                if (count == 0)
                {
                    break;
                }

                length += count;
            }

            if (length > MaxBodyBytes)
            {
                throw TooLarge();
            }

            return Parse(buffer.AsSpan(0, length));
        }
        finally
        {
            bodies.Give(buffer.Length);
        }
    }

    private static (BlobDigest Manifest, BlobDigest Adapter) Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException error)
        {
            throw BodyInvalid($"the body is not JSON ({error.Message})");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw BodyInvalid("the body is not a JSON object");
            }

            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!Fields.Contains(property.Name, StringComparer.Ordinal))
                {
                    throw BodyInvalid($"'{Shorten(property.Name)}' is not a field of an announcement");
                }

                if (property.Value.ValueKind != JsonValueKind.String || !values.TryAdd(property.Name, property.Value.GetString()!))
                {
                    throw BodyInvalid($"'{property.Name}' must appear once, as a string");
                }
            }

            if (Fields.FirstOrDefault(f => !values.ContainsKey(f)) is { } missing)
            {
                throw BodyInvalid($"'{missing}' is missing");
            }

            return (Digest(values, "manifest"), Digest(values, "adapter"));
        }
    }

    private static BlobDigest Digest(Dictionary<string, string> values, string field) =>
        BlobDigest.TryParse(values[field], out var digest) ? digest : throw BodyInvalid($"'{field}' is '{Shorten(values[field])}', not a blob name (sha256: and 64 lowercase hex digits)");

    private static SwarmException BodyInvalid(string problem) => ExchangeErrors.Invalid(
        "BodyInvalid",
        $"The announcement is not valid: {problem}.",
        "Send {\"manifest\": \"sha256:<hex>\", \"adapter\": \"sha256:<hex>\"}, the digests of the two blobs already uploaded (docs/exchange-protocol.md, Contributions).");

    private static SwarmException TooLarge() => new(
        "RequestTooLarge",
        $"An announcement body is larger than {MaxBodyBytes} bytes.",
        "Send only {\"manifest\": \"sha256:<hex>\", \"adapter\": \"sha256:<hex>\"}; the manifest and adapter themselves go to /v1/blobs/.",
        SwarmErrorCategory.InvalidArgument);

    private async Task<bool> SkipSmallBodyAsync(HttpListenerRequest request, CancellationToken stopping)
    {
        if (request.ContentLength64 > SkippableBody)
        {
            return false;
        }

        var scratch = new byte[16 * 1024];
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(limits.RequestBodyTimeout);
        long skipped = 0;
        try
        {
            int count;
            while ((count = await request.InputStream.ReadAsync(scratch, CancellationToken.None).AsTask().WaitAsync(deadline.Token).ConfigureAwait(false)) > 0)
            {
                skipped += count;
                if (skipped > SkippableBody)
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception error) when (error is OperationCanceledException or HttpListenerException or IOException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
