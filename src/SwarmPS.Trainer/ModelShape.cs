namespace SwarmPS.Trainer;

/// <summary>
/// The dimensions and tensor names of model <c>swarm-tiny-lm</c> version 1: V tokens, D-wide embeddings,
/// a context of three tokens, one tanh hidden layer of H units, and the LM head LoRA adapts.
/// </summary>
internal static class ModelShape
{
    public const string ModelName = "swarm-tiny-lm";

    public const int Vocabulary = CharacterTokens.Count;

    public const int Embedding = 32;

    public const int Input = ExampleSet.ContextLength * Embedding;

    public const int Hidden = 128;

    public const string EmbedWeight = "embed.weight";

    public const string HiddenWeight = "hidden.weight";

    public const string HiddenBias = "hidden.bias";

    public const string HeadWeight = "lm_head.weight";

    public const string HeadBias = "lm_head.bias";

    public const string LoraA = "base_model.model.lm_head.lora_A.weight";

    public const string LoraB = "base_model.model.lm_head.lora_B.weight";

    /// <summary>The adapter's target module: version 1 adapts the LM head only.</summary>
    public const string TargetModule = "lm_head";
}
