using System.Text;
using System.Text.RegularExpressions;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// The one check between a path the remote host names and a file written here. The remote listing is
/// already filtered there (find prunes odd names and never follows links), but it comes from a host whose
/// files agents write, so every path is checked again before it becomes a local path: at most
/// <see cref="MaxDepth"/> segments, each of <c>[A-Za-z0-9._-]{1,128}</c> and neither <c>.</c> nor <c>..</c>.
/// Such a path cannot leave the mirror directory, whatever a remote prints.
/// </summary>
public static partial class MirrorPath
{
    /// <summary>Files this deep under the site directory are copied (agents/&lt;name&gt;/stdout.log is 3).</summary>
    public const int MaxDepth = 4;

    public const int MaxSegmentLength = 128;

    /// <summary>True when <paramref name="relative"/> ('/'-separated) may be copied into a mirror.</summary>
    public static bool IsSafe(string relative)
    {
        var segments = relative.Split('/');
        return segments.Length is >= 1 and <= MaxDepth
            && segments.All(segment => Segment().IsMatch(segment) && segment is not "." and not "..");
    }

    /// <summary>The local path of a safe relative path under <paramref name="root"/>; null for an unsafe one.</summary>
    public static string? Local(string root, string relative)
    {
        if (!IsSafe(relative))
        {
            return null;
        }

        var local = Path.GetFullPath(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)));
        // Belt and braces: the segment check already rules out any way out of root.
        return local.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? local : null;
    }

    /// <summary>A remote name for a message: control characters (a newline in a name) shown escaped, never raw.</summary>
    public static string Printable(string name)
    {
        var text = new StringBuilder(name.Length);
        foreach (var character in name)
        {
            text.Append(char.IsControl(character) ? $"\\x{(int)character:x2}" : character.ToString());
        }

        return text.ToString();
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex Segment();
}
