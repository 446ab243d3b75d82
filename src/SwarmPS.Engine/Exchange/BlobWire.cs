namespace SwarmPS.Engine.Exchange;

/// <summary>The JSON answers of the blob routes (docs/exchange-protocol.md, Blobs), shared by the gateway and <see cref="ExchangeBlobClient"/>.</summary>
public static class BlobWire
{
    /// <summary>Response header on a HEAD of an unfinished blob and on every refused or partial upload: the bytes of it the exchange holds.</summary>
    public const string OffsetHeader = "Upload-Offset";

    /// <summary>Response header on a HEAD of an unfinished blob: the largest blob this exchange takes, so a sender can check before it sends.</summary>
    public const string LimitHeader = "Upload-Limit";

    public const string MediaType = "application/octet-stream";

    /// <summary>A blob the exchange holds (201 created by this request, 200 already there).</summary>
    public sealed record Receipt(string Digest, long Size, bool Created);

    /// <summary>A resumable upload that is not complete yet (202): the bytes of it the exchange holds.</summary>
    public sealed record Progress(string Digest, long Offset);

    /// <summary>An error body, with <see cref="Offset"/> where the sender should resume (BlobOffsetMismatch and the like).</summary>
    public sealed record Refusal(string Error, string Message, string? Remediation, long? Offset);
}
