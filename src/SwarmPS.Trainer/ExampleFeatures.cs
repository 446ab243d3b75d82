using System.Numerics.Tensors;

namespace SwarmPS.Trainer;

/// <summary>
/// What the adapter cannot change, computed once per example: the hidden activations
/// <c>h = tanh(hidden.weight · x + hidden.bias)</c> and the base model's logits <c>lm_head.weight · h + lm_head.bias</c>.
/// The LoRA update only adds <c>s·B·(A·h)</c> to those logits, so training and evaluation never redo the rest.
/// </summary>
internal sealed class ExampleFeatures
{
    private ExampleFeatures(float[] hidden, float[] baseLogits, byte[] targets)
    {
        Hidden = hidden;
        BaseLogits = baseLogits;
        Targets = targets;
    }

    /// <summary>[N, H]: example e's h at [H·e, H·e + H).</summary>
    public float[] Hidden { get; }

    /// <summary>[N, V]: example e's base logits at [V·e, V·e + V).</summary>
    public float[] BaseLogits { get; }

    public byte[] Targets { get; }

    public int Count => Targets.Length;

    public ReadOnlySpan<float> HiddenOf(int example) => Hidden.AsSpan(example * ModelShape.Hidden, ModelShape.Hidden);

    public ReadOnlySpan<float> BaseLogitsOf(int example) => BaseLogits.AsSpan(example * ModelShape.Vocabulary, ModelShape.Vocabulary);

    public static ExampleFeatures Compute(BaseModel model, ExampleSet examples)
    {
        var hiddenT = DeterministicKernels.Transpose(model.HiddenWeight, ModelShape.Hidden, ModelShape.Input);
        var headT = DeterministicKernels.Transpose(model.HeadWeight, ModelShape.Vocabulary, ModelShape.Hidden);
        var hidden = new float[examples.Count * ModelShape.Hidden];
        var logits = new float[examples.Count * ModelShape.Vocabulary];
        Span<float> x = stackalloc float[ModelShape.Input];
        for (var e = 0; e < examples.Count; e++)
        {
            for (var slot = 0; slot < ExampleSet.ContextLength; slot++)
            {
                int token = examples.Contexts[(e * ExampleSet.ContextLength) + slot];
                model.Embed.AsSpan(token * ModelShape.Embedding, ModelShape.Embedding).CopyTo(x.Slice(slot * ModelShape.Embedding));
            }

            var h = hidden.AsSpan(e * ModelShape.Hidden, ModelShape.Hidden);
            DeterministicKernels.MultiplyTransposed(hiddenT, x, h);
            TensorPrimitives.Add(h, model.HiddenBias, h);
            for (var k = 0; k < h.Length; k++)
            {
                // tanh in double, rounded once: float tanh differs between C libraries and vector kernels;
                // a correctly computed double rounds to the same float almost always, on any machine.
                h[k] = (float)Math.Tanh(h[k]);
            }

            var z = logits.AsSpan(e * ModelShape.Vocabulary, ModelShape.Vocabulary);
            DeterministicKernels.MultiplyTransposed(headT, h, z);
            TensorPrimitives.Add(z, model.HeadBias, z);
        }

        return new ExampleFeatures(hidden, logits, examples.Targets);
    }
}
