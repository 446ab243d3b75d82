using System.Text.Json;

namespace SwarmPS.Engine.Intents;

/// <summary>
/// Strict, named access to one JSON object of an intent file: a key given twice is refused (JsonDocument
/// would silently keep one), so is an unknown key, and every type error names the field, what was found
/// and what was expected.
/// </summary>
internal sealed class JsonFields
{
    private readonly Dictionary<string, JsonElement> _fields = new(StringComparer.Ordinal);
    private readonly string _where;

    public JsonFields(JsonElement element, string where)
    {
        _where = where;
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new IntentShapeException($"{where} is {Describe(element)}, not an object.");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!_fields.TryAdd(property.Name, property.Value))
            {
                throw new IntentShapeException($"{Name(property.Name)} is given twice.");
            }
        }
    }

    public void OnlyKnown(IReadOnlyCollection<string> known)
    {
        var unknown = _fields.Keys.FirstOrDefault(k => !known.Contains(k));
        if (unknown is not null)
        {
            throw new IntentShapeException($"'{Name(unknown)}' is not a field of an intent (known: {string.Join(", ", known)}).");
        }
    }

    public JsonElement Required(string key) =>
        _fields.TryGetValue(key, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new IntentShapeException($"{Name(key)} is missing.");

    public string String(string key) => OptionalString(key) ?? throw new IntentShapeException($"{Name(key)} is missing.");

    public string? OptionalString(string key)
    {
        if (!_fields.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw WrongKind(key, value, "a string");
    }

    public bool? OptionalBool(string key)
    {
        if (!_fields.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongKind(key, value, "true or false"),
        };
    }

    public int Int(string key)
    {
        var value = Required(key);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : throw WrongKind(key, value, "a whole number");
    }

    public long Long(string key)
    {
        var value = Required(key);
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= 0 ? number : throw WrongKind(key, value, "a whole number of 0 or more");
    }

    public double Double(string key)
    {
        var value = Required(key);
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) ? number : throw WrongKind(key, value, "a number");
    }

    /// <summary>A list of strings; absent or null is empty.</summary>
    public IReadOnlyList<string> Strings(string key) =>
        _fields.TryGetValue(key, out var value) && value.ValueKind != JsonValueKind.Null ? StringItems(value, Name(key)) : [];

    /// <summary>A list of items each read by <paramref name="read"/>; absent or null is empty.</summary>
    public IReadOnlyList<T> List<T>(string key, Func<JsonElement, string, T> read)
    {
        if (!_fields.TryGetValue(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw WrongKind(key, value, "a list");
        }

        return value.EnumerateArray().Select((item, i) => read(item, $"{Name(key)}[{i}]")).ToList();
    }

    public static IReadOnlyList<string> StringItems(JsonElement list, string where)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new IntentShapeException($"{where} is {Describe(list)}, not a list.");
        }

        return list.EnumerateArray().Select((item, i) => item.ValueKind == JsonValueKind.String
            ? item.GetString()!
            : throw new IntentShapeException($"{where}[{i}] is {Describe(item)}, not a string.")).ToList();
    }

    private string Name(string key) => _where == "the file" ? key : $"{_where}.{key}";

    private IntentShapeException WrongKind(string key, JsonElement value, string expected) =>
        new($"{Name(key)} is {Describe(value)}, not {expected}.");

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
