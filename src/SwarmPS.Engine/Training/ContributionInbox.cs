using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Training;

/// <summary>
/// What has arrived on the exchange for a run, as the coordinator reads it: the announced contributions, each
/// with its manifest read from its blob (at most <see cref="ContributionManifestJson.MaxBytes"/>, treated as
/// hostile), and each adapter fetched to a file on request. A manifest that cannot be read is a
/// <see cref="ArrivedContribution.Problem"/>, never an exception: one bad contributor must not hide the rest.
/// </summary>
public sealed class ContributionInbox : IDisposable
{
    private readonly ExchangeBlobClient _blobs;
    private readonly ExchangeContributionClient _contributions;

    /// <summary>An inbox on the exchange at <paramref name="connection"/>; its clients are disposed with it.</summary>
    public ContributionInbox(ExchangeConnection connection)
        : this(new ExchangeBlobClient(connection), new ExchangeContributionClient(connection))
    {
    }

    /// <summary>An inbox over these clients, which it then owns (disposes).</summary>
    public ContributionInbox(ExchangeBlobClient blobs, ExchangeContributionClient contributions)
    {
        _blobs = blobs;
        _contributions = contributions;
    }

    /// <summary>The arrivals of <paramref name="runId"/>, sorted by contributor, without their manifests (one request).</summary>
    public Task<IReadOnlyList<ContributionArrival>> ListArrivalsAsync(string runId, CancellationToken cancellationToken = default) =>
        _contributions.ListAsync(runId, cancellationToken);

    /// <summary>
    /// The contributions of <paramref name="runId"/> whose contributor <paramref name="include"/> accepts (all
    /// when null), sorted by contributor, each with its manifest read (<see cref="ReadAsync"/>). Empty for a
    /// run nobody contributed to.
    /// </summary>
    public async Task<IReadOnlyList<ArrivedContribution>> ListAsync(string runId, Func<string, bool>? include = null, CancellationToken cancellationToken = default)
    {
        var arrived = new List<ArrivedContribution>();
        foreach (var arrival in await ListArrivalsAsync(runId, cancellationToken).ConfigureAwait(false))
        {
            if (include is null || include(arrival.Contributor))
            {
                arrived.Add(await ReadAsync(arrival, cancellationToken).ConfigureAwait(false));
            }
        }

        return arrived;
    }

    /// <summary>
    /// One arrival with its manifest: the manifest blob read into memory (never more than 1 MiB of it) and
    /// parsed. A manifest missing from the exchange, larger than 1 MiB, not a valid manifest, or naming
    /// another run or contributor than it was announced under leaves Manifest null and the reason in Problem.
    /// Only a failure to reach the exchange throws.
    /// </summary>
    public async Task<ArrivedContribution> ReadAsync(ContributionArrival arrival, CancellationToken cancellationToken = default)
    {
        var source = $"{arrival.ManifestDigest} (contributor '{arrival.Contributor}' of run '{arrival.RunId}')";
        byte[] bytes;
        try
        {
            bytes = await _blobs.GetBlobBytesAsync(BlobDigest.Parse(arrival.ManifestDigest), ContributionManifestJson.MaxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (SwarmException error) when (error.ErrorId == "BlobNotFound")
        {
            return new ArrivedContribution(arrival, null, null, Unreadable(source, "the exchange holds no blob of that name").Message);
        }
        catch (SwarmException error) when (error.ErrorId == "BlobLargerThanRead")
        {
            return new ArrivedContribution(arrival, null, null, Unreadable(source, $"it is larger than a manifest's {ContributionManifestJson.MaxBytes / 1024} KiB, and was not read").Message);
        }

        try
        {
            var manifest = ContributionManifestJson.Parse(bytes, source);
            if (manifest.RunId != arrival.RunId || manifest.Contributor != arrival.Contributor)
            {
                return new ArrivedContribution(arrival, null, bytes, Unreadable(source, $"it is the manifest of contributor '{manifest.Contributor}' of run '{manifest.RunId}', announced under another name").Message);
            }

            return new ArrivedContribution(arrival, manifest, bytes, null);
        }
        catch (SwarmException error) when (error.ErrorId == "ContributionManifestInvalid")
        {
            return new ArrivedContribution(arrival, null, bytes, error.Message);
        }
    }

    /// <summary>
    /// Downloads the adapter of <paramref name="contribution"/> (the blob the exchange holds, by
    /// <see cref="ArrivedContribution.AdapterDigest"/>) to <paramref name="destinationPath"/>: into an
    /// owner-only partial file beside it, resumed from what an interrupted earlier fetch left there, and
    /// renamed to <paramref name="destinationPath"/> (replacing a file there) only once its SHA-256 is the
    /// digest. Returns the full path written. BlobNotFound when the exchange no longer holds it,
    /// BlobDigestMismatch when the bytes received are not it (nothing is written then).
    /// </summary>
    public async Task<string> FetchAdapterAsync(ArrivedContribution contribution, string destinationPath, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var destination = Path.GetFullPath(destinationPath);
        await _blobs.GetBlobAsync(BlobDigest.Parse(contribution.AdapterDigest), destination, progress, cancellationToken).ConfigureAwait(false);

        // A partial the client made is born 0600; one left by something else keeps its mode through the
        // resume and the rename, so the file is narrowed to its owner here.
        OwnerOnly.Tighten(destination);
        return destination;
    }

    /// <summary>The error for a contributor asked for by name that has not arrived, naming those that have.</summary>
    public static SwarmException NotArrived(string runId, string contributor, IReadOnlyList<ContributionArrival> arrived) => new(
        "ContributionNotFound",
        $"No contribution of '{contributor}' has arrived for run '{runId}'; {(arrived.Count == 0 ? "none has" : $"{arrived.Count} did: {string.Join(", ", arrived.Take(20).Select(a => a.Contributor))}{(arrived.Count > 20 ? ", ..." : "")}")}.",
        "Check the contributor id (the 'contributor' field of its manifest) and the run id; a contribution appears once its Send-SwarmContribution has finished.",
        SwarmErrorCategory.ObjectNotFound,
        contributor);

    /// <summary>The error a manifest that could not be read is, as ContributionManifestJson words its own.</summary>
    private static SwarmException Unreadable(string source, string problem) => new(
        "ContributionManifestInvalid",
        $"The contribution manifest {source} cannot be read: {problem}.",
        "Have the contributor send its contribution again under a new contributor id (Send-SwarmContribution); the exchange keeps the first announcement of each contributor.",
        SwarmErrorCategory.InvalidData,
        source);

    public void Dispose()
    {
        _blobs.Dispose();
        _contributions.Dispose();
    }
}
