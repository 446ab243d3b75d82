using System.Diagnostics;
using System.Globalization;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Files;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// Starts an exchange that outlives the PowerShell session that asked for it: pwsh is launched again
/// with the module imported and `Start-SwarmExchange -Foreground`, under setsid so a closing terminal
/// (SIGHUP) does not take it down. The token travels in the inherited environment, never in argv.
/// Everything the child writes goes to &lt;stateDir&gt;/exchange.out, nothing to the caller's terminal:
/// an error there could not be caught by the caller's script.
/// </summary>
public static class DetachedExchangeLaunch
{
    /// <summary>
    /// The pwsh to launch: the one beside the running PowerShell ($PSHOME). The running process's own path
    /// is no use: it is `dotnet` when pwsh runs as a dotnet tool.
    /// </summary>
    public static string PwshIn(string psHome) => Path.Combine(psHome, OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");

    /// <summary>The argv that launches the exchange; pure, so it is unit-tested.</summary>
    public static ShellCommand BuildCommand(string pwshPath, string manifestPath, ExchangeServerOptions options, string? setsidPath = "/usr/bin/setsid", string? shPath = "/bin/sh")
    {
        var output = PowerShellLiteral.Quote(Path.GetFullPath(options.OutputPath));
        var failure = PowerShellLiteral.Quote(Path.GetFullPath(options.StartFailurePath));
        // The catch hands a terminating error to the starting session as JSON (ExchangeStartFailure), and
        // to the operator in exchange.out; without it pwsh -Command would print it to stderr.
        var script = string.Join(' ', new[]
        {
            "$ErrorActionPreference = 'Stop'; try {",
            $"Import-Module {PowerShellLiteral.Quote(manifestPath)};",
            "Start-SwarmExchange -Foreground -Confirm:$false",
            $"-Port {options.Port.ToString(CultureInfo.InvariantCulture)}",
            $"-BindAddress {PowerShellLiteral.Quote(options.BindAddress)}",
            $"-StateDirectory {PowerShellLiteral.Quote(Path.GetFullPath(options.StateDirectory))}",
            $"-TokenVariable {PowerShellLiteral.Quote(options.TokenVariable)}",
            $"*>> {output}",
            "} catch {",
            "[ordered]@{ errorId = ($_.FullyQualifiedErrorId -split ',')[0]; category = [string]$_.CategoryInfo.Category;",
            "message = $_.Exception.Message; remediation = $_.ErrorDetails.RecommendedAction } |",
            $"ConvertTo-Json -Compress | Set-Content -LiteralPath {failure};",
            $"$_ | Out-String | Add-Content -LiteralPath {output}; exit 1 }}",
        });
        var pwsh = new[] { pwshPath, "-NoProfile", "-NonInteractive", "-Command", script };
        var detached = setsidPath is not null && File.Exists(setsidPath) ? new[] { setsidPath }.Concat(pwsh).ToArray() : pwsh;
        if (shPath is null || !File.Exists(shPath))
        {
            return new ShellCommand(detached[0], detached[1..]);
        }

        // sh only redirects: stdin from /dev/null, stdout and stderr appended to exchange.out (what pwsh
        // prints before the script runs, a crash included), then execs the rest so the pid stays the
        // exchange's. The argv reaches it as "$@", never re-parsed.
        return new ShellCommand(
            shPath,
            new[] { "-c", "out=$1; shift; exec \"$@\" </dev/null >>\"$out\" 2>&1", "sh", Path.GetFullPath(options.OutputPath) }.Concat(detached).ToArray());
    }

    /// <summary>
    /// Checks that the exchange can start (<see cref="ExchangeStartCheck"/>), launches <paramref name="command"/>
    /// and waits until the exchange it starts writes its state file, reporting the time waited to
    /// <paramref name="waiting"/>. A child that exits first is reported with its own error.
    /// </summary>
    public static async Task<ExchangeStateFile> StartAsync(ShellCommand command, ExchangeServerOptions options, TimeSpan timeout, IProgress<TimeSpan>? waiting, CancellationToken cancellationToken)
    {
        ExchangeStartCheck.Run(options);
        OwnerOnly.CreateDirectory(options.StateDirectory);
        // No exchange runs here (checked above), so nothing else writes these: start them afresh so an
        // error names only this launch's output (owner-only: the sh's >> would create it 0644).
        File.Delete(options.OutputPath);
        OwnerOnly.CreateFile(options.OutputPath);
        File.Delete(options.StartFailurePath);

        var start = new ProcessStartInfo(command.Program) { UseShellExecute = false };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new SwarmException("ExchangeStartFailed", $"Could not start '{command.Program}'.", "Check that pwsh is installed and executable.", SwarmErrorCategory.ResourceUnavailable);
        var started = Stopwatch.StartNew();
        while (started.Elapsed < timeout)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var state = ExchangeStateFile.Read(options.StateDirectory);
            if (state is not null && state.Pid == process.Id && state.IsRunning())
            {
                return state;
            }

            if (process.HasExited)
            {
                throw ExchangeStartFailure.Of(options, process.ExitCode);
            }

            waiting?.Report(started.Elapsed);
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        throw new SwarmException(
            "ExchangeStartTimeout",
            $"The exchange process (pid {process.Id}) was not ready within {timeout.TotalSeconds} s.",
            $"Read '{options.OutputPath}' and '{options.LogPath}'; stop the process (kill {process.Id}) if it hangs.",
            SwarmErrorCategory.OperationTimeout,
            options.StateDirectory);
    }
}
