using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The one entry point that runs an exchange until cancelled: the store, the gateway, the log and the
/// state file. `Start-SwarmExchange -Foreground`, the detached pwsh it launches, and the test host all
/// call this, so they cannot drift apart.
/// </summary>
public static class ExchangeServer
{
    /// <summary>
    /// Serves until <paramref name="cancellationToken"/> is cancelled. <paramref name="onReady"/> gets the
    /// URL once clients can connect and exchange.json is written.
    /// </summary>
    public static async Task RunAsync(ExchangeServerOptions options, Action<Uri>? onReady, CancellationToken cancellationToken)
    {
        var token = ExchangeStartCheck.Run(options);
        using var certificate = ExchangeCertificate.For(options);
        // The store holds every agent's messages: the directory is born 0700 (never briefly 0755), and
        // one left loose by an older SwarmPS is tightened.
        OwnerOnly.CreateDirectory(options.StateDirectory);
        OwnerOnly.Tighten(options.StateDirectory);

        using var log = new ExchangeLog(options.LogPath, options.Limits);
        await using var store = await OpenStoreAsync(options, cancellationToken).ConfigureAwait(false);
        var blobs = BlobStore.Open(options.BlobDirectory, options.Limits);
        var contributions = ContributionStore.Open(options.ContributionDirectory, blobs, options.Limits);
        await using var gateway = ExchangeGateway.Start(store, options.Limits, token, options.BindAddress, options.Port, log, certificate?.Certificate, blobs, contributions);
        var state = ExchangeStateFile.ForThisProcess(gateway.Url, options, certificate);
        state.Write();
        log.Write($"started url={gateway.Url} pid={state.Pid} bind={options.BindAddress} store={StoreName(options)}{(certificate is null ? "" : $" tls={certificate.CertificateFile} sha256={certificate.Fingerprint}")}");
        try
        {
            onReady?.Invoke(gateway.Url);
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        finally
        {
            log.Write("stopping");
            state.DeleteIfOwn();
        }
    }

    private static async Task<IExchangeStore> OpenStoreAsync(ExchangeServerOptions options, CancellationToken cancellationToken) =>
        options.ResolveBroker() is { } broker
            ? await RabbitMqMailboxStore.OpenAsync(broker, options.Limits, cancellationToken).ConfigureAwait(false)
            : SqliteMailboxStore.Open(options.DatabasePath, options.Limits);

    /// <summary>Where the mailboxes are, as the log and Get-SwarmExchange say it (never a password).</summary>
    public static string StoreName(ExchangeServerOptions options) =>
        options.Backend == ExchangeBackend.RabbitMq ? $"rabbitmq:{options.BrokerUri} name={options.BrokerName ?? RabbitMqSettings.DefaultName}" : options.DatabasePath;
}
