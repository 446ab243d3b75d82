using System.Net;
using System.Text;
using System.Text.Json;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// The blob routes over real HTTP on 127.0.0.1 against a real exchange (docs/exchange-protocol.md, Blobs):
/// what a client written from the page sees, status by status, and what is left on disk.
/// </summary>
public sealed class BlobRouteTests : IAsyncLifetime
{
    private BlobExchange _exchange = null!;

    public async Task InitializeAsync() => _exchange = await BlobExchange.StartAsync(new ExchangeLimits { MaxBlobBytes = 16L * 1024 * 1024, RequestBodyTimeout = TimeSpan.FromSeconds(5) });

    public async Task DisposeAsync() => await _exchange.DisposeAsync();

    private HttpClient Http => _exchange.Http;

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task A_multi_megabyte_blob_goes_up_whole_and_comes_back_byte_for_byte()
    {
        var bytes = BlobExchange.RandomBytes(6 * 1024 * 1024 + 13, seed: 1);
        var digest = BlobExchange.DigestOf(bytes);

        using var put = await Http.SendAsync(_exchange.Put(digest, bytes));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var receipt = await JsonOf(put);
        Assert.Equal(digest, receipt.GetProperty("digest").GetString());
        Assert.Equal(bytes.Length, receipt.GetProperty("size").GetInt64());
        Assert.True(receipt.GetProperty("created").GetBoolean());

        using var head = await Http.SendAsync(_exchange.Get(digest, method: HttpMethod.Head));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(bytes.Length, head.Content.Headers.ContentLength);

        using var get = await Http.SendAsync(_exchange.Get(digest));
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("application/octet-stream", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal([Path.Combine("sha256", digest[7..9], digest[7..])], _exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task Putting_a_blob_again_answers_200_and_leaves_the_stored_file_untouched()
    {
        var bytes = BlobExchange.RandomBytes(300_000, seed: 2);
        var digest = BlobExchange.DigestOf(bytes);
        using (var first = await Http.SendAsync(_exchange.Put(digest, bytes)))
        {
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        }

        var file = _exchange.BlobFile(digest);
        File.SetLastWriteTimeUtc(file, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var inode = new FileInfo(file).LastWriteTimeUtc;

        foreach (var range in new string?[] { null, $"bytes 0-{bytes.Length - 1}/{bytes.Length}" })
        {
            using var again = await Http.SendAsync(_exchange.Put(digest, bytes, range));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            var receipt = await JsonOf(again);
            Assert.False(receipt.GetProperty("created").GetBoolean());
            Assert.Equal(bytes.Length, receipt.GetProperty("size").GetInt64());
        }

        Assert.Equal(inode, new FileInfo(file).LastWriteTimeUtc);
        Assert.Single(_exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task Bytes_that_are_not_the_named_blob_are_refused_naming_both_digests_and_nothing_is_left()
    {
        var bytes = BlobExchange.RandomBytes(200_000, seed: 3);
        var claimed = BlobExchange.DigestOf(Encoding.UTF8.GetBytes("something else"));
        var actual = BlobExchange.DigestOf(bytes);

        foreach (var range in new string?[] { null, $"bytes 0-{bytes.Length - 1}/{bytes.Length}" })
        {
            using var put = await Http.SendAsync(_exchange.Put(claimed, bytes, range));
            Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
            var error = await JsonOf(put);
            Assert.Equal("BlobDigestMismatch", error.GetProperty("error").GetString());
            Assert.Contains(claimed, error.GetProperty("message").GetString());
            Assert.Contains(actual, error.GetProperty("message").GetString());
            Assert.Empty(_exchange.FilesUnderBlobs());
        }

        using var head = await Http.SendAsync(_exchange.Get(claimed, method: HttpMethod.Head));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal("0", head.Headers.GetValues(BlobWire.OffsetHeader).Single());
    }

    [Theory]
    [InlineData("/v1/blobs/sha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789")]
    [InlineData("/v1/blobs/sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef012345678")]
    [InlineData("/v1/blobs/sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef01234567890")]
    [InlineData("/v1/blobs/sha512:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("/v1/blobs/abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("/v1/blobs/sha256%3Aabcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789")]
    [InlineData("/v1/blobs/../exchange.db")]
    [InlineData("/v1/blobs/..%2F..%2Fexchange.db")]
    [InlineData("/v1/blobs/sha256:../../../exchange.db")]
    [InlineData("/v1/blobs/sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789/../../exchange.db")]
    [InlineData("/v1/blobs/sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789/x")]
    [InlineData("/v1/blobs/")]
    public async Task A_name_that_is_not_exactly_sha256_and_64_lowercase_hex_is_400_for_every_method(string path)
    {
        foreach (var method in new[] { "GET", "HEAD", "PUT" })
        {
            using var tcp = await _exchange.OpenRawAsync(method, path, "Content-Length: 0\r\nConnection: close\r\n");
            var (status, text) = await BlobExchange.ReadRawAnswerAsync(tcp, TimeSpan.FromSeconds(10));
            Assert.True(status == 400, $"{method} {path}: {text}");
            if (method == "HEAD")
            {
                Assert.EndsWith("\r\n\r\n", text);
            }
            else
            {
                Assert.Contains("BlobNameInvalid", text);
            }
        }

        Assert.Empty(_exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task Every_blob_route_needs_the_token()
    {
        var bytes = BlobExchange.RandomBytes(1000, seed: 4);
        var digest = BlobExchange.DigestOf(bytes);
        using var bare = _exchange.Bare();
        foreach (var token in new string?[] { null, "wrong-token" })
        {
            var authorized = token is not null;
            foreach (var request in new[] { _exchange.Put(digest, bytes, authorized: authorized, token: token), _exchange.Get(digest, authorized: authorized, token: token), _exchange.Get(digest, method: HttpMethod.Head, authorized: authorized, token: token) })
            {
                using var response = await bare.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            }
        }

        Assert.Empty(_exchange.FilesUnderBlobs());

        // A HEAD refused for its token gets no body either (HttpListener would send one).
        using var tcp = await _exchange.OpenRawAsync("HEAD", $"/v1/blobs/{digest}", "Connection: close\r\n", authorized: false);
        var (status, text) = await BlobExchange.ReadRawAnswerAsync(tcp, TimeSpan.FromSeconds(10));
        Assert.Equal(401, status);
        Assert.EndsWith("\r\n\r\n", text);
    }

    [Fact]
    public async Task A_blob_over_the_size_limit_is_refused_on_its_headers_before_any_body_byte_is_sent()
    {
        var digest = BlobExchange.DigestOf([1]);
        var limit = _exchange.Options.Limits.MaxBlobBytes;
        foreach (var headers in new[]
        {
            $"Content-Length: {limit + 1}\r\n",
            $"Content-Length: 10\r\nContent-Range: bytes 0-9/{limit + 1}\r\n",
        })
        {
            // Only the head is sent: an answer that comes back proves the body was never waited for.
            using var tcp = await _exchange.OpenRawAsync("PUT", $"/v1/blobs/{digest}", headers);
            var (status, text) = await BlobExchange.ReadRawAnswerAsync(tcp, TimeSpan.FromSeconds(3));
            Assert.True(status == 413, text);
            Assert.Contains("BlobTooLarge", text);
        }

        Assert.Empty(_exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task A_chunked_upload_that_grows_past_the_limit_is_refused_and_discarded()
    {
        var limit = (int)_exchange.Options.Limits.MaxBlobBytes;
        var bytes = new byte[limit + 1];
        var request = new HttpRequestMessage(HttpMethod.Put, $"v1/blobs/{BlobExchange.DigestOf(bytes)}") { Content = new StreamContent(new MemoryStream(bytes)) };
        request.Headers.TransferEncodingChunked = true;
        HttpStatusCode? status = null;
        try
        {
            using var response = await Http.SendAsync(request);
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The exchange may close the connection before the client has written the rest.
        }

        Assert.True(status is null or HttpStatusCode.RequestEntityTooLarge, $"{status}");
        Assert.Empty(_exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task Range_reads_answer_206_with_Content_Range_and_416_past_the_end()
    {
        var bytes = BlobExchange.RandomBytes(10_000, seed: 5);
        var digest = BlobExchange.DigestOf(bytes);
        (await Http.SendAsync(_exchange.Put(digest, bytes))).Dispose();

        foreach (var (range, first, last) in new[] { ("bytes=0-99", 0, 99), ("bytes=9990-", 9990, 9999), ("bytes=-10", 9990, 9999), ("bytes=5000-20000", 5000, 9999), ("bytes=42-42", 42, 42) })
        {
            using var response = await Http.SendAsync(_exchange.Get(digest, range));
            Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
            Assert.Equal($"bytes {first}-{last}/10000", response.Content.Headers.ContentRange?.ToString());
            Assert.Equal(bytes[first..(last + 1)], await response.Content.ReadAsByteArrayAsync());
        }

        foreach (var range in new[] { "bytes=10000-", "bytes=20000-30000" })
        {
            using var response = await Http.SendAsync(_exchange.Get(digest, range));
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
            Assert.Equal("bytes */10000", response.Content.Headers.ContentRange?.ToString());
            Assert.Equal("BlobRangeNotSatisfiable", (await JsonOf(response)).GetProperty("error").GetString());
        }

        foreach (var range in new[] { "bytes=0-1,5-6", "bytes=9-2", "items=0-1", "bytes=a-b" })
        {
            using var response = await Http.SendAsync(_exchange.Get(digest, range));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("BlobRangeInvalid", (await JsonOf(response)).GetProperty("error").GetString());
        }

        using var missing = await Http.SendAsync(_exchange.Get(BlobExchange.DigestOf([9, 9])));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("BlobNotFound", (await JsonOf(missing)).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_resumable_upload_goes_in_pieces_and_refuses_a_piece_at_the_wrong_offset_naming_the_right_one()
    {
        var bytes = BlobExchange.RandomBytes(3 * 1024 * 1024, seed: 6);
        var digest = BlobExchange.DigestOf(bytes);
        var half = bytes.Length / 2;

        using (var first = await Http.SendAsync(_exchange.Put(digest, bytes[..half], $"bytes 0-{half - 1}/{bytes.Length}")))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
            Assert.Equal(half, (await JsonOf(first)).GetProperty("offset").GetInt64());
            Assert.Equal($"{half}", first.Headers.GetValues(BlobWire.OffsetHeader).Single());
        }

        using (var head = await Http.SendAsync(_exchange.Get(digest, method: HttpMethod.Head)))
        {
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
            Assert.Equal($"{half}", head.Headers.GetValues(BlobWire.OffsetHeader).Single());
        }

        using (var get = await Http.SendAsync(_exchange.Get(digest)))
        {
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }

        // Refusals of small pieces (a refused body over 64 KiB is cut off unread, and its answer may be lost with it).
        using (var wrong = await Http.SendAsync(_exchange.Put(digest, bytes[100..1100], $"bytes 100-1099/{bytes.Length}")))
        {
            Assert.Equal(HttpStatusCode.Conflict, wrong.StatusCode);
            var error = await JsonOf(wrong);
            Assert.Equal("BlobOffsetMismatch", error.GetProperty("error").GetString());
            Assert.Equal(half, error.GetProperty("offset").GetInt64());
            Assert.Equal($"{half}", wrong.Headers.GetValues(BlobWire.OffsetHeader).Single());
        }

        using (var lying = await Http.SendAsync(_exchange.Put(digest, bytes[half..(half + 20)], $"bytes {half}-{half + 9}/{bytes.Length}")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, lying.StatusCode);
            Assert.Equal("BlobRangeInvalid", (await JsonOf(lying)).GetProperty("error").GetString());
        }

        using (var rest = await Http.SendAsync(_exchange.Put(digest, bytes[half..], $"bytes {half}-{bytes.Length - 1}/{bytes.Length}")))
        {
            Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
        }

        Assert.Equal(bytes, await File.ReadAllBytesAsync(_exchange.BlobFile(digest)));
        Assert.Single(_exchange.FilesUnderBlobs());
    }

    [Fact]
    public async Task An_upload_whose_connection_drops_mid_body_keeps_what_arrived_and_resumes_from_there()
    {
        var bytes = BlobExchange.RandomBytes(2 * 1024 * 1024, seed: 7);
        var digest = BlobExchange.DigestOf(bytes);
        var sent = 700_000;
        using (var tcp = await _exchange.OpenRawAsync("PUT", $"/v1/blobs/{digest}", $"Content-Length: {bytes.Length}\r\nContent-Range: bytes 0-{bytes.Length - 1}/{bytes.Length}\r\n"))
        {
            await tcp.GetStream().WriteAsync(bytes.AsMemory(0, sent));
            await tcp.GetStream().FlushAsync();
            await Task.Delay(300);
        }

        var offset = await OffsetOnceSettledAsync(digest, bytes);
        Assert.Equal(sent, offset);

        using var rest = await Http.SendAsync(_exchange.Put(digest, bytes[(int)offset..], $"bytes {offset}-{bytes.Length - 1}/{bytes.Length}"));
        Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_exchange.BlobFile(digest)));
    }

    /// <summary>The upload offset once no request is appending any more (a dropped connection takes a moment to be noticed).</summary>
    private async Task<long> OffsetOnceSettledAsync(string digest, byte[] bytes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            // A PUT of the last byte: 409 BlobUploadInProgress while the dropped request still holds the upload, BlobOffsetMismatch after.
            using var probe = await Http.SendAsync(_exchange.Put(digest, bytes[^1..], $"bytes {bytes.Length - 1}-{bytes.Length - 1}/{bytes.Length}"));
            var error = (await JsonOf(probe)).GetProperty("error").GetString();
            if (error == "BlobOffsetMismatch" || DateTime.UtcNow > deadline)
            {
                return long.Parse(probe.Headers.GetValues(BlobWire.OffsetHeader).Single(), System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Concurrent_uploads_of_one_blob_leave_one_correct_file()
    {
        var bytes = BlobExchange.RandomBytes(4 * 1024 * 1024, seed: 8);
        var digest = BlobExchange.DigestOf(bytes);
        var whole = Enumerable.Range(0, 4).Select(_ => StatusOfAsync(_exchange.Put(digest, bytes)));
        var ranged = Enumerable.Range(0, 4).Select(_ => StatusOfAsync(_exchange.Put(digest, bytes, $"bytes 0-{bytes.Length - 1}/{bytes.Length}")));
        var statuses = await Task.WhenAll(whole.Concat(ranged));

        // A ranged upload refused because another holds the partial (409 BlobUploadInProgress) is cut off
        // unread, so its sender may see only the closed connection (-1); none of them may damage the blob.
        Assert.All(statuses, s => Assert.True(s is 200 or 201 or 409 or -1, string.Join(",", statuses)));
        Assert.Contains(201, statuses);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(_exchange.BlobFile(digest)));
        Assert.Equal([Path.Combine("sha256", digest[7..9], digest[7..])], _exchange.FilesUnderBlobs());
    }

    private async Task<int> StatusOfAsync(HttpRequestMessage request)
    {
        try
        {
            using var response = await Http.SendAsync(request);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return -1;
        }
    }

    [Fact]
    public async Task A_blob_and_an_unfinished_upload_survive_a_restart_of_the_exchange()
    {
        var stored = BlobExchange.RandomBytes(1024 * 1024, seed: 9);
        var storedDigest = BlobExchange.DigestOf(stored);
        var unfinished = BlobExchange.RandomBytes(1024 * 1024, seed: 10);
        var unfinishedDigest = BlobExchange.DigestOf(unfinished);
        (await Http.SendAsync(_exchange.Put(storedDigest, stored))).Dispose();
        (await Http.SendAsync(_exchange.Put(unfinishedDigest, unfinished[..1000], $"bytes 0-999/{unfinished.Length}"))).Dispose();

        await _exchange.RestartAsync();

        using (var get = await Http.SendAsync(_exchange.Get(storedDigest)))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(stored, await get.Content.ReadAsByteArrayAsync());
        }

        using (var head = await Http.SendAsync(_exchange.Get(unfinishedDigest, method: HttpMethod.Head)))
        {
            Assert.Equal("1000", head.Headers.GetValues(BlobWire.OffsetHeader).Single());
        }

        using var rest = await Http.SendAsync(_exchange.Put(unfinishedDigest, unfinished[1000..], $"bytes 1000-{unfinished.Length - 1}/{unfinished.Length}"));
        Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
    }

    [Fact]
    public async Task Other_methods_on_a_blob_are_405()
    {
        using var response = await Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"v1/blobs/{BlobExchange.DigestOf([1])}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("MethodNotAllowed", (await JsonOf(response)).GetProperty("error").GetString());
    }
}
