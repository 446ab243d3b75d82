using System.Text;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Ledger;

/// <summary>
/// Just enough of gitignore(5) matching to ask "does this line exclude that path?": anchoring (a '/'
/// at the start or in the middle), directory-only patterns (a trailing '/'), '*', '?', '**' and
/// bracket classes. Negations and comments are not patterns here; the caller skips them.
/// </summary>
internal sealed class GitIgnorePattern
{
    private readonly Regex _regex;
    private readonly bool _directoryOnly;

    private GitIgnorePattern(Regex regex, bool directoryOnly)
    {
        _regex = regex;
        _directoryOnly = directoryOnly;
    }

    /// <summary>The pattern of an excluding line, or null for blanks, comments and negations.</summary>
    public static GitIgnorePattern? Parse(string line)
    {
        var text = line.TrimEnd();
        if (text.Length == 0 || text.StartsWith('#') || text.StartsWith('!'))
        {
            return null;
        }

        var directoryOnly = text.EndsWith('/');
        text = text.TrimEnd('/');
        var anchored = text.Contains('/');
        text = text.TrimStart('/');
        if (text.Length == 0)
        {
            return null;
        }

        var regex = new StringBuilder(anchored ? "^" : "^(?:.*/)?");
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '*' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var slash = i + 2 < text.Length && text[i + 2] == '/';
                regex.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[' && text.IndexOf(']', i + 1) is var close && close > i + 1)
            {
                var body = text[(i + 1)..close].Replace("\\", "\\\\");
                regex.Append('[').Append(body.StartsWith('!') ? "^" + body[1..] : body).Append(']');
                i = close;
            }
            else if (c == '\\' && i + 1 < text.Length)
            {
                regex.Append(Regex.Escape(text[++i].ToString()));
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        regex.Append('$');
        return new GitIgnorePattern(new Regex(regex.ToString(), RegexOptions.CultureInvariant), directoryOnly);
    }

    /// <summary>Whether the pattern matches a repository-relative path ('/' separated).</summary>
    public bool Matches(string relativePath, bool isDirectory) =>
        (isDirectory || !_directoryOnly) && _regex.IsMatch(relativePath);
}
