namespace SwarmPS.Engine.Training;

/// <summary>
/// What every contribution's adapter must be, as the training plan fixes it: LoRA on these target modules,
/// of this rank and alpha (the update is scaled by alpha / rank), stored in this dtype. Validation checks an
/// adapter's tensors against it; aggregation needs it to merge LoRA pairs exactly.
/// </summary>
public sealed record AdapterContract
{
    /// <summary>The dtypes a contribution's adapter may be stored in.</summary>
    public static readonly IReadOnlyList<string> DTypes = new[] { "F32", "F16", "BF16" };

    public required IReadOnlyList<string> TargetModules { get; init; }

    public required int Rank { get; init; }

    public required double Alpha { get; init; }

    /// <summary>F32, F16 or BF16, as safetensors names them.</summary>
    public required string DType { get; init; }

    /// <summary>alpha / rank: what B·A is multiplied by in the model.</summary>
    public double Scale => Alpha / Rank;
}
