using System.Text.Json;
using System.Text.Unicode;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The parsed, validated header of a safetensors file: its tensors in the order of their bytes, and its
/// <c>__metadata__</c>. The format (huggingface/safetensors, README and <c>tensor.rs</c>): 8 bytes, a
/// little-endian u64 N; N bytes of UTF-8 JSON, one object whose keys are tensor names and
/// <c>__metadata__</c>, possibly padded with trailing spaces; then the data, which the tensors' offsets
/// (relative to the end of the header) must cover exactly, without holes or overlaps.
/// </summary>
/// <remarks>
/// The JSON is read token by token (<see cref="Utf8JsonReader"/> over the bytes as they lie in the file), so
/// what is allocated is proportional to what the header really holds, never to a size a field claims.
/// Key order in the JSON does not matter: the reference reader sorts by offsets (older writers ordered by
/// name), and so does this one. Unknown fields inside a tensor entry are skipped, as serde does.
/// </remarks>
public sealed class SafetensorsHeader
{
    /// <summary>The reference's limit on N (<c>MAX_HEADER_SIZE</c>, 100,000,000 bytes).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>The length prefix: a little-endian u64.</summary>
    public const int PrefixLength = 8;

    private SafetensorsHeader(long headerLength, IReadOnlyList<TensorDescriptor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        HeaderLength = headerLength;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>N: the JSON's length in bytes, padding included. The data starts at 8 + N.</summary>
    public long HeaderLength { get; }

    /// <summary>The tensors in the order of their bytes in the file.</summary>
    public IReadOnlyList<TensorDescriptor> Tensors { get; }

    /// <summary>The <c>__metadata__</c> map (empty when the file has none), keys in ordinal order.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The data's length: the file's length less the prefix and the header.</summary>
    public long DataLength => Tensors.Count == 0 ? 0 : Tensors[^1].DataEnd;

    /// <summary>
    /// Reads N from the first 8 bytes of a file of <paramref name="fileLength"/> bytes and checks it fits;
    /// the caller then hands the N bytes to <see cref="Parse"/>.
    /// </summary>
    public static long ReadHeaderLength(ReadOnlySpan<byte> prefix, long fileLength, string path)
    {
        if (fileLength < PrefixLength || prefix.Length < PrefixLength)
        {
            throw SafetensorsRefusal.Refuse("SafetensorsFileTooShort", path,
                $"it is {fileLength} bytes long, shorter than the 8-byte header length every safetensors file starts with.",
                SafetensorsRefusal.Rewrite);
        }

        var n = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderLength)
        {
            throw SafetensorsRefusal.Refuse("SafetensorsHeaderTooLarge", path,
                $"its first 8 bytes give a header of {n} bytes, above the format's limit of {MaxHeaderLength} bytes (100 MB).",
                SafetensorsRefusal.Rewrite);
        }

        if ((long)n > fileLength - PrefixLength)
        {
            throw SafetensorsRefusal.Refuse("SafetensorsHeaderPastEnd", path,
                $"its first 8 bytes give a header of {n} bytes, but only {fileLength - PrefixLength} bytes follow them (the file is truncated, or is not safetensors).",
                SafetensorsRefusal.Rewrite);
        }

        return (long)n;
    }

    /// <summary>
    /// Parses and validates the header JSON <paramref name="json"/> (N bytes) of a file whose data, after
    /// the header, is <paramref name="dataLength"/> bytes. Every refusal is a <see cref="SwarmException"/>
    /// naming <paramref name="path"/>.
    /// </summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string path)
    {
        if (!Utf8.IsValid(json))
        {
            throw SafetensorsRefusal.Refuse("SafetensorsHeaderNotJson", path,
                "its header is not UTF-8 text.", SafetensorsRefusal.Rewrite);
        }

        List<ParsedTensor> parsed;
        Dictionary<string, string> metadata;
        try
        {
            (parsed, metadata) = ReadObject(json, path);
        }
        catch (JsonException error)
        {
            throw SafetensorsRefusal.Refuse("SafetensorsHeaderNotJson", path,
                $"its header is not valid JSON ({error.Message.Split(" Path:")[0].TrimEnd('.')}, at byte {error.BytePositionInLine}).",
                SafetensorsRefusal.Rewrite);
        }

        var dataStart = PrefixLength + (long)json.Length;
        return new SafetensorsHeader(json.Length, Validate(parsed, dataLength, dataStart, path), SortedMetadata(metadata));
    }

    private static (List<ParsedTensor>, Dictionary<string, string>) ReadObject(ReadOnlySpan<byte> json, string path)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read())
        {
            throw SafetensorsRefusal.Refuse("SafetensorsHeaderNotJson", path, "its header is empty.", SafetensorsRefusal.Rewrite);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw SafetensorsRefusal.Refuse("SafetensorsHeaderNotObject", path,
                $"its header is a JSON {Describe(reader.TokenType)}, not an object of tensor names.",
                SafetensorsRefusal.Rewrite);
        }

        var tensors = new List<ParsedTensor>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            if (!names.Add(name))
            {
                throw SafetensorsRefusal.Refuse("SafetensorsDuplicateName", path,
                    $"the header names '{Shorten(name)}' twice, so which bytes are that tensor is ambiguous.",
                    SafetensorsRefusal.Rewrite);
            }

            reader.Read();
            if (name == "__metadata__")
            {
                ReadMetadata(ref reader, metadata, path);
            }
            else
            {
                tensors.Add(ReadTensor(ref reader, name, path));
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("the header object is not closed");
        }

        // Only the padding (spaces, or any JSON whitespace) may follow the object: Read throws on more.
        if (reader.Read())
        {
            throw new JsonException("more JSON follows the header object");
        }

        return (tensors, metadata);
    }

    private static void ReadMetadata(ref Utf8JsonReader reader, Dictionary<string, string> metadata, string path)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw SafetensorsRefusal.Refuse("SafetensorsMetadataInvalid", path,
                $"its __metadata__ is a JSON {Describe(reader.TokenType)}; the format allows only an object of strings.",
                "Write __metadata__ as a map of string keys to string values (numbers and lists as their JSON text).");
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
            {
                throw SafetensorsRefusal.Refuse("SafetensorsMetadataInvalid", path,
                    $"its __metadata__ value of '{Shorten(key)}' is a JSON {Describe(reader.TokenType)}, not a string.",
                    "Write __metadata__ as a map of string keys to string values (numbers and lists as their JSON text).");
            }

            if (!metadata.TryAdd(key, reader.GetString()!))
            {
                throw SafetensorsRefusal.Refuse("SafetensorsMetadataInvalid", path,
                    $"its __metadata__ names '{Shorten(key)}' twice.",
                    "Keep one value per __metadata__ key.");
            }
        }
    }

    private static ParsedTensor ReadTensor(ref Utf8JsonReader reader, string name, string path)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw TensorInvalid(path, name, $"its entry is a JSON {Describe(reader.TokenType)}, not an object with dtype, shape and data_offsets");
        }

        TensorDType? dtype = null;
        long[]? shape = null;
        (long Begin, long End)? offsets = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("dtype"u8))
            {
                reader.Read();
                if (dtype is not null || reader.TokenType != JsonTokenType.String)
                {
                    throw TensorInvalid(path, name, dtype is null ? "its dtype is not a string" : "it gives dtype twice");
                }

                dtype = ReadDType(ref reader, name, path);
            }
            else if (reader.ValueTextEquals("shape"u8))
            {
                reader.Read();
                if (shape is not null)
                {
                    throw TensorInvalid(path, name, "it gives shape twice");
                }

                shape = ReadShape(ref reader, name, path);
            }
            else if (reader.ValueTextEquals("data_offsets"u8))
            {
                reader.Read();
                if (offsets is not null)
                {
                    throw TensorInvalid(path, name, "it gives data_offsets twice");
                }

                offsets = ReadOffsets(ref reader, name, path);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            var missing = dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw TensorInvalid(path, name, $"its entry has no {missing}");
        }

        return new ParsedTensor(name, dtype.Value, shape, offsets.Value.Begin, offsets.Value.End);
    }

    private static TensorDType ReadDType(ref Utf8JsonReader reader, string name, string path)
    {
        if (!reader.ValueIsEscaped && TensorDTypes.TryParse(reader.ValueSpan, out var dtype))
        {
            return dtype;
        }

        // An escaped spelling ("F\u0033\u0032") is still that name to a JSON reader, and so to the reference.
        var text = reader.GetString()!;
        if (TensorDTypes.TryParse(System.Text.Encoding.UTF8.GetBytes(text), out dtype))
        {
            return dtype;
        }

        throw SafetensorsRefusal.Refuse("SafetensorsUnknownDType", path,
            $"tensor '{Shorten(name)}' has dtype '{Shorten(text)}', which SwarmPS does not read.",
            "Save the adapter with one of F32, F16, BF16, F64, I64, I32, I8, U8 or BOOL (for example tensor.to(torch.float32) before saving).");
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, string name, string path)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw ShapeInvalid(path, name, $"is a JSON {Describe(reader.TokenType)}, not a list of sizes");
        }

        var shape = new List<long>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var size) || size < 0)
            {
                throw ShapeInvalid(path, name, $"holds {(reader.TokenType == JsonTokenType.Number ? "'" + Shorten(System.Text.Encoding.UTF8.GetString(reader.ValueSpan)) + "'" : "a JSON " + Describe(reader.TokenType))}, not a non-negative integer");
            }

            shape.Add(size);
        }

        return shape.ToArray();
    }

    private static (long, long) ReadOffsets(ref Utf8JsonReader reader, string name, string path)
    {
        var values = new long[2];
        var count = 0;
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (count == 2 || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var value) || value < 0)
                {
                    count = -1;
                    break;
                }

                values[count++] = value;
            }
        }

        if (count != 2)
        {
            throw SafetensorsRefusal.Refuse("SafetensorsOffsetsInvalid", path,
                $"tensor '{Shorten(name)}' has data_offsets that are not two non-negative integers [begin, end].",
                SafetensorsRefusal.Rewrite);
        }

        if (values[1] < values[0])
        {
            throw SafetensorsRefusal.Refuse("SafetensorsOffsetsInvalid", path,
                $"tensor '{Shorten(name)}' has data_offsets [{values[0]}, {values[1]}]: its end comes before its begin.",
                SafetensorsRefusal.Rewrite);
        }

        return (values[0], values[1]);
    }

    private static IReadOnlyList<TensorDescriptor> Validate(List<ParsedTensor> parsed, long dataLength, long dataStart, string path)
    {
        // By offsets, as the reference does: the bytes must be covered once each, in some order of names.
        parsed.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        var tensors = new TensorDescriptor[parsed.Count];
        long end = 0;
        string? previous = null;
        for (var i = 0; i < parsed.Count; i++)
        {
            var tensor = parsed[i];
            if (tensor.Begin < end)
            {
                throw SafetensorsRefusal.Refuse("SafetensorsOffsetsOverlap", path,
                    $"tensor '{Shorten(tensor.Name)}' starts at byte {tensor.Begin} of the data, inside tensor '{Shorten(previous!)}', which ends at {end}.",
                    SafetensorsRefusal.Rewrite);
            }

            if (tensor.Begin > end)
            {
                throw SafetensorsRefusal.Refuse("SafetensorsOffsetsGap", path,
                    $"tensor '{Shorten(tensor.Name)}' starts at byte {tensor.Begin} of the data, but {(previous is null ? "the data starts" : $"tensor '{Shorten(previous)}' ends")} at {end}: the bytes between belong to no tensor.",
                    SafetensorsRefusal.Rewrite);
            }

            if (tensor.End > dataLength)
            {
                throw SafetensorsRefusal.Refuse("SafetensorsOffsetsOutOfBounds", path,
                    $"tensor '{Shorten(tensor.Name)}' ends at byte {tensor.End} of the data, but the file holds only {dataLength} bytes of data (it is truncated).",
                    SafetensorsRefusal.Rewrite);
            }

            var expected = ExpectedByteCount(tensor, path);
            if (tensor.End - tensor.Begin != expected)
            {
                throw SafetensorsRefusal.Refuse("SafetensorsByteCountMismatch", path,
                    $"tensor '{Shorten(tensor.Name)}' is {tensor.DType} of shape [{string.Join(", ", tensor.Shape)}], which is {expected} bytes, but its data_offsets give it {tensor.End - tensor.Begin}.",
                    SafetensorsRefusal.Rewrite);
            }

            tensors[i] = new TensorDescriptor(tensor.Name, tensor.DType, tensor.Shape, tensor.Begin, expected, dataStart + tensor.Begin);
            end = tensor.End;
            previous = tensor.Name;
        }

        if (end != dataLength)
        {
            throw SafetensorsRefusal.Refuse("SafetensorsTrailingData", path,
                $"{dataLength - end} bytes follow the last tensor's data (at byte {end} of {dataLength}); a safetensors file ends where its last tensor does, so these bytes are something else appended.",
                "Do not append to safetensors files; if the file was made by concatenation, write it again with a safetensors writer.");
        }

        return tensors;
    }

    private static long ExpectedByteCount(ParsedTensor tensor, string path)
    {
        try
        {
            long elements = 1;
            foreach (var size in tensor.Shape)
            {
                elements = checked(elements * size);
            }

            return checked(elements * tensor.DType.ElementSize());
        }
        catch (OverflowException)
        {
            throw SafetensorsRefusal.Refuse("SafetensorsShapeOverflow", path,
                $"tensor '{Shorten(tensor.Name)}' has shape [{string.Join(", ", tensor.Shape)}], whose byte count does not fit in 64 bits.",
                SafetensorsRefusal.Rewrite);
        }
    }

    private static IReadOnlyDictionary<string, string> SortedMetadata(Dictionary<string, string> metadata) =>
        new SortedDictionary<string, string>(metadata, StringComparer.Ordinal);

    private static SwarmException TensorInvalid(string path, string name, string problem) =>
        SafetensorsRefusal.Refuse("SafetensorsTensorInvalid", path, $"tensor '{Shorten(name)}': {problem}.", SafetensorsRefusal.Rewrite);

    private static SwarmException ShapeInvalid(string path, string name, string problem) =>
        SafetensorsRefusal.Refuse("SafetensorsShapeInvalid", path, $"the shape of tensor '{Shorten(name)}' {problem}.", SafetensorsRefusal.Rewrite);

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "list",
        JsonTokenType.StartObject => "object",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    // A hostile header can hold a name of megabytes; the message keeps enough to find it.
    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";

    private sealed record ParsedTensor(string Name, TensorDType DType, long[] Shape, long Begin, long End);
}
