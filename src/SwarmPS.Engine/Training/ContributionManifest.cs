namespace SwarmPS.Engine.Training;

/// <summary>
/// What a contributor says about the adapter it trained: which run, who, where, on what backend, from which
/// base snapshot, under which adapter contract, on which data, how (steps, seed), with what effect (loss
/// on its own shard before and after), over what time with how many heartbeats, and the adapter's digest.
/// Written as canonical JSON (<see cref="ContributionManifestJson"/>) so its digest is the same on every
/// machine and a Python tool can recompute it. Every digest is <c>sha256:&lt;64 lowercase hex&gt;</c>.
/// </summary>
public sealed record ContributionManifest
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string RunId { get; init; }

    public required string Contributor { get; init; }

    public required string Site { get; init; }

    /// <summary>The training stack, e.g. <c>dotnet.cpu</c>, <c>pytorch.cpu</c>: replay compares like with like or says it did not.</summary>
    public required string Backend { get; init; }

    public required string BaseSnapshotDigest { get; init; }

    public required AdapterContract Contract { get; init; }

    public required string DataShard { get; init; }

    public required long ExampleCount { get; init; }

    public required int Steps { get; init; }

    public required long Seed { get; init; }

    public required double LossBefore { get; init; }

    public required double LossAfter { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset EndedAt { get; init; }

    public required int HeartbeatCount { get; init; }

    public required string AdapterDigest { get; init; }
}
