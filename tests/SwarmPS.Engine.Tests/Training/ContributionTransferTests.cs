using System.Security.Cryptography;
using System.Text;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Tests.Exchange;
using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>
/// A contribution from the trainer's directory to the coordinator through a real exchange on 127.0.0.1:
/// ContributionUpload checks before it sends (manifest, adapter, digest), ContributionInbox reads what
/// arrived and marks a manifest it cannot read as a Problem, and FetchAdapterAsync resumes and checks.
/// </summary>
public sealed class ContributionTransferTests : IAsyncLifetime
{
    private const string RunId = "ft-007";

    private readonly string _work = Directory.CreateTempSubdirectory("swarm-contrib-").FullName;
    private BlobExchange _exchange = null!;
    private ExchangeBlobClient _blobs = null!;
    private ExchangeContributionClient _contributions = null!;

    public async Task InitializeAsync()
    {
        _exchange = await BlobExchange.StartAsync();
        _blobs = _exchange.Client();
        _contributions = new ExchangeContributionClient(_exchange.Connection);
    }

    public async Task DisposeAsync()
    {
        _blobs.Dispose();
        _contributions.Dispose();
        await _exchange.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    private static ContributionManifest Manifest(string contributor, string adapterDigest) => new()
    {
        RunId = RunId,
        Contributor = contributor,
        Site = "polaris",
        Backend = "dotnet.cpu",
        BaseSnapshotDigest = "sha256:" + new string('a', 64),
        Contract = new AdapterContract { TargetModules = new[] { "m" }, Rank = 2, Alpha = 4, DType = "F32" },
        DataShard = "shard-01",
        ExampleCount = 1200,
        Steps = 50,
        Seed = 42,
        LossBefore = 2.5,
        LossAfter = 1.8125,
        StartedAt = new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero),
        EndedAt = new DateTimeOffset(2026, 12, 1, 9, 31, 0, TimeSpan.Zero),
        HeartbeatCount = 6,
        AdapterDigest = adapterDigest,
    };

    /// <summary>A LoRA pair of F32 tensors with seeded values, as safetensors bytes.</summary>
    private static byte[] AdapterBytes(int seed) => SafetensorsFiles.Build(
        "{\"m.lora_A.weight\":{\"dtype\":\"F32\",\"shape\":[2,4],\"data_offsets\":[0,32]},\"m.lora_B.weight\":{\"dtype\":\"F32\",\"shape\":[4,2],\"data_offsets\":[32,64]}}",
        BlobExchange.RandomBytes(64, seed));

    /// <summary>Writes a contribution directory as a trainer does; <paramref name="manifestFor"/> may name another adapter digest.</summary>
    private string WriteContribution(string contributor, int seed, Func<string, ContributionManifest>? manifestFor = null, Func<byte[], byte[]>? manifestBytes = null)
    {
        var directory = Path.Combine(_work, contributor + "-" + seed);
        Directory.CreateDirectory(directory);
        var adapter = AdapterBytes(seed);
        File.WriteAllBytes(Path.Combine(directory, ContributionFiles.Adapter), adapter);
        var manifest = (manifestFor ?? (digest => Manifest(contributor, digest)))(BlobExchange.DigestOf(adapter));
        var bytes = ContributionManifestJson.Serialize(manifest);
        File.WriteAllBytes(Path.Combine(directory, ContributionFiles.Manifest), manifestBytes?.Invoke(bytes) ?? bytes);
        return directory;
    }

    private Task<ContributionArrival> SendAsync(string directory, bool allowDigestMismatch = false) =>
        ContributionUpload.SendAsync(_blobs, _contributions, directory, allowDigestMismatch, null, CancellationToken.None);

    private ContributionInbox Inbox() => new(_exchange.Client(), new ExchangeContributionClient(_exchange.Connection));

    [Fact]
    public async Task A_sent_contribution_arrives_with_its_manifest_as_the_bytes_of_the_file_and_its_adapter_digest()
    {
        // Not the canonical bytes (two more newlines): the manifest digest is of the bytes as sent.
        var directory = WriteContribution("contrib-a", 1, manifestBytes: canonical => [.. canonical, (byte)'\n', (byte)'\n']);
        var manifestFile = await File.ReadAllBytesAsync(Path.Combine(directory, ContributionFiles.Manifest));
        var adapterFile = await File.ReadAllBytesAsync(Path.Combine(directory, ContributionFiles.Adapter));

        var arrival = await SendAsync(directory);

        Assert.Equal(RunId, arrival.RunId);
        Assert.Equal("contrib-a", arrival.Contributor);
        Assert.Equal(BlobExchange.DigestOf(manifestFile), arrival.ManifestDigest);
        Assert.NotEqual(ContributionManifestJson.Digest(ContributionManifestJson.Parse(manifestFile, "m")), arrival.ManifestDigest);
        Assert.Equal(BlobExchange.DigestOf(adapterFile), arrival.AdapterDigest);
        Assert.Equal(adapterFile.Length, arrival.AdapterBytes);
        Assert.Equal(arrival, await SendAsync(directory));

        using var inbox = Inbox();
        var arrived = Assert.Single(await inbox.ListAsync(RunId));
        Assert.Null(arrived.Problem);
        Assert.Equal(manifestFile, arrived.ManifestBytes);
        Assert.Equal(ContributionManifestJson.Parse(manifestFile, "m") with { Contract = arrived.Manifest!.Contract }, arrived.Manifest);
        Assert.Equal(("polaris", "dotnet.cpu", 1200L, 1.8125), (arrived.Site, arrived.Backend, arrived.ExampleCount!.Value, arrived.LossAfter!.Value));
        Assert.Equal(arrival, arrived.ToArrival());
    }

    [Fact]
    public async Task A_manifest_written_for_another_adapter_is_refused_before_anything_is_uploaded_unless_a_drill_allows_it()
    {
        var planted = "sha256:" + new string('c', 64);
        var directory = WriteContribution("contrib-b", 2, manifestFor: _ => Manifest("contrib-b", planted));
        var adapterDigest = BlobDigest.Parse(BlobExchange.DigestOf(await File.ReadAllBytesAsync(Path.Combine(directory, ContributionFiles.Adapter))));

        var refused = await Assert.ThrowsAsync<SwarmException>(() => SendAsync(directory));

        Assert.Equal("ContributionDigestMismatch", refused.ErrorId);
        Assert.Contains(planted, refused.Message, StringComparison.Ordinal);
        Assert.Contains(adapterDigest.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Contains("write the manifest again", refused.Remediation, StringComparison.Ordinal);
        Assert.Empty(await _contributions.ListAsync(RunId));
        Assert.Null((await _blobs.GetBlobStatusAsync(adapterDigest)).Size);

        // Issue 14's UploadDisagreement drill: sent on purpose, listed, for validation to reject.
        var arrival = await SendAsync(directory, allowDigestMismatch: true);
        Assert.Equal(adapterDigest.ToString(), arrival.AdapterDigest);
        using var inbox = Inbox();
        var arrived = Assert.Single(await inbox.ListAsync(RunId));
        Assert.Equal(planted, arrived.Manifest!.AdapterDigest);
        Assert.NotEqual(arrived.Manifest.AdapterDigest, arrived.AdapterDigest);
    }

    [Fact]
    public async Task A_broken_adapter_or_a_missing_file_is_refused_naming_it_and_nothing_is_announced()
    {
        var truncated = WriteContribution("contrib-c", 3);
        var adapterPath = Path.Combine(truncated, ContributionFiles.Adapter);
        var bytes = await File.ReadAllBytesAsync(adapterPath);
        await File.WriteAllBytesAsync(adapterPath, bytes[..^16]);
        var broken = await Assert.ThrowsAsync<SwarmException>(() => SendAsync(truncated));
        Assert.StartsWith("Safetensors", broken.ErrorId, StringComparison.Ordinal);

        var noAdapter = WriteContribution("contrib-d", 4);
        File.Delete(Path.Combine(noAdapter, ContributionFiles.Adapter));
        var missing = await Assert.ThrowsAsync<SwarmException>(() => SendAsync(noAdapter));
        Assert.Equal("ContributionFileNotFound", missing.ErrorId);
        Assert.Contains(ContributionFiles.Adapter, missing.Message, StringComparison.Ordinal);

        var noManifest = WriteContribution("contrib-e", 5);
        File.Delete(Path.Combine(noManifest, ContributionFiles.Manifest));
        Assert.Equal("ContributionFileNotFound", (await Assert.ThrowsAsync<SwarmException>(() => SendAsync(noManifest))).ErrorId);

        var invalid = WriteContribution("contrib-f", 6, manifestBytes: _ => Encoding.UTF8.GetBytes("{\"run_id\": \"ft-007\"}"));
        Assert.Equal("ContributionManifestInvalid", (await Assert.ThrowsAsync<SwarmException>(() => SendAsync(invalid))).ErrorId);

        Assert.Empty(await _contributions.ListAsync(RunId));
    }

    [Fact]
    public async Task A_manifest_the_inbox_cannot_read_is_listed_with_a_problem_beside_the_good_ones()
    {
        await SendAsync(WriteContribution("contrib-good", 7));
        var adapter = (await _blobs.PutBlobAsync(new MemoryStream(AdapterBytes(8)))).Digest.ToString();

        // Announced straight to the exchange, as a hostile or broken contributor could.
        async Task AnnounceAsync(string contributor, byte[] manifest) =>
            await _contributions.AnnounceAsync(RunId, contributor, (await _blobs.PutBlobAsync(new MemoryStream(manifest))).Digest.ToString(), adapter);
        await AnnounceAsync("contrib-empty", "{}"u8.ToArray());
        await AnnounceAsync("contrib-huge", BlobExchange.RandomBytes(ContributionManifestJson.MaxBytes + 1, 9));
        await AnnounceAsync("contrib-other", ContributionManifestJson.Serialize(Manifest("contrib-good", adapter)));

        using var inbox = Inbox();
        var arrived = (await inbox.ListAsync(RunId)).ToDictionary(a => a.Contributor);

        Assert.Equal(new[] { "contrib-empty", "contrib-good", "contrib-huge", "contrib-other" }, arrived.Keys.Order(StringComparer.Ordinal));
        Assert.Null(arrived["contrib-good"].Problem);
        foreach (var (contributor, problem) in new[] { ("contrib-empty", "is missing"), ("contrib-huge", "larger than a manifest's 1024 KiB"), ("contrib-other", "announced under another name") })
        {
            var bad = arrived[contributor];
            Assert.Null(bad.Manifest);
            Assert.Null(bad.Site);
            Assert.Contains("cannot be read", bad.Problem, StringComparison.Ordinal);
            Assert.Contains(problem, bad.Problem, StringComparison.Ordinal);
            Assert.Contains(bad.ManifestDigest, bad.Problem, StringComparison.Ordinal);
        }

        // The huge one was refused on its size, not read.
        Assert.Null(arrived["contrib-huge"].ManifestBytes);
        Assert.Equal("{}"u8.ToArray(), arrived["contrib-empty"].ManifestBytes);

        var only = await inbox.ListAsync(RunId, c => c.EndsWith("good", StringComparison.Ordinal));
        Assert.Equal("contrib-good", Assert.Single(only).Contributor);
    }

    [Fact]
    public async Task Fetching_an_adapter_resumes_from_the_partial_file_checks_the_digest_and_writes_an_owner_only_file()
    {
        await SendAsync(WriteContribution("contrib-a", 10));
        using var inbox = Inbox();
        var arrived = Assert.Single(await inbox.ListAsync(RunId));
        var expected = AdapterBytes(10);
        var destination = Path.Combine(_work, "coordinator", "contrib-a.safetensors");
        var partial = Path.Combine(Path.GetDirectoryName(destination)!, $".contrib-a.safetensors.{arrived.AdapterDigest[7..23]}.partial");
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);

        // A partial of wrong bytes is resumed (only the rest is asked for), so the whole fails its digest:
        // the partial is dropped and nothing is written.
        await File.WriteAllBytesAsync(partial, new byte[expected.Length / 2]);
        var mismatch = await Assert.ThrowsAsync<SwarmException>(() => inbox.FetchAdapterAsync(arrived, destination));
        Assert.Equal("BlobDigestMismatch", mismatch.ErrorId);
        Assert.False(File.Exists(destination));
        Assert.False(File.Exists(partial));

        // A partial of the right first half is completed from where it stopped.
        await File.WriteAllBytesAsync(partial, expected[..(expected.Length / 2)]);
        var written = await inbox.FetchAdapterAsync(arrived, destination);

        Assert.Equal(destination, written);
        Assert.Equal(expected, await File.ReadAllBytesAsync(destination));
        Assert.Equal(arrived.AdapterDigest, "sha256:" + Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(destination))).ToLowerInvariant());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(destination));
        Assert.False(File.Exists(partial));
        using (var adapter = SafetensorsFile.Open(destination))
        {
            Assert.Equal(2, adapter.Tensors.Count);
        }
    }
}
