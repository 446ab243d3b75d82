using System.Runtime.InteropServices;
using SwarmPS.Engine;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Training;

namespace SwarmPS.Trainer;

/// <summary>
/// The base snapshot's five tensors, row-major float32: drawn from a seed in the contract's order and
/// bounds (<see cref="Generate"/>), or read from a snapshot whose sha256 the job names (<see cref="Load"/>).
/// </summary>
internal sealed class BaseModel
{
    private BaseModel()
    {
    }

    /// <summary>[V, D]</summary>
    public float[] Embed { get; } = new float[ModelShape.Vocabulary * ModelShape.Embedding];

    /// <summary>[H, 3D]</summary>
    public float[] HiddenWeight { get; } = new float[ModelShape.Hidden * ModelShape.Input];

    /// <summary>[H]</summary>
    public float[] HiddenBias { get; } = new float[ModelShape.Hidden];

    /// <summary>[V, H]</summary>
    public float[] HeadWeight { get; } = new float[ModelShape.Vocabulary * ModelShape.Hidden];

    /// <summary>[V]</summary>
    public float[] HeadBias { get; } = new float[ModelShape.Vocabulary];

    /// <summary>The tensors in the contract's table order, with their shapes.</summary>
    private IEnumerable<(string Name, long[] Shape, float[] Values)> Tensors()
    {
        yield return (ModelShape.EmbedWeight, [ModelShape.Vocabulary, ModelShape.Embedding], Embed);
        yield return (ModelShape.HiddenWeight, [ModelShape.Hidden, ModelShape.Input], HiddenWeight);
        yield return (ModelShape.HiddenBias, [ModelShape.Hidden], HiddenBias);
        yield return (ModelShape.HeadWeight, [ModelShape.Vocabulary, ModelShape.Hidden], HeadWeight);
        yield return (ModelShape.HeadBias, [ModelShape.Vocabulary], HeadBias);
    }

    /// <summary>One generator fills the tensors in table order; lm_head.bias stays zero and takes no draws.</summary>
    public static BaseModel Generate(ulong seed)
    {
        var model = new BaseModel();
        var random = new SplitMix64(seed);
        random.Fill(model.Embed, 1.0);
        random.Fill(model.HiddenWeight, 1.0 / Math.Sqrt(ModelShape.Input));
        random.Fill(model.HiddenBias, 1.0 / Math.Sqrt(ModelShape.Input));
        random.Fill(model.HeadWeight, 1.0 / Math.Sqrt(ModelShape.Hidden));
        return model;
    }

    public IEnumerable<TensorToWrite> ToWrite() =>
        Tensors().Select(t => new TensorToWrite(t.Name, TensorDType.F32, t.Shape, MemoryMarshal.AsBytes(t.Values.AsSpan()).ToArray()));

    /// <summary>
    /// Reads the snapshot at <paramref name="path"/> after checking that its bytes are <paramref name="digest"/>:
    /// a trainer that trained from another base would make a contribution nobody can merge.
    /// </summary>
    public static BaseModel Load(string path, string digest)
    {
        if (!File.Exists(path))
        {
            throw TrainerErrors.InputNotFound("base snapshot", path);
        }

        string actual;
        using (var stream = File.OpenRead(path))
        {
            actual = BlobDigest.Of(stream).ToString();
        }

        if (actual != digest)
        {
            throw new SwarmException("BaseSnapshotMismatch",
                $"The base snapshot '{path}' is {actual}, not the {digest} the job names.",
                "Fetch the plan's base snapshot again (or write it with a base job of the plan's base_seed) and compare its sha256 before training.",
                SwarmErrorCategory.InvalidData, path);
        }

        using var file = SafetensorsFile.Open(path);
        var model = new BaseModel();
        var expected = model.Tensors().Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        if (file.Tensors.FirstOrDefault(t => !expected.Contains(t.Name)) is { } stray)
        {
            throw Invalid(path, $"it holds '{stray.Name}', which is not a tensor of {ModelShape.ModelName}");
        }

        foreach (var (name, shape, values) in model.Tensors())
        {
            if (!file.TryGetTensor(name, out var tensor))
            {
                throw Invalid(path, $"it has no tensor '{name}'");
            }

            if (tensor.DType != TensorDType.F32 || !tensor.Shape.SequenceEqual(shape))
            {
                throw Invalid(path, $"'{name}' is {tensor.DType.HeaderName()} {tensor.ShapeText}; the model's is F32 [{string.Join(", ", shape)}]");
            }

            file.GetValues<float>(tensor).CopyTo(values);
        }

        return model;
    }

    private static SwarmException Invalid(string path, string problem) => new(
        "BaseSnapshotInvalid",
        $"The base snapshot '{path}' is not a {ModelShape.ModelName} base: {problem}.",
        "Write the base snapshot with the trainer's base mode (or the plan's tooling) instead of editing it; its digest must then be the plan's.",
        SwarmErrorCategory.InvalidData,
        path);
}
