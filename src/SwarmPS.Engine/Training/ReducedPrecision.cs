using System.Buffers.Binary;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Widening of 16-bit floats to float32. Adapters are often stored as bf16 or f16, but averaging in
/// 16 bits loses most of the update (bf16 keeps 8 significant bits), so inputs are widened once and
/// every sum runs in float32. Both conversions are exact: every bf16 and f16 value is a float32.
/// The bytes are read as little-endian explicitly, as safetensors stores them, whatever the CPU.
/// </summary>
public static class ReducedPrecision
{
    /// <summary>bfloat16 is the top 16 bits of a float32, so widening is a shift.</summary>
    public static void WidenBFloat16(ReadOnlySpan<byte> littleEndianBytes, Span<float> destination)
    {
        CheckLengths(littleEndianBytes, destination);
        for (var i = 0; i < destination.Length; i++)
        {
            uint bits = BinaryPrimitives.ReadUInt16LittleEndian(littleEndianBytes.Slice(2 * i, 2));
            destination[i] = BitConverter.UInt32BitsToSingle(bits << 16);
        }
    }

    /// <summary>IEEE 754 binary16; <see cref="Half"/> converts subnormals, infinities and NaN correctly.</summary>
    public static void WidenFloat16(ReadOnlySpan<byte> littleEndianBytes, Span<float> destination)
    {
        CheckLengths(littleEndianBytes, destination);
        for (var i = 0; i < destination.Length; i++)
        {
            var bits = BinaryPrimitives.ReadUInt16LittleEndian(littleEndianBytes.Slice(2 * i, 2));
            destination[i] = (float)BitConverter.UInt16BitsToHalf(bits);
        }
    }

    internal static int ElementCount(string name, ReadOnlySpan<byte> littleEndianBytes)
    {
        if (littleEndianBytes.Length % 2 != 0)
        {
            throw new SwarmException(
                "AggregationTensorSizeMismatch",
                $"Tensor '{name}' has {littleEndianBytes.Length} bytes of 16-bit values, an odd count.",
                "Pass the tensor's whole data: two bytes per bf16 or f16 value.",
                SwarmErrorCategory.InvalidData,
                name);
        }

        return littleEndianBytes.Length / 2;
    }

    private static void CheckLengths(ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (source.Length != 2 * destination.Length)
        {
            throw new ArgumentException(
                $"{source.Length} bytes of 16-bit values do not fill {destination.Length} floats.", nameof(destination));
        }
    }
}
