using System.Diagnostics;
using System.Text.Json;

namespace SwarmPS.Engine.LiveTraining;

/// <summary>One line of a trainer's progress (docs/trainer-contract.md "Progress lines"), as a role relays it.</summary>
public sealed record TrainerProgress(string Event, string? Phase, long? Step, double? Loss, string Line);

/// <summary>
/// Runs one trainer job as a child process, handing each progress line to the caller as it is printed (a role
/// relays the heartbeats to the coordinator while the trainer runs) and keeping the last error line. Cancelling
/// kills the trainer and everything it started, so a stopped role leaves no training behind.
/// </summary>
public static class TrainerProcess
{
    /// <summary>The exit code, and the trainer's own error (<c>error_id: message</c>) or the tail of its standard error.</summary>
    public static async Task<(int ExitCode, string? Error)> RunAsync(
        IReadOnlyList<string> trainer, string jobPath, Action<TrainerProgress> progress, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(trainer[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in trainer.Skip(1).Append(jobPath))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        string? error = null;
        var standardError = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && Parse(text) is { } parsed)
            {
                if (parsed.Event == "error")
                {
                    error = Describe(text);
                }

                progress(parsed);
            }
        };
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is { } text && standardError.Length < 4000)
            {
                standardError.AppendLine(text);
            }
        };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception failure)
        {
            throw new SwarmException("TrainerNotStarted",
                $"The trainer '{trainer[0]}' could not be started: {failure.Message}.",
                "Check the trainer command of this backend (Start-SwarmTraining -Trainer), and that the program exists on this site.",
                SwarmErrorCategory.ObjectNotFound, trainer[0]);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        // The asynchronous readers have delivered every line once WaitForExit without a timeout returns.
        process.WaitForExit();
        return (process.ExitCode, error ?? (process.ExitCode == 0 ? null : Tail(standardError.ToString())));
    }

    private static TrainerProgress? Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("event", out var kind) || kind.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            return new TrainerProgress(
                kind.GetString()!,
                root.TryGetProperty("phase", out var phase) && phase.ValueKind == JsonValueKind.String ? phase.GetString() : null,
                root.TryGetProperty("step", out var step) && step.TryGetInt64(out var s) ? s : null,
                root.TryGetProperty("loss", out var loss) && loss.ValueKind == JsonValueKind.Number ? loss.GetDouble() : null,
                line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(string errorLine)
    {
        using var document = JsonDocument.Parse(errorLine);
        var root = document.RootElement;
        var id = root.TryGetProperty("error_id", out var e) ? e.ToString() : "TrainerFailed";
        var message = root.TryGetProperty("message", out var m) ? m.ToString() : "";
        return $"{id}: {message}";
    }

    private static string Tail(string text) => text.Length <= 400 ? text.Trim() : "..." + text[^400..].Trim();
}
