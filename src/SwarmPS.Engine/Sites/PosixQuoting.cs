namespace SwarmPS.Engine.Sites;

/// <summary>
/// Quotes words for a POSIX shell. OpenSSH hands the remote login shell one command string, so each
/// argv element is wrapped in single quotes (inside which nothing is special) and any single quote is
/// written as '\''. The result re-parses to exactly the original words.
/// </summary>
public static class PosixQuoting
{
    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(IsSafe))
        {
            return word;
        }

        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    public static string Join(IEnumerable<string> words) => string.Join(' ', words.Select(Quote));

    private static bool IsSafe(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.' or '/' or ':' or '=' or '@' or ',' or '+' or '%';
}
