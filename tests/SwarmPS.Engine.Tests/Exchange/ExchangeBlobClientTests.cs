using System.Net;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// <see cref="ExchangeBlobClient"/> against a real exchange on 127.0.0.1: digests computed and checked,
/// interrupted transfers resumed from where they stopped (the requests it sends are recorded to prove it),
/// and every failure a SwarmException with its id.
/// </summary>
public sealed class ExchangeBlobClientTests : IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("swarm-blobclient-").FullName;
    private BlobExchange _exchange = null!;

    public async Task InitializeAsync() => _exchange = await BlobExchange.StartAsync(new ExchangeLimits { MaxBlobBytes = 32L * 1024 * 1024 });

    public async Task DisposeAsync()
    {
        await _exchange.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_work, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public async Task A_file_goes_up_and_comes_down_under_its_sha256_and_a_second_put_sends_nothing()
    {
        var bytes = BlobExchange.RandomBytes(5 * 1024 * 1024 + 7, seed: 21);
        var recorder = new RecordingHandler();
        using var client = _exchange.Client(recorder);

        var receipt = await client.PutBlobAsync(WriteFile("adapter.safetensors", bytes));
        Assert.Equal(BlobExchange.DigestOf(bytes), receipt.Digest.ToString());
        Assert.Equal(bytes.Length, receipt.Size);
        Assert.True(receipt.Created);

        recorder.Requests.Clear();
        var again = await client.PutBlobAsync(WriteFile("copy.safetensors", bytes));
        Assert.False(again.Created);
        Assert.Equal(["HEAD"], recorder.Requests.Select(r => r.Method));

        var destination = Path.Combine(_work, "down", "adapter.safetensors");
        var got = await client.GetBlobAsync(receipt.Digest, destination);
        Assert.Equal(bytes.Length, got.Size);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(destination));
        Assert.Equal(["adapter.safetensors"], Directory.GetFiles(Path.GetDirectoryName(destination)!).Select(Path.GetFileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(destination));

        var status = await client.GetBlobStatusAsync(receipt.Digest);
        Assert.True(status.IsComplete);
        Assert.Equal(bytes.Length, status.Size);
    }

    [Fact]
    public async Task An_empty_blob_and_a_stream_from_its_middle_are_blobs_too()
    {
        using var client = _exchange.Client();
        var empty = await client.PutBlobAsync(new MemoryStream());
        Assert.Equal(BlobExchange.DigestOf([]), empty.Digest.ToString());
        var destination = Path.Combine(_work, "empty");
        await client.GetBlobAsync(empty.Digest, destination);
        Assert.Empty(await File.ReadAllBytesAsync(destination));

        var bytes = BlobExchange.RandomBytes(100_000, seed: 22);
        var stream = new MemoryStream(bytes) { Position = 1000 };
        var tail = await client.PutBlobAsync(stream);
        Assert.Equal(BlobExchange.DigestOf(bytes[1000..]), tail.Digest.ToString());
        Assert.Equal(bytes[1000..], await File.ReadAllBytesAsync(_exchange.BlobFile(tail.Digest.ToString())));
    }

    [Fact]
    public async Task An_upload_cancelled_half_way_is_resumed_from_the_exchanges_offset_by_the_next_put()
    {
        var bytes = BlobExchange.RandomBytes(24 * 1024 * 1024, seed: 23);
        var path = WriteFile("big.bin", bytes);
        var recorder = new RecordingHandler();
        using var client = _exchange.Client(recorder);
        using var cancel = new CancellationTokenSource();
        var progress = new CancelAt(bytes.Length / 3, cancel);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.PutBlobAsync(path, progress, cancel.Token));

        var digest = BlobDigest.Parse(BlobExchange.DigestOf(bytes));
        var held = await SettledOffsetAsync(client, digest);
        Assert.InRange(held, 1, bytes.Length - 1);

        recorder.Requests.Clear();
        var receipt = await client.PutBlobAsync(path);
        Assert.True(receipt.Created);
        var resumed = recorder.Requests.Last(r => r.Method == "PUT");
        Assert.Equal($"bytes {held}-{bytes.Length - 1}/{bytes.Length}", resumed.ContentRange);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_exchange.BlobFile(digest.ToString())));
        Assert.Single(_exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task A_resumed_upload_onto_a_damaged_partial_is_refused_by_the_exchange_and_sent_again_whole()
    {
        var bytes = BlobExchange.RandomBytes(1024 * 1024, seed: 28);
        var digest = BlobExchange.DigestOf(bytes);
        // The exchange holds 1000 bytes of an upload of this blob that are not its first 1000 bytes.
        using (var bad = await _exchange.Http.SendAsync(_exchange.Put(digest, new byte[1000], $"bytes 0-999/{bytes.Length}")))
        {
            Assert.Equal(HttpStatusCode.Accepted, bad.StatusCode);
        }

        var recorder = new RecordingHandler();
        using var client = _exchange.Client(recorder);
        var receipt = await client.PutBlobAsync(new MemoryStream(bytes));

        Assert.True(receipt.Created);
        Assert.Equal(
            [$"bytes 1000-{bytes.Length - 1}/{bytes.Length}", $"bytes 0-{bytes.Length - 1}/{bytes.Length}"],
            recorder.Requests.Where(r => r.Method == "PUT").Select(r => r.ContentRange));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_exchange.BlobFile(digest)));
        Assert.Single(_exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task A_download_cancelled_half_way_is_resumed_by_range_and_checked_before_it_is_renamed()
    {
        var bytes = BlobExchange.RandomBytes(24 * 1024 * 1024, seed: 24);
        var recorder = new RecordingHandler();
        using var client = _exchange.Client(recorder);
        var receipt = await client.PutBlobAsync(new MemoryStream(bytes));
        var destination = Path.Combine(_work, "out.bin");
        using var cancel = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetBlobAsync(receipt.Digest, destination, new CancelAt(bytes.Length / 3, cancel), cancel.Token));
        Assert.False(File.Exists(destination));
        var partial = Assert.Single(Directory.GetFiles(_work, ".out.bin.*.partial"));
        var have = new FileInfo(partial).Length;
        Assert.InRange(have, bytes.Length / 3, bytes.Length - 1);

        recorder.Requests.Clear();
        await client.GetBlobAsync(receipt.Digest, destination);
        Assert.Equal($"bytes={have}-", Assert.Single(recorder.Requests, r => r.Method == "GET").Range);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(destination));
        Assert.Empty(Directory.GetFiles(_work, ".out.bin.*.partial"));
    }

    [Fact]
    public async Task A_download_whose_bytes_are_not_the_blob_is_refused_and_nothing_is_written()
    {
        var bytes = BlobExchange.RandomBytes(200_000, seed: 25);
        using var client = _exchange.Client();
        var receipt = await client.PutBlobAsync(new MemoryStream(bytes));
        // The exchange's disk went bad under the blob: same size, other bytes.
        var stored = _exchange.BlobFile(receipt.Digest.ToString());
        File.SetUnixFileMode(stored, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(stored, BlobExchange.RandomBytes(bytes.Length, seed: 26));
        var destination = Path.Combine(_work, "bad.bin");

        var error = await Assert.ThrowsAsync<SwarmException>(() => client.GetBlobAsync(receipt.Digest, destination));
        Assert.Equal("BlobDigestMismatch", error.ErrorId);
        Assert.Contains(receipt.Digest.ToString(), error.Message);
        Assert.Empty(Directory.GetFiles(_work));
    }

    [Fact]
    public async Task Failures_are_swarm_exceptions_with_stable_ids()
    {
        using var client = _exchange.Client();
        var missing = BlobDigest.Parse(BlobExchange.DigestOf([1, 2, 3]));
        Assert.Equal("BlobNotFound", (await Assert.ThrowsAsync<SwarmException>(() => client.GetBlobAsync(missing, Path.Combine(_work, "x")))).ErrorId);
        Assert.Equal("BlobNameInvalid", Assert.Throws<SwarmException>(() => BlobDigest.Parse("sha256:ABC")).ErrorId);
        Assert.Equal("BlobSourceUnreadable", (await Assert.ThrowsAsync<SwarmException>(() => client.PutBlobAsync(Path.Combine(_work, "nope")))).ErrorId);
        Assert.Equal("BlobSourceNotSeekable", (await Assert.ThrowsAsync<SwarmException>(() => client.PutBlobAsync(new UnseekableStream()))).ErrorId);
        var tooLarge = await Assert.ThrowsAsync<SwarmException>(() => client.PutBlobAsync(new MemoryStream(new byte[(32 * 1024 * 1024) + 1])));
        Assert.Equal("BlobTooLarge", tooLarge.ErrorId);

        using var stranger = new ExchangeBlobClient(new ExchangeConnection(_exchange.Url, "not-the-token"));
        Assert.Equal("ExchangeUnauthorized", (await Assert.ThrowsAsync<SwarmException>(() => stranger.PutBlobAsync(new MemoryStream([1])))).ErrorId);
        Assert.Equal("ExchangeUnauthorized", (await Assert.ThrowsAsync<SwarmException>(() => stranger.GetBlobAsync(missing, Path.Combine(_work, "y")))).ErrorId);
    }

    [Fact]
    public async Task Two_clients_putting_the_same_file_at_once_both_succeed_with_one_stored_copy()
    {
        var bytes = BlobExchange.RandomBytes(8 * 1024 * 1024, seed: 27);
        var path = WriteFile("same.bin", bytes);
        using var one = _exchange.Client();
        using var two = _exchange.Client();
        var receipts = await Task.WhenAll(one.PutBlobAsync(path), two.PutBlobAsync(path));
        Assert.All(receipts, r => Assert.Equal(BlobExchange.DigestOf(bytes), r.Digest.ToString()));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_exchange.BlobFile(receipts[0].Digest.ToString())));
        Assert.Single(_exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task Blobs_travel_over_https_with_the_pinned_certificate_and_not_to_an_unpinned_one()
    {
        await using var tls = await BlobExchange.StartAsync(selfSigned: true);
        Assert.Equal(Uri.UriSchemeHttps, tls.Url.Scheme);
        var bytes = BlobExchange.RandomBytes(3 * 1024 * 1024, seed: 29);
        using var client = tls.Client();
        var receipt = await client.PutBlobAsync(new MemoryStream(bytes));
        var destination = Path.Combine(_work, "tls.bin");
        await client.GetBlobAsync(receipt.Digest, destination);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(destination));

        using var unpinned = new ExchangeBlobClient(new ExchangeConnection(tls.Url, BlobExchange.Token, new ExchangeTrust(null, ExchangeTrust.NormalizePin(new string('a', 64)))));
        var refused = await Assert.ThrowsAsync<SwarmException>(() => unpinned.GetBlobStatusAsync(receipt.Digest));
        Assert.Equal("ExchangePinMismatch", refused.ErrorId);
    }

    private static async Task<long> SettledOffsetAsync(ExchangeBlobClient client, BlobDigest digest)
    {
        // The exchange notices the dropped connection a moment later; the offset then stops moving.
        long last = -1;
        for (var i = 0; i < 100; i++)
        {
            var offset = (await client.GetBlobStatusAsync(digest)).UploadOffset;
            if (offset == last && offset > 0)
            {
                return offset;
            }

            last = offset;
            await Task.Delay(200);
        }

        return last;
    }

    /// <summary>Cancels the transfer once its progress passes a byte count (synchronously, unlike Progress&lt;T&gt;).</summary>
    private sealed class CancelAt(long bytes, CancellationTokenSource cancel) : IProgress<long>
    {
        public void Report(long value)
        {
            if (value >= bytes)
            {
                cancel.Cancel();
            }
        }
    }

    private sealed record Sent(string Method, string? ContentRange, string? Range);

    /// <summary>Real sockets underneath; records the method and range headers of each request.</summary>
    private sealed class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public List<Sent> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add(new Sent(request.Method.Method, request.Content?.Headers.ContentRange?.ToString(), request.Headers.Range?.ToString()));
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class UnseekableStream : MemoryStream
    {
        public override bool CanSeek => false;
    }
}
