using System.Text;
using System.Text.RegularExpressions;

namespace SwarmPS.Surface.Tests.Surface;

/// <summary>
/// The string lists of a module manifest (.psd1), read from its text without PowerShell. It understands
/// the forms a hand-written manifest uses: `Key = @( 'a', "b" )` over several lines, `Key = 'a', 'b'`,
/// `Key = @()`, and `#` comments (also after a value); it does not evaluate PowerShell.
/// </summary>
public sealed class ManifestText
{
    private readonly string _text;

    public ManifestText(string path)
    {
        Path = path;
        _text = StripComments(File.ReadAllText(path));
    }

    public string Path { get; }

    /// <summary>The strings of <paramref name="key"/>, in file order; null when the key is absent.</summary>
    public IReadOnlyList<string>? StringList(string key)
    {
        var start = Regex.Match(_text, $@"(?im)^\s*{Regex.Escape(key)}\s*=\s*");
        if (!start.Success)
        {
            return null;
        }

        var rest = _text[(start.Index + start.Length)..];
        string value;
        if (rest.StartsWith("@(", StringComparison.Ordinal))
        {
            var close = ClosingParenthesis(rest);
            value = rest[2..close];
        }
        else
        {
            // A bare list ends with the line, unless a trailing comma carries it on.
            var lines = rest.Split('\n');
            var builder = new StringBuilder(lines[0]);
            for (var index = 1; index < lines.Length && builder.ToString().TrimEnd().EndsWith(',') ; index++)
            {
                builder.Append('\n').Append(lines[index]);
            }

            value = builder.ToString();
        }

        return Regex.Matches(value, @"'((?:[^']|'')*)'|""([^""]*)""")
            .Select(match => match.Groups[1].Success ? match.Groups[1].Value.Replace("''", "'") : match.Groups[2].Value)
            .ToList();
    }

    private int ClosingParenthesis(string text)
    {
        var depth = 0;
        char? quote = null;
        for (var index = 0; index < text.Length; index++)
        {
            var character = text[index];
            if (quote is not null)
            {
                if (character == quote)
                {
                    quote = null;
                }
            }
            else if (character is '\'' or '"')
            {
                quote = character;
            }
            else if (character == '(')
            {
                depth++;
            }
            else if (character == ')' && --depth == 0)
            {
                return index;
            }
        }

        throw new FormatException($"{Path}: a @( list is not closed.");
    }

    /// <summary>Removes `#` line comments and `&lt;# #&gt;` block comments, leaving quoted text alone.</summary>
    private static string StripComments(string text)
    {
        var result = new StringBuilder(text.Length);
        char? quote = null;
        for (var index = 0; index < text.Length; index++)
        {
            var character = text[index];
            if (quote is not null)
            {
                result.Append(character);
                if (character == quote)
                {
                    quote = null;
                }
            }
            else if (character is '\'' or '"')
            {
                quote = character;
                result.Append(character);
            }
            else if (character == '<' && index + 1 < text.Length && text[index + 1] == '#')
            {
                var end = text.IndexOf("#>", index + 2, StringComparison.Ordinal);
                index = end < 0 ? text.Length : end + 1;
            }
            else if (character == '#')
            {
                while (index < text.Length && text[index] != '\n')
                {
                    index++;
                }

                result.Append('\n');
            }
            else
            {
                result.Append(character);
            }
        }

        return result.ToString();
    }
}
