using System.Text.Json;
using System.Text.Json.Serialization;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The JSON shapes of docs/exchange-protocol.md, shared by the gateway and the HTTP client so the two can
/// never disagree. Request fields are nullable so a missing field is told apart from a default.
/// </summary>
public static class ExchangeWire
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 16,
    };

    public const string MediaType = "application/json";

    public sealed record RegisterRequest(string? RunId, string? Name);

    public sealed record SendRequest(Guid? Id, Guid? To, Guid? From, string? Body);

    public sealed record SendBatchRequest(List<SendRequest?>? Messages);

    public sealed record SendResponse(Guid Id, Guid To, bool Duplicate);

    public sealed record SendBatchResponse(List<SendResponse> Results);

    /// <summary>
    /// <see cref="Acknowledge"/>: ids of earlier messages of this mailbox to acknowledge first (ack-on-receive).
    /// <see cref="Poll"/>: an id the client picks for this wait, so that it can cancel it (<see cref="CancelReceiveRequest"/>).
    /// </summary>
    public sealed record ReceiveRequestBody(int? MaxMessages, int? LeaseMilliseconds, int? WaitMilliseconds, List<Guid>? Acknowledge = null, Guid? Poll = null);

    public sealed record CancelReceiveRequest(Guid? Poll);

    /// <summary><see cref="Cancelled"/>: a wait with that id was in progress and ended without leasing.</summary>
    public sealed record CancelReceiveResponse(bool Cancelled);

    public sealed record ReleaseResponse(int Released);

    public sealed record ReceiveResponse(List<MessageView> Messages);

    public sealed record IdsRequest(List<Guid>? Ids);

    public sealed record AcknowledgeResponse(int Acknowledged);

    public sealed record MailboxesResponse(List<MailboxView> Mailboxes);

    public sealed record ErrorResponse(string Error, string Message, string? Remediation = null);

    /// <summary>backend is absent from exchanges older than the RabbitMQ backend.</summary>
    public sealed record SummaryResponse(long Mailboxes, long ActiveMailboxes, long PendingMessages, long StoreBytes, int Pid, DateTimeOffset StartedAt, string Version, string? Backend = null);

    /// <summary>A mailbox on the wire; silentMs and staleAfterMs are the exchange's own measure of its silence and its threshold (absent from older exchanges).</summary>
    public sealed record MailboxView(
        Guid Id, string RunId, string Name, string State, DateTimeOffset RegisteredAt, DateTimeOffset LastHeartbeat, long Pending,
        long? SilentMs = null, long? StaleAfterMs = null)
    {
        public static MailboxView From(MailboxStatus status) => new(
            status.Id, status.RunId, status.Name, status.State.ToString().ToUpperInvariant(), status.RegisteredAt, status.LastHeartbeat, status.Pending,
            status.SilentFor is { } silent ? (long)silent.TotalMilliseconds : null,
            status.ExchangeStaleAfter is { } threshold ? (long)threshold.TotalMilliseconds : null);

        public MailboxStatus ToStatus() => new(
            Id, RunId, Name, Enum.Parse<MailboxState>(State, ignoreCase: true), RegisteredAt, LastHeartbeat, Pending)
        {
            SilentFor = SilentMs is long silent && silent >= 0 ? TimeSpan.FromMilliseconds(silent) : null,
            ExchangeStaleAfter = StaleAfterMs is long threshold && threshold > 0 ? TimeSpan.FromMilliseconds(threshold) : null,
        };
    }

    public sealed record MessageView(Guid Id, Guid To, Guid? From, string Body, DateTimeOffset SentAt, int DeliveryCount, DateTimeOffset LeaseExpiresAt)
    {
        public static MessageView Of(ReceivedMessage m) => new(m.Id, m.To, m.From, m.Body, m.SentAt, m.DeliveryCount, m.LeaseExpiresAt);

        public ReceivedMessage ToMessage() => new(Id, To, From, Body, SentAt, DeliveryCount, LeaseExpiresAt);
    }
}
