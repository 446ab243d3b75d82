using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// A blob the exchange answered 201 for is on disk under its name: kill -9 of the exchange process and a
/// new one on the same state directory serve it, and an unfinished upload resumes where it was. The same
/// holds for an answered contribution announcement.
/// </summary>
public sealed class BlobCrashSafetyTests : IDisposable
{
    private const string Token = "blob-crash-token-0123456789abcdef";

    private readonly string _state = Directory.CreateTempSubdirectory("swarm-blobcrash-").FullName;
    private readonly string _work = Directory.CreateTempSubdirectory("swarm-blobcrash-out-").FullName;

    public void Dispose()
    {
        Directory.Delete(_state, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task A_stored_blob_and_a_partial_upload_survive_kill_9_of_the_exchange()
    {
        var bytes = BlobExchange.RandomBytes(3 * 1024 * 1024, seed: 41);
        var unfinished = BlobExchange.RandomBytes(2 * 1024 * 1024, seed: 42);
        var unfinishedDigest = BlobDigest.Parse(BlobExchange.DigestOf(unfinished));
        BlobReceipt receipt;
        using (var host = ExchangeHostProcess.Start(_state, Token))
        {
            using var client = new ExchangeBlobClient(new ExchangeConnection(host.Url, Token));
            receipt = await client.PutBlobAsync(new MemoryStream(bytes));
            using var http = new HttpClient { BaseAddress = host.Url };
            var put = new HttpRequestMessage(HttpMethod.Put, $"v1/blobs/{unfinishedDigest}") { Content = new ByteArrayContent(unfinished[..500_000]) };
            put.Headers.Authorization = new("Bearer", Token);
            put.Content.Headers.TryAddWithoutValidation("Content-Range", $"bytes 0-499999/{unfinished.Length}");
            using (var accepted = await http.SendAsync(put))
            {
                Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
            }

            host.KillHard();
        }

        using (var again = ExchangeHostProcess.Start(_state, Token))
        {
            using var client = new ExchangeBlobClient(new ExchangeConnection(again.Url, Token));
            var destination = Path.Combine(_work, "blob");
            await client.GetBlobAsync(receipt.Digest, destination);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(destination));

            Assert.Equal(500_000, (await client.GetBlobStatusAsync(unfinishedDigest)).UploadOffset);
            var finished = await client.PutBlobAsync(new MemoryStream(unfinished));
            Assert.Equal(unfinishedDigest, finished.Digest);
            Assert.True(finished.Created);
        }
    }

    [Fact]
    public async Task An_answered_contribution_announcement_survives_kill_9_and_stays_the_first()
    {
        var manifest = BlobExchange.RandomBytes(900, seed: 43);
        var adapter = BlobExchange.RandomBytes(70_000, seed: 44);
        ContributionArrival arrival;
        using (var host = ExchangeHostProcess.Start(_state, Token))
        {
            var connection = new ExchangeConnection(host.Url, Token);
            using var blobs = new ExchangeBlobClient(connection);
            using var contributions = new ExchangeContributionClient(connection);
            var manifestDigest = (await blobs.PutBlobAsync(new MemoryStream(manifest))).Digest.ToString();
            var adapterDigest = (await blobs.PutBlobAsync(new MemoryStream(adapter))).Digest.ToString();
            arrival = await contributions.AnnounceAsync("ft-crash", "site-a", manifestDigest, adapterDigest);
            host.KillHard();
        }

        using var again = ExchangeHostProcess.Start(_state, Token);
        using var client = new ExchangeContributionClient(new ExchangeConnection(again.Url, Token));
        Assert.Equal(new[] { arrival }, await client.ListAsync("ft-crash"));
        var conflict = await Assert.ThrowsAsync<SwarmException>(() => client.AnnounceAsync("ft-crash", "site-a", arrival.AdapterDigest, arrival.ManifestDigest));
        Assert.Equal("ContributionConflict", conflict.ErrorId);
    }
}
