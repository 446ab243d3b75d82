namespace SwarmPS.Engine.Exchange;

public enum ExchangeRouteKind
{
    NotFound,
    MethodNotAllowed,
    Health,
    Summary,
    Register,
    Query,
    Mailbox,
    Heartbeat,
    Terminate,
    Send,
    SendBatch,
    Receive,
    Acknowledge,
    Release,
    CancelReceive,

    /// <summary>Anything under /v1/blobs/: <see cref="BlobRoutes"/> checks the name and the method.</summary>
    Blob,

    /// <summary>Anything under /v1/runs/{runId}/contributions: <see cref="ContributionRoutes"/> checks the names and the method.</summary>
    Contributions,
}

/// <summary>
/// Matches the raw request path against the versioned routes. It works on the undecoded path split at
/// '/', so "..", "%2e%2e", doubled slashes or an id with extra characters simply do not match any
/// route: there is no file system behind the gateway, and nothing to traverse.
/// </summary>
public readonly record struct ExchangeRoute(ExchangeRouteKind Kind, Guid MailboxId, string LogPath)
{
    public static ExchangeRoute Parse(string method, string? rawUrl)
    {
        var path = PathForLog(rawUrl);
        var segments = path.Split('/');

        // A valid path is "/v1/..." : the first segment is empty, the second the version.
        if (segments.Length < 3 || segments[0].Length != 0 || segments[1] != "v1")
        {
            return new(ExchangeRouteKind.NotFound, Guid.Empty, path);
        }

        var rest = segments[2..];
        return rest switch
        {
            ["health"] => Method(method, "GET", ExchangeRouteKind.Health, Guid.Empty, path),
            ["exchange"] => Method(method, "GET", ExchangeRouteKind.Summary, Guid.Empty, path),
            ["messages"] => Method(method, "POST", ExchangeRouteKind.SendBatch, Guid.Empty, path),
            ["mailboxes"] => Method(method, "POST", ExchangeRouteKind.Register, Guid.Empty, path),
            ["mailboxes", "query"] => Method(method, "POST", ExchangeRouteKind.Query, Guid.Empty, path),
            ["mailboxes", var id] when TryId(id, out var mailbox) => Method(method, "GET", ExchangeRouteKind.Mailbox, mailbox, path),
            ["mailboxes", var id, var action] when TryId(id, out var mailbox) => action switch
            {
                "heartbeat" => Method(method, "POST", ExchangeRouteKind.Heartbeat, mailbox, path),
                "terminate" => Method(method, "POST", ExchangeRouteKind.Terminate, mailbox, path),
                "messages" => Method(method, "POST", ExchangeRouteKind.Send, mailbox, path),
                "receive" => Method(method, "POST", ExchangeRouteKind.Receive, mailbox, path),
                "acknowledge" => Method(method, "POST", ExchangeRouteKind.Acknowledge, mailbox, path),
                "release" => Method(method, "POST", ExchangeRouteKind.Release, mailbox, path),
                _ => new(ExchangeRouteKind.NotFound, Guid.Empty, path),
            },
            ["blobs", _, ..] => new(ExchangeRouteKind.Blob, Guid.Empty, path),
            ["runs", _, "contributions", ..] => new(ExchangeRouteKind.Contributions, Guid.Empty, path),
            ["mailboxes", var id, "receive", "cancel"] when TryId(id, out var mailbox) => Method(method, "POST", ExchangeRouteKind.CancelReceive, mailbox, path),
            _ => new(ExchangeRouteKind.NotFound, Guid.Empty, path),
        };
    }

    /// <summary>The path without its query string (which a careless client might fill with secrets), bounded in length.</summary>
    public static string PathForLog(string? rawUrl)
    {
        var path = rawUrl ?? "";
        var query = path.IndexOf('?');
        if (query >= 0)
        {
            path = path[..query];
        }

        return path.Length <= 200 ? path : path[..200];
    }

    /// <summary>Only the canonical 36-character form: no braces, no hex blob, no decoding games.</summary>
    private static bool TryId(string segment, out Guid id) => Guid.TryParseExact(segment, "D", out id);

    private static ExchangeRoute Method(string actual, string expected, ExchangeRouteKind kind, Guid id, string path) =>
        string.Equals(actual, expected, StringComparison.Ordinal)
            ? new(kind, id, path)
            : new(ExchangeRouteKind.MethodNotAllowed, id, path);
}
