using System.Net;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The exchange's error ids and the HTTP status each travels as. Both sides use this table, so an error
/// thrown by the store reaches a remote caller as the same SwarmException it would get in-process.
/// </summary>
public static class ExchangeErrors
{
    private static readonly Dictionary<string, HttpStatusCode> StatusById = new(StringComparer.Ordinal)
    {
        ["MailboxExists"] = HttpStatusCode.Conflict,
        ["MailboxTerminated"] = HttpStatusCode.Conflict,
        ["MailboxLimitReached"] = HttpStatusCode.Conflict,
        ["ExchangeMailboxLimitReached"] = HttpStatusCode.Conflict,
        ["ExchangePendingLimitReached"] = HttpStatusCode.Conflict,
        ["LongPollLimitReached"] = HttpStatusCode.TooManyRequests,
        ["RequestBufferLimitReached"] = HttpStatusCode.TooManyRequests,
        ["MailboxNotFound"] = HttpStatusCode.NotFound,
        ["RouteNotFound"] = HttpStatusCode.NotFound,
        ["MethodNotAllowed"] = HttpStatusCode.MethodNotAllowed,
        ["ContentTypeUnsupported"] = HttpStatusCode.UnsupportedMediaType,
        ["MessageTooLarge"] = HttpStatusCode.RequestEntityTooLarge,
        ["RequestTooLarge"] = HttpStatusCode.RequestEntityTooLarge,
        ["Unauthorized"] = HttpStatusCode.Unauthorized,
        ["BlobNotFound"] = HttpStatusCode.NotFound,
        ["BlobTooLarge"] = HttpStatusCode.RequestEntityTooLarge,
        ["BlobOffsetMismatch"] = HttpStatusCode.Conflict,
        ["BlobUploadInProgress"] = HttpStatusCode.Conflict,
        ["BlobRangeNotSatisfiable"] = HttpStatusCode.RequestedRangeNotSatisfiable,
        ["ContributionConflict"] = HttpStatusCode.Conflict,
        ["ContributionLimitReached"] = HttpStatusCode.Conflict,
        ["RequestTimeout"] = HttpStatusCode.RequestTimeout,
        // The RabbitMQ backend: the broker is the exchange's own store, so its failures are the exchange's (5xx).
        ["BrokerUnavailable"] = HttpStatusCode.ServiceUnavailable,
        ["BrokerAuthenticationFailed"] = HttpStatusCode.ServiceUnavailable,
        ["MailboxQueueMissing"] = HttpStatusCode.ServiceUnavailable,
        ["MailboxQueueConflict"] = HttpStatusCode.ServiceUnavailable,
    };

    /// <summary>The status for an error id; anything a client caused and not listed is 400.</summary>
    public static HttpStatusCode StatusFor(string errorId) =>
        StatusById.TryGetValue(errorId, out var status) ? status : HttpStatusCode.BadRequest;

    public static SwarmException Invalid(string errorId, string message, string remediation) =>
        new(errorId, message, remediation, SwarmErrorCategory.InvalidArgument);

    public static SwarmException MailboxNotFound(Guid id) => new(
        "MailboxNotFound",
        $"Mailbox {id} is not registered on this exchange.",
        "Register the agent first (Register-SwarmMailbox), or check the run id and agent name the id was derived from (Get-SwarmAgentId).",
        SwarmErrorCategory.ObjectNotFound,
        id);

    public static SwarmException MailboxTerminated(Guid id) => new(
        "MailboxTerminated",
        $"Mailbox {id} is terminated and takes no new messages.",
        "Register the agent again if it was restarted; otherwise stop sending to it.",
        SwarmErrorCategory.InvalidOperation,
        id);

    public static SwarmException MailboxExists(Guid id, string runId, string name) => new(
        "MailboxExists",
        $"Mailbox {id} for agent '{name}' of run '{runId}' is registered and still heartbeating: another launch with the same run id is live.",
        $"Choose a different run id for this launch, or stop the launch that holds it first: Stop-SwarmSite -RunId {runId} on the machine that started it.",
        SwarmErrorCategory.ResourceExists,
        id);
}
