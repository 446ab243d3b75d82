namespace SwarmPS.Engine.Training;

/// <summary>
/// What New-SwarmTrainingPlan is given: every value of a plan but the base snapshot's digest (computed from
/// the file) and the timing (written out at its defaults). Nothing here is checked: <see cref="TrainingPlanWriter"/>
/// writes it out and the plan reader judges the text, so a plan New writes is one Import reads.
/// </summary>
public sealed record TrainingPlanDraft
{
    public required string Namespace { get; init; }

    public required string CoordinatorSite { get; init; }

    /// <summary>The base snapshot's full path; the plan writes it relative to the plan file when it lies under the plan's folder.</summary>
    public required string BaseSnapshotPath { get; init; }

    public required IReadOnlyList<PlanContributor> Contributors { get; init; }

    public IReadOnlyList<string> TargetModules { get; init; } = new[] { BaseSnapshotLayout.TargetModule };

    public int Rank { get; init; } = 4;

    public double Alpha { get; init; } = 8;

    public string DType { get; init; } = "F32";

    /// <summary>Steps, seed and learning rate of docs/trainer-contract.md's measured example (it lowers the held-out loss of base_seed 1 most).</summary>
    public int Steps { get; init; } = 200;

    public long Seed { get; init; } = 7;

    public double LearningRate { get; init; } = 0.5;

    public string AdmissionTokenVariable { get; init; } = "SWARM_TRAINING_TOKEN";

    public double ReplaySample { get; init; }

    public double ReplayTolerance { get; init; } = 1e-4;

    /// <summary>
    /// About three times the norm the defaults' own training reaches (200 steps at 0.5 on the shipped corpus
    /// give 31, bench/coordinator-overhead.ps1): a default plan accepts its own contributions and still
    /// rejects an update an order of magnitude larger.
    /// </summary>
    public double MaxUpdateNorm { get; init; } = 100.0;

    /// <summary>Null: every contributor must be accepted (a plan's default of 2 cannot hold for one contributor).</summary>
    public int? MinimumAccepted { get; init; }

    public int? MinimumReplayChecked { get; init; }

    public double MinimumLossImprovement { get; init; }
}
