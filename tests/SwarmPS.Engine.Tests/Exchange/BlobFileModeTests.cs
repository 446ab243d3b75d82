using System.Net;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Tests.Ledger;

namespace SwarmPS.Engine.Tests.Exchange;

/// <summary>
/// Blobs are contributions (adapters trained on a site's own data): every directory of the blob store is
/// 0700 and every blob and partial upload 0600 from creation, under umask 0000.
/// </summary>
[Collection(UmaskCollection.Name)]
public sealed class BlobFileModeTests
{
    private const UnixFileMode Directory700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Blobs_partial_uploads_and_their_directories_are_owner_only_under_umask_0000()
    {
        using (OwnerOnlyModeTests.LooseUmask())
        {
            await using var exchange = await BlobExchange.StartAsync();
            var whole = BlobExchange.RandomBytes(100_000, seed: 31);
            var wholeDigest = BlobExchange.DigestOf(whole);
            var partial = BlobExchange.RandomBytes(100_000, seed: 32);
            var partialDigest = BlobExchange.DigestOf(partial);
            using (var put = await exchange.Http.SendAsync(exchange.Put(wholeDigest, whole)))
            {
                Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            }

            using (var put = await exchange.Http.SendAsync(exchange.Put(partialDigest, partial[..10], $"bytes 0-9/{partial.Length}")))
            {
                Assert.Equal(HttpStatusCode.Accepted, put.StatusCode);
            }

            var blobFile = exchange.BlobFile(wholeDigest);
            foreach (var directory in new[] { exchange.BlobsDirectory, Path.GetDirectoryName(Path.GetDirectoryName(blobFile))!, Path.GetDirectoryName(blobFile)!, Path.GetDirectoryName(exchange.PartialFile(partialDigest))! })
            {
                Assert.Equal((directory, Directory700), (directory, File.GetUnixFileMode(directory)));
            }

            foreach (var file in new[] { blobFile, exchange.PartialFile(partialDigest) })
            {
                Assert.Equal((file, File600), (file, File.GetUnixFileMode(file)));
            }

            using var client = exchange.Client();
            var downloaded = Path.Combine(exchange.StateDirectory, "..", $"{Path.GetFileName(exchange.StateDirectory)}.download");
            try
            {
                await client.GetBlobAsync(BlobDigest.Parse(wholeDigest), downloaded);
                Assert.Equal(File600, File.GetUnixFileMode(downloaded));
            }
            finally
            {
                File.Delete(downloaded);
            }
        }
    }
}
