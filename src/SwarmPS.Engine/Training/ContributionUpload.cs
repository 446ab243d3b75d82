using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Sends a contribution a trainer wrote (a directory holding <see cref="ContributionFiles.Manifest"/> and
/// <see cref="ContributionFiles.Adapter"/>) to the exchange: checks it, uploads the adapter and the manifest
/// as blobs (resumable), then announces it for the manifest's run under the manifest's contributor. The
/// checks come first, so a broken contribution costs no upload: the manifest must read as one
/// (<see cref="ContributionManifestJson"/>), the adapter must open as safetensors, and the adapter's SHA-256
/// must be the manifest's adapter_digest. The manifest goes up as the bytes of the file, unchanged: its digest
/// is of the bytes as sent, which is what the coordinator files and cites.
/// </summary>
public static class ContributionUpload
{
    /// <summary>Uploads and announces the contribution in <paramref name="directory"/> over <paramref name="connection"/>; see <see cref="SendAsync(ExchangeBlobClient, ExchangeContributionClient, string, bool, IProgress{long}?, CancellationToken)"/>.</summary>
    public static async Task<ContributionArrival> SendAsync(ExchangeConnection connection, string directory, bool allowDigestMismatch = false, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        using var blobs = new ExchangeBlobClient(connection);
        using var contributions = new ExchangeContributionClient(connection);
        return await SendAsync(blobs, contributions, directory, allowDigestMismatch, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Uploads and announces the contribution in <paramref name="directory"/>; returns the arrival the exchange
    /// keeps (the earlier one when the same contribution was sent before, so a retry is harmless).
    /// <paramref name="allowDigestMismatch"/> skips only the adapter-digest check, for drills that must plant an
    /// "upload disagreement" for validation to catch; operators never set it. <paramref name="progress"/> gets
    /// the adapter bytes the exchange holds.
    /// </summary>
    public static async Task<ContributionArrival> SendAsync(ExchangeBlobClient blobs, ExchangeContributionClient contributions, string directory, bool allowDigestMismatch, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(directory);
        var manifestPath = Path.Combine(root, ContributionFiles.Manifest);
        var (manifest, manifestBytes) = ContributionFiles.ReadManifest(root);
        var adapterPath = ContributionFiles.AdapterOf(root);

        // Opening validates the whole header and every offset: a broken adapter is refused naming its fault.
        using (SafetensorsFile.Open(adapterPath))
        {
        }

        await using var adapter = new FileStream(adapterPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var actual = (await BlobDigest.OfAsync(adapter, cancellationToken).ConfigureAwait(false)).ToString();
        if (actual != manifest.AdapterDigest && !allowDigestMismatch)
        {
            throw Mismatch(manifestPath, adapterPath, manifest.AdapterDigest, actual);
        }

        adapter.Position = 0;
        var adapterReceipt = await blobs.PutBlobAsync(adapter, progress, cancellationToken).ConfigureAwait(false);
        if (adapterReceipt.Digest.ToString() != actual)
        {
            // The file changed between the check and the upload: what went up is not what was checked.
            throw Mismatch(manifestPath, adapterPath, actual, adapterReceipt.Digest.ToString());
        }

        var manifestReceipt = await blobs.PutBlobAsync(new MemoryStream(manifestBytes, writable: false), null, cancellationToken).ConfigureAwait(false);
        return await contributions.AnnounceAsync(manifest.RunId, manifest.Contributor, manifestReceipt.Digest.ToString(), adapterReceipt.Digest.ToString(), cancellationToken).ConfigureAwait(false);
    }

    private static SwarmException Mismatch(string manifestPath, string adapterPath, string expected, string actual) => new(
        "ContributionDigestMismatch",
        $"The manifest '{manifestPath}' names the adapter {expected}, but '{Path.GetFileName(adapterPath)}' beside it is {actual}; nothing was announced.",
        "The manifest was written for another adapter file: have the trainer write the manifest again for this adapter (or put back the adapter it was written for).",
        SwarmErrorCategory.InvalidData,
        adapterPath);
}
