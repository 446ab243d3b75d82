using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Moves blobs to and from an exchange's content-addressed store (docs/exchange-protocol.md, Blobs), over
/// the same URL, token and certificate trust as <see cref="HttpExchangeClient"/>. It is a client of its own,
/// not more of <see cref="IExchange"/>: that interface is the mailbox contract the in-process store also
/// implements, and a transfer of gigabytes needs other timeouts (no bound on the whole, only on a stall).
/// Uploads resume from the offset the exchange reports; downloads resume from the bytes already in the
/// partial file by Range; both check the SHA-256 before anything is called done.
/// </summary>
public sealed class ExchangeBlobClient : IDisposable
{
    /// <summary>Tries of one transfer before a connection failure is reported (each resumes where the last stopped).</summary>
    private const int Attempts = 5;

    /// <summary>Longest wait for the next bytes (either way) before a transfer is taken for stalled.</summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait for the answer once the whole body is sent: the exchange re-reads a resumed blob to check it.</summary>
    private static readonly TimeSpan CommitTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Bound on small requests (HEAD).</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private const int CopyBuffer = 128 * 1024;

    private readonly HttpClient _http;
    private readonly Uri _baseUrl;
    private readonly ServerCertificateCheck? _certificateCheck;

    public ExchangeBlobClient(ExchangeConnection connection, HttpMessageHandler? handler = null)
    {
        _baseUrl = connection.Url;
        handler ??= ExchangeHttp.CreateHandler(connection, out _certificateCheck);
        _http = new HttpClient(handler) { BaseAddress = connection.Url, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
    }

    /// <summary>Time between tries after a connection failure or a busy upload; tests shorten it.</summary>
    internal TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>What the exchange holds of <paramref name="digest"/> (HEAD).</summary>
    public async Task<BlobStatus> GetBlobStatusAsync(BlobDigest digest, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(RequestTimeout);
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Head, RouteOf(digest)), HttpCompletionOption.ResponseHeadersRead, cancellationToken, deadline.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return new BlobStatus(digest, response.Content.Headers.ContentLength ?? 0, response.Content.Headers.ContentLength ?? 0);
        }

        if (response.StatusCode == HttpStatusCode.NotFound && NumberIn(response, BlobWire.OffsetHeader) is { } offset)
        {
            return new BlobStatus(digest, null, offset, NumberIn(response, BlobWire.LimitHeader));
        }

        throw await ExchangeHttp.ErrorOfAsync(response, _baseUrl, deadline.Token).ConfigureAwait(false);
    }

    /// <summary>Uploads the file at <paramref name="path"/> (see <see cref="PutBlobAsync(Stream, IProgress{long}?, CancellationToken)"/>).</summary>
    public async Task<BlobReceipt> PutBlobAsync(string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            throw new SwarmException(
                "BlobSourceUnreadable",
                $"The file '{path}' to upload as a blob could not be opened: {error.Message}",
                "Check the path and that you can read the file.",
                SwarmErrorCategory.ObjectNotFound,
                path,
                error);
        }

        await using (file)
        {
            return await PutBlobAsync(file, progress, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Uploads the rest of <paramref name="content"/> (from its position to its end; it must be seekable) as the
    /// blob named by its SHA-256, computed here first. A blob the exchange already holds is not sent again
    /// (Created false). An upload interrupted earlier, by this process or another, resumes from the offset the
    /// exchange holds; a connection lost mid-way is resumed up to 5 times. <paramref name="progress"/> gets the
    /// bytes of the blob the exchange has or is being sent.
    /// </summary>
    public async Task<BlobReceipt> PutBlobAsync(Stream content, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        if (!content.CanSeek || !content.CanRead)
        {
            throw new SwarmException(
                "BlobSourceNotSeekable",
                "A blob is uploaded from a readable, seekable stream (its digest is computed before it is sent, and a resumed upload seeks to the exchange's offset).",
                "Pass a file path or a FileStream/MemoryStream; copy a network or pipe stream to a file first.",
                SwarmErrorCategory.InvalidArgument);
        }

        var start = content.Position;
        var length = content.Length - start;
        var digest = await BlobDigest.OfAsync(content, cancellationToken).ConfigureAwait(false);
        var resumedFrom = 0L;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var status = await GetBlobStatusAsync(digest, cancellationToken).ConfigureAwait(false);
                if (status.Size is { } size)
                {
                    progress?.Report(size);
                    return new BlobReceipt(digest, size, Created: false);
                }

                if (status.UploadLimit is { } limit && length > limit)
                {
                    // Refused here, before a byte is sent: the exchange would cut the connection, and the reason with it.
                    throw new SwarmException(
                        "BlobTooLarge",
                        $"Blob {digest} is {length} bytes, larger than the limit of {limit} bytes of the exchange at {_baseUrl}.",
                        "Split the payload into several blobs, or start the exchange with a larger MaxBlobBytes limit.",
                        SwarmErrorCategory.InvalidArgument,
                        digest.ToString());
                }

                // An offset at or past the end is a partial the exchange could not finish (it stopped between
                // the last byte and the check): a whole upload replaces it.
                var resumable = length > 0 && status.UploadOffset < length;
                var offset = resumable ? status.UploadOffset : 0;
                resumedFrom = offset;
                var receipt = await UploadAsync(digest, content, start + offset, length, offset, resumable, progress, cancellationToken).ConfigureAwait(false);
                if (receipt is not null)
                {
                    return receipt;
                }
            }
            catch (SwarmException error) when (attempt < Attempts && !cancellationToken.IsCancellationRequested
                && (IsRetryable(error) || (error.ErrorId == "BlobDigestMismatch" && resumedFrom > 0)))
            {
                // Resumed from the offset the next HEAD reports. A resumed upload that did not check out had
                // bad bytes in the exchange's partial (which it has now discarded): the next try starts at 0.
            }

            if (attempt >= Attempts)
            {
                throw Incomplete(digest);
            }

            await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One PUT of the blob's bytes from <paramref name="offset"/>; null when the exchange holds only part of it afterwards.</summary>
    private async Task<BlobReceipt?> UploadAsync(BlobDigest digest, Stream content, long from, long length, long offset, bool resumable, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(StallTimeout);
        var reached = offset;
        var window = new BlobWindowStream(content, from, length - offset, sent =>
        {
            reached += sent;
            progress?.Report(reached);
            stall.CancelAfter(reached == length ? CommitTimeout : StallTimeout);
        });
        var request = new HttpRequestMessage(HttpMethod.Put, RouteOf(digest)) { Content = new StreamContent(window, CopyBuffer) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(BlobWire.MediaType);
        request.Content.Headers.ContentLength = length - offset;
        if (resumable)
        {
            request.Content.Headers.ContentRange = new ContentRangeHeaderValue(offset, length - 1, length);
        }

        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken, stall.Token).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created)
        {
            var receipt = await response.Content.ReadFromJsonAsync<BlobWire.Receipt>(ExchangeWire.Json, stall.Token).ConfigureAwait(false) ?? throw ExchangeHttp.EmptyBody(_baseUrl);
            return new BlobReceipt(BlobDigest.Parse(receipt.Digest), receipt.Size, receipt.Created);
        }

        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            return null;
        }

        throw await ExchangeHttp.ErrorOfAsync(response, _baseUrl, stall.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads blob <paramref name="digest"/> to <paramref name="destinationPath"/>. The bytes go to a hidden
    /// partial file beside it (owner-only); an earlier download that was interrupted resumes from the bytes in
    /// it (Range), a lost connection is resumed up to 5 times. Only when the SHA-256 of the whole file equals
    /// the name is it flushed and renamed to <paramref name="destinationPath"/> (replacing a file there);
    /// otherwise it is deleted and BlobDigestMismatch is thrown. <paramref name="progress"/> gets the bytes in hand.
    /// </summary>
    public async Task<BlobReceipt> GetBlobAsync(BlobDigest digest, string destinationPath, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var destination = Path.GetFullPath(destinationPath);
        var directory = Path.GetDirectoryName(destination)!;
        Directory.CreateDirectory(directory);
        var partial = Path.Combine(directory, $".{Path.GetFileName(destination)}.{digest.Hex[..16]}.partial");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await DownloadAsync(digest, partial, progress, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (SwarmException error) when (attempt < Attempts && IsRetryable(error) && !cancellationToken.IsCancellationRequested)
            {
                // Resumed from the bytes in the partial file.
            }

            if (attempt >= Attempts)
            {
                throw Incomplete(digest);
            }

            await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
        }

        long size;
        await using (var check = new FileStream(partial, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBuffer, FileOptions.Asynchronous | FileOptions.SequentialScan))
        {
            size = check.Length;
            var actual = await BlobDigest.OfAsync(check, cancellationToken).ConfigureAwait(false);
            if (actual != digest)
            {
                check.Close();
                File.Delete(partial);
                throw new SwarmException(
                    "BlobDigestMismatch",
                    $"The bytes received from the exchange at {_baseUrl} for {digest} have the digest {actual}; '{destination}' was not written.",
                    "Download it again; if it repeats, the blob on the exchange is damaged (check its disk) and must be uploaded again.",
                    SwarmErrorCategory.InvalidData,
                    digest.ToString());
            }
        }

        File.Move(partial, destination, overwrite: true);
        return new BlobReceipt(digest, size, Created: true);
    }

    /// <summary>
    /// Reads a small blob (a manifest) into memory, never more than <paramref name="maxBytes"/> of it: a blob
    /// the exchange says is larger is refused on its Content-Length (BlobLargerThanRead), and a body that runs
    /// past the bound is cut off there. The bytes are checked against the name (BlobDigestMismatch);
    /// BlobNotFound when the exchange does not hold it. Not resumed: it is one request of at most a few
    /// hundred KiB, retried whole on a lost connection.
    /// </summary>
    public async Task<byte[]> GetBlobBytesAsync(BlobDigest digest, int maxBytes, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ReadSmallAsync(digest, maxBytes, cancellationToken).ConfigureAwait(false);
            }
            catch (SwarmException error) when (attempt < Attempts && IsRetryable(error) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<byte[]> ReadSmallAsync(BlobDigest digest, int maxBytes, CancellationToken cancellationToken)
    {
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(StallTimeout);
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, RouteOf(digest)), HttpCompletionOption.ResponseHeadersRead, cancellationToken, stall.Token).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await ExchangeHttp.ErrorOfAsync(response, _baseUrl, stall.Token).ConfigureAwait(false);
        }

        if (response.Content.Headers.ContentLength is { } declared && declared > maxBytes)
        {
            throw LargerThanRead(digest, declared, maxBytes);
        }

        var buffer = new byte[Math.Min(maxBytes + 1L, response.Content.Headers.ContentLength + 1 ?? 64 * 1024)];
        var length = 0;
        await using var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length > maxBytes)
                {
                    throw LargerThanRead(digest, length, maxBytes);
                }

                Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1L, buffer.Length * 2L));
            }

            var count = await ReadAsync(body, buffer.AsMemory(length), cancellationToken, stall.Token).ConfigureAwait(false);
            if (count == 0)
            {
                break;
            }

            length += count;
        }

        if (length > maxBytes)
        {
            throw LargerThanRead(digest, length, maxBytes);
        }

        var bytes = buffer.AsSpan(0, length).ToArray();
        var actual = BlobDigest.From(System.Security.Cryptography.SHA256.HashData(bytes));
        return actual == digest
            ? bytes
            : throw new SwarmException(
                "BlobDigestMismatch",
                $"The bytes received from the exchange at {_baseUrl} for {digest} have the digest {actual}.",
                "Read it again; if it repeats, the blob on the exchange is damaged (check its disk) and must be uploaded again.",
                SwarmErrorCategory.InvalidData,
                digest.ToString());
    }

    private SwarmException LargerThanRead(BlobDigest digest, long size, int maxBytes) => new(
        "BlobLargerThanRead",
        $"Blob {digest} on the exchange at {_baseUrl} is {size} bytes or more, larger than the {maxBytes} bytes this reader takes; it was not read.",
        "Check the digest that named it: a small blob (a manifest) was expected. Download a large one to a file instead (GetBlobAsync).",
        SwarmErrorCategory.InvalidData,
        digest.ToString());

    /// <summary>One GET of what the partial file lacks; true when it then holds the whole blob.</summary>
    private async Task<bool> DownloadAsync(BlobDigest digest, string partial, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0, Options = FileOptions.Asynchronous };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly.FileMode;
        }

        await using var file = new FileStream(partial, options);
        var have = file.Length;
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(StallTimeout);
        var request = new HttpRequestMessage(HttpMethod.Get, RouteOf(digest));
        if (have > 0)
        {
            request.Headers.Range = new RangeHeaderValue(have, null);
        }

        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken, stall.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable && have > 0)
        {
            // The partial already holds every byte (a download stopped before its rename): the digest check decides.
            return true;
        }

        if (response.StatusCode == HttpStatusCode.OK)
        {
            have = 0;
            file.SetLength(0);
        }
        else if (response.StatusCode != HttpStatusCode.PartialContent || response.Content.Headers.ContentRange?.From != have)
        {
            throw await ExchangeHttp.ErrorOfAsync(response, _baseUrl, stall.Token).ConfigureAwait(false);
        }

        var expected = have + (response.Content.Headers.ContentLength ?? throw ExchangeHttp.EmptyBody(_baseUrl));
        file.Position = have;
        var buffer = new byte[CopyBuffer];
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
            int count;
            while ((count = await ReadAsync(body, buffer, cancellationToken, stall.Token).ConfigureAwait(false)) > 0)
            {
                await file.WriteAsync(buffer.AsMemory(0, count), CancellationToken.None).ConfigureAwait(false);
                have += count;
                stall.CancelAfter(StallTimeout);
                progress?.Report(have);
            }
        }
        finally
        {
            // What arrived is kept for the next try, also when this one was cancelled.
            file.Flush(flushToDisk: true);
        }

        return have == expected;
    }

    private async Task<int> ReadAsync(Stream body, Memory<byte> buffer, CancellationToken cancellationToken, CancellationToken stall)
    {
        try
        {
            return await body.ReadAsync(buffer, stall).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Stalled();
        }
        catch (Exception error) when (error is IOException or HttpRequestException)
        {
            throw ExchangeHttp.Unreachable(_baseUrl, error as HttpRequestException ?? new HttpRequestException(error.Message, error), _certificateCheck);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken, CancellationToken deadline)
    {
        try
        {
            return await _http.SendAsync(request, completion, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Stalled();
        }
        catch (HttpRequestException error)
        {
            throw ExchangeHttp.Unreachable(_baseUrl, error, _certificateCheck);
        }
        catch (IOException error)
        {
            throw ExchangeHttp.Unreachable(_baseUrl, new HttpRequestException(error.Message, error), _certificateCheck);
        }
        finally
        {
            request.Dispose();
        }
    }

    private SwarmException Stalled() => new(
        "BlobTransferStalled",
        $"A blob transfer with the exchange at {_baseUrl} moved no bytes for {StallTimeout.TotalSeconds} s.",
        "Check that the exchange is running and reachable (Get-SwarmExchange, proxy, SSH tunnel), then call it again: the transfer resumes where it stopped.",
        SwarmErrorCategory.OperationTimeout,
        _baseUrl);

    private SwarmException Incomplete(BlobDigest digest) => new(
        "BlobTransferIncomplete",
        $"The transfer of {digest} with the exchange at {_baseUrl} ended short {Attempts} times in a row.",
        "Check the network path to the exchange and its log, then call it again: the transfer resumes where it stopped.",
        SwarmErrorCategory.ConnectionError,
        digest.ToString());

    /// <summary>Failures a later try can get past: the connection, a stall, another sender of the same blob, an offset that moved.</summary>
    private static bool IsRetryable(SwarmException error) =>
        error.ErrorId is "ExchangeUnreachable" or "BlobTransferStalled" or "BlobUploadInProgress" or "BlobOffsetMismatch" or "BlobUploadIncomplete" or "ExchangeBusy" or "RequestBufferLimitReached" or "RequestTimeout";

    private static long? NumberIn(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : null;

    private static string RouteOf(BlobDigest digest) => $"v1/blobs/{digest}";

    public void Dispose() => _http.Dispose();
}
