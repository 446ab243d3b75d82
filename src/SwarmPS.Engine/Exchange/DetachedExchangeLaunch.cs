using System.Diagnostics;
using System.Globalization;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Starts an exchange that outlives the PowerShell session that asked for it: the running pwsh is
/// launched again with the module imported and `Start-SwarmExchange -Foreground`, under setsid so a
/// closing terminal (SIGHUP) does not take it down. The token travels in the inherited environment,
/// never in argv. Its output goes to &lt;stateDir&gt;/exchange.out.
/// </summary>
public static class DetachedExchangeLaunch
{
    /// <summary>The argv that launches the exchange; pure, so it is unit-tested.</summary>
    public static ShellCommand BuildCommand(string pwshPath, string manifestPath, ExchangeServerOptions options, string? setsidPath = "/usr/bin/setsid")
    {
        var script = string.Join(' ', new[]
        {
            $"Import-Module {PowerShellLiteral.Quote(manifestPath)};",
            "Start-SwarmExchange -Foreground",
            $"-Port {options.Port.ToString(CultureInfo.InvariantCulture)}",
            $"-BindAddress {PowerShellLiteral.Quote(options.BindAddress)}",
            $"-StateDirectory {PowerShellLiteral.Quote(Path.GetFullPath(options.StateDirectory))}",
            $"-TokenVariable {PowerShellLiteral.Quote(options.TokenVariable)}",
            $"*>> {PowerShellLiteral.Quote(Path.Combine(Path.GetFullPath(options.StateDirectory), "exchange.out"))}",
        });
        var pwshArguments = new[] { "-NoProfile", "-NonInteractive", "-Command", script };
        return setsidPath is not null && File.Exists(setsidPath)
            ? new ShellCommand(setsidPath, new[] { pwshPath }.Concat(pwshArguments).ToArray())
            : new ShellCommand(pwshPath, pwshArguments);
    }

    /// <summary>
    /// Launches <paramref name="command"/> and waits until the exchange it starts writes its state file
    /// and answers, or fails naming the output file to read.
    /// </summary>
    public static async Task<ExchangeStateFile> StartAsync(ShellCommand command, ExchangeServerOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(command.Program) { UseShellExecute = false };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Directory.CreateDirectory(options.StateDirectory);
        using var process = Process.Start(start) ?? throw new SwarmException("ExchangeStartFailed", $"Could not start '{command.Program}'.", "Check that pwsh is installed and executable.", SwarmErrorCategory.ResourceUnavailable);
        var output = Path.Combine(options.StateDirectory, "exchange.out");
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var state = ExchangeStateFile.Read(options.StateDirectory);
            if (state is not null && state.Pid == process.Id && state.IsRunning())
            {
                return state;
            }

            if (process.HasExited)
            {
                throw new SwarmException(
                    "ExchangeStartFailed",
                    $"The exchange process exited with code {process.ExitCode} before it was ready.",
                    $"Read '{output}' and '{options.LogPath}' for the reason, fix it, and start again.",
                    SwarmErrorCategory.ResourceUnavailable,
                    options.StateDirectory);
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new SwarmException(
            "ExchangeStartTimeout",
            $"The exchange process (pid {process.Id}) was not ready within {timeout.TotalSeconds} s.",
            $"Read '{output}' and '{options.LogPath}'; stop the process (kill {process.Id}) if it hangs.",
            SwarmErrorCategory.OperationTimeout,
            options.StateDirectory);
    }
}
