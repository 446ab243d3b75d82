namespace SwarmPS.Engine.Configuration;

/// <summary>
/// A message broker's nodes as operators write them, on a command line or in a campaign: amqp://host:port/vhost,
/// several comma-separated, the same vhost for all, and never with credentials in them (a URI is argv and
/// shell history, visible to every user of a shared login node). Read here once for both.
/// </summary>
public static class BrokerUriText
{
    public const int DefaultPort = 5672;

    /// <summary>Where the broker's user name goes instead of the URI.</summary>
    public const string UserVariable = "SWARM_BROKER_USER";

    /// <summary>Where the broker's password goes instead of the URI.</summary>
    public const string PasswordVariable = "SWARM_BROKER_PASSWORD";

    public static IReadOnlyList<Uri> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Invalid("BrokerUriMissing", "The RabbitMQ backend needs the broker's address and none was given.", $"Pass -BrokerUri amqp://host:{DefaultPort}/vhost (several nodes comma-separated); the credentials go in {UserVariable}/{PasswordVariable} or -BrokerCredentialFile.");
        }

        var brokers = new List<Uri>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme != "amqp" || string.IsNullOrEmpty(uri.Host))
            {
                throw Invalid("BrokerUriInvalid", $"'{Printable(part)}' is not an amqp:// URI of a broker node.", $"Use amqp://host:{DefaultPort}/vhost, several nodes comma-separated (amqps is not supported yet: reach a remote broker through an SSH tunnel).");
            }

            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                throw Invalid("BrokerUriHasCredentials", $"The broker URI 'amqp://…@{uri.Host}{(uri.Port > 0 ? $":{uri.Port}" : "")}{uri.AbsolutePath}' carries credentials; they would be visible in argv and shell history.", $"Remove the user:password part, put them in {UserVariable}/{PasswordVariable} or a mode-600 file given with -BrokerCredentialFile, and change that password.");
            }

            brokers.Add(uri.Port > 0 ? uri : new Uri($"amqp://{uri.Host}:{DefaultPort}{uri.AbsolutePath}"));
        }

        if (brokers.Select(b => b.AbsolutePath).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw Invalid("BrokerUriInvalid", "The broker URIs name different virtual hosts; they must be nodes of one broker.", "Give every node the same /vhost path.");
        }

        return brokers;
    }

    /// <summary>
    /// The <c>broker_uri:</c> and <c>broker_name:</c> of an exchange section (a campaign's, a site profile's):
    /// allowed only when <paramref name="brokerBackend"/>, the URI checked as -BrokerUri is, at its line.
    /// </summary>
    /// <param name="backend">The section's backend, named when the keys do not belong to it.</param>
    /// <param name="uriRequired">Whether a broker backend must name its broker here.</param>
    public static (string? Uri, string? Name) ReadKeys(MappingReader exchange, string backend, bool brokerBackend, bool uriRequired)
    {
        var uri = exchange.OptionalString("broker_uri");
        var name = exchange.OptionalString("broker_name");
        if (!brokerBackend && (uri ?? name) is not null)
        {
            var key = uri is not null ? "broker_uri" : "broker_name";
            throw exchange.Invalid(key, $"'{key}:' belongs to the rabbitmq backend, and this backend is {backend}.", $"Set 'backend: rabbitmq', or remove '{key}:'.");
        }

        if (brokerBackend && (uri is not null || uriRequired))
        {
            try
            {
                Parse(uri);
            }
            catch (SwarmException error)
            {
                throw exchange.Invalid("broker_uri", error.Message, error.Remediation ?? $"Use amqp://host:{DefaultPort}/vhost.");
            }
        }

        return (uri, name);
    }

    private static SwarmException Invalid(string errorId, string message, string remediation) =>
        new(errorId, message, remediation, SwarmErrorCategory.InvalidArgument);

    private static string Printable(string text) =>
        text.Length > 120 ? text[..120] + "…" : string.Concat(text.Select(c => char.IsControl(c) ? '?' : c));
}
