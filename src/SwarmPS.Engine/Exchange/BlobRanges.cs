using System.Globalization;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The two byte-range headers of the blob routes, parsed strictly: <c>Range: bytes=a-b | a- | -n</c> on a
/// read (one range; a list of ranges is refused, not half served) and <c>Content-Range: bytes a-b/total</c>
/// on a resumable upload. Positions are non-negative decimal integers without signs or spaces inside.
/// </summary>
public static class BlobRanges
{
    private const string RangeUnit = "bytes=";
    private const string ContentRangeUnit = "bytes ";

    /// <summary>What a Range header asks of a blob.</summary>
    public enum Answer
    {
        /// <summary>The bytes <c>First</c>..<c>Last</c>, inclusive: 206.</summary>
        Partial,

        /// <summary>Nothing of the blob (it starts past its end): 416.</summary>
        NotSatisfiable,
    }

    /// <summary>
    /// The range a <c>Range</c> header selects from a blob of <paramref name="size"/> bytes (a last position
    /// past the end is clipped to it, as RFC 9110 says). BlobRangeInvalid when the header is not one byte range.
    /// </summary>
    public static (Answer Answer, long First, long Last) Select(string header, long size)
    {
        var text = header.Trim();
        if (!text.StartsWith(RangeUnit, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid($"The Range header '{Shorten(header)}' is not in bytes=<first>-<last> form.");
        }

        var spec = text[RangeUnit.Length..];
        var dash = spec.IndexOf('-');
        if (dash < 0 || spec.Contains(','))
        {
            throw Invalid($"The Range header '{Shorten(header)}' is not a single byte range (bytes=<first>-<last>, bytes=<first>- or bytes=-<suffix length>).");
        }

        var firstText = spec[..dash];
        var lastText = spec[(dash + 1)..];
        if (firstText.Length == 0)
        {
            // A suffix: the last n bytes.
            var suffix = Position(lastText, header);
            return suffix == 0 || size == 0 ? (Answer.NotSatisfiable, 0, 0) : (Answer.Partial, Math.Max(0, size - suffix), size - 1);
        }

        var first = Position(firstText, header);
        var last = lastText.Length == 0 ? long.MaxValue : Position(lastText, header);
        if (last < first)
        {
            throw Invalid($"The Range header '{Shorten(header)}' ends before it starts.");
        }

        return first >= size ? (Answer.NotSatisfiable, 0, 0) : (Answer.Partial, first, Math.Min(last, size - 1));
    }

    /// <summary>A <c>Content-Range: bytes a-b/total</c> of an upload; BlobRangeInvalid when it is not one, or not inside total.</summary>
    public static (long First, long Last, long Total) ParseContentRange(string header)
    {
        var text = header.Trim();
        var slash = text.IndexOf('/');
        var dash = text.IndexOf('-');
        if (!text.StartsWith(ContentRangeUnit, StringComparison.OrdinalIgnoreCase) || slash < 0 || dash < 0 || dash > slash)
        {
            throw Invalid($"The Content-Range header '{Shorten(header)}' is not in bytes <first>-<last>/<total> form.");
        }

        var first = Position(text[ContentRangeUnit.Length..dash], header);
        var last = Position(text[(dash + 1)..slash], header);
        var total = Position(text[(slash + 1)..], header);
        if (last < first || last >= total)
        {
            throw Invalid($"The Content-Range header '{Shorten(header)}' names bytes outside 0 to total-1, or ends before it starts.");
        }

        return (first, last, total);
    }

    internal static SwarmException Invalid(string message) => new(
        "BlobRangeInvalid",
        message,
        "Send one range: Range: bytes=<first>-<last> to read, Content-Range: bytes <first>-<last>/<total> to upload (docs/exchange-protocol.md, Blobs).",
        SwarmErrorCategory.InvalidArgument);

    private static long Position(string text, string header) =>
        text.Length is > 0 and <= 19 && text.All(char.IsAsciiDigit) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Invalid($"'{Shorten(text)}' in the header '{Shorten(header)}' is not a byte position.");

    private static string Shorten(string text) => text.Length <= 100 ? text : text[..100] + "...";
}
