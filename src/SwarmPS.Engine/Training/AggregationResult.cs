namespace SwarmPS.Engine.Training;

/// <summary>The merged tensors, in the first contribution's order, and the receipt that describes them.</summary>
public sealed record AggregationResult(IReadOnlyList<AggregationTensor> Tensors, AggregationReceipt Receipt);
