namespace SwarmPS.Engine.Training;

/// <summary>What each <see cref="TensorDType"/> means on disk: its size, its name in the header, its write order.</summary>
public static class TensorDTypes
{
    /// <summary>The bytes one element takes (BOOL is one byte, 0 or 1, as numpy and torch store it).</summary>
    public static int ElementSize(this TensorDType dtype) => dtype switch
    {
        TensorDType.BOOL or TensorDType.U8 or TensorDType.I8 => 1,
        TensorDType.F16 or TensorDType.BF16 => 2,
        TensorDType.I32 or TensorDType.F32 => 4,
        TensorDType.F64 or TensorDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a safetensors dtype SwarmPS knows"),
    };

    /// <summary>The name in the header's <c>dtype</c> field: the enum's own name, upper case.</summary>
    public static string HeaderName(this TensorDType dtype) => dtype.ToString();

    /// <summary>
    /// The dtype a header name stands for. Exact and case-sensitive, as the reference reader is: <c>"f32"</c>
    /// is not a dtype there, so it is not one here either (a file another tool cannot read is not an adapter).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Name, out TensorDType dtype)
    {
        switch (utf8Name)
        {
            case var n when n.SequenceEqual("BOOL"u8): dtype = TensorDType.BOOL; return true;
            case var n when n.SequenceEqual("U8"u8): dtype = TensorDType.U8; return true;
            case var n when n.SequenceEqual("I8"u8): dtype = TensorDType.I8; return true;
            case var n when n.SequenceEqual("F16"u8): dtype = TensorDType.F16; return true;
            case var n when n.SequenceEqual("BF16"u8): dtype = TensorDType.BF16; return true;
            case var n when n.SequenceEqual("I32"u8): dtype = TensorDType.I32; return true;
            case var n when n.SequenceEqual("F32"u8): dtype = TensorDType.F32; return true;
            case var n when n.SequenceEqual("F64"u8): dtype = TensorDType.F64; return true;
            case var n when n.SequenceEqual("I64"u8): dtype = TensorDType.I64; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>
    /// The position the reference writer gives the dtype when it orders tensors: it sorts by its own
    /// <c>Dtype</c> enum, descending, whose declaration order is BOOL, U8, I8, (F8s, I16, U16), F16, BF16,
    /// I32, (U32), F32, (C64), F64, I64, (U64). Descending puts the widest alignment first, so every
    /// tensor of a file written that way starts aligned to its element size. This enum is declared in
    /// the same relative order, so its value is that rank.
    /// </summary>
    internal static int ReferenceRank(this TensorDType dtype) => (int)dtype;
}
