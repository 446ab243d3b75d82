namespace SwarmPS.Engine.Exchange;

/// <summary>
/// A blob the exchange holds: its name, its size, and whether this request stored it (false: it was
/// already there, and nothing was rewritten).
/// </summary>
public sealed record BlobReceipt(BlobDigest Digest, long Size, bool Created);
