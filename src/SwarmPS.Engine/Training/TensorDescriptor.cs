namespace SwarmPS.Engine.Training;

/// <summary>
/// One tensor of a safetensors file as its header describes it, after validation: the byte count equals
/// the element count times the element size, and the offsets lie inside the file's data.
/// </summary>
/// <param name="Name">The tensor's name, the header key (for PEFT: <c>base_model.model.….lora_A.weight</c>).</param>
/// <param name="DType">The element type.</param>
/// <param name="Shape">The dimensions, outermost first; empty for a scalar (one element).</param>
/// <param name="DataBegin">Start of its bytes, relative to the end of the header (the header's <c>data_offsets[0]</c>).</param>
/// <param name="ByteCount">How many bytes it holds (<c>data_offsets[1] - data_offsets[0]</c>).</param>
/// <param name="FileOffset">Start of its bytes from the start of the file (8 + header length + <paramref name="DataBegin"/>).</param>
public sealed record TensorDescriptor(string Name, TensorDType DType, IReadOnlyList<long> Shape, long DataBegin, long ByteCount, long FileOffset)
{
    /// <summary>End of its bytes, relative to the end of the header (the header's <c>data_offsets[1]</c>).</summary>
    public long DataEnd => DataBegin + ByteCount;

    /// <summary>The product of the shape (1 for a scalar, 0 when a dimension is 0).</summary>
    public long ElementCount => ByteCount / DType.ElementSize();

    /// <summary>The shape as PyTorch prints it without the prefix: <c>[8, 4096]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <summary>
    /// Whether the tensor's first byte is aligned to its element size in the file. Mapped views start on a
    /// page boundary, so this is also whether its typed span can be had without a copy. Files written by
    /// the reference writer (and by <see cref="SafetensorsWriter"/> in its default order) are aligned; the
    /// format does not require it.
    /// </summary>
    public bool IsAligned => FileOffset % DType.ElementSize() == 0;

    // Equal by value, shape included: a record compares a list by reference, so the descriptor the writer
    // returns would not equal the one read back from the same file.
    public bool Equals(TensorDescriptor? other) =>
        other is not null && Name == other.Name && DType == other.DType && DataBegin == other.DataBegin
        && ByteCount == other.ByteCount && FileOffset == other.FileOffset && Shape.SequenceEqual(other.Shape);

    public override int GetHashCode() => HashCode.Combine(Name, DType, DataBegin, ByteCount, FileOffset, Shape.Count);

    public override string ToString() => $"{Name} {DType} {ShapeText}";
}
