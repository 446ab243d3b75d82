namespace SwarmPS.Engine.Training;

/// <summary>
/// The training plan: the frozen contract a federated run is held to. It names the run's namespace, the
/// coordinator's site (validator and aggregator), every contributor, the base snapshot, the adapter
/// contract, how contributors train (steps, seed, learning rate), the admission token's environment
/// variable (never the token), the timing thresholds, the replay sample and tolerance, the bound on an
/// update's size, and the publication gates. Read by <c>TrainingPlanReader</c> (YAML or JSON, every error
/// naming file, line and field; docs/training-plan.md); its <see cref="Digest"/> is the sha256 of its
/// canonical JSON (<c>TrainingPlanJson</c>), and every manifest, verdict and receipt of the run is tied to it.
/// </summary>
public sealed record TrainingPlan
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The cluster namespace: a name the run's ids and mailboxes are scoped by.</summary>
    public required string Namespace { get; init; }

    /// <summary>The site whose coordinator validates, replays, merges and publishes.</summary>
    public required string CoordinatorSite { get; init; }

    public required IReadOnlyList<PlanContributor> Contributors { get; init; }

    /// <summary>
    /// Where the operator's machine finds the base snapshot (a safetensors file): the plan's path resolved
    /// against the directory of the plan file, absolute. Not part of the digest: the same plan read from
    /// two directories is the same contract.
    /// </summary>
    public required string BaseSnapshotPath { get; init; }

    /// <summary>
    /// The base snapshot's path exactly as the plan file writes it (relative to the plan file, or
    /// absolute): what the canonical JSON and so the digest hold. Defaults to <see cref="BaseSnapshotPath"/>
    /// for a plan built in code.
    /// </summary>
    public string BaseSnapshotFile
    {
        get => _baseSnapshotFile ?? BaseSnapshotPath;
        init => _baseSnapshotFile = value;
    }

    private readonly string? _baseSnapshotFile;

    public required string BaseSnapshotDigest { get; init; }

    public required AdapterContract Contract { get; init; }

    public required int Steps { get; init; }

    public required long Seed { get; init; }

    public required double LearningRate { get; init; }

    /// <summary>The name of the environment variable holding the admission token; the token itself is never in the plan.</summary>
    public required string AdmissionTokenVariable { get; init; }

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(1000);

    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMilliseconds(5000);

    public TimeSpan ContributorLossGrace { get; init; } = TimeSpan.FromMilliseconds(7500);

    public TimeSpan MaxWorkerSkew { get; init; } = TimeSpan.FromMilliseconds(15000);

    /// <summary>The share of contributions (0 to 1) replayed even when nothing is against them; <c>ReplaySelection</c> picks which.</summary>
    public double ReplaySample { get; init; }

    /// <summary>How far a replayed adapter may differ from the contributed one (largest relative difference of any value).</summary>
    public double ReplayTolerance { get; init; } = 1e-4;

    /// <summary>The bound on ‖scale·B·A‖_F over every module of one contribution.</summary>
    public required double MaxUpdateNorm { get; init; }

    public PublicationGates Gates { get; init; } = new();

    /// <summary><c>sha256:&lt;hex&gt;</c> of the plan's canonical JSON (<c>TrainingPlanJson.Digest</c>); set by the readers.</summary>
    public required string Digest { get; init; }

    /// <summary>What validation holds a contribution to, from this plan.</summary>
    public ValidationRules ValidationRules => new()
    {
        BaseSnapshotDigest = BaseSnapshotDigest,
        Contract = Contract,
        MaxUpdateNorm = MaxUpdateNorm,
        StaleAfter = StaleAfter,
        PlanDigest = Digest,
    };
}

/// <summary>One contributor of a plan: its id, the site it runs on, its training backend label and logical device, and its data shard.</summary>
public sealed record PlanContributor(string Id, string Site, string Backend, string Device, string DataShard);
