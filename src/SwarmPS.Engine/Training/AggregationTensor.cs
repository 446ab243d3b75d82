namespace SwarmPS.Engine.Training;

/// <summary>
/// One named float32 tensor as the aggregation methods see it: a name, a shape (row-major) and the
/// values. Aggregation works on memory, not on files, so it does not depend on how an adapter is
/// stored; reduced-precision inputs are widened once on the way in (<see cref="FromBFloat16"/>,
/// <see cref="FromFloat16"/>) so every sum is accumulated in float32 or wider.
/// </summary>
public sealed class AggregationTensor
{
    public AggregationTensor(string name, IReadOnlyList<int> shape, ReadOnlyMemory<float> data)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new SwarmException(
                "AggregationTensorNameMissing",
                "A tensor given to aggregation has no name.",
                "Name every tensor as the adapter file does (for example 'base_model.model.q_proj.lora_A.weight').",
                SwarmErrorCategory.InvalidArgument);
        }

        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (var dimension in shape)
        {
            if (dimension < 0)
            {
                throw new SwarmException(
                    "AggregationTensorSizeMismatch",
                    $"Tensor '{name}' has the shape {FormatShape(shape)}, which has a negative dimension.",
                    "Give every dimension as a count of zero or more.",
                    SwarmErrorCategory.InvalidData,
                    name);
            }

            count *= dimension;
        }

        if (count != data.Length)
        {
            throw new SwarmException(
                "AggregationTensorSizeMismatch",
                $"Tensor '{name}' has the shape {FormatShape(shape)} ({count} values) but holds {data.Length} values.",
                "Pass the values the shape describes: the product of the dimensions, in row-major order.",
                SwarmErrorCategory.InvalidData,
                name);
        }

        Name = name;
        Shape = shape.ToArray();
        Data = data;
    }

    public string Name { get; }

    public IReadOnlyList<int> Shape { get; }

    public ReadOnlyMemory<float> Data { get; }

    public int ElementCount => Data.Length;

    /// <summary>Widens raw little-endian bfloat16 bytes (the top half of a float32) to float32.</summary>
    public static AggregationTensor FromBFloat16(string name, IReadOnlyList<int> shape, ReadOnlySpan<byte> littleEndianBytes)
    {
        var values = new float[ReducedPrecision.ElementCount(name, littleEndianBytes)];
        ReducedPrecision.WidenBFloat16(littleEndianBytes, values);
        return new AggregationTensor(name, shape, values);
    }

    /// <summary>Widens raw little-endian IEEE 754 half-precision bytes to float32.</summary>
    public static AggregationTensor FromFloat16(string name, IReadOnlyList<int> shape, ReadOnlySpan<byte> littleEndianBytes)
    {
        var values = new float[ReducedPrecision.ElementCount(name, littleEndianBytes)];
        ReducedPrecision.WidenFloat16(littleEndianBytes, values);
        return new AggregationTensor(name, shape, values);
    }

    internal static string FormatShape(IReadOnlyList<int> shape) => "[" + string.Join(", ", shape) + "]";

    public override string ToString() => $"{Name} {FormatShape(Shape)}";
}
