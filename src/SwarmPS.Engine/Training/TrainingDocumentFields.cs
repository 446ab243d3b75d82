using System.Globalization;
using System.Text.Json;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Training;

/// <summary>
/// One JSON object of a training document being read, with the file it came from and where in the file it
/// is, so every refusal is <c>TrainingDocumentInvalid</c> naming both. A record file is the coordinator's
/// own, but the same files arrive in an evidence bundle from anyone, so each is read as hostile: at most
/// <see cref="MaxBytes"/>, no repeated, unknown or missing field, every value of its type and shape.
/// </summary>
internal sealed class TrainingDocumentFields
{
    public const int MaxBytes = 1024 * 1024;

    private readonly Dictionary<string, JsonElement> _properties;
    private readonly string _source;
    private readonly string _prefix;

    private TrainingDocumentFields(Dictionary<string, JsonElement> properties, string source, string prefix)
    {
        _properties = properties;
        _source = source;
        _prefix = prefix;
    }

    /// <summary>Parses the whole document and runs <paramref name="read"/> over its top-level object.</summary>
    public static T Read<T>(ReadOnlySpan<byte> bytes, string source, Func<TrainingDocumentFields, T> read)
    {
        if (bytes.Length > MaxBytes)
        {
            throw Invalid(source, null, $"it is {bytes.Length} bytes, more than a training document's {MaxBytes / 1024} KiB");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes.ToArray(), new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException error)
        {
            throw Invalid(source, null, $"it is not JSON ({error.Message})");
        }

        using (document)
        {
            return read(Of(document.RootElement, source, ""));
        }
    }

    /// <summary>Refuses a field not in <paramref name="fields"/> and a field of them that is missing.</summary>
    public TrainingDocumentFields Expect(params string[] fields)
    {
        if (_properties.Keys.FirstOrDefault(name => !fields.Contains(name, StringComparer.Ordinal)) is { } unknown)
        {
            throw Problem(unknown, "it is not a field of this document (a typo, or a newer SwarmPS wrote it)");
        }

        if (fields.FirstOrDefault(name => !_properties.ContainsKey(name)) is { } missing)
        {
            throw Problem(missing, "it is missing");
        }

        return this;
    }

    public int Version(int current)
    {
        var version = Int("schema_version", 1, int.MaxValue);
        return version == current ? version : throw Problem("schema_version", $"it is {version}; this SwarmPS reads version {current}");
    }

    public string Text(string name) => StringOf(_properties[name], name);

    /// <summary>A short single-line name (a contributor, a backend, a check): 1 to 256 printable characters.</summary>
    public string Name(string name)
    {
        var value = Text(name);
        return value.Length is > 0 and <= 256 && !value.Any(char.IsControl) ? value : throw Problem(name, "it is not 1 to 256 printable characters");
    }

    public string? OptionalText(string name) => _properties[name].ValueKind == JsonValueKind.Null ? null : Text(name);

    /// <summary><c>sha256:</c> and 64 lowercase hex digits, as the exchange names content.</summary>
    public string Digest(string name)
    {
        var value = Text(name);
        return BlobDigest.TryParse(value, out _) ? value : throw Problem(name, "it is not sha256: and 64 lowercase hex digits");
    }

    /// <summary>A digest written <c>sha256:&lt;hex&gt;</c> in the document for a record that holds bare hex (the merge receipt's).</summary>
    public string Hex(string name) => BlobDigest.Parse(Digest(name)).Hex;

    public string? OptionalHex(string name) => _properties[name].ValueKind == JsonValueKind.Null ? null : Hex(name);

    /// <summary>A digest in either spelling, kept as written: fields whose records other code fills (a receipt's cited digest).</summary>
    public string AnyDigest(string name)
    {
        var value = Text(name);
        return TrainingDigest.IsDigest(value) ? value : throw Problem(name, "it is not a sha256 digest (sha256: and 64 lowercase hex digits)");
    }

    public string? OptionalAnyDigest(string name) => _properties[name].ValueKind == JsonValueKind.Null ? null : AnyDigest(name);

    public bool Bool(string name) => _properties[name].ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Problem(name, "it is not true or false"),
    };

    public int Int(string name, int minimum, int maximum) =>
        _properties[name].ValueKind == JsonValueKind.Number && _properties[name].TryGetInt32(out var value) && value >= minimum && value <= maximum
            ? value
            : throw Problem(name, $"it is not a whole number from {minimum} to {maximum}");

    public int? OptionalInt(string name, int minimum, int maximum) => _properties[name].ValueKind == JsonValueKind.Null ? null : Int(name, minimum, maximum);

    public long Long(string name, long minimum) =>
        _properties[name].ValueKind == JsonValueKind.Number && _properties[name].TryGetInt64(out var value) && value >= minimum
            ? value
            : throw Problem(name, $"it is not a whole number of at least {minimum}");

    public double Number(string name) => NumberOf(_properties[name], name);

    public double? OptionalNumber(string name) => _properties[name].ValueKind == JsonValueKind.Null ? null : Number(name);

    public DateTimeOffset Time(string name) =>
        DateTimeOffset.TryParseExact(Text(name), "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : throw Problem(name, "it is not a UTC time such as 2026-12-01T09:30:00.000Z");

    public T Enum<T>(string name)
        where T : struct, System.Enum
    {
        var value = Text(name);
        return System.Enum.GetNames<T>().Contains(value, StringComparer.Ordinal)
            ? System.Enum.Parse<T>(value)
            : throw Problem(name, $"'{Short(value)}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}");
    }

    public TrainingDocumentFields Object(string name) => Of(_properties[name], _source, _prefix + name);

    public IReadOnlyList<TrainingDocumentFields> Objects(string name) =>
        Array(name).Select((item, index) => Of(item, _source, $"{_prefix}{name}[{index}]")).ToList();

    public IReadOnlyList<string> Texts(string name) =>
        Array(name).Select((item, index) => StringOf(item, $"{name}[{index}]")).ToList();

    public IReadOnlyList<int> Ints(string name) =>
        Array(name).Select((item, index) => item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var value) && value >= 0
            ? value
            : throw Problem($"{name}[{index}]", "it is not a whole number of at least 0")).ToList();

    /// <summary>A refusal of this object's field <paramref name="name"/>, for checks the reader's caller makes.</summary>
    public SwarmException Problem(string name, string problem) => Invalid(_source, _prefix + name, problem);

    public static SwarmException Invalid(string source, string? field, string problem) => new(
        "TrainingDocumentInvalid",
        $"The training document {source} cannot be read: {(string.IsNullOrEmpty(field) ? "" : $"'{field}': ")}{problem}.",
        "Record files are written by the coordinator's cmdlets, never by hand: write the record again (Test-SwarmContribution, Publish-SwarmSnapshot). In an evidence bundle, the bundle was damaged or changed; export it again from the run with Export-SwarmEvidence.",
        SwarmErrorCategory.InvalidData,
        source);

    private static TrainingDocumentFields Of(JsonElement element, string source, string field) =>
        new(StrictJsonObject.Properties(element, field, (path, problem) => Invalid(source, path, problem)), source, field.Length == 0 ? "" : field + ".");

    private JsonElement.ArrayEnumerator Array(string name) =>
        _properties[name].ValueKind == JsonValueKind.Array ? _properties[name].EnumerateArray() : throw Problem(name, "it is not a list");

    private string StringOf(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            throw Problem(name, "it is not a string");
        }

        try
        {
            return element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // JsonDocument accepts a lone surrogate escape (\uD800); only GetString refuses it.
            throw Problem(name, "it is not valid Unicode text");
        }
    }

    private double NumberOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out var value) && double.IsFinite(value)
            ? value
            : throw Problem(name, "it is not a finite number");

    private static string Short(string value) => value.Length > 80 ? value[..80] + "…" : value;
}
