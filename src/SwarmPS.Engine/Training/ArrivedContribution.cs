using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Training;

/// <summary>
/// A contribution that has arrived on the exchange for a run, as Get-SwarmContribution lists it: the
/// arrival (who, which blobs, when) and its manifest, read from the manifest blob. A manifest that could not
/// be read (missing, over 1 MiB, not a valid manifest) leaves <see cref="Manifest"/> null and says why in
/// <see cref="Problem"/>; the contribution is still listed, so validation rejects it and the evidence
/// records it rather than it silently vanishing.
/// </summary>
public sealed class ArrivedContribution
{
    public ArrivedContribution(ContributionArrival arrival, ContributionManifest? manifest, byte[]? manifestBytes, string? problem)
    {
        RunId = arrival.RunId;
        Contributor = arrival.Contributor;
        ManifestDigest = arrival.ManifestDigest;
        AdapterDigest = arrival.AdapterDigest;
        AdapterBytes = arrival.AdapterBytes;
        ArrivedAt = arrival.ArrivedAt;
        Manifest = manifest;
        ManifestBytes = manifestBytes;
        Problem = problem;
    }

    public string RunId { get; }

    public string Contributor { get; }

    /// <summary>The digest of the manifest's bytes as they were sent (and as <see cref="ManifestBytes"/> holds them).</summary>
    public string ManifestDigest { get; }

    /// <summary>The digest of the adapter blob the exchange holds; the manifest's own adapter_digest may differ (validation rejects that).</summary>
    public string AdapterDigest { get; }

    public long AdapterBytes { get; }

    /// <summary>When the exchange accepted the announcement, by its clock (UTC).</summary>
    public DateTimeOffset ArrivedAt { get; }

    /// <summary>The manifest, or null when it could not be read (<see cref="Problem"/> says why).</summary>
    public ContributionManifest? Manifest { get; }

    /// <summary>The manifest exactly as it arrived, for the coordinator to file; null when it could not be fetched.</summary>
    public byte[]? ManifestBytes { get; }

    /// <summary>Why the manifest could not be read (the ContributionManifestInvalid message), or null.</summary>
    public string? Problem { get; }

    public string? Site => Manifest?.Site;

    public string? Backend => Manifest?.Backend;

    public long? ExampleCount => Manifest?.ExampleCount;

    public double? LossBefore => Manifest?.LossBefore;

    public double? LossAfter => Manifest?.LossAfter;

    /// <summary>The arrival this was read from.</summary>
    public ContributionArrival ToArrival() => new(RunId, Contributor, ManifestDigest, AdapterDigest, AdapterBytes, ArrivedAt);
}
