namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Where an exchange is and the token to use with it. Cmdlets and agents resolve it the same way:
/// an explicit URL wins, else SWARM_EXCHANGE_URL; the token always comes from SWARM_EXCHANGE_TOKEN
/// (never a parameter, so it never lands in shell history or argv).
/// </summary>
public sealed class ExchangeConnection
{
    public const string UrlVariable = "SWARM_EXCHANGE_URL";

    /// <param name="trust">Which HTTPS certificate to believe; null reads SWARM_EXCHANGE_CA / SWARM_EXCHANGE_PIN when the client is made.</param>
    public ExchangeConnection(Uri url, string token, ExchangeTrust? trust = null)
    {
        Url = url;
        Token = token;
        Trust = trust;
    }

    public ExchangeTrust? Trust { get; }

    public Uri Url { get; }

    public string Token { get; }

    public static ExchangeConnection FromEnvironment(string? url = null, string? tokenVariable = null)
    {
        var text = string.IsNullOrWhiteSpace(url) ? Environment.GetEnvironmentVariable(UrlVariable) : url;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new SwarmException(
                "ExchangeUrlMissing",
                $"No exchange URL was given and {UrlVariable} is not set.",
                $"Pass -ExchangeUrl http://host:port/ or set {UrlVariable} (Get-SwarmExchange shows the URL of a local exchange).",
                SwarmErrorCategory.InvalidArgument);
        }

        return new ExchangeConnection(ParseUrl(text.Trim()), ExchangeToken.Resolve(tokenVariable, null));
    }

    /// <summary>An absolute http(s) URL, normalised to end in '/' so relative routes resolve under it.</summary>
    public static Uri ParseUrl(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps) || !string.IsNullOrEmpty(parsed.UserInfo))
        {
            throw new SwarmException(
                "ExchangeUrlInvalid",
                $"'{text}' is not an http:// or https:// URL of an exchange (and must not carry credentials).",
                "Use the URL Start-SwarmExchange printed, e.g. http://127.0.0.1:8471/; the token goes in SWARM_EXCHANGE_TOKEN.",
                SwarmErrorCategory.InvalidArgument,
                text);
        }

        return parsed.AbsoluteUri.EndsWith('/') ? parsed : new Uri(parsed.AbsoluteUri + "/");
    }

    /// <summary>Never prints the token.</summary>
    public override string ToString() => Url.ToString();
}
