namespace SwarmPS.Trainer;

/// <summary>
/// Cross-entropy of one example from its float32 logits, in double: <c>logsumexp(logits) − logits[target]</c>
/// (natural log, the maximum subtracted first so no exponential overflows), and <c>g = softmax − onehot</c>
/// rounded to float32 for the backward pass.
/// </summary>
internal static class Softmax
{
    public static double Loss(ReadOnlySpan<float> logits, int target, Span<float> gradient)
    {
        Span<double> exponentials = stackalloc double[logits.Length];
        double max = logits[0];
        for (var o = 1; o < logits.Length; o++)
        {
            max = Math.Max(max, logits[o]);
        }

        double sum = 0;
        for (var o = 0; o < logits.Length; o++)
        {
            exponentials[o] = Math.Exp(logits[o] - max);
            sum += exponentials[o];
        }

        for (var o = 0; o < gradient.Length; o++)
        {
            gradient[o] = (float)((exponentials[o] / sum) - (o == target ? 1.0 : 0.0));
        }

        return max + Math.Log(sum) - logits[target];
    }
}
