namespace SwarmPS.Engine.Training;

/// <summary>One file of a published snapshot: its name in the snapshot directory, sha256 and size.</summary>
public sealed record PublishedFile(string Name, string Digest, long Bytes);

/// <summary>
/// What Publish-SwarmSnapshot decided and, when it published, what it wrote: the run and plan, the
/// aggregation it was asked to publish (its merged adapter's digest), the evidence the gates were judged
/// on, the decision with its dispositions and reasons, and the snapshot's files with their digests. A
/// refused or held publication has no destination files: nothing was written.
/// </summary>
public sealed record PublicationReceipt(
    string RunId,
    string PlanDigest,
    string AggregationOutputDigest,
    PublicationEvidence Evidence,
    PublicationDecision Decision,
    string? Destination,
    IReadOnlyList<PublishedFile> Files,
    DateTimeOffset DecidedAt)
{
    public PublishDisposition Publish => Decision.Publish;

    public IReadOnlyList<string> Reasons => Decision.Reasons;
}
