using System.Text;
using System.Text.Json;

namespace SwarmPS.Engine.Configuration;

/// <summary>
/// Parses JSON, and JSON with comments and trailing commas, into a <see cref="ConfigNode"/> tree with
/// line and column for every value. Utf8JsonReader reports byte offsets; a line table turns them into
/// the positions an editor shows.
/// </summary>
public static class JsonTreeParser
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = 64,
    };

    public static ConfigNode Parse(string text, string file)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var positions = new LinePositions(bytes, file);
        var reader = new Utf8JsonReader(bytes, Options);
        try
        {
            if (!reader.Read())
            {
                throw new ConfigException("ConfigFileEmpty", positions.At(0), "The file holds no JSON value.", "Write a JSON object.");
            }

            var root = ReadValue(ref reader, positions);
            if (reader.Read())
            {
                throw new ConfigException(
                    "ConfigSyntax", positions.At(reader.TokenStartIndex), "There is more after the end of the JSON value.",
                    "Keep one JSON object per file.");
            }

            return root;
        }
        catch (JsonException error)
        {
            var location = new SourceLocation(file, (int)(error.LineNumber ?? 0) + 1, (int)(error.BytePositionInLine ?? 0) + 1);
            throw new ConfigException(
                "ConfigSyntax", location, $"The JSON is malformed: {FirstSentence(error.Message)}",
                "Fix the syntax at that position; a missing comma or quote is the usual cause.", error);
        }
    }

    private static ConfigNode ReadValue(ref Utf8JsonReader reader, LinePositions positions)
    {
        var location = positions.At(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<ConfigEntry>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var keyLocation = positions.At(reader.TokenStartIndex);
                    var key = Text(ref reader, keyLocation);
                    if (entries.Any(entry => entry.Key == key))
                    {
                        throw new ConfigException(
                            "ConfigDuplicateKey", keyLocation, $"The key '{key}' appears twice in the same object.",
                            "Keep one of them.");
                    }

                    reader.Read();
                    entries.Add(new ConfigEntry(key, keyLocation, ReadValue(ref reader, positions)));
                }

                return new ConfigMapping(location, entries);
            case JsonTokenType.StartArray:
                var items = new List<ConfigNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, positions));
                }

                return new ConfigSequence(location, items);
            case JsonTokenType.String:
                return new ConfigScalar(location, Text(ref reader, location), IsNull: false, IsQuoted: true);
            case JsonTokenType.Number:
                return new ConfigScalar(location, Encoding.UTF8.GetString(reader.ValueSpan), IsNull: false, IsQuoted: false);
            case JsonTokenType.True:
                return new ConfigScalar(location, "true", IsNull: false, IsQuoted: false);
            case JsonTokenType.False:
                return new ConfigScalar(location, "false", IsNull: false, IsQuoted: false);
            default:
                return new ConfigScalar(location, "", IsNull: true, IsQuoted: false);
        }
    }

    /// <summary>
    /// A string token's text. The reader accepts a lone surrogate escape (<c>"\ud800"</c>) while reading and
    /// refuses it only here, with an InvalidOperationException that would escape as a crash, not a finding.
    /// </summary>
    private static string Text(ref Utf8JsonReader reader, SourceLocation location)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException error)
        {
            throw new ConfigException(
                "ConfigSyntax", location, "The text holds an escape that is not valid Unicode (a lone surrogate such as \\ud800).",
                "Write the text without that escape; a surrogate escape must be followed by its pair (\\ud83d\\ude00).", error);
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }

    /// <summary>Maps a UTF-8 byte offset to a 1-based line and character column.</summary>
    private sealed class LinePositions
    {
        private readonly byte[] _bytes;
        private readonly string _file;
        private readonly List<int> _lineStarts = new() { 0 };

        public LinePositions(byte[] bytes, string file)
        {
            _bytes = bytes;
            _file = file;
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == (byte)'\n')
                {
                    _lineStarts.Add(i + 1);
                }
            }
        }

        public SourceLocation At(long offset)
        {
            var index = _lineStarts.BinarySearch((int)offset);
            var line = index >= 0 ? index : ~index - 1;
            var lineStart = _lineStarts[line];
            var column = Encoding.UTF8.GetCharCount(_bytes, lineStart, (int)offset - lineStart) + 1;
            return new SourceLocation(_file, line + 1, column);
        }
    }
}
