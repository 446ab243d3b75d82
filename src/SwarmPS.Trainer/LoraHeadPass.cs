using System.Numerics.Tensors;

namespace SwarmPS.Trainer;

/// <summary>
/// The forward and backward pass of the adapted LM head over a batch of examples:
/// <c>u = A·h</c>, <c>logits = s·B·u + base logits</c>, <c>loss = logsumexp(logits) − logits[target]</c>, and with
/// <c>g = softmax(logits) − onehot(target)</c> the batch-mean gradients <c>∂B = s·mean(g ⊗ u)</c>,
/// <c>∂A = s·mean((Bᵀg) ⊗ h)</c>. The batch is laid out column-wise ([features, batch]) so each product is an
/// axpy over the batch (<see cref="DeterministicKernels"/>); every sum runs over its terms in index order.
/// </summary>
internal sealed class LoraHeadPass
{
    public const int MaxBatch = 32;

    private readonly ExampleFeatures _features;
    private readonly LoraAdapter _adapter;
    private readonly float _scale;
    private readonly float[] _hiddenT = new float[ModelShape.Hidden * MaxBatch];
    private readonly float[] _u;
    private readonly float[] _logits = new float[MaxBatch * ModelShape.Vocabulary];
    private readonly float[] _g = new float[MaxBatch * ModelShape.Vocabulary];
    private readonly float[] _gT = new float[ModelShape.Vocabulary * MaxBatch];
    private readonly float[] _v;
    private readonly float[] _column;
    private readonly float[] _bu = new float[ModelShape.Vocabulary];

    public LoraHeadPass(ExampleFeatures features, LoraAdapter adapter)
    {
        _features = features;
        _adapter = adapter;
        _scale = (float)adapter.Scale;
        _u = new float[adapter.Rank * MaxBatch];
        _v = new float[adapter.Rank * MaxBatch];
        _column = new float[adapter.Rank];
    }

    /// <summary>
    /// The forward pass of <paramref name="batch"/> (at most 32 examples) with the adapter as it is now, keeping
    /// u, the logits and g for <see cref="Gradients"/>; each example's loss goes to <paramref name="losses"/>.
    /// </summary>
    public void Forward(ReadOnlySpan<int> batch, Span<double> losses)
    {
        var n = batch.Length;
        var rank = _adapter.Rank;
        var hiddenT = _hiddenT.AsSpan(0, ModelShape.Hidden * n);
        for (var j = 0; j < n; j++)
        {
            var h = _features.HiddenOf(batch[j]);
            for (var k = 0; k < ModelShape.Hidden; k++)
            {
                hiddenT[(k * n) + j] = h[k];
            }
        }

        for (var i = 0; i < rank; i++)
        {
            DeterministicKernels.MultiplyTransposed(hiddenT, _adapter.A.AsSpan(i * ModelShape.Hidden, ModelShape.Hidden), _u.AsSpan(i * n, n));
        }

        for (var j = 0; j < n; j++)
        {
            for (var i = 0; i < rank; i++)
            {
                _column[i] = _u[(i * n) + j];
            }

            DeterministicKernels.MultiplyTransposed(_adapter.BTransposed, _column, _bu);
            var logits = _logits.AsSpan(j * ModelShape.Vocabulary, ModelShape.Vocabulary);
            TensorPrimitives.MultiplyAdd(_bu, _scale, _features.BaseLogitsOf(batch[j]), logits);
            losses[j] = Softmax.Loss(logits, _features.Targets[batch[j]], _g.AsSpan(j * ModelShape.Vocabulary, ModelShape.Vocabulary));
        }
    }

    /// <summary>
    /// The batch-mean gradients at the adapter's current values into <paramref name="gradA"/> ([r, H]) and
    /// <paramref name="gradBTransposed"/> (∂Bᵀ, [r, V]); returns the batch's mean loss.
    /// </summary>
    public double Gradients(ReadOnlySpan<int> batch, Span<float> gradA, Span<float> gradBTransposed)
    {
        var n = batch.Length;
        Span<double> losses = stackalloc double[n];
        Forward(batch, losses);
        double sum = 0;
        foreach (var example in losses)
        {
            sum += example;
        }

        var rank = _adapter.Rank;
        gradA.Clear();
        gradBTransposed.Clear();

        // ∂Bᵀ[i, :] = Σ_j u_j[i] · g_j, over the batch in order.
        for (var j = 0; j < n; j++)
        {
            var g = _g.AsSpan(j * ModelShape.Vocabulary, ModelShape.Vocabulary);
            for (var i = 0; i < rank; i++)
            {
                DeterministicKernels.Axpy(_u[(i * n) + j], g, gradBTransposed.Slice(i * ModelShape.Vocabulary, ModelShape.Vocabulary));
            }
        }

        // v_j = Bᵀ·g_j for the whole batch at once: v[i, :] = Σ_o B[o, i] · gᵀ[o, :].
        var gT = _gT.AsSpan(0, ModelShape.Vocabulary * n);
        for (var j = 0; j < n; j++)
        {
            for (var o = 0; o < ModelShape.Vocabulary; o++)
            {
                gT[(o * n) + j] = _g[(j * ModelShape.Vocabulary) + o];
            }
        }

        for (var i = 0; i < rank; i++)
        {
            DeterministicKernels.MultiplyTransposed(gT, _adapter.BTransposed.AsSpan(i * ModelShape.Vocabulary, ModelShape.Vocabulary), _v.AsSpan(i * n, n));
        }

        // ∂A[i, :] = Σ_j v_j[i] · h_j, over the batch in order.
        for (var j = 0; j < n; j++)
        {
            var h = _features.HiddenOf(batch[j]);
            for (var i = 0; i < rank; i++)
            {
                DeterministicKernels.Axpy(_v[(i * n) + j], h, gradA.Slice(i * ModelShape.Hidden, ModelShape.Hidden));
            }
        }

        // s · mean: one factor, rounded to float32 once.
        var factor = (float)(_adapter.Scale / n);
        TensorPrimitives.Multiply(gradA, factor, gradA);
        TensorPrimitives.Multiply(gradBTransposed, factor, gradBTransposed);
        return sum / n;
    }
}
