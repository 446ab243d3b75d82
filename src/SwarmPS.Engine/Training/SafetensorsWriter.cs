using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Training;

/// <summary>
/// Writes safetensors files as the reference writer does: the 8-byte little-endian header length, the
/// header as compact JSON (<c>__metadata__</c> first when given, then each tensor as
/// <c>{"dtype":…,"shape":[…],"data_offsets":[begin,end]}</c> in file order), padded with spaces to a multiple
/// of 8 bytes, then each tensor's bytes streamed in that order. The header is complete before any data is
/// written (every size follows from dtype and shape), so no tensor has to be in memory with another.
/// The file is written to a temporary file in the destination folder, owner-only (0600), and renamed into
/// place when whole (<see cref="AtomicFile"/>): a reader never sees half an adapter.
/// </summary>
public static class SafetensorsWriter
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/>,
    /// replacing any file there. Returns the tensors as the file describes them (offsets included).
    /// </summary>
    /// <param name="durable">Also fsync the file and its folder (for an adapter that is the only copy of a contribution).</param>
    public static IReadOnlyList<TensorDescriptor> Write(
        string path,
        IEnumerable<TensorToWrite> tensors,
        IReadOnlyDictionary<string, string>? metadata = null,
        SafetensorsTensorOrder order = SafetensorsTensorOrder.Reference,
        bool durable = false)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        var ordered = Order(tensors, order, fullPath);
        var header = BuildHeader(ordered, metadata, fullPath);
        var dataStart = SafetensorsHeader.PrefixLength + header.Length;
        var descriptors = new List<TensorDescriptor>(ordered.Count);
        long offset = 0;
        foreach (var tensor in ordered)
        {
            descriptors.Add(new TensorDescriptor(tensor.Name, tensor.DType, tensor.Shape, offset, tensor.ByteCount, dataStart + offset));
            offset += tensor.ByteCount;
        }

        try
        {
            AtomicFile.Write(fullPath, stream =>
            {
                Span<byte> prefix = stackalloc byte[SafetensorsHeader.PrefixLength];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (var tensor in ordered)
                {
                    var data = new TensorDataStream(stream, tensor.ByteCount, written => ByteCountMismatch(fullPath, tensor, written, "more than"));
                    tensor.WriteTo(data);
                    if (data.Written != tensor.ByteCount)
                    {
                        throw ByteCountMismatch(fullPath, tensor, data.Written, "only");
                    }
                }
            }, OwnerOnly.FileMode, durable, bufferSize: 1 << 20);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new SwarmException("SafetensorsWriteFailed",
                $"'{System.IO.Path.GetFileName(fullPath)}' could not be written: {error.Message}",
                "Check that the destination folder exists, that you may write there and that the disk has room; nothing was left at the destination.",
                SwarmErrorCategory.ResourceUnavailable, fullPath, error);
        }

        return descriptors;
    }

    /// <summary>
    /// The header bytes (JSON and padding, without the 8-byte length) for <paramref name="ordered"/> laid out
    /// in that order. Exposed so a test can compare it with the reference's bytes.
    /// </summary>
    public static byte[] BuildHeader(IReadOnlyList<TensorToWrite> ordered, IReadOnlyDictionary<string, string>? metadata, string path)
    {
        var json = new StringBuilder(64 + (ordered.Count * 96));
        json.Append('{');
        var first = true;
        if (metadata is not null)
        {
            json.Append("\"__metadata__\":{");
            var firstKey = true;
            foreach (var key in metadata.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                json.Append(firstKey ? "" : ",");
                AppendString(json, key);
                json.Append(':');
                AppendString(json, metadata[key]);
                firstKey = false;
            }

            json.Append('}');
            first = false;
        }

        long offset = 0;
        foreach (var tensor in ordered)
        {
            json.Append(first ? "" : ",");
            first = false;
            AppendString(json, tensor.Name);
            json.Append(":{\"dtype\":\"").Append(tensor.DType.HeaderName()).Append("\",\"shape\":[");
            json.AppendJoin(',', tensor.Shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
            json.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',');
            offset += tensor.ByteCount;
            json.Append(offset.ToString(CultureInfo.InvariantCulture)).Append("]}");
        }

        json.Append('}');
        byte[] bytes;
        try
        {
            bytes = StrictUtf8.GetBytes(json.ToString());
        }
        catch (EncoderFallbackException)
        {
            throw WriteInvalid(path, "a tensor name or metadata text holds a lone UTF-16 surrogate, which UTF-8 cannot encode.",
                "Use names and metadata that are valid Unicode text.");
        }

        // The reference pads with spaces so the data starts 8-byte aligned (8 + N is a multiple of 8).
        var padded = (bytes.Length + 7) / 8 * 8;
        if (padded > SafetensorsHeader.MaxHeaderLength)
        {
            throw WriteInvalid(path, $"the header would be {padded} bytes, above the format's limit of {SafetensorsHeader.MaxHeaderLength}.",
                "Write fewer tensors per file, or shorter names and metadata.");
        }

        var result = new byte[padded];
        bytes.CopyTo(result, 0);
        result.AsSpan(bytes.Length).Fill((byte)' ');
        return result;
    }

    private static List<TensorToWrite> Order(IEnumerable<TensorToWrite> tensors, SafetensorsTensorOrder order, string path)
    {
        var list = tensors.ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in list)
        {
            if (tensor.Name == "__metadata__")
            {
                throw WriteInvalid(path, "a tensor is named '__metadata__', the key the format reserves for metadata.", "Rename the tensor.");
            }

            if (!names.Add(tensor.Name))
            {
                throw new SwarmException("SafetensorsWriteDuplicateName",
                    $"'{System.IO.Path.GetFileName(path)}' was not written: two tensors are named '{tensor.Name}'.",
                    "Give every tensor its own name.",
                    SwarmErrorCategory.InvalidArgument, path);
            }

            if (tensor.ByteCount < 0)
            {
                throw WriteInvalid(path, $"tensor '{tensor.Name}' has shape [{string.Join(", ", tensor.Shape)}], which has a negative size or a byte count past 64 bits.",
                    "Give every dimension as a non-negative size.");
            }

            if (tensor.HasBuffer && tensor.BufferLength != tensor.ByteCount)
            {
                throw ByteCountMismatch(path, tensor, tensor.BufferLength, "");
            }
        }

        if (order == SafetensorsTensorOrder.Reference)
        {
            list.Sort((a, b) =>
            {
                var byDType = b.DType.ReferenceRank().CompareTo(a.DType.ReferenceRank());
                return byDType != 0 ? byDType : CompareUtf8(a.Name, b.Name);
            });
        }

        return list;
    }

    // Rust orders strings by their UTF-8 bytes, which is code point order; UTF-16 ordinal order differs
    // for characters above the surrogate range, so compare code points.
    private static int CompareUtf8(string a, string b)
    {
        var left = a.EnumerateRunes();
        var right = b.EnumerateRunes();
        while (true)
        {
            var hasLeft = left.MoveNext();
            var hasRight = right.MoveNext();
            if (!hasLeft || !hasRight)
            {
                return hasLeft.CompareTo(hasRight);
            }

            var byRune = left.Current.Value.CompareTo(right.Current.Value);
            if (byRune != 0)
            {
                return byRune;
            }
        }
    }

    // serde_json's escaping: quote, backslash and control characters; everything else as UTF-8.
    private static void AppendString(StringBuilder json, string text)
    {
        json.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case < ' ': json.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: json.Append(c); break;
            }
        }

        json.Append('"');
    }

    private static SwarmException ByteCountMismatch(string path, TensorToWrite tensor, long written, string how) =>
        new SwarmException("SafetensorsWriteByteCountMismatch",
            $"'{System.IO.Path.GetFileName(path)}' was not written: tensor '{tensor.Name}' is {tensor.DType} of shape [{string.Join(", ", tensor.Shape)}], which is {tensor.ByteCount} bytes, but {how} {written} bytes were given for it.".Replace("but  ", "but "),
            "Give exactly element count × element size bytes per tensor (row-major, little-endian); nothing was left at the destination.",
            SwarmErrorCategory.InvalidArgument, path);

    private static SwarmException WriteInvalid(string path, string problem, string remediation) =>
        new SwarmException("SafetensorsWriteInvalid",
            $"'{System.IO.Path.GetFileName(path)}' was not written: {problem}",
            remediation,
            SwarmErrorCategory.InvalidArgument, path);
}
