using System.Numerics.Tensors;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The weighted sum at the heart of FedAvg: <c>destination = Σ_k weight_k · input_k</c>, in float32.
///
/// Why it is shaped like this: the sum is memory-bound (two flops per value read), so the only thing
/// that matters is touching main memory as little as possible. A pass per contribution would read and
/// write the whole output K times; instead the output is cut into chunks small enough to stay in the
/// L1/L2 cache (<see cref="ChunkElements"/> floats = 32 KiB), and each chunk takes all K contributions
/// before the next chunk starts. Main memory then sees each input read once and the output written once,
/// the minimum. Each step is a vectorized <see cref="TensorPrimitives"/> kernel (AVX2 or AVX-512 where
/// the CPU has it). Chunks are independent, so they run in parallel: one core rarely saturates the
/// memory bus.
///
/// Non-finite values are found from the output, not by a separate pass over the inputs: with positive
/// weights a NaN or infinity in any input makes the output non-finite, and the output chunk is still in
/// cache when it is checked. The caller re-reads the inputs of a bad chunk only to name the culprit.
/// </summary>
public static class FedAvgKernel
{
    /// <summary>Floats per chunk: 32 KiB, which an L1 data cache (32–48 KiB) or any L2 holds.</summary>
    public const int ChunkElements = 8192;

    /// <summary>
    /// Writes the weighted sum of <paramref name="inputs"/> into <paramref name="destination"/> and
    /// returns the index of the first value that came out NaN or infinite, or -1. The weights are used
    /// as given (FedAvg passes them normalized to sum to one).
    /// </summary>
    public static long WeightedSum(
        IReadOnlyList<ReadOnlyMemory<float>> inputs,
        ReadOnlySpan<float> weights,
        Memory<float> destination,
        int maxDegreeOfParallelism = -1,
        CancellationToken cancellationToken = default)
    {
        var job = new WeightedSumJob(inputs.ToArray(), destination);
        var bad = Run([job], weights.ToArray(), maxDegreeOfParallelism, cancellationToken);
        return bad.Job < 0 ? -1 : bad.Start + FirstNonFinite(destination.Span.Slice(bad.Start, bad.Length));
    }

    /// <summary>One output tensor and the K inputs that sum into it.</summary>
    internal readonly record struct WeightedSumJob(ReadOnlyMemory<float>[] Inputs, Memory<float> Destination);

    /// <summary>Where a chunk that came out non-finite lies: the job, and the chunk's range in it.</summary>
    internal readonly record struct BadChunk(int Job, int Start, int Length)
    {
        public static readonly BadChunk None = new(-1, 0, 0);
    }

    /// <summary>
    /// Runs every chunk of every job; returns the first chunk (in job, then position order) whose output
    /// is not finite, so the refusal that follows names the same value whatever the thread timing.
    /// </summary>
    internal static BadChunk Run(
        IReadOnlyList<WeightedSumJob> jobs, float[] weights, int maxDegreeOfParallelism, CancellationToken cancellationToken)
    {
        // Chunks are numbered across all jobs, so small tensors (biases, norms) and large ones share
        // one parallel loop instead of a loop per tensor.
        var firstChunk = new long[jobs.Count + 1];
        for (var j = 0; j < jobs.Count; j++)
        {
            var length = jobs[j].Destination.Length;
            foreach (var input in jobs[j].Inputs)
            {
                if (input.Length != length)
                {
                    throw new ArgumentException($"An input holds {input.Length} values; the destination holds {length}.", nameof(jobs));
                }
            }

            if (jobs[j].Inputs.Length != weights.Length)
            {
                throw new ArgumentException($"{jobs[j].Inputs.Length} inputs but {weights.Length} weights.", nameof(weights));
            }

            firstChunk[j + 1] = firstChunk[j] + (length + ChunkElements - 1) / ChunkElements;
        }

        var totalChunks = firstChunk[^1];
        long firstBad = FirstIndex.None;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        Parallel.For(0L, totalChunks, options, chunk =>
        {
            var j = JobOf(firstChunk, chunk);
            var start = (int)((chunk - firstChunk[j]) * ChunkElements);
            var job = jobs[j];
            var length = Math.Min(ChunkElements, job.Destination.Length - start);
            var output = job.Destination.Span.Slice(start, length);
            if (!SumChunk(job.Inputs, weights, start, output))
            {
                FirstIndex.Offer(ref firstBad, chunk);
            }
        });

        if (firstBad == FirstIndex.None)
        {
            return BadChunk.None;
        }

        var badJob = JobOf(firstChunk, firstBad);
        var badStart = (int)((firstBad - firstChunk[badJob]) * ChunkElements);
        return new BadChunk(badJob, badStart, Math.Min(ChunkElements, jobs[badJob].Destination.Length - badStart));
    }

    /// <summary>One chunk: K multiply-adds into a cache-resident output; true when all of it is finite.</summary>
    private static bool SumChunk(ReadOnlyMemory<float>[] inputs, float[] weights, int start, Span<float> output)
    {
        TensorPrimitives.Multiply(inputs[0].Span.Slice(start, output.Length), weights[0], output);
        for (var k = 1; k < inputs.Length; k++)
        {
            // In place: addend and destination are the same span, which TensorPrimitives allows.
            TensorPrimitives.MultiplyAdd(inputs[k].Span.Slice(start, output.Length), weights[k], output, output);
        }

        // MaxMagnitude is NaN if any value is NaN and infinite if any is infinite: one vectorized scan.
        return output.IsEmpty || float.IsFinite(TensorPrimitives.MaxMagnitude(output));
    }

    private static int JobOf(long[] firstChunk, long chunk)
    {
        // firstChunk is ascending; the job is the last one starting at or before the chunk. Empty
        // tensors own no chunk, so ties are skipped by taking the last match.
        var index = Array.BinarySearch(firstChunk, chunk);
        if (index < 0)
        {
            return ~index - 1;
        }

        while (index + 1 < firstChunk.Length - 1 && firstChunk[index + 1] == chunk)
        {
            index++;
        }

        return index;
    }

    private static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return 0;
    }
}
