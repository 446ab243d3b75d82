using System.Text.Json;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The contributions announced on the exchange, one small JSON file per contributor:
/// <c>&lt;stateDir&gt;/contributions/&lt;runId&gt;/&lt;contributor&gt;.json</c> (files 0600, directories 0700).
/// Both names are checked (<see cref="CampaignRunId"/>, <see cref="ContributorName"/>) before they touch the
/// file system, so no request can name a path outside. A file is written to a temporary name, fsynced, and
/// renamed into place without replacing anything, then the directory is fsynced: an answered announcement
/// survives kill -9 and a crash of the host, and the first announcement of a contributor is the one kept.
/// Announcements are serialized in the process (they are rare and tiny), which makes "is it there, are the
/// blobs there, is the run full, write it" one step for concurrent announcers.
/// </summary>
public sealed class ContributionStore
{
    private const string RecordSuffix = ".json";
    private const string TemporarySuffix = ".tmp";

    /// <summary>A record is about 400 bytes; anything far larger was not written by the exchange.</summary>
    private const int MaxRecordBytes = 64 * 1024;

    private readonly SemaphoreSlim _announcing = new(1, 1);
    private readonly BlobStore _blobs;

    private ContributionStore(string directory, BlobStore blobs, int maxContributorsPerRun, TimeProvider clock)
    {
        Directory = directory;
        _blobs = blobs;
        MaxContributorsPerRun = maxContributorsPerRun;
        Clock = clock;
    }

    /// <summary>The contributions directory, &lt;stateDir&gt;/contributions.</summary>
    public string Directory { get; }

    public int MaxContributorsPerRun { get; }

    private TimeProvider Clock { get; }

    /// <summary>
    /// Opens (creating owner-only) the contributions directory. Temporary files of announcements that a crash
    /// interrupted are deleted: their announcer got no answer and retries.
    /// </summary>
    public static ContributionStore Open(string directory, BlobStore blobs, ExchangeLimits limits, TimeProvider? clock = null)
    {
        var store = new ContributionStore(Path.GetFullPath(directory), blobs, limits.MaxContributorsPerRun, clock ?? TimeProvider.System);
        OwnerOnly.CreateDirectory(store.Directory);
        foreach (var leftover in System.IO.Directory.EnumerateFiles(store.Directory, "*" + TemporarySuffix, SearchOption.AllDirectories))
        {
            TryDelete(leftover);
        }

        return store;
    }

    /// <summary>
    /// Records that <paramref name="contributor"/> contributed the blobs <paramref name="manifest"/> and
    /// <paramref name="adapter"/> to <paramref name="runId"/>. Created is false when exactly this was
    /// announced before (a retry; the stored arrival is returned). Throws ContributionConflict when the
    /// contributor announced other blobs, BlobNotFound when either blob is not stored yet,
    /// ContributionLimitReached when the run has its maximum of contributors.
    /// </summary>
    public async Task<(ContributionArrival Arrival, bool Created)> AnnounceAsync(string runId, string contributor, BlobDigest manifest, BlobDigest adapter, CancellationToken cancellationToken)
    {
        var file = RecordPath(runId, contributor);
        await _announcing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Read(file) is { } earlier)
            {
                return (Same(earlier, contributor, manifest, adapter), false);
            }

            _ = _blobs.SizeOf(manifest) ?? throw BlobMissing(manifest, "manifest");
            var adapterBytes = _blobs.SizeOf(adapter) ?? throw BlobMissing(adapter, "adapter");
            var runDirectory = Path.GetDirectoryName(file)!;
            if (System.IO.Directory.Exists(runDirectory)
                && System.IO.Directory.EnumerateFiles(runDirectory, "*" + RecordSuffix).Count() >= MaxContributorsPerRun)
            {
                throw LimitReached(runId);
            }

            var now = Clock.GetUtcNow();
            var arrival = new ContributionArrival(runId, contributor, manifest.ToString(), adapter.ToString(), adapterBytes,
                new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero));
            return Write(file, arrival) ? (arrival, true) : (Same(Read(file)!, contributor, manifest, adapter), false);
        }
        finally
        {
            _announcing.Release();
        }
    }

    /// <summary>Every contribution announced for <paramref name="runId"/>, sorted by contributor (ordinal); none for a run nobody announced to.</summary>
    public IReadOnlyList<ContributionArrival> List(string runId)
    {
        var runDirectory = Path.Combine(Directory, CampaignRunId.Validate(runId));
        if (!System.IO.Directory.Exists(runDirectory))
        {
            return [];
        }

        var arrivals = new List<ContributionArrival>();
        foreach (var file in System.IO.Directory.EnumerateFiles(runDirectory, "*" + RecordSuffix))
        {
            if (Read(file) is { } arrival)
            {
                arrivals.Add(arrival);
            }
        }

        return arrivals.OrderBy(a => a.Contributor, StringComparer.Ordinal).ToList();
    }

    private string RecordPath(string runId, string contributor) =>
        Path.Combine(Directory, CampaignRunId.Validate(runId), ContributorName.Validate(contributor) + RecordSuffix);

    /// <summary>The earlier announcement, when it is the same one; otherwise the conflict.</summary>
    private static ContributionArrival Same(ContributionArrival earlier, string contributor, BlobDigest manifest, BlobDigest adapter) =>
        earlier.Contributor == contributor && earlier.ManifestDigest == manifest.ToString() && earlier.AdapterDigest == adapter.ToString()
            ? earlier
            : throw Conflict(earlier, contributor, manifest, adapter);

    /// <summary>Writes the record unless one is there; false when another writer was first (the file is then theirs, untouched).</summary>
    private static bool Write(string file, ContributionArrival arrival)
    {
        var directory = Path.GetDirectoryName(file)!;
        var temporary = Path.Combine(directory, $".{Path.GetFileName(file)}.{Guid.NewGuid():N}{TemporarySuffix}");
        try
        {
            OwnerOnly.CreateDirectory(directory);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(ContributionWire.ArrivalView.From(arrival), ExchangeWire.Json);
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnly.FileMode;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            try
            {
                // Never overwrite: a record another writer renamed in first is the announcement that counts.
                File.Move(temporary, file, overwrite: false);
            }
            catch (IOException) when (File.Exists(file))
            {
                return false;
            }

            DirectorySync.Flush(directory);
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw StoreFailed(error.Message, error);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    /// <summary>The record at <paramref name="file"/>, or null when there is none. A record that is not one (edited by hand, a stray file) is a failure of the store, never half-read.</summary>
    private static ContributionArrival? Read(string file)
    {
        byte[]? bytes;
        try
        {
            bytes = BoundedFileRead.ReadAllBytes(file, MaxRecordBytes, followLinks: false);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw StoreFailed($"'{file}' cannot be read: {error.Message}", error);
        }

        if (bytes is null)
        {
            return null;
        }

        ContributionWire.ArrivalView? view;
        try
        {
            view = JsonSerializer.Deserialize<ContributionWire.ArrivalView>(bytes, ExchangeWire.Json);
        }
        catch (JsonException error)
        {
            throw StoreFailed($"'{file}' is not a contribution record: {error.Message}", error);
        }

        var runId = Path.GetFileName(Path.GetDirectoryName(file));
        if (view is null || view.RunId != runId || !ContributorName.IsValid(view.Contributor)
            || !BlobDigest.TryParse(view.Manifest, out _) || !BlobDigest.TryParse(view.Adapter, out _) || view.AdapterBytes < 0)
        {
            throw StoreFailed($"'{file}' is not a contribution record of run '{runId}'.", null);
        }

        return view.ToArrival();
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // Left for the next start to clear.
        }
    }

    private static SwarmException Conflict(ContributionArrival earlier, string contributor, BlobDigest manifest, BlobDigest adapter) => new(
        "ContributionConflict",
        earlier.Contributor == contributor
            ? $"Contributor '{contributor}' of run '{earlier.RunId}' already announced manifest {earlier.ManifestDigest} with adapter {earlier.AdapterDigest} at {earlier.ArrivedAt:yyyy-MM-dd HH:mm:ss} UTC; the first announcement is kept (evidence is immutable), not manifest {manifest} with adapter {adapter}."
            : $"Contributor '{earlier.Contributor}' of run '{earlier.RunId}' already announced a contribution, and '{contributor}' differs from it only in case, which this exchange's file system cannot tell apart.",
        "A contributor contributes once per run: train again under a new run id or a new contributor id (and write its manifest again), or leave the first contribution as it is.",
        SwarmErrorCategory.ResourceExists,
        $"{earlier.RunId}/{contributor}");

    private static SwarmException BlobMissing(BlobDigest digest, string part) => new(
        "BlobNotFound",
        $"The exchange holds no blob {digest}, the contribution's {part}; a contribution is announced only after both its blobs are stored.",
        "Upload the blob first (PUT /v1/blobs/<digest>, ExchangeBlobClient.PutBlobAsync, put_blob; Send-SwarmContribution does both), then announce again.",
        SwarmErrorCategory.ObjectNotFound,
        digest.ToString());

    private SwarmException LimitReached(string runId) => new(
        "ContributionLimitReached",
        $"Run '{runId}' already has {MaxContributorsPerRun} contributors, the most this exchange takes for one run.",
        "Split the contributors over several runs, or start the exchange with a larger MaxContributorsPerRun limit.",
        SwarmErrorCategory.InvalidOperation,
        runId);

    private static SwarmException StoreFailed(string detail, Exception? error) => new(
        "ContributionStoreFailed",
        $"The exchange could not keep its contribution records: {detail}",
        "Check free space and permissions of the exchange's state directory (contributions/ in it) and remove any file there that the exchange did not write, then retry.",
        SwarmErrorCategory.ResourceUnavailable,
        null,
        error);
}
