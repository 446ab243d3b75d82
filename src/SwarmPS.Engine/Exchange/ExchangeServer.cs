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
        Directory.CreateDirectory(options.StateDirectory);
        if (!OperatingSystem.IsWindows())
        {
            // The store holds every agent's messages: keep it to its owner.
            File.SetUnixFileMode(options.StateDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        using var log = new ExchangeLog(options.LogPath, options.Limits);
        await using var store = SqliteMailboxStore.Open(options.DatabasePath, options.Limits);
        await using var gateway = ExchangeGateway.Start(store, options.Limits, token, options.BindAddress, options.Port, log);
        var state = ExchangeStateFile.ForThisProcess(gateway.Url, options);
        state.Write();
        log.Write($"started url={gateway.Url} pid={state.Pid} bind={options.BindAddress} store={options.DatabasePath}");
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
}
