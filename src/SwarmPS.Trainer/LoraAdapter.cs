using System.Globalization;
using System.Runtime.InteropServices;
using SwarmPS.Engine;
using SwarmPS.Engine.Training;

namespace SwarmPS.Trainer;

/// <summary>
/// The LoRA pair on the LM head: A [r, H] and B [V, r], the update <c>s·B·A</c> with <c>s = alpha / r</c>.
/// B is kept transposed ([r, V]) because every product with it is then an axpy over a contiguous row.
/// </summary>
internal sealed class LoraAdapter
{
    private LoraAdapter(int rank, double alpha)
    {
        Rank = rank;
        Alpha = alpha;
        A = new float[rank * ModelShape.Hidden];
        BTransposed = new float[rank * ModelShape.Vocabulary];
    }

    public int Rank { get; }

    public double Alpha { get; }

    public double Scale => Alpha / Rank;

    /// <summary>[r, H] row-major.</summary>
    public float[] A { get; }

    /// <summary>Bᵀ: [r, V] row-major.</summary>
    public float[] BTransposed { get; }

    /// <summary>The contract's initial values: A drawn row-major from the seed with bound 1/√H, B zeros (so the model starts as the base).</summary>
    public static LoraAdapter Initial(int rank, double alpha, ulong seed)
    {
        var adapter = new LoraAdapter(rank, alpha);
        new SplitMix64(seed).Fill(adapter.A, 1.0 / Math.Sqrt(ModelShape.Hidden));
        return adapter;
    }

    /// <summary>B [V, r] row-major, as the file stores it.</summary>
    public float[] B() => DeterministicKernels.Transpose(BTransposed, Rank, ModelShape.Vocabulary);

    public bool IsFinite() => A.All(float.IsFinite) && BTransposed.All(float.IsFinite);

    public IEnumerable<TensorToWrite> ToWrite() =>
    [
        new(ModelShape.LoraA, TensorDType.F32, [Rank, ModelShape.Hidden], MemoryMarshal.AsBytes(A.AsSpan()).ToArray()),
        new(ModelShape.LoraB, TensorDType.F32, [ModelShape.Vocabulary, Rank], MemoryMarshal.AsBytes(B().AsSpan()).ToArray()),
    ];

    /// <summary>The alpha as the adapter's <c>lora_alpha</c> metadata spells it: the shortest text that reads back as the same double.</summary>
    public string AlphaText => Alpha.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Reads an adapter to evaluate: exactly the two factors, F32, of the contract's rank.</summary>
    public static LoraAdapter Load(string path, int rank, double alpha)
    {
        if (!File.Exists(path))
        {
            throw TrainerErrors.InputNotFound("adapter", path);
        }

        using var file = SafetensorsFile.Open(path);
        var adapter = new LoraAdapter(rank, alpha);
        if (file.Tensors.FirstOrDefault(t => t.Name is not (ModelShape.LoraA or ModelShape.LoraB)) is { } stray)
        {
            throw Invalid(path, $"it holds '{stray.Name}', which is not a factor of the lm_head LoRA pair");
        }

        // The scale s = alpha / r is the job's; an adapter that says it was trained with another alpha would be
        // evaluated as a different model than the one it is.
        if (file.Metadata.TryGetValue("lora_alpha", out var stated)
            && !(double.TryParse(stated, NumberStyles.Float, CultureInfo.InvariantCulture, out var statedAlpha) && statedAlpha == alpha))
        {
            throw Invalid(path, $"its metadata says lora_alpha '{stated}', the contract's alpha is {alpha.ToString("R", CultureInfo.InvariantCulture)}");
        }

        var b = new float[ModelShape.Vocabulary * rank];
        foreach (var (name, shape, values) in new (string, long[], float[])[]
                 {
                     (ModelShape.LoraA, [rank, ModelShape.Hidden], adapter.A),
                     (ModelShape.LoraB, [ModelShape.Vocabulary, rank], b),
                 })
        {
            if (!file.TryGetTensor(name, out var tensor))
            {
                throw Invalid(path, $"it has no tensor '{name}'");
            }

            if (tensor.DType != TensorDType.F32 || !tensor.Shape.SequenceEqual(shape))
            {
                throw Invalid(path, $"'{name}' is {tensor.DType.HeaderName()} {tensor.ShapeText}; the contract's is F32 [{string.Join(", ", shape)}]");
            }

            file.GetValues<float>(tensor).CopyTo(values);
        }

        DeterministicKernels.Transpose(b, ModelShape.Vocabulary, rank).CopyTo(adapter.BTransposed, 0);
        return adapter;
    }

    private static SwarmException Invalid(string path, string problem) => new(
        "TrainerAdapterInvalid",
        $"The adapter '{path}' does not fit the job's adapter contract: {problem}.",
        "Evaluate an adapter trained under the same contract (target_modules, rank, alpha, dtype) as the job states.",
        SwarmErrorCategory.InvalidData,
        path);
}
