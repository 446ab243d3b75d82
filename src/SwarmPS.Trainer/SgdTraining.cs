using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using SwarmPS.Engine;

namespace SwarmPS.Trainer;

/// <summary>
/// The contract's training: plain SGD on the adapter, batch size 32, step k on the examples
/// <c>(32k + j) mod N</c>, both gradients taken at the step's starting values, then <c>A −= lr·∂A</c>,
/// <c>B −= lr·∂B</c>. One thread, one order: the same job gives the same adapter, bit for bit. Heartbeats go
/// out at step 0, whenever half the interval has passed (so no gap reaches the interval while a step is
/// short), and after the last step.
/// </summary>
internal sealed class SgdTraining(ExampleFeatures features, LoraAdapter adapter, double learningRate, ProgressLines progress, TimeSpan heartbeatInterval)
{
    public const int BatchSize = LoraHeadPass.MaxBatch;

    /// <summary>Runs <paramref name="steps"/> steps; <paramref name="lossBefore"/> is what the step-0 heartbeat reports (no batch has run yet).</summary>
    public void Run(int steps, double lossBefore)
    {
        var pass = new LoraHeadPass(features, adapter);
        var gradA = new float[adapter.A.Length];
        var gradB = new float[adapter.BTransposed.Length];
        var batch = new int[BatchSize];
        var minusRate = (float)-learningRate;
        var clock = Stopwatch.StartNew();
        var sinceBeat = heartbeatInterval / 2;
        progress.Heartbeat(0, lossBefore);
        var lastBeat = clock.Elapsed;
        var loss = lossBefore;
        for (var k = 0; k < steps; k++)
        {
            for (var j = 0; j < BatchSize; j++)
            {
                batch[j] = (int)(((32L * k) + j) % features.Count);
            }

            loss = pass.Gradients(batch, gradA, gradB);
            if (!double.IsFinite(loss))
            {
                throw Diverged(k, learningRate, loss);
            }

            TensorPrimitives.MultiplyAdd(gradA, minusRate, adapter.A, adapter.A);
            TensorPrimitives.MultiplyAdd(gradB, minusRate, adapter.BTransposed, adapter.BTransposed);
            if (k + 1 < steps && clock.Elapsed - lastBeat >= sinceBeat)
            {
                progress.Heartbeat(k + 1, loss);
                lastBeat = clock.Elapsed;
            }
        }

        progress.Heartbeat(steps, loss);
    }

    /// <summary>A step size too large for the data makes the loss overflow; nothing is written, and the fix is a smaller one.</summary>
    public static SwarmException Diverged(int step, double learningRate, double loss) => new(
        "TrainingDiverged",
        string.Create(CultureInfo.InvariantCulture, $"Training diverged at step {step}: with learning rate {learningRate} the loss became {loss}."),
        "Lower the plan's learning_rate (by 10x, say) and train again; no adapter or manifest was written.",
        SwarmErrorCategory.InvalidData);
}
