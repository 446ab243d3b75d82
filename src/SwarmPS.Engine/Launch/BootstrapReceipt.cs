namespace SwarmPS.Engine.Launch;

/// <summary>Proof that the kickoff was stored for the recipient. <see cref="Duplicate"/>: it had been sent before (the same id), so it was not stored twice.</summary>
public sealed record BootstrapReceipt(string RunId, string Recipient, Guid RecipientId, Guid MessageId, bool Duplicate, DateTimeOffset SentAt);
