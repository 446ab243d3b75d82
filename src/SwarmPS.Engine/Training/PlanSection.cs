using System.Globalization;
using SwarmPS.Engine.Configuration;

namespace SwarmPS.Engine.Training;

/// <summary>
/// One mapping of a training plan (the plan itself, <c>adapter</c>, <c>contributors[1]</c>, ...), read field by
/// field. It knows its fields, so an unknown one is refused with the nearest known one suggested, and its
/// path, so every refusal names the field as an operator finds it (<c>adapter.rank</c>) with the file and
/// line. Values are typed strictly: a number in quotes is text, not a number, and <c>.inf</c>/<c>.nan</c>
/// are refused wherever a number is read.
/// </summary>
internal sealed class PlanSection
{
    private readonly ConfigMapping _mapping;
    private readonly string _path;

    public PlanSection(ConfigMapping mapping, string path, IReadOnlyCollection<string> fields)
    {
        _mapping = mapping;
        _path = path;
        foreach (var entry in mapping.Entries)
        {
            if (!fields.Contains(entry.Key))
            {
                var nearest = NearestKey.Suggest(entry.Key, fields);
                throw Error(
                    entry.KeyLocation, Field(entry.Key), $"it is not a field of {(path.Length == 0 ? "a training plan" : path)}",
                    $"{(nearest is null ? "" : $"Did you mean '{nearest}'? ")}The fields{(path.Length == 0 ? "" : $" of {path}")} are: {string.Join(", ", fields)} (docs/training-plan.md).");
            }
        }
    }

    public bool Has(string key) => Node(key) is not null;

    public string Text(string key, Func<string, bool> valid, string rule, string remediation, bool echo = true)
    {
        var scalar = Scalar(key) ?? throw Missing(key);
        if (valid(scalar.Text))
        {
            return scalar.Text;
        }

        var shown = scalar.Text.Length > 80 ? scalar.Text[..80] + "…" : scalar.Text;
        throw Error(scalar.Location, Field(key), echo ? $"'{shown}' {rule}" : rule, remediation);
    }

    public IReadOnlyList<string> TextList(string key)
    {
        var node = Node(key) ?? throw Missing(key);
        if (node is not ConfigSequence sequence)
        {
            throw Error(node.Location, Field(key), $"it is {node.Describe()}; it must be a list such as [lm_head]", $"Write {Field(key)} as a list: [a, b].");
        }

        return sequence.Items
            .Select((item, index) => item is ConfigScalar { IsNull: false } scalar
                ? scalar.Text
                : throw Error(item.Location, $"{Field(key)}[{index}]", $"it is {item.Describe()}; each item must be a name", $"Write each item of {Field(key)} as a name."))
            .ToList();
    }

    public int Int(string key, int minimum, int maximum) => OptionalInt(key, minimum, maximum) ?? throw Missing(key);

    public int? OptionalInt(string key, int minimum, int maximum) => (int?)OptionalLong(key, minimum, maximum);

    public long Long(string key, long minimum, long maximum) => OptionalLong(key, minimum, maximum) ?? throw Missing(key);

    public double Number(string key, Func<double, bool> valid, string rule) => OptionalNumber(key, valid, rule) ?? throw Missing(key);

    public double? OptionalNumber(string key, Func<double, bool> valid, string rule)
    {
        var scalar = NumberScalar(key, "a number");
        if (scalar is null)
        {
            return null;
        }

        var text = scalar.Text.Trim();
        if (text.TrimStart('+', '-').ToLowerInvariant() is ".inf" or ".nan" or "inf" or "nan" or "infinity")
        {
            throw Error(scalar.Location, Field(key), $"it is {text}; it must be a finite number", $"Write {Field(key)} as a finite number.");
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(scalar.Location, Field(key), $"'{Short(text)}' is not a number; it {rule}", $"Write {Field(key)} as a number such as 0.5 or 1.0e-4.");
        }

        if (!double.IsFinite(value))
        {
            throw Error(scalar.Location, Field(key), $"{Short(text)} is too large to be a finite number", $"Write {Field(key)} as a finite number.");
        }

        return valid(value) ? value : throw Error(scalar.Location, Field(key), $"it is {Short(text)}; it {rule}", $"Set {Field(key)} to a value in that range.");
    }

    /// <summary>A required nested mapping with its own fields.</summary>
    public PlanSection Section(string key, params string[] fields) => OptionalSection(key, fields) ?? throw Missing(key);

    public PlanSection? OptionalSection(string key, params string[] fields)
    {
        var node = Node(key);
        return node switch
        {
            null => null,
            ConfigMapping mapping => new PlanSection(mapping, Field(key), fields),
            _ => throw Error(node.Location, Field(key), $"it is {node.Describe()}; it must be a mapping of fields", $"Write {Field(key)} as a mapping, such as {key}: {{ {fields[0]}: ... }}."),
        };
    }

    /// <summary>A list of mappings, each with its own fields; absent reads as empty.</summary>
    public IReadOnlyList<PlanSection> SectionList(string key, params string[] fields)
    {
        var node = Node(key);
        if (node is null)
        {
            return Array.Empty<PlanSection>();
        }

        if (node is not ConfigSequence sequence)
        {
            throw Error(node.Location, Field(key), $"it is {node.Describe()}; it must be a list", $"Write each item of {Field(key)} on its own line as '- {{ {fields[0]}: ... }}'.");
        }

        return sequence.Items
            .Select((item, index) => item is ConfigMapping mapping
                ? new PlanSection(mapping, $"{Field(key)}[{index}]", fields)
                : throw Error(item.Location, $"{Field(key)}[{index}]", $"it is {item.Describe()}; each item must be a mapping of fields", $"Write each item of {Field(key)} as '- {{ {fields[0]}: ... }}'."))
            .ToList();
    }

    /// <summary>The refusal of a value that was read but does not fit with the others.</summary>
    public SwarmException Invalid(string key, string problem, string remediation) =>
        Error(Node(key)?.Location ?? _mapping.Location, Field(key), problem, remediation);

    public static SwarmException Error(SourceLocation at, string field, string problem, string remediation) => new(
        "TrainingPlanInvalid", $"{at.File}:{at.Line}: {field}: {problem}.", remediation, SwarmErrorCategory.InvalidData, at.File);

    private long? OptionalLong(string key, long minimum, long maximum)
    {
        var scalar = NumberScalar(key, "a whole number");
        if (scalar is null)
        {
            return null;
        }

        return long.TryParse(scalar.Text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : throw Error(scalar.Location, Field(key), $"'{Short(scalar.Text)}' is not allowed; it must be a whole number from {minimum} to {maximum}", $"Set {Field(key)} to a whole number from {minimum} to {maximum}.");
    }

    private ConfigScalar? NumberScalar(string key, string what)
    {
        var scalar = Scalar(key);
        return scalar is { IsQuoted: true }
            ? throw Error(scalar.Location, Field(key), $"it is the text '{Short(scalar.Text)}' in quotes; it must be {what}", $"Remove the quotes: {key}: {Short(scalar.Text)}.")
            : scalar;
    }

    private ConfigScalar? Scalar(string key)
    {
        var node = Node(key);
        return node switch
        {
            null => null,
            ConfigScalar scalar => scalar,
            _ => throw Error(node.Location, Field(key), $"it is {node.Describe()}; it must be a single value", $"Write {Field(key)} as one value."),
        };
    }

    private ConfigNode? Node(string key) =>
        _mapping.Find(key)?.Value is { } value && value is not ConfigScalar { IsNull: true } ? value : null;

    private SwarmException Missing(string key) =>
        Error(_mapping.Location, Field(key), $"it is missing{(_path.Length == 0 ? "" : $" from {_path}")}", $"Add '{key}:' ({Field(key)} in docs/training-plan.md).");

    private string Field(string key) => _path.Length == 0 ? key : $"{_path}.{key}";

    private static string Short(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
