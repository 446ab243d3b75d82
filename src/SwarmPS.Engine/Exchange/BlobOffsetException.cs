namespace SwarmPS.Engine.Exchange;

/// <summary>A refused upload that tells the sender where to resume: the bytes of the blob the exchange holds.</summary>
public sealed class BlobOffsetException(string errorId, string message, string remediation, long offset)
    : SwarmException(errorId, message, remediation, SwarmErrorCategory.InvalidOperation)
{
    public long Offset { get; } = offset;
}
