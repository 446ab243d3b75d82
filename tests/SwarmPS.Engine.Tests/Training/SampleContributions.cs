using SwarmPS.Engine.Training;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>Seeded random contributions, so a failure reproduces with the same numbers.</summary>
internal static class SampleContributions
{
    public static float[] Normal(Random random, int count, double scale = 1)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            // Box–Muller: a normal sample from two uniform ones.
            var u1 = 1 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }

        return values;
    }

    /// <summary>K contributions with the same tensors (name → shape), weights 1..K times a factor.</summary>
    public static List<AggregationContribution> Make(int seed, int count, params (string Name, int[] Shape)[] tensors)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(k => new AggregationContribution(
            $"site-{k}",
            weight: 100 * (k + 1) + random.Next(50),
            tensors.Select(t => new AggregationTensor(t.Name, t.Shape, Normal(random, t.Shape.Aggregate(1, (a, b) => a * b)))).ToList(),
            digest: $"{k:x2}{new string('0', 62)}")).ToList();
    }

    public static AggregationContribution With(AggregationContribution contribution, string name, Func<float[], float[]> change) => new(
        contribution.Id,
        contribution.Weight,
        contribution.Tensors.Select(t => t.Name == name ? new AggregationTensor(t.Name, t.Shape, change(t.Data.ToArray())) : t).ToList(),
        contribution.Digest);
}
