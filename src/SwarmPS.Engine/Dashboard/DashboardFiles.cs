using System.Text.RegularExpressions;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Dashboard;

/// <summary>
/// The one way a dashboard request names a file of the run (<c>/files/&lt;site&gt;/&lt;path&gt;</c>): each segment
/// is percent-decoded once and must be a plain name (letters, digits, <c>._-</c>; never <c>.</c> or <c>..</c>),
/// every directory on the way and the file itself must not be a symbolic link, and the file must be a regular
/// one inside the site's directory. Anything else is "not found", whatever it points at, so a request cannot
/// tell a refused path from a missing one.
/// </summary>
public static partial class DashboardFiles
{
    /// <summary>The most of a file one request returns: its last bytes (a log's tail is what an operator wants).</summary>
    public const int MaxBytes = 1024 * 1024;

    private const int MaxDepth = 6;

    /// <summary>The file's full path, or null when the request may not read it.</summary>
    public static string? Resolve(string siteDirectory, IReadOnlyList<string> rawSegments)
    {
        if (rawSegments.Count is 0 or > MaxDepth)
        {
            return null;
        }

        var path = Path.GetFullPath(siteDirectory);
        if (IsLink(path))
        {
            return null;
        }

        foreach (var raw in rawSegments)
        {
            string segment;
            try
            {
                segment = Uri.UnescapeDataString(raw);
            }
            catch (UriFormatException)
            {
                return null;
            }

            if (!PlainName().IsMatch(segment) || segment is "." or "..")
            {
                return null;
            }

            path = Path.Combine(path, segment);
            if (IsLink(path))
            {
                return null;
            }
        }

        try
        {
            return BoundedFileRead.IsRegularFile(path, followLinks: false) ? path : null;
        }
        catch (FileRefusedException)
        {
            return null;
        }
    }

    /// <summary>The last <see cref="MaxBytes"/> of the file.</summary>
    public static byte[] ReadTail(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = (int)Math.Min(stream.Length, MaxBytes);
        stream.Seek(-length, SeekOrigin.End);
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    // LinkTarget reads the entry itself (lstat), so a dangling link counts too.
    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex PlainName();
}
