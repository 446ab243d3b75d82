namespace SwarmPS.Engine.Exchange;

/// <summary>The exchange's word that a message is stored durably. <see cref="Duplicate"/> says it was already stored before.</summary>
public sealed record SendReceipt(Guid Id, Guid To, bool Duplicate);
