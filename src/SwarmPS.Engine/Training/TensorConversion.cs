using System.Buffers.Binary;

namespace SwarmPS.Engine.Training;

/// <summary>
/// A tensor's elements widened to float32, whatever its dtype: the form validation (NaN/Inf, norms) and
/// aggregation accumulate in, so F16 and BF16 contributions are summed in float32 rather than in their own
/// precision. Reads the file's bytes directly (little-endian, any alignment), so it needs no typed span and
/// never copies the source; the caller owns the destination and can reuse it across tensors.
/// </summary>
public static class TensorConversion
{
    /// <summary>
    /// Writes the tensor's <see cref="TensorDescriptor.ElementCount"/> elements, as float32, into
    /// <paramref name="destination"/> (which must hold at least that many). F64 and the 64- and 32-bit
    /// integers round to the nearest float32; BOOL is 0 or 1 (any non-zero byte is 1).
    /// </summary>
    public static void ToSingle(SafetensorsFile file, TensorDescriptor tensor, Span<float> destination)
    {
        var bytes = file.GetBytes(tensor);
        var count = checked((int)tensor.ElementCount);
        if (destination.Length < count)
        {
            throw new ArgumentException($"The destination holds {destination.Length} floats; tensor '{tensor.Name}' has {count}.", nameof(destination));
        }

        var output = destination[..count];
        switch (tensor.DType)
        {
            case TensorDType.F32:
                for (var i = 0; i < count; i++)
                {
                    output[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * 4)..]);
                }

                break;
            case TensorDType.F16:
                for (var i = 0; i < count; i++)
                {
                    output[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(i * 2)..]);
                }

                break;
            case TensorDType.BF16:
                // bfloat16 is the upper half of a float32: shifting its bits back is exact.
                for (var i = 0; i < count; i++)
                {
                    output[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(i * 2)..]) << 16);
                }

                break;
            case TensorDType.F64:
                for (var i = 0; i < count; i++)
                {
                    output[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(i * 8)..]);
                }

                break;
            case TensorDType.I64:
                for (var i = 0; i < count; i++)
                {
                    output[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * 8)..]);
                }

                break;
            case TensorDType.I32:
                for (var i = 0; i < count; i++)
                {
                    output[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]);
                }

                break;
            case TensorDType.I8:
                for (var i = 0; i < count; i++)
                {
                    output[i] = (sbyte)bytes[i];
                }

                break;
            case TensorDType.U8:
                for (var i = 0; i < count; i++)
                {
                    output[i] = bytes[i];
                }

                break;
            case TensorDType.BOOL:
                for (var i = 0; i < count; i++)
                {
                    output[i] = bytes[i] != 0 ? 1f : 0f;
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(tensor), tensor.DType, "not a dtype SwarmPS reads");
        }
    }
}
