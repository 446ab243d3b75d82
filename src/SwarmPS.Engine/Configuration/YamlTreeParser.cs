using YamlDotNet.Core;
using YamlDotNet.Core.Events;
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
            // YamlDotNet's scanner throws these with no position on some malformed input, and their own
            // text ("Operation is not valid due to the current state of the object") tells an operator
            // nothing; replay the file to say where it stopped and which bracket was still open.
            throw Unexplained(text, file, error);
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

    /// <summary>
    /// The error for a failure YamlDotNet does not explain. The usual cause is a flow list or mapping left
    /// open (<c>["a", "b"[, "c"]</c>): the scanner reads on into the next lines and fails there, so the
    /// message names both where reading stopped and where the still-open bracket was opened.
    /// </summary>
    private static ConfigException Unexplained(string text, string file, Exception error)
    {
        var scanner = new Scanner(new StringReader(text));
        var parser = new Parser(scanner);
        var open = new Stack<(bool Flow, char Bracket, Mark Start)>();
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case SequenceStart sequence:
                        open.Push((sequence.Style == SequenceStyle.Flow, '[', sequence.Start));
                        break;
                    case MappingStart mapping:
                        open.Push((mapping.Style == MappingStyle.Flow, '{', mapping.Start));
                        break;
                    case SequenceEnd or MappingEnd when open.Count > 0:
                        open.Pop();
                        break;
                }
            }
        }
        catch (Exception)
        {
            // The failure itself is what we are locating.
        }

        var stopped = scanner.CurrentPosition;
        var location = new SourceLocation(file, Math.Max(1, (int)stopped.Line), Math.Max(1, (int)stopped.Column));
        if (open.Count > 0 && open.Peek() is { Flow: true } innermost)
        {
            return new ConfigException(
                "ConfigSyntax", location,
                $"The YAML cannot be read from here: the '{innermost.Bracket}' opened at line {innermost.Start.Line}, column {innermost.Start.Column} is still open, so this is read as part of it.",
                $"Check the brackets and commas of that '{innermost.Bracket}': items are separated by ',' and the brackets pair up, as in [\"a\", \"b\"] or {{a: 1, b: 2}}.",
                error);
        }

        return new ConfigException(
            "ConfigSyntax", location, "The YAML cannot be read from here.",
            "Fix the syntax at or just before that point: unclosed brackets or quotes and duplicate keys are the usual causes.",
            error);
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
