using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// Parses YAML text into a <see cref="ConfigNode"/> tree that remembers where each value was.
///
/// Every file SwarmPS reads may come from someone else (a colleague's campaign, a profile dropped into
/// SWARMPS_SITE_PATH), so the tree is built from YamlDotNet's event stream, without recursion and within
/// budgets that are checked before anything grows: aliases are refused (a 511-byte "billion laughs" file
/// expanded to gigabytes through YamlDotNet's representation model), nesting is bounded (deep nesting
/// overflowed the stack further down, which no catch can stop), and so are the node count and the length
/// of one value. The file itself is at most <see cref="ConfigFileReader.MaxBytes"/>.
/// </summary>
public static class YamlTreeParser
{
    /// <summary>Lists and mappings inside one another; real profiles and campaigns use fewer than 10.</summary>
    public const int MaxDepth = 64;

    /// <summary>Values, lists and mappings in one file.</summary>
    public const int MaxNodes = 100_000;

    /// <summary>Characters in one value (a long user task fits many times over).</summary>
    public const int MaxValueLength = 256 * 1024;

    public static ConfigNode Parse(string text, string file)
    {
        var parser = new Parser(new StringReader(text));
        try
        {
            return new TreeBuilder(file).Build(parser);
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
    }

    /// <summary>Turns parser events into a tree with an explicit stack of the lists and mappings still open.</summary>
    private sealed class TreeBuilder(string file)
    {
        private readonly Stack<OpenCollection> _open = new();
        private int _nodes;
        private ConfigNode? _root;

        public ConfigNode Build(IParser parser)
        {
            parser.Consume<StreamStart>();
            parser.Consume<DocumentStart>();
            while (_root is null)
            {
                Add(parser.Consume<ParsingEvent>());
            }

            parser.Consume<DocumentEnd>();
            if (parser.Accept<DocumentStart>(out var second))
            {
                throw new ConfigException(
                    "ConfigSyntax", At(second.Start), "The file holds more than one YAML document ('---').",
                    "Keep one document per file.");
            }

            parser.Consume<StreamEnd>();
            return _root;
        }

        private void Add(ParsingEvent parsing)
        {
            switch (parsing)
            {
                case AnchorAlias alias:
                    throw new ConfigException(
                        "ConfigAliasNotAllowed", At(alias.Start),
                        $"The YAML alias '*{alias.Value}' is not allowed: SwarmPS does not expand aliases, so a small file cannot grow into a huge one.",
                        $"Write the value out in full where '*{alias.Value}' stands.");
                case Scalar scalar:
                    Count(scalar);
                    if (scalar.Value.Length > MaxValueLength)
                    {
                        throw new ConfigException(
                            "ConfigValueTooLong", At(scalar.Start),
                            $"This value is {scalar.Value.Length:N0} characters long; one value may hold at most {MaxValueLength:N0}.",
                            "Keep large data (task lists, prompts, data sets) in a file of its own and name that file here.");
                    }

                    Place(ToNode(scalar), scalar);
                    break;
                case SequenceStart sequence:
                    Open(new OpenCollection(At(sequence.Start), IsMapping: false), sequence);
                    break;
                case MappingStart mapping:
                    Open(new OpenCollection(At(mapping.Start), IsMapping: true), mapping);
                    break;
                case SequenceEnd or MappingEnd:
                    var closed = _open.Pop();
                    Place(closed.ToNode(), parsing);
                    break;
                default:
                    // Comments and document markers inside the document carry nothing the tree needs.
                    break;
            }
        }

        private void Open(OpenCollection collection, ParsingEvent start)
        {
            Count(start);
            if (_open.Count >= MaxDepth)
            {
                throw new ConfigException(
                    "ConfigTooDeep", collection.Location,
                    $"Lists and mappings are nested more than {MaxDepth} deep here.",
                    "Flatten the structure; no SwarmPS file needs more than a few levels.");
            }

            if (_open.TryPeek(out var parent) && parent.AwaitsKey)
            {
                throw new ConfigException(
                    "ConfigSyntax", collection.Location, "A mapping key must be plain text.",
                    "Write the key as a word followed by ':'.");
            }

            _open.Push(collection);
        }

        private void Place(ConfigNode node, ParsingEvent parsing)
        {
            if (!_open.TryPeek(out var parent))
            {
                _root = node;
                return;
            }

            if (parent.AwaitsKey)
            {
                var key = (ConfigScalar)node;
                if (parent.Entries.FirstOrDefault(entry => entry.Key == key.Text) is { } first)
                {
                    throw new ConfigException(
                        "ConfigDuplicateKey", key.Location,
                        $"The key '{key.Text}' appears twice in the same mapping (first at line {first.KeyLocation.Line}).",
                        "Keep one of the two; a later key would silently win in other YAML readers.");
                }

                parent.PendingKey = key;
                return;
            }

            parent.Add(node);
        }

        private void Count(ParsingEvent parsing)
        {
            if (++_nodes > MaxNodes)
            {
                throw new ConfigException(
                    "ConfigTooManyNodes", At(parsing.Start),
                    $"The file holds more than {MaxNodes:N0} values, lists and mappings.",
                    "Check that this is the intended file; large data belongs in a file of its own.");
            }
        }

        private ConfigScalar ToNode(Scalar scalar)
        {
            var quoted = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded;
            var isNull = !quoted && (scalar.Value.Length == 0 || scalar.Value is "~" or "null" or "Null" or "NULL");
            return new ConfigScalar(At(scalar.Start), scalar.Value, isNull, quoted);
        }

        private SourceLocation At(Mark mark) => new(file, Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column));
    }

    /// <summary>A list or mapping whose end event has not come yet.</summary>
    private sealed record OpenCollection(SourceLocation Location, bool IsMapping)
    {
        private readonly List<ConfigNode> _items = new();

        public List<ConfigEntry> Entries { get; } = new();

        public ConfigScalar? PendingKey { get; set; }

        public bool AwaitsKey => IsMapping && PendingKey is null;

        public void Add(ConfigNode value)
        {
            if (IsMapping)
            {
                Entries.Add(new ConfigEntry(PendingKey!.Text, PendingKey.Location, value));
                PendingKey = null;
            }
            else
            {
                _items.Add(value);
            }
        }

        public ConfigNode ToNode() => IsMapping ? new ConfigMapping(Location, Entries) : new ConfigSequence(Location, _items);
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
