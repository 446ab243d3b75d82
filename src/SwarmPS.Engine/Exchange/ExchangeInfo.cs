namespace SwarmPS.Engine.Exchange;

/// <summary>
/// What Get-SwarmExchange shows: where the exchange is, which process, for how long, and how loaded; under
/// TLS the certificate's SHA-256 fingerprint (what agents pin) and its file (what agents may trust instead).
/// </summary>
public sealed record ExchangeInfo(
    Uri Url,
    int Pid,
    TimeSpan Uptime,
    long Mailboxes,
    long ActiveMailboxes,
    long PendingMessages,
    long StoreBytes,
    string? StateDirectory,
    string? Fingerprint = null,
    string? CertificateFile = null)
{
    /// <summary>What keeps its mailboxes: Sqlite, or RabbitMq and the exchange's name on the broker; null from an older exchange.</summary>
    public string? Backend { get; init; }

    /// <summary>
    /// Asks a running exchange for its figures. With <paramref name="url"/> it asks that exchange; without,
    /// it finds the one recorded in <paramref name="stateDirectory"/> (default state directory if null).
    /// The token comes from SWARM_EXCHANGE_TOKEN (or <paramref name="tokenVariable"/>).
    /// </summary>
    public static async Task<ExchangeInfo> ReadAsync(string? stateDirectory, string? url, string? tokenVariable, CancellationToken cancellationToken)
    {
        string? directory = null;
        ExchangeTrust? trust = null;
        string? certificateFile = null;
        if (string.IsNullOrEmpty(url))
        {
            directory = stateDirectory ?? ExchangeServerOptions.DefaultStateDirectory();
            var state = ExchangeStateFile.Read(directory);
            if (state is null || !state.IsRunning())
            {
                throw NotRunning(directory);
            }

            url = state.Url.ToString();
            // Our own exchange (its state file is owner-only): its recorded fingerprint is the pin.
            trust = state.Fingerprint is { } fingerprint ? new ExchangeTrust(null, fingerprint) : null;
            certificateFile = state.CertificateFile;
        }

        var connection = new ExchangeConnection(ExchangeConnection.ParseUrl(url), ExchangeToken.Resolve(tokenVariable, null), trust);
        using var client = new HttpExchangeClient(connection);
        var summary = await client.GetGatewaySummaryAsync(cancellationToken).ConfigureAwait(false);
        return new ExchangeInfo(
            connection.Url,
            summary.Pid,
            DateTimeOffset.UtcNow - summary.StartedAt,
            summary.Mailboxes,
            summary.ActiveMailboxes,
            summary.PendingMessages,
            summary.StoreBytes,
            directory,
            trust?.Pin,
            certificateFile)
        {
            Backend = summary.Backend,
        };
    }

    public static SwarmException NotRunning(string stateDirectory) => new(
        "ExchangeNotRunning",
        $"No exchange is running from '{stateDirectory}'.",
        "Start one with Start-SwarmExchange, or pass -StateDirectory / -ExchangeUrl of the one you mean.",
        SwarmErrorCategory.ObjectNotFound,
        stateDirectory);
}
