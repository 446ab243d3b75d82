using System.Security.Cryptography;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The name of a blob on the exchange: "sha256:" and the 64 lowercase hex digits of the SHA-256 of its
/// bytes, exactly that spelling. Only hex digits reach the file system (as the blob's file name), so no
/// name can traverse out of the blob directory: there is nothing to escape in it.
/// </summary>
public sealed record BlobDigest
{
    public const string Prefix = "sha256:";

    private BlobDigest(string hex) => Hex = hex;

    /// <summary>The 64 lowercase hex digits.</summary>
    public string Hex { get; }

    /// <summary>The name as it appears in routes, receipts and manifests: sha256:&lt;hex&gt;.</summary>
    public override string ToString() => Prefix + Hex;

    public static bool TryParse(string? text, out BlobDigest digest)
    {
        digest = null!;
        if (text is null || text.Length != Prefix.Length + 64 || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in text.AsSpan(Prefix.Length))
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        digest = new BlobDigest(text[Prefix.Length..]);
        return true;
    }

    public static BlobDigest Parse(string? text) => TryParse(text, out var digest) ? digest : throw Invalid(text);

    /// <summary>The digest of a finished SHA-256.</summary>
    public static BlobDigest From(byte[] sha256) => new(Convert.ToHexString(sha256).ToLowerInvariant());

    /// <summary>Reads <paramref name="stream"/> from where it stands to its end.</summary>
    public static BlobDigest Of(Stream stream) => From(SHA256.HashData(stream));

    /// <summary>Reads <paramref name="stream"/> from where it stands to its end.</summary>
    public static async Task<BlobDigest> OfAsync(Stream stream, CancellationToken cancellationToken) =>
        From(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));

    public static SwarmException Invalid(string? text) => new(
        "BlobNameInvalid",
        $"'{Shorten(text)}' is not a blob name: a blob is named sha256: followed by exactly 64 lowercase hex digits.",
        "Name the blob by its SHA-256 as sha256:<64 lowercase hex digits> (e.g. from sha256sum or Get-FileHash, lower-cased).",
        SwarmErrorCategory.InvalidArgument,
        Shorten(text));

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 100 ? text : text[..100] + "...";
}
