using System.Buffers.Binary;
using System.Text;

namespace SwarmPS.Engine.Tests.Training;

/// <summary>Builds safetensors bytes by hand (prefix, header text, data), for files no writer would make.</summary>
internal static class SafetensorsFiles
{
    public static byte[] Build(string header, byte[]? data = null, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + (data?.Length ?? 0)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data?.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    public static byte[] Zeros(int count) => new byte[count];
}
