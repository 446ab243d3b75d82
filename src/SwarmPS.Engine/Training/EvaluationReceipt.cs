namespace SwarmPS.Engine.Training;

/// <summary>
/// A held-out evaluation of one adapter: the loss of the base snapshot and of the base with the adapter
/// applied, on a shard no contributor trained on, by a named backend. The publication gate compares the
/// two; an evaluation of another adapter or another base does not count for this one.
/// </summary>
public sealed record EvaluationReceipt(
    string AdapterDigest,
    string BaseSnapshotDigest,
    string HeldOutShard,
    double BaseLoss,
    double AdapterLoss,
    string Backend);
