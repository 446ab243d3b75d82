namespace SwarmPS.Engine.Training;

/// <summary>What is wrong with one module's LoRA tensors.</summary>
public enum LoraProblemKind
{
    /// <summary>A <c>lora_A</c> without its <c>lora_B</c>, or the reverse.</summary>
    Unpaired,

    /// <summary>A's first dimension and B's second differ: B·A is not defined.</summary>
    RankMismatch,

    /// <summary>A or B has fewer than two dimensions, so it is no LoRA factor.</summary>
    NotMatrix,
}

/// <summary>One module whose LoRA tensors do not make a pair; the module is then not in the layout's modules.</summary>
/// <param name="Module">The module's name.</param>
/// <param name="Kind">What is wrong.</param>
/// <param name="Detail">The tensors and shapes involved, as an operator reads them.</param>
public sealed record LoraProblem(string Module, LoraProblemKind Kind, string Detail);
