using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// Blobs are streamed, never buffered: an exchange process moving a 256 MiB blob each way grows its
/// resident memory by a small fraction of that, sampled all along the transfer.
/// </summary>
public sealed class BlobMemoryTests : IDisposable
{
    private const string Token = "blob-memory-token-0123456789abcdef";
    private const int Size = 256 * 1024 * 1024;

    private readonly string _state = Directory.CreateTempSubdirectory("swarm-blobmem-").FullName;
    private readonly string _work = Directory.CreateTempSubdirectory("swarm-blobmem-out-").FullName;

    public void Dispose()
    {
        Directory.Delete(_state, recursive: true);
        Directory.Delete(_work, recursive: true);
    }

    [Fact]
    public async Task Moving_a_256_MiB_blob_up_and_down_keeps_the_exchange_resident_memory_far_below_its_size()
    {
        var source = Path.Combine(_work, "big.bin");
        await using (var file = File.Create(source))
        {
            var chunk = new byte[1024 * 1024];
            var random = new Random(61);
            for (var written = 0; written < Size; written += chunk.Length)
            {
                random.NextBytes(chunk);
                await file.WriteAsync(chunk);
            }
        }

        using var host = ExchangeHostProcess.Start(_state, Token);
        using var client = new ExchangeBlobClient(new ExchangeConnection(host.Url, Token));
        // Warm up the paths (JIT, pools) on a small blob before the baseline.
        await client.PutBlobAsync(new MemoryStream(new byte[1024 * 1024]));
        var baseline = host.ResidentKiB();
        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, host.ResidentKiB());
                await Task.Delay(20);
            }
        });

        var receipt = await client.PutBlobAsync(source);
        var destination = Path.Combine(_work, "back.bin");
        await client.GetBlobAsync(receipt.Digest, destination);
        sampling.Cancel();
        await sampler;

        Assert.Equal(Size, new FileInfo(destination).Length);
        var grownMiB = (peak - baseline) / 1024;
        Assert.True(grownMiB < 64, $"the exchange grew by {grownMiB} MiB moving a {Size / (1024 * 1024)} MiB blob (baseline {baseline / 1024} MiB)");
    }
}
