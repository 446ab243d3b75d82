using System.Text.Json;
using System.Text.RegularExpressions;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// The name a machine's runs carry in the ledger (<c>.swarm/machine.json</c>), so a finding can say
/// which cluster a run came from. Defaults to the short host name.
/// </summary>
public static partial class MachineLabel
{
    public const string Pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$";

    public static string Validate(string? label)
    {
        if (label is not null && Shape().IsMatch(label))
        {
            return label;
        }

        throw new SwarmException(
            "MachineLabelInvalid",
            $"Machine label '{label}' is not valid: it must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit.",
            "Choose a label such as 'cluster-a' or 'laptop'.",
            SwarmErrorCategory.InvalidArgument,
            label);
    }

    /// <summary>The short host name ("node12" of "node12.hpc.example.org"), lowercased.</summary>
    public static string Default()
    {
        var host = Environment.MachineName.Split('.')[0].ToLowerInvariant();
        return Shape().IsMatch(host) ? host : "machine";
    }

    /// <summary>The label in machine.json, or null when the file is missing.</summary>
    public static string? Read(SwarmRepository repository)
    {
        byte[]? bytes;
        try
        {
            // A regular file of a few bytes: a link or a FIFO planted in a clone must not hang or redirect us.
            bytes = BoundedFileRead.ReadAllBytes(repository.MachineFilePath, 64 * 1024, followLinks: false);
        }
        catch (FileRefusedException error)
        {
            throw new SwarmException(
                "MachineFileInvalid",
                $"'{repository.MachineFilePath}' was not read: {error.Message}",
                "Remove it and run 'Initialize-SwarmRepository -MachineLabel <label>' to write it again.",
                SwarmErrorCategory.InvalidData,
                repository.MachineFilePath,
                error);
        }

        if (bytes is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("label", out var label)
                && label.ValueKind == JsonValueKind.String)
            {
                return Validate(label.GetString());
            }
        }
        catch (JsonException)
        {
        }

        throw new SwarmException(
            "MachineFileInvalid",
            $"'{repository.MachineFilePath}' is not a JSON object with a string 'label'.",
            "Run 'Initialize-SwarmRepository -MachineLabel <label>' to rewrite it.",
            SwarmErrorCategory.InvalidData,
            repository.MachineFilePath);
    }

    /// <summary>The label this machine's runs get: machine.json if present, else the default.</summary>
    public static string Current(SwarmRepository repository) => Read(repository) ?? Default();

    internal static void Write(SwarmRepository repository, string label)
    {
        AtomicFile.WriteAllText(repository.MachineFilePath, CanonicalJson.SerializeIndented(new Dictionary<string, object?> { ["label"] = Validate(label) }));
    }

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
