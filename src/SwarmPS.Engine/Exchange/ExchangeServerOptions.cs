namespace SwarmPS.Engine.Exchange;

/// <summary>How to run an exchange: where it keeps state, where it listens, where its token comes from.</summary>
public sealed record ExchangeServerOptions
{
    /// <summary>Holds exchange.db, exchange.json (url, pid, start time) and exchange.log.</summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory();

    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; }

    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>Environment variable holding the token (default SWARM_EXCHANGE_TOKEN).</summary>
    public string TokenVariable { get; init; } = ExchangeToken.DefaultVariable;

    /// <summary>A file (mode 600) holding the token; wins over <see cref="TokenVariable"/> when set.</summary>
    public string? TokenFile { get; init; }

    /// <summary>PEM certificate to serve HTTPS with (with <see cref="KeyFile"/>); null with no <see cref="SelfSigned"/> serves plain HTTP.</summary>
    public string? CertificateFile { get; init; }

    /// <summary>PEM private key of <see cref="CertificateFile"/>; must be readable by its owner only.</summary>
    public string? KeyFile { get; init; }

    /// <summary>Serve HTTPS with a certificate the exchange creates once in &lt;stateDir&gt;/tls and reuses (agents pin its fingerprint).</summary>
    public bool SelfSigned { get; init; }

    public ExchangeLimits Limits { get; init; } = new();

    public ExchangeBackend Backend { get; init; } = ExchangeBackend.Sqlite;

    /// <summary>RabbitMq backend: amqp://host:port/vhost of the broker's nodes, comma-separated, without credentials.</summary>
    public string? BrokerUri { get; init; }

    /// <summary>RabbitMq backend: a mode-600 file holding "user:password"; without it SWARM_BROKER_USER and SWARM_BROKER_PASSWORD.</summary>
    public string? BrokerCredentialFile { get; init; }

    /// <summary>RabbitMq backend: the exchange's name on the broker (its queues' prefix); gateways with the same name serve the same mailboxes.</summary>
    public string? BrokerName { get; init; }

    /// <summary>The broker settings of the RabbitMq backend, resolved (credentials read) now; null for Sqlite.</summary>
    public RabbitMqSettings? ResolveBroker() =>
        Backend == ExchangeBackend.RabbitMq ? RabbitMqSettings.Resolve(BrokerUri, BrokerCredentialFile, BrokerName) : null;

    public string DatabasePath => Path.Combine(StateDirectory, "exchange.db");

    /// <summary>The blob store (/v1/blobs/): blobs/sha256/&lt;2 hex&gt;/&lt;hex&gt;, and blobs/partial/ for uploads under way.</summary>
    public string BlobDirectory => Path.Combine(StateDirectory, "blobs");

    /// <summary>The announced contributions (/v1/runs/{runId}/contributions): contributions/&lt;runId&gt;/&lt;contributor&gt;.json.</summary>
    public string ContributionDirectory => Path.Combine(StateDirectory, "contributions");

    public string LogPath => Path.Combine(StateDirectory, "exchange.log");

    /// <summary>Everything a detached exchange's pwsh writes (its stdout and stderr), appended across starts.</summary>
    public string OutputPath => Path.Combine(StateDirectory, "exchange.out");

    /// <summary>$XDG_STATE_HOME/swarmps/exchange, default ~/.local/state/swarmps/exchange.</summary>
    public static string DefaultStateDirectory() =>
        Path.Combine(Files.UserDirectories.State(), "exchange");
}
