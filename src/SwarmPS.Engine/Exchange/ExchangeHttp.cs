using System.Net;
using System.Net.Http.Json;
using System.Security.Authentication;
using System.Text.Json;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// What every HTTP client of the exchange shares (<see cref="HttpExchangeClient"/> for mailboxes,
/// <see cref="ExchangeBlobClient"/> for blobs): the handler, which honours the proxy variables and believes
/// only the certificate <see cref="ExchangeTrust"/> says, and the translation of failures and error bodies
/// into the same <see cref="SwarmException"/> the exchange raised.
/// </summary>
internal static class ExchangeHttp
{
    /// <summary>A handler for <paramref name="connection"/>; over HTTPS <paramref name="check"/> explains a refused certificate.</summary>
    public static HttpMessageHandler CreateHandler(ExchangeConnection connection, out ServerCertificateCheck? check)
    {
        check = null;
        var sockets = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
        if (connection.Url.Scheme == Uri.UriSchemeHttps)
        {
            // Always our own check, so a refused certificate is explained (fingerprint and fix), not just "SSL failed".
            check = (connection.Trust ?? ExchangeTrust.FromEnvironment()).CreateCheck(connection.Url);
            sockets.SslOptions.RemoteCertificateValidationCallback = check.Validate;
        }

        return sockets;
    }

    /// <summary>The request could not be made: the certificate's refusal when that was the cause, else ExchangeUnreachable.</summary>
    public static SwarmException Unreachable(Uri baseUrl, HttpRequestException error, ServerCertificateCheck? check) =>
        error.InnerException is AuthenticationException && check?.Refusal is { } refusal
            ? new SwarmException(refusal.ErrorId, refusal.Message, refusal.Remediation, refusal.Category, baseUrl, error)
            : new SwarmException(
                "ExchangeUnreachable",
                $"Could not reach the exchange at {baseUrl}: {error.Message}",
                "Start it (Start-SwarmExchange) or fix SWARM_EXCHANGE_URL; from a compute node check the HTTP proxy or SSH tunnel.",
                SwarmErrorCategory.ConnectionError,
                baseUrl,
                error);

    public static SwarmException Timeout(Uri baseUrl, HttpRequestMessage request) => new(
        "ExchangeTimeout",
        $"The exchange at {baseUrl} did not answer {request.Method} {request.RequestUri} in time.",
        "Check that the exchange is running (Get-SwarmExchange) and reachable from here (proxy, SSH tunnel).",
        SwarmErrorCategory.OperationTimeout,
        baseUrl);

    /// <summary>The error a non-success answer carries: its ErrorId when it has a SwarmPS error body, else ExchangeUnauthorized or ExchangeProtocolError.</summary>
    public static async Task<SwarmException> ErrorOfAsync(HttpResponseMessage response, Uri baseUrl, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            return new SwarmException(
                "ExchangeUnauthorized",
                $"The exchange at {baseUrl} refused the token.",
                "Set SWARM_EXCHANGE_TOKEN to the token the exchange was started with.",
                SwarmErrorCategory.PermissionDenied,
                baseUrl);
        }

        ExchangeWire.ErrorResponse? error = null;
        try
        {
            error = await response.Content.ReadFromJsonAsync<ExchangeWire.ErrorResponse>(ExchangeWire.Json, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception parse) when (parse is JsonException or NotSupportedException or InvalidOperationException or HttpRequestException or IOException)
        {
            // Not our gateway (a proxy's HTML page, say), or no body (a HEAD): fall through to the generic error.
        }

        if (error is null || string.IsNullOrEmpty(error.Error))
        {
            return new SwarmException(
                "ExchangeProtocolError",
                $"The exchange at {baseUrl} answered {(int)response.StatusCode} {response.ReasonPhrase} without a SwarmPS error body.",
                "Check that the URL points at a SwarmPS exchange and not at a proxy or another service.",
                SwarmErrorCategory.InvalidData,
                baseUrl);
        }

        return new SwarmException(error.Error, error.Message, error.Remediation ?? "See docs/exchange-protocol.md.", CategoryFor(response.StatusCode), baseUrl);
    }

    public static SwarmException EmptyBody(Uri baseUrl) =>
        new("ExchangeProtocolError", $"The exchange at {baseUrl} answered with an empty body.", "Check that the URL points at a SwarmPS exchange.", SwarmErrorCategory.InvalidData, baseUrl);

    private static SwarmErrorCategory CategoryFor(HttpStatusCode status) => status switch
    {
        HttpStatusCode.NotFound => SwarmErrorCategory.ObjectNotFound,
        HttpStatusCode.Conflict => SwarmErrorCategory.ResourceExists,
        HttpStatusCode.ServiceUnavailable => SwarmErrorCategory.ResourceUnavailable,
        HttpStatusCode.TooManyRequests => SwarmErrorCategory.InvalidOperation,
        _ => SwarmErrorCategory.InvalidArgument,
    };

    /// <summary>
    /// Sends one request and reads its JSON answer, within <paramref name="timeout"/>: the one way the exchange's
    /// JSON clients turn a timeout, an unreachable gateway, an error answer or an empty body into the errors of
    /// docs/exchange-protocol.md. The request is disposed either way.
    /// </summary>
    public static async Task<T> SendJsonAsync<T>(
        HttpClient http, HttpRequestMessage request, TimeSpan timeout, Uri baseUrl, ServerCertificateCheck? check, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Timeout(baseUrl, request);
        }
        catch (HttpRequestException error)
        {
            throw Unreachable(baseUrl, error, check);
        }
        finally
        {
            request.Dispose();
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadFromJsonAsync<T>(ExchangeWire.Json, deadline.Token).ConfigureAwait(false)
                    ?? throw EmptyBody(baseUrl);
            }

            throw await ErrorOfAsync(response, baseUrl, deadline.Token).ConfigureAwait(false);
        }
    }
}
