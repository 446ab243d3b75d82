namespace SwarmPS.Engine.Training;

/// <summary>
/// One LoRA-adapted module: its pair of tensors <c>&lt;module&gt;.lora_A(.weight)</c> [rank, in] and
/// <c>&lt;module&gt;.lora_B(.weight)</c> [out, rank], whose product B·A is the module's weight update (out × in).
/// For a convolution PEFT stores A as [rank, in, kh, kw] and B as [out, rank, 1, 1]: the first two
/// dimensions carry the same meaning, and only those are read here.
/// </summary>
/// <param name="Module">The module's name, the tensor names less <c>.lora_A.weight</c> (<c>base_model.model.model.layers.0.self_attn.q_proj</c>).</param>
/// <param name="Rank">r: A's first dimension, equal to B's second.</param>
/// <param name="InFeatures">A's second dimension.</param>
/// <param name="OutFeatures">B's first dimension.</param>
/// <param name="A">The name of the A tensor.</param>
/// <param name="B">The name of the B tensor.</param>
public sealed record LoraModule(string Module, long Rank, long InFeatures, long OutFeatures, string A, string B);
