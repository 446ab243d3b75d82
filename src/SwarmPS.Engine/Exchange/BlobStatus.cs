namespace SwarmPS.Engine.Exchange;

/// <summary>
/// What the exchange holds of a blob (a HEAD): <see cref="Size"/> when it is complete, else null and
/// <see cref="UploadOffset"/>, the bytes of an unfinished upload that have arrived (0 when none has begun),
/// and <see cref="UploadLimit"/>, the largest blob the exchange takes.
/// </summary>
public sealed record BlobStatus(BlobDigest Digest, long? Size, long UploadOffset, long? UploadLimit = null)
{
    public bool IsComplete => Size is not null;
}
