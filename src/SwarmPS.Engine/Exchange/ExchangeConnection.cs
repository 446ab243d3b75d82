namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Where an exchange is and the token to use with it. Cmdlets and agents resolve it the same way:
/// an explicit URL wins, else SWARM_EXCHANGE_URL (either may list several gateways, comma-separated); the token always comes from SWARM_EXCHANGE_TOKEN
/// (never a parameter, so it never lands in shell history or argv).
/// </summary>
public sealed class ExchangeConnection
{
    public const string UrlVariable = "SWARM_EXCHANGE_URL";

    /// <param name="trust">Which HTTPS certificate to believe; null reads SWARM_EXCHANGE_CA / SWARM_EXCHANGE_PIN when the client is made.</param>
    public ExchangeConnection(Uri url, string token, ExchangeTrust? trust = null)
        : this([url], token, trust)
    {
    }

    /// <param name="urls">Interchangeable gateways of one exchange (the RabbitMQ backend), tried in this order.</param>
    public ExchangeConnection(IReadOnlyList<Uri> urls, string token, ExchangeTrust? trust = null)
    {
        if (urls.Count == 0)
        {
            throw new ArgumentException("An exchange connection needs at least one URL.", nameof(urls));
        }

        Urls = urls;
        Token = token;
        Trust = trust;
    }

    public ExchangeTrust? Trust { get; }

    /// <summary>The first gateway; the one a single-gateway exchange has.</summary>
    public Uri Url => Urls[0];

    /// <summary>Every gateway given (SWARM_EXCHANGE_URL may list several, comma-separated).</summary>
    public IReadOnlyList<Uri> Urls { get; }

    /// <summary>The client agents and cmdlets use: one gateway's, or one that moves between several (<see cref="FailoverExchangeClient"/>).</summary>
    public IExchange OpenClient() => Urls.Count == 1 ? new HttpExchangeClient(this) : new FailoverExchangeClient(this);

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

        return new ExchangeConnection(ParseUrls(text), ExchangeToken.Resolve(tokenVariable, null));
    }

    /// <summary>One URL, or several gateways of one exchange separated by commas.</summary>
    public static IReadOnlyList<Uri> ParseUrls(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseUrl).Distinct().ToList() is { Count: > 0 } urls
            ? urls
            : [ParseUrl(text.Trim())];

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
    public override string ToString() => string.Join(",", Urls);
}
