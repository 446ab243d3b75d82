namespace SwarmPS.Engine.Training;

/// <summary>The coordinator's steps that each become one run in the ledger (<see cref="TrainingLedger"/>).</summary>
public enum TrainingStep
{
    /// <summary>A contribution arrived (manifest and adapter stored in the record).</summary>
    Contribution,

    /// <summary>A contribution was validated (and replayed, when asked): its verdict.</summary>
    Validation,

    /// <summary>Accepted contributions were merged into one adapter.</summary>
    Aggregation,

    /// <summary>The publication gates were applied to a merged adapter: published, or refused.</summary>
    Publication,
}
