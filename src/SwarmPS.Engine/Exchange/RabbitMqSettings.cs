using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Where the RabbitMQ backend keeps an exchange's mailboxes: the broker nodes (tried in order, so a
/// cluster keeps serving when one node is gone), the credentials, and the name every queue of this
/// exchange starts with. Credentials never travel in a URI or argv: they come from an owner-only file or
/// from environment variables, as the exchange token does.
/// </summary>
public sealed record RabbitMqSettings
{
    public const string UserVariable = BrokerUriText.UserVariable;
    public const string PasswordVariable = BrokerUriText.PasswordVariable;
    public const string DefaultName = "swarmps";

    /// <summary>The biggest credentials file read: one line "user:password" is far below it.</summary>
    private const int MaxCredentialsBytes = 4096;

    /// <summary>amqp://host:port/vhost of each node (vhost "/" when the path is empty).</summary>
    public required IReadOnlyList<Uri> Brokers { get; init; }

    public required string User { get; init; }

    public required string Password { get; init; }

    /// <summary>
    /// The prefix of this exchange's queues (<c>&lt;name&gt;.registry</c>, <c>&lt;name&gt;.mailbox.&lt;id&gt;</c>):
    /// gateways with the same name on the same broker serve the same mailboxes; another name is another exchange.
    /// </summary>
    public string Name { get; init; } = DefaultName;

    /// <summary>How long the registry log keeps its records (x-max-age): a mailbox silent for longer is forgotten.</summary>
    public TimeSpan RegistryRetention { get; init; } = TimeSpan.FromDays(1);

    public string VirtualHost => Brokers[0].AbsolutePath is "/" or "" ? "/" : Uri.UnescapeDataString(Brokers[0].AbsolutePath.TrimStart('/'));

    /// <summary>
    /// Reads the broker list (comma-separated amqp:// URIs without credentials) and the credentials:
    /// from <paramref name="credentialsFile"/> ("user:password" on one line, mode 600) when given, else
    /// from SWARM_BROKER_USER and SWARM_BROKER_PASSWORD.
    /// </summary>
    public static RabbitMqSettings Resolve(string? brokerUris, string? credentialsFile, string? name = null)
    {
        var brokers = ParseBrokers(brokerUris);
        var (user, password) = credentialsFile is { Length: > 0 } ? ReadCredentialsFile(credentialsFile) : FromEnvironment();
        var exchangeName = string.IsNullOrWhiteSpace(name) ? DefaultName : name.Trim();
        if (exchangeName.Length > 64 || !exchangeName.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw Invalid("BrokerNameInvalid", $"'{exchangeName}' is not a usable exchange name on the broker: it prefixes queue names.", "Use up to 64 letters, digits, '-', '_' or '.', e.g. swarmps-prod.");
        }

        return new RabbitMqSettings { Brokers = brokers, User = user, Password = password, Name = exchangeName };
    }

    /// <summary>The broker's nodes, as <see cref="BrokerUriText"/> reads them.</summary>
    public static IReadOnlyList<Uri> ParseBrokers(string? text) => BrokerUriText.Parse(text);

    private static (string User, string Password) FromEnvironment()
    {
        var user = Environment.GetEnvironmentVariable(UserVariable);
        var password = Environment.GetEnvironmentVariable(PasswordVariable);
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
        {
            throw new SwarmException(
                "BrokerCredentialsMissing",
                $"No broker credentials: {(string.IsNullOrEmpty(user) ? UserVariable : PasswordVariable)} is not set and no credentials file was given.",
                $"Set {UserVariable} and {PasswordVariable}, or write 'user:password' into a mode-600 file and pass it with -BrokerCredentialFile.",
                SwarmErrorCategory.InvalidArgument);
        }

        return (user, password);
    }

    private static (string User, string Password) ReadCredentialsFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new SwarmException("BrokerCredentialsMissing", $"The broker credentials file '{path}' does not exist.", "Create it with 'user:password' on one line and mode 600 (chmod 600 <file>).", SwarmErrorCategory.ObjectNotFound, path);
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            throw new SwarmException("BrokerCredentialsFileExposed", $"The broker credentials file '{path}' can be read or written by other users.", $"Restrict it to its owner (chmod 600 '{path}'), then change the broker password: others could have read it.", SwarmErrorCategory.PermissionDenied, path);
        }

        var text = BoundedFileRead.ReadAllText(path, MaxCredentialsBytes, followLinks: true);
        var line = text?.Split('\n', 2)[0].Trim() ?? "";
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        if (text is null || colon <= 0 || colon == line.Length - 1)
        {
            throw new SwarmException("BrokerCredentialsInvalid", $"The broker credentials file '{path}' does not hold 'user:password' on its first line{(text is null ? $" (it is not a regular file of at most {MaxCredentialsBytes} bytes)" : "")}.", "Write one line 'user:password' into it (mode 600).", SwarmErrorCategory.InvalidData, path);
        }

        return (line[..colon], line[(colon + 1)..]);
    }

    private static SwarmException Invalid(string errorId, string message, string remediation) =>
        new(errorId, message, remediation, SwarmErrorCategory.InvalidArgument);

    /// <summary>Never prints the password.</summary>
    public override string ToString() => $"{string.Join(",", Brokers)} as {User} ({Name})";
}
