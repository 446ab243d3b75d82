namespace SwarmPS.Engine.Training;

/// <summary>
/// The tensors a base snapshot of the tiny model holds (docs/trainer-contract.md, "Base parameters"): the
/// five F32 tensors every trainer of the contract reads. The dotnet.cpu trainer keeps its own copy (its
/// ModelShape, internal to it); an engine test checks the base that trainer writes against this one.
/// </summary>
public static class BaseSnapshotLayout
{
    /// <summary>The target module the contract defines; a plan training another module is not checked against this layout.</summary>
    public const string TargetModule = "lm_head";

    public static IReadOnlyList<(string Name, long[] Shape)> Tensors { get; } = new (string, long[])[]
    {
        ("embed.weight", new long[] { 32, 32 }),
        ("hidden.weight", new long[] { 128, 96 }),
        ("hidden.bias", new long[] { 128 }),
        ("lm_head.weight", new long[] { 32, 128 }),
        ("lm_head.bias", new long[] { 32 }),
    };

    /// <summary>What differs between <paramref name="file"/> and the layout, one sentence each; empty when it is the layout.</summary>
    public static IReadOnlyList<string> Differences(SafetensorsFile file)
    {
        var differences = new List<string>();
        foreach (var (name, shape) in Tensors)
        {
            if (!file.TryGetTensor(name, out var tensor))
            {
                differences.Add($"it has no tensor '{name}'");
            }
            else if (tensor.DType != TensorDType.F32 || !tensor.Shape.SequenceEqual(shape))
            {
                differences.Add($"'{name}' is {tensor.DType} {tensor.ShapeText}, not F32 [{string.Join(", ", shape)}]");
            }
        }

        var extra = file.Tensors.Select(t => t.Name).Where(name => Tensors.All(t => t.Name != name)).ToList();
        if (extra.Count > 0)
        {
            differences.Add($"it holds tensors the model does not have ({string.Join(", ", extra.Take(5))}{(extra.Count > 5 ? ", ..." : "")})");
        }

        return differences;
    }
}
