using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SwarmPS.Engine.Configuration;

/// <summary>Parses YAML text into a <see cref="ConfigNode"/> tree that remembers where each value was.</summary>
public static class YamlTreeParser
{
    public static ConfigNode Parse(string text, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException error)
        {
            var location = new SourceLocation(file, (int)error.Start.Line, (int)error.Start.Column);
            // YamlDotNet reports a tab used as indentation at the start of the enclosing mapping (often
            // 1:1); point at the tab itself, which is what the operator has to delete.
            if (error.Message.Contains("tab", StringComparison.OrdinalIgnoreCase))
            {
                location = FirstTabIndentation(text, file) ?? location;
            }

            throw new ConfigException(
                "ConfigSyntax", location, $"The YAML is malformed: {InnermostMessage(error)}",
                "Fix the syntax at that line; a common cause is a tab used for indentation or a missing space after ':'.",
                error);
        }
        catch (Exception error) when (error is InvalidOperationException or ArgumentException)
        {
            // YamlDotNet's scanner throws these (with no position) on some malformed input, and its
            // mapping throws ArgumentException on a duplicate key; find the place by replaying events.
            var location = LastGoodPosition(text, file);
            throw new ConfigException(
                "ConfigSyntax", location, $"The YAML is malformed near here ({error.Message.TrimEnd('.')}).",
                "Fix the syntax at or just after that line: unclosed brackets or quotes and duplicate keys are the usual causes.",
                error);
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            throw new ConfigException(
                "ConfigSyntax", new SourceLocation(file, (int)second.Line, (int)second.Column),
                "The file holds more than one YAML document ('---').",
                "Keep one document per file.");
        }

        return Convert(stream.Documents[0].RootNode, file);
    }

    private static ConfigNode Convert(YamlNode node, string file)
    {
        var location = new SourceLocation(file, (int)node.Start.Line, (int)node.Start.Column);
        switch (node)
        {
            case YamlScalarNode scalar:
                var quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded;
                var text = scalar.Value ?? "";
                var isNull = !quoted && (text.Length == 0 || text is "~" or "null" or "Null" or "NULL");
                return new ConfigScalar(location, text, isNull, quoted);
            case YamlSequenceNode sequence:
                return new ConfigSequence(location, sequence.Children.Select(child => Convert(child, file)).ToList());
            case YamlMappingNode mapping:
                var entries = new List<ConfigEntry>();
                foreach (var (key, value) in mapping.Children)
                {
                    var keyLocation = new SourceLocation(file, (int)key.Start.Line, (int)key.Start.Column);
                    if (key is not YamlScalarNode keyScalar)
                    {
                        throw new ConfigException(
                            "ConfigSyntax", keyLocation, "A mapping key must be plain text.",
                            "Write the key as a word followed by ':'.");
                    }

                    entries.Add(new ConfigEntry(keyScalar.Value ?? "", keyLocation, Convert(value, file)));
                }

                return new ConfigMapping(location, entries);
            default:
                throw new ConfigException(
                    "ConfigSyntax", location, "YAML aliases and tags are not supported here.",
                    "Write the value out in full.");
        }
    }

    private static SourceLocation? FirstTabIndentation(string text, string file)
    {
        var lines = text.Split('\n');
        for (var index = 0; index < lines.Length; index++)
        {
            var indentation = lines[index].Length - lines[index].TrimStart(' ', '\t').Length;
            var tab = lines[index].IndexOf('\t', 0, indentation);
            if (tab >= 0)
            {
                return new SourceLocation(file, index + 1, tab + 1);
            }
        }

        return null;
    }

    private static SourceLocation LastGoodPosition(string text, string file)
    {
        var parser = new Parser(new StringReader(text));
        Mark last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                last = parser.Current!.End;
            }
        }
        catch (Exception)
        {
            // The failure itself is what we are locating.
        }

        return new SourceLocation(file, Math.Max(1, (int)last.Line), Math.Max(1, (int)last.Column));
    }

    private static string InnermostMessage(Exception error)
    {
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        return error.Message.TrimEnd('.') + ".";
    }
}
