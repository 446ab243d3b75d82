using System.Text;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.CodeSync;

/// <summary>
/// One -Exclude glob, matched against a path relative to the tree's root (forward slashes). Like a
/// .gitignore line: <c>*</c> and <c>?</c> stay within one path segment, <c>**</c> crosses them; a pattern
/// without a slash (<c>*.log</c>, <c>data</c>) matches a file or folder of that name at any depth; one with
/// a slash (<c>docs/build</c>, <c>/out</c>) matches from the root. A matching folder excludes all inside it.
/// Matching is case-sensitive, as the file systems of the sites are.
/// </summary>
public sealed class CodeExcludePattern
{
    private readonly Regex _regex;
    private readonly bool _anyDepth;

    public CodeExcludePattern(string pattern)
    {
        var text = pattern.Trim().TrimEnd('/');
        if (text.Length == 0 || text == "/")
        {
            throw new SwarmException(
                "CodeExcludeInvalid",
                $"The exclude pattern '{pattern}' is empty.",
                "Give a glob such as '*.log', 'data' or 'results/**'.",
                SwarmErrorCategory.InvalidArgument,
                pattern);
        }

        Pattern = pattern;
        _anyDepth = !text.Contains('/');
        _regex = new Regex("^" + ToRegex(text.TrimStart('/')) + "$", RegexOptions.CultureInvariant);
    }

    public string Pattern { get; }

    /// <summary>Whether the file at <paramref name="relativePath"/>, or a folder above it, is excluded.</summary>
    public bool Excludes(string relativePath)
    {
        var segments = relativePath.Split('/');
        if (_anyDepth)
        {
            return segments.Any(_regex.IsMatch);
        }

        for (var count = 1; count <= segments.Length; count++)
        {
            if (_regex.IsMatch(string.Join('/', segments, 0, count)))
            {
                return true;
            }
        }

        return false;
    }

    private static string ToRegex(string glob)
    {
        var regex = new StringBuilder();
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                // "**/" matches zero or more whole folders; a bare "**" anything at all.
                if (i + 2 < glob.Length && glob[i + 2] == '/')
                {
                    regex.Append("(?:.*/)?");
                    i += 2;
                }
                else
                {
                    regex.Append(".*");
                    i++;
                }
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        return regex.ToString();
    }
}
