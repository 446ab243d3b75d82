using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The sha256 of a float32 tensor's data as it would be stored: little-endian bytes, row-major, no
/// header. The same digest Python gets from <c>hashlib.sha256(array.astype('&lt;f4').tobytes())</c>, so
/// a receipt can be checked without SwarmPS.
/// </summary>
public static class TensorDigest
{
    public static string Sha256(ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            return Convert.ToHexString(SHA256.HashData(MemoryMarshal.AsBytes(values))).ToLowerInvariant();
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[4096];
        for (var start = 0; start < values.Length; start += buffer.Length / 4)
        {
            var count = Math.Min(buffer.Length / 4, values.Length - start);
            for (var i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(buffer.Slice(4 * i, 4), values[start + i]);
            }

            hash.AppendData(buffer[..(4 * count)]);
        }

        return Convert.ToHexString(hash.GetHashAndReset()).ToLowerInvariant();
    }
}
