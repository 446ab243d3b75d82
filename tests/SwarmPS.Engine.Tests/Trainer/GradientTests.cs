using SwarmPS.Trainer;

namespace SwarmPS.Engine.Tests.Trainer;

/// <summary>
/// The trainer's analytic gradients of the batch-mean loss with respect to A and B, against central finite
/// differences of the same loss computed here in double from the contract's formulas (not from the trainer's
/// kernels), at a point where both factors are non-zero so neither gradient is trivially zero.
/// </summary>
public sealed class GradientTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-gradients-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_gradients_of_A_and_B_match_finite_differences_in_double()
    {
        var data = Path.Combine(_directory, "data.txt");
        File.WriteAllText(data, "the cat sat on the mat.\nit's a dog, not a cat.\n");
        var model = BaseModel.Generate(3);
        var features = ExampleFeatures.Compute(model, ExampleSet.Read(data));
        const int rank = 3;
        const double alpha = 6;
        var adapter = LoraAdapter.Initial(rank, alpha, 11);
        new SplitMix64(12).Fill(adapter.BTransposed, 0.5);
        var batch = Enumerable.Range(0, 32).Select(j => (5 + j) % features.Count).ToArray();

        var gradA = new float[adapter.A.Length];
        var gradB = new float[adapter.BTransposed.Length];
        var loss = new LoraHeadPass(features, adapter).Gradients(batch, gradA, gradB);

        var a = adapter.A.Select(v => (double)v).ToArray();
        var bT = adapter.BTransposed.Select(v => (double)v).ToArray();
        Assert.Equal(MeanLoss(model, features, batch, a, bT, rank, alpha / rank), loss, 5);
        const double h = 1e-5;
        var worst = 0.0;
        for (var index = 0; index < a.Length + bT.Length; index++)
        {
            var values = index < a.Length ? a : bT;
            var at = index < a.Length ? index : index - a.Length;
            var saved = values[at];
            values[at] = saved + h;
            var up = MeanLoss(model, features, batch, a, bT, rank, alpha / rank);
            values[at] = saved - h;
            var down = MeanLoss(model, features, batch, a, bT, rank, alpha / rank);
            values[at] = saved;
            var numeric = (up - down) / (2 * h);
            var analytic = index < a.Length ? gradA[at] : gradB[at];
            var error = Math.Abs(analytic - numeric) / (1e-4 + Math.Abs(numeric));
            worst = Math.Max(worst, error);
            Assert.True(error < 1e-3, $"{(index < a.Length ? "A" : "Bᵀ")}[{at}]: analytic {analytic:G9}, finite difference {numeric:G9}");
        }

        Assert.True(gradA.Any(v => Math.Abs(v) > 1e-4) && gradB.Any(v => Math.Abs(v) > 1e-4), "both gradients should be far from zero at this point");
        Assert.True(worst < 1e-3, $"worst relative error {worst:G3}");
    }

    /// <summary>The contract's loss in double: logits = (W + s·B·A)·h + bias, mean of logsumexp − logit[target].</summary>
    private static double MeanLoss(BaseModel model, ExampleFeatures features, int[] batch, double[] a, double[] bT, int rank, double scale)
    {
        const int vocabulary = 32, hidden = 128;
        double total = 0;
        foreach (var e in batch)
        {
            var hv = features.HiddenOf(e).ToArray();
            var logits = new double[vocabulary];
            for (var o = 0; o < vocabulary; o++)
            {
                double sum = model.HeadBias[o];
                for (var k = 0; k < hidden; k++)
                {
                    double ba = 0;
                    for (var i = 0; i < rank; i++)
                    {
                        ba += bT[(i * vocabulary) + o] * a[(i * hidden) + k];
                    }

                    sum += (model.HeadWeight[(o * hidden) + k] + (scale * ba)) * hv[k];
                }

                logits[o] = sum;
            }

            var max = logits.Max();
            total += max + Math.Log(logits.Sum(z => Math.Exp(z - max))) - logits[features.Targets[e]];
        }

        return total / batch.Length;
    }
}
