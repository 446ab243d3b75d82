using System.Text.RegularExpressions;
using SwarmPS.Engine.Exchange;

namespace SwarmPS.Engine.Training;

/// <summary>
/// The two spellings of a sha256 in the training records: <c>sha256:&lt;hex&gt;</c> (manifests, verdicts,
/// the exchange) and bare lowercase hex (the merge receipt's file digests). Comparisons go through
/// <see cref="Hex"/> so the same bytes compare equal whichever record cites them.
/// </summary>
public static partial class TrainingDigest
{
    public static bool IsDigest(string? text) => text is not null && (BlobDigest.TryParse(text, out _) || BareHex().IsMatch(text));

    /// <summary>The 64 hex digits of either spelling; the text unchanged when it is neither (it then equals no digest).</summary>
    public static string Hex(string? text) =>
        text is null ? "" : BlobDigest.TryParse(text, out var digest) ? digest.Hex : text;

    public static bool Same(string? left, string? right) => IsDigest(left) && IsDigest(right) && Hex(left) == Hex(right);

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex BareHex();
}
