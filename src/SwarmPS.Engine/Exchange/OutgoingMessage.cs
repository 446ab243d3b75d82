namespace SwarmPS.Engine.Exchange;

/// <summary>
/// A message to store in mailbox <see cref="To"/>. <see cref="Id"/> is chosen by the sender so a retry after
/// a lost answer is stored once; <see cref="Body"/> is opaque text (agents usually put JSON in it).
/// </summary>
public sealed record OutgoingMessage(Guid Id, Guid To, string Body, Guid? From = null)
{
    public static OutgoingMessage Create(Guid to, string body, Guid? from = null) => new(Guid.NewGuid(), to, body, from);
}
