using System.Globalization;
using SwarmPS.Engine;

namespace SwarmPS.Trainer;

/// <summary>
/// A data file as the contract's examples: each non-empty line (split on '\n') becomes its tokens and an
/// end-of-line token, and each of those n + 1 positions is one example whose context is the three tokens
/// before it (oldest first, padding before the line starts). Examples are numbered in file order, which is
/// what the training schedule indexes, so two trainers must number them alike.
/// </summary>
internal sealed class ExampleSet
{
    /// <summary>Version 1's tiny model reads small files; the bound keeps a hostile path from filling memory.</summary>
    public const long MaxBytes = 1024 * 1024;

    public const int ContextLength = 3;

    private ExampleSet(byte[] contexts, byte[] targets, int lineCount)
    {
        Contexts = contexts;
        Targets = targets;
        LineCount = lineCount;
    }

    /// <summary>Example e's context tokens at [3e, 3e + 3), oldest first.</summary>
    public byte[] Contexts { get; }

    public byte[] Targets { get; }

    public int Count => Targets.Length;

    public int LineCount { get; }

    public static ExampleSet Read(string path)
    {
        var bytes = BoundedFile.Read(path, MaxBytes, "data file",
            problem => Invalid(path, problem, "Point data_path at a regular text file you may read, of at most 1 MiB (split larger data into shards)."));
        var contexts = new List<byte>(bytes.Length * 3);
        var targets = new List<byte>(bytes.Length);
        var lines = 0;
        var lineNumber = 0;
        var start = 0;
        while (start <= bytes.Length)
        {
            var end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0)
            {
                end = bytes.Length;
            }

            lineNumber++;
            if (end > start)
            {
                AddLine(bytes.AsSpan(start, end - start), contexts, targets, path, lineNumber);
                lines++;
            }

            start = end + 1;
        }

        if (targets.Count == 0)
        {
            throw Invalid(path, "it has no line of text, so there is no example to train or evaluate on", "Point data_path at a shard with at least one non-empty line.");
        }

        return new ExampleSet(contexts.ToArray(), targets.ToArray(), lines);
    }

    private static void AddLine(ReadOnlySpan<byte> line, List<byte> contexts, List<byte> targets, string path, int lineNumber)
    {
        Span<byte> tokens = line.Length + 1 <= 4096 ? stackalloc byte[line.Length + 1] : new byte[line.Length + 1];
        for (var i = 0; i < line.Length; i++)
        {
            var token = CharacterTokens.Of(line[i]);
            if (token < 0)
            {
                throw Invalid(path, string.Create(CultureInfo.InvariantCulture, $"line {lineNumber}, column {i + 1} holds {Describe(line[i])}, which the model has no token for"),
                    "Keep data files to lowercase a-z, space, '.', ',' and ''' with LF line ends (no CR, no tab, no capitals, no UTF-8 beyond ASCII).");
            }

            tokens[i] = (byte)token;
        }

        tokens[line.Length] = CharacterTokens.EndOfLine;
        for (var p = 0; p < tokens.Length; p++)
        {
            for (var k = ContextLength; k >= 1; k--)
            {
                contexts.Add(p - k < 0 ? (byte)CharacterTokens.Padding : tokens[p - k]);
            }

            targets.Add(tokens[p]);
        }
    }

    private static string Describe(byte c) =>
        c is >= 0x21 and < 0x7f ? $"'{(char)c}'" : string.Create(CultureInfo.InvariantCulture, $"the byte 0x{c:x2}");

    private static SwarmException Invalid(string path, string problem, string remediation) =>
        new("DataFileInvalid", $"The data file '{path}' cannot be used: {problem}.", remediation, SwarmErrorCategory.InvalidData, path);
}
