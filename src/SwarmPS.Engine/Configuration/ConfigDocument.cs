namespace SwarmPS.Engine.Configuration;

/// <summary>
/// A configuration file read, checked and parsed into a located tree, with the variable expander its
/// values are read through. YAML by default; JSON (comments and trailing commas allowed) for .json and
/// .jsonc files or text that starts with '{'.
/// </summary>
public sealed class ConfigDocument
{
    private ConfigDocument(string file, ConfigNode root, VariableExpander expander)
    {
        File = file;
        Root = root;
        Expander = expander;
    }

    public string File { get; }

    public ConfigNode Root { get; }

    public VariableExpander Expander { get; }

    public static ConfigDocument Load(string path, VariableExpander? expander = null)
    {
        var text = ConfigFileReader.ReadText(path);
        return Parse(text, path, expander);
    }

    public static ConfigDocument Parse(string text, string file, VariableExpander? expander = null)
    {
        var root = LooksLikeJson(file, text) ? JsonTreeParser.Parse(text, file) : YamlTreeParser.Parse(text, file);
        return new ConfigDocument(file, root, expander ?? VariableExpander.FromProcessEnvironment());
    }

    /// <summary>The root as a mapping, or an error naming what the file should hold.</summary>
    public MappingReader RootReader(string what, params string[] knownKeys)
    {
        if (Root is not ConfigMapping mapping)
        {
            throw new ConfigException(
                "ConfigTypeMismatch", Root.Location, $"The file holds {Root.Describe()}; a {what} is a mapping of keys.",
                "Start the file with keys such as 'name:'; see the examples/ folder.");
        }

        return new MappingReader(mapping, what, Expander, knownKeys);
    }

    private static bool LooksLikeJson(string file, string text)
    {
        var extension = Path.GetExtension(file).ToLowerInvariant();
        if (extension is ".json" or ".jsonc")
        {
            return true;
        }

        return extension is not (".yaml" or ".yml") && text.TrimStart().StartsWith('{');
    }
}
