using System.Text.Json;

namespace SwarmPS.Engine.Exchange;

/// <summary>
/// The error that ended a detached exchange before it was ready, as its pwsh wrote it to
/// &lt;stateDir&gt;/exchange.failed.json (<see cref="DetachedExchangeLaunch.BuildCommand"/> writes the
/// script that does it). The starting session rethrows it with the child's own error id, so a port taken
/// at the last moment is ExchangePortUnavailable there too, not a generic start failure.
/// </summary>
public sealed record ExchangeStartFailure(string? ErrorId, string? Category, string? Message, string? Remediation)
{
    /// <summary>The exception to report for a child that exited with <paramref name="exitCode"/> before it was ready.</summary>
    public static SwarmException Of(ExchangeServerOptions options, int exitCode)
    {
        var failure = Read(options.StartFailurePath);
        var readOutput = $"Read '{options.OutputPath}'{(File.Exists(options.LogPath) ? $" and '{options.LogPath}'" : "")} for the details, fix the cause, and start again.";
        if (failure is { ErrorId.Length: > 0, Message.Length: > 0, Remediation.Length: > 0 })
        {
            // A SwarmPS error: the child had the same engine, so its id and remediation are the real ones.
            return new SwarmException(
                failure.ErrorId,
                $"{failure.Message} (The detached exchange stopped with this error; its output is in '{options.OutputPath}'.)",
                failure.Remediation,
                Enum.TryParse<SwarmErrorCategory>(failure.Category, out var category) ? category : SwarmErrorCategory.ResourceUnavailable,
                options.StateDirectory);
        }

        var reason = failure?.Message is { Length: > 0 } message ? message : LastLines(options.OutputPath);
        return new SwarmException(
            "ExchangeStartFailed",
            $"The exchange process exited with code {exitCode} before it was ready{(reason.Length > 0 ? $": {reason}" : ".")}",
            readOutput,
            SwarmErrorCategory.ResourceUnavailable,
            options.StateDirectory);
    }

    private static ExchangeStartFailure? Read(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<ExchangeStartFailure>(File.ReadAllText(path), ExchangeWire.Json) : null;
        }
        catch (JsonException)
        {
            // Half written (the child was killed while writing it): the output file still tells the story.
            return null;
        }
    }

    /// <summary>The end of the child's output, for a failure that never reached the script's catch (pwsh itself failing).</summary>
    private static string LastLines(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }

        var text = File.ReadAllText(path).Trim();
        return text.Length <= 1000 ? text : "..." + text[^1000..];
    }
}
