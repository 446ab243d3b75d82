using System.Globalization;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// Typed, located access to one mapping of a configuration file. The known keys are declared up front,
/// so an unknown key fails at once with the nearest known key suggested; every value is read through
/// ${VAR} expansion and the placeholder check; every type error names the key, what was found and
/// what was expected.
/// </summary>
public sealed class MappingReader
{
    private readonly ConfigMapping _mapping;
    private readonly string _what;
    private readonly VariableExpander _expander;

    public MappingReader(ConfigMapping mapping, string what, VariableExpander expander, IReadOnlyCollection<string> knownKeys)
    {
        _mapping = mapping;
        _what = what;
        _expander = expander;
        RejectUnknownAndDuplicateKeys(knownKeys);
    }

    public SourceLocation Location => _mapping.Location;

    public bool Has(string key) => _mapping.Find(key) is { Value: not ConfigScalar { IsNull: true } };

    public string RequiredString(string key) =>
        OptionalString(key) ?? throw Missing(key);

    public string? OptionalString(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        var scalar = Scalar(key, node, "a text value");
        return ExpandScalar(key, scalar);
    }

    public int? OptionalInt(string key, int minimum = int.MinValue, int maximum = int.MaxValue)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw TypeMismatch(key, $"'{text}'", "a whole number");
        }

        if (value < minimum || value > maximum)
        {
            throw new ConfigException(
                "ConfigValueOutOfRange", Node(key)!.Location, $"'{key}' is {value}; it must be between {minimum} and {maximum}.",
                $"Set '{key}' to a value in that range.");
        }

        return value;
    }

    public bool? OptionalBool(string key)
    {
        var text = OptionalString(key);
        return text?.ToLowerInvariant() switch
        {
            null => null,
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw TypeMismatch(key, $"'{text}'", "true or false"),
        };
    }

    /// <summary>A duration as seconds (600), with a unit (90s, 10m, 2h, 1d) or as HH:MM:SS.</summary>
    public TimeSpan? OptionalDuration(string key)
    {
        var text = OptionalString(key);
        if (text is null)
        {
            return null;
        }

        return DurationText.TryParse(text, out var duration) && duration > TimeSpan.Zero
            ? duration
            : throw TypeMismatch(key, $"'{text}'", "a positive duration such as 600, 90s, 10m, 2h or 01:30:00");
    }

    public IReadOnlyList<string> StringList(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return Array.Empty<string>();
        }

        if (node is not ConfigSequence sequence)
        {
            throw TypeMismatch(key, node.Describe(), "a list such as [a, b]");
        }

        return sequence.Items
            .Select(item => ExpandScalar(key, Scalar(key, item, "a text value in the list")))
            .ToList();
    }

    public IReadOnlyDictionary<string, string> StringMap(string key)
    {
        var node = Node(key);
        if (node is null)
        {
            return new Dictionary<string, string>();
        }

        if (node is not ConfigMapping mapping)
        {
            throw TypeMismatch(key, node.Describe(), "a mapping of NAME: value");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in mapping.Entries)
        {
            var scalar = Scalar($"{key}.{entry.Key}", entry.Value, "a text value");
            result[entry.Key] = scalar.IsNull ? "" : ExpandScalar($"{key}.{entry.Key}", scalar);
        }

        return result;
    }

    /// <summary>A nested mapping read with its own known keys; null when absent.</summary>
    public MappingReader? OptionalMapping(string key, string what, params string[] knownKeys)
    {
        var node = Node(key);
        if (node is null)
        {
            return null;
        }

        return node is ConfigMapping mapping
            ? new MappingReader(mapping, what, _expander, knownKeys)
            : throw TypeMismatch(key, node.Describe(), "a mapping of keys");
    }

    /// <summary>Each item of a list of mappings, read with its own known keys.</summary>
    public IReadOnlyList<MappingReader> MappingList(string key, Func<int, string> what, params string[] knownKeys)
    {
        var node = Node(key);
        if (node is null)
        {
            return Array.Empty<MappingReader>();
        }

        if (node is not ConfigSequence sequence)
        {
            throw TypeMismatch(key, node.Describe(), "a list of mappings");
        }

        return sequence.Items.Select((item, index) => item is ConfigMapping mapping
                ? new MappingReader(mapping, what(index), _expander, knownKeys)
                : throw new ConfigException(
                    "ConfigTypeMismatch", item.Location, $"Item {index + 1} of '{key}' is {item.Describe()}; expected a mapping of keys.",
                    $"Write each item of '{key}' as '- name: ...' with its keys indented beneath."))
            .ToList();
    }

    /// <summary>The raw node of a key, for values with more than one accepted shape.</summary>
    public ConfigNode? Node(string key)
    {
        var entry = _mapping.Find(key);
        return entry?.Value is ConfigScalar { IsNull: true } ? null : entry?.Value;
    }

    public ConfigException Missing(string key) => new(
        "ConfigMissingField", _mapping.Location, $"The {_what} has no '{key}'.",
        $"Add '{key}:' to the {_what}.");

    public ConfigException Invalid(string key, string problem, string remediation) => new(
        "ConfigValueInvalid", Node(key)?.Location ?? _mapping.Location, problem, remediation);

    private string ExpandScalar(string key, ConfigScalar scalar)
    {
        var value = _expander.Expand(scalar.Text, scalar.Location);
        PlaceholderCheck.Ensure(value, key, scalar.Location, scalar.Text);
        return value;
    }

    private ConfigScalar Scalar(string key, ConfigNode node, string expected) =>
        node as ConfigScalar ?? throw TypeMismatch(key, node, expected);

    private ConfigException TypeMismatch(string key, ConfigNode node, string expected) =>
        TypeMismatch(key, node.Describe(), expected, node.Location);

    private ConfigException TypeMismatch(string key, string found, string expected, SourceLocation? location = null) => new(
        "ConfigTypeMismatch", location ?? Node(key)?.Location ?? _mapping.Location,
        $"'{key}' in the {_what} is {found}; expected {expected}.",
        $"Change '{key}' to {expected}.");

    private void RejectUnknownAndDuplicateKeys(IReadOnlyCollection<string> knownKeys)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in _mapping.Entries)
        {
            if (!seen.Add(entry.Key))
            {
                throw new ConfigException(
                    "ConfigDuplicateKey", entry.KeyLocation, $"'{entry.Key}' appears twice in the {_what}.",
                    "Keep one of them.");
            }

            if (!knownKeys.Contains(entry.Key))
            {
                var suggestion = NearestKey.Suggest(entry.Key, knownKeys);
                var hint = suggestion is null
                    ? $"Known keys are: {string.Join(", ", knownKeys)}."
                    : $"Did you mean '{suggestion}'? Known keys are: {string.Join(", ", knownKeys)}.";
                throw new ConfigException(
                    "ConfigUnknownKey", entry.KeyLocation, $"'{entry.Key}' is not a key of the {_what}.", hint);
            }
        }
    }
}
