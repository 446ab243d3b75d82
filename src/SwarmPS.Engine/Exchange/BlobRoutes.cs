using System.Globalization;
using System.Net;
using System.Text.Json;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The HTTP face of <see cref="BlobStore"/>: <c>GET</c>, <c>HEAD</c> and <c>PUT /v1/blobs/sha256:&lt;hex&gt;</c>
/// (docs/exchange-protocol.md, Blobs). The gateway authenticates first and hands the request over whole,
/// because blob bodies are streamed both ways and may be far larger than any JSON request. A body is read
/// through one buffer taken from the gateway's body budget, each read bounded by the body timeout: a
/// sender may take as long as its blob needs, but may not stall.
/// </summary>
internal sealed class BlobRoutes(BlobStore store, ExchangeLimits limits, RequestBodyBudget bodies, ExchangeLog log)
{
    private const string RoutePrefix = "/v1/blobs/";
    private const int BufferBytes = 64 * 1024;

    /// <summary>A refused request's unread body is skipped up to this size (so the answer is read), cut off beyond it.</summary>
    private const int SkippableBody = 64 * 1024;

    public async Task HandleAsync(HttpListenerContext context, CancellationToken stopping)
    {
        var request = context.Request;
        var path = ExchangeRoute.PathForLog(request.RawUrl);
        try
        {
            var rawPath = (request.RawUrl ?? "").Split('?')[0];
            var name = rawPath.Length > RoutePrefix.Length ? rawPath[RoutePrefix.Length..] : "";
            if (!BlobDigest.TryParse(name, out var digest))
            {
                throw BlobDigest.Invalid(name);
            }

            switch (request.HttpMethod)
            {
                case "GET":
                    await GetAsync(context, digest, stopping).ConfigureAwait(false);
                    break;
                case "HEAD":
                    Head(context, digest);
                    break;
                case "PUT":
                    await PutAsync(context, digest, stopping).ConfigureAwait(false);
                    break;
                default:
                    throw ExchangeErrors.Invalid("MethodNotAllowed", $"{request.HttpMethod} is not allowed on {path}.", "Blobs take GET, HEAD and PUT (docs/exchange-protocol.md, Blobs).");
            }
        }
        catch (SwarmException error)
        {
            var status = error.Category == SwarmErrorCategory.ResourceUnavailable ? HttpStatusCode.ServiceUnavailable : ExchangeErrors.StatusFor(error.ErrorId);
            var offset = (error as BlobOffsetException)?.Offset;
            if ((int)status < 500)
            {
                log.WriteRefused($"{(int)status} {request.HttpMethod} {path} {error.ErrorId}");
            }
            else
            {
                log.Write($"{(int)status} {request.HttpMethod} {path} {error.ErrorId}: {error.Message}");
            }

            // A blob too large is refused on its headers: not one byte of its body is waited for.
            var skipBody = error.ErrorId != "BlobTooLarge";
            await RefuseAsync(context, status, new BlobWire.Refusal(error.ErrorId, error.Message, error.Remediation, offset), offset, skipBody, stopping).ConfigureAwait(false);
        }
        catch (BodyStalledException)
        {
            log.WriteRefused($"408 {request.HttpMethod} {path} RequestTimeout from {request.RemoteEndPoint}");
            var answer = new BlobWire.Refusal("RequestTimeout", $"No byte of the blob arrived for {limits.RequestBodyTimeout.TotalSeconds} s.", "Send the blob without pauses; resume the upload from the offset a HEAD reports.", null);
            await ExchangeGateway.CutOffAsync(context, HttpStatusCode.RequestTimeout, JsonSerializer.SerializeToUtf8Bytes(answer, ExchangeWire.Json)).ConfigureAwait(false);
        }
    }

    /// <summary>200 with the blob's size as Content-Length; 404 with Upload-Offset (0 when nothing has arrived) and Upload-Limit when it is not complete.</summary>
    private void Head(HttpListenerContext context, BlobDigest digest)
    {
        var response = context.Response;
        response.AddHeader("Accept-Ranges", "bytes");
        if (store.SizeOf(digest) is { } size)
        {
            response.StatusCode = 200;
            response.ContentType = BlobWire.MediaType;
            response.ContentLength64 = size;
        }
        else
        {
            response.StatusCode = 404;
            response.AddHeader(BlobWire.OffsetHeader, store.OffsetOf(digest).ToString(CultureInfo.InvariantCulture));
            response.AddHeader(BlobWire.LimitHeader, store.MaxBlobBytes.ToString(CultureInfo.InvariantCulture));
            response.ContentLength64 = 0;
        }

        response.Close();
    }

    private async Task GetAsync(HttpListenerContext context, BlobDigest digest, CancellationToken stopping)
    {
        await using var file = store.OpenRead(digest) ?? throw NotFound(digest);
        var buffer = TakeBuffer();
        try
        {
            await SendAsync(context, digest, file, buffer, stopping).ConfigureAwait(false);
        }
        finally
        {
            bodies.Give(buffer.Length);
        }
    }

    private static async Task SendAsync(HttpListenerContext context, BlobDigest digest, FileStream file, byte[] buffer, CancellationToken stopping)
    {
        var size = file.Length;
        var (first, last) = (0L, size - 1);
        var response = context.Response;
        response.AddHeader("Accept-Ranges", "bytes");
        if (context.Request.Headers["Range"] is { } range)
        {
            var (answer, from, to) = BlobRanges.Select(range, size);
            if (answer == BlobRanges.Answer.NotSatisfiable)
            {
                response.AddHeader("Content-Range", $"bytes */{size}");
                throw new SwarmException(
                    "BlobRangeNotSatisfiable",
                    $"The range '{range}' lies past the end of {digest}, which is {size} bytes.",
                    "Ask for bytes below the blob's size (a HEAD gives it as Content-Length); a download that already has every byte is complete.",
                    SwarmErrorCategory.InvalidArgument,
                    digest.ToString());
            }

            (first, last) = (from, to);
            response.StatusCode = 206;
            response.AddHeader("Content-Range", $"bytes {first}-{last}/{size}");
        }
        else
        {
            response.StatusCode = 200;
        }

        response.ContentType = BlobWire.MediaType;
        response.ContentLength64 = last - first + 1;
        file.Position = first;
        var remaining = last - first + 1;
        while (remaining > 0)
        {
            var count = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), stopping).ConfigureAwait(false);
            if (count == 0)
            {
                break;
            }

            await response.OutputStream.WriteAsync(buffer.AsMemory(0, count), stopping).ConfigureAwait(false);
            remaining -= count;
        }

        response.Close();
    }

    private async Task PutAsync(HttpListenerContext context, BlobDigest digest, CancellationToken stopping)
    {
        var request = context.Request;
        var declared = request.ContentLength64 >= 0 && request.Headers["Content-Length"] is not null ? request.ContentLength64 : (long?)null;
        if (declared > store.MaxBlobBytes)
        {
            // Refused on the header alone: not one byte of the body is read.
            throw store.TooLarge(digest, declared.Value);
        }

        var contentRange = request.Headers["Content-Range"] is { } header ? BlobRanges.ParseContentRange(header) : ((long First, long Last, long Total)?)null;
        if (contentRange is { } announced)
        {
            if (announced.Total > store.MaxBlobBytes)
            {
                throw store.TooLarge(digest, announced.Total);
            }

            if (declared is { } length && length != announced.Last - announced.First + 1)
            {
                throw BlobRanges.Invalid($"The Content-Length {length} of the upload of {digest} is not the {announced.Last - announced.First + 1} bytes its Content-Range bytes {announced.First}-{announced.Last}/{announced.Total} names.");
            }
        }

        var buffer = TakeBuffer();
        try
        {
            var read = BodyReader(request.InputStream, stopping);
            if (store.SizeOf(digest) is { } existing)
            {
                // Already here: the body is not written anywhere, only read to its end (at most a blob's
                // limit), so the sender gets its answer.
                long drained = 0;
                int count;
                while ((count = await read(buffer).ConfigureAwait(false)) > 0)
                {
                    drained += count;
                    if (drained > store.MaxBlobBytes)
                    {
                        throw store.TooLarge(digest, drained);
                    }
                }

                await WriteJsonAsync(context, HttpStatusCode.OK, new BlobWire.Receipt(digest.ToString(), existing, false)).ConfigureAwait(false);
                return;
            }

            if (contentRange is not { } range)
            {
                var receipt = await store.PutAsync(digest, read, declared, buffer, stopping).ConfigureAwait(false);
                await AnswerAsync(context, receipt).ConfigureAwait(false);
                return;
            }

            var (done, offset) = await store.AppendAsync(digest, range.First, range.Last, range.Total, read, buffer, stopping).ConfigureAwait(false);
            if (done is not null)
            {
                await AnswerAsync(context, done).ConfigureAwait(false);
                return;
            }

            context.Response.AddHeader(BlobWire.OffsetHeader, offset.ToString(CultureInfo.InvariantCulture));
            await WriteJsonAsync(context, HttpStatusCode.Accepted, new BlobWire.Progress(digest.ToString(), offset)).ConfigureAwait(false);
        }
        finally
        {
            bodies.Give(buffer.Length);
        }
    }

    private async Task AnswerAsync(HttpListenerContext context, BlobReceipt receipt)
    {
        if (receipt.Created)
        {
            log.Write($"blob {receipt.Digest} stored size={receipt.Size}");
        }

        await WriteJsonAsync(context, receipt.Created ? HttpStatusCode.Created : HttpStatusCode.OK, new BlobWire.Receipt(receipt.Digest.ToString(), receipt.Size, receipt.Created)).ConfigureAwait(false);
    }

    /// <summary>Reads of the body, each bounded by the body timeout (HttpListener's stream ignores cancellation, so a stalled read is left behind).</summary>
    private BlobStore.BodyRead BodyReader(Stream input, CancellationToken stopping) => async into =>
    {
        try
        {
            return await input.ReadAsync(into, CancellationToken.None).AsTask().WaitAsync(limits.RequestBodyTimeout, stopping).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new BodyStalledException();
        }
    };

    /// <summary>The transfer buffer, its bytes taken from the gateway's budget (429 RequestBufferLimitReached when spent). Not pooled: a stalled read may still write into it.</summary>
    private byte[] TakeBuffer()
    {
        bodies.Take(BufferBytes);
        return new byte[BufferBytes];
    }

    /// <summary>
    /// Answers a refused request. An unread body of at most 64 KiB that arrives promptly is skipped first,
    /// so the sender can read the answer; a larger one is not read at all: the answer goes out and the
    /// connection is closed.
    /// </summary>
    private async Task RefuseAsync(HttpListenerContext context, HttpStatusCode status, BlobWire.Refusal answer, long? offset, bool skipBody, CancellationToken stopping)
    {
        var response = context.Response;
        if (offset is { } resumeAt)
        {
            response.AddHeader(BlobWire.OffsetHeader, resumeAt.ToString(CultureInfo.InvariantCulture));
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(answer, ExchangeWire.Json);
        if (context.Request.HasEntityBody && !(skipBody && await SkipSmallBodyAsync(context.Request, stopping).ConfigureAwait(false)))
        {
            await ExchangeGateway.CutOffAsync(context, status, bytes).ConfigureAwait(false);
            return;
        }

        // A HEAD's answer carries no body: the status (and Upload-Offset) say it all. Headers already sent (a
        // read failed mid-download) or a client gone end the connection.
        await ExchangeGateway.WriteJsonBytesAsync(context, status, bytes, stopping).ConfigureAwait(false);
    }

    private async Task<bool> SkipSmallBodyAsync(HttpListenerRequest request, CancellationToken stopping)
    {
        if (request.ContentLength64 > SkippableBody)
        {
            return false;
        }

        var scratch = new byte[16 * 1024];
        var read = BodyReader(request.InputStream, stopping);
        long skipped = 0;
        try
        {
            int count;
            while ((count = await read(scratch).ConfigureAwait(false)) > 0)
            {
                skipped += count;
                if (skipped > SkippableBody)
                {
                    return false;
                }
            }

            return true;
        }
        catch (Exception error) when (error is BodyStalledException or HttpListenerException or IOException or ObjectDisposedException)
        {
            return false;
        }
    }

    private static async Task WriteJsonAsync(HttpListenerContext context, HttpStatusCode status, object body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), ExchangeWire.Json);
        var response = context.Response;
        response.StatusCode = (int)status;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
        response.Close();
    }

    private static SwarmException NotFound(BlobDigest digest) => new(
        "BlobNotFound",
        $"The exchange holds no blob {digest}.",
        "Upload it first (PUT /v1/blobs/<name>, or ExchangeBlobClient.PutBlobAsync), or check the digest in the manifest that named it.",
        SwarmErrorCategory.ObjectNotFound,
        digest.ToString());

    /// <summary>No byte of a body arrived within the body timeout.</summary>
    private sealed class BodyStalledException : Exception;
}
