using System.Diagnostics;
using System.Text;

namespace SwarmPS.Engine.Sites;

/// <summary>
/// Starts one local process from an argv list, feeds its stdin, collects stdout and stderr without
/// deadlocking on full pipes, and kills the whole tree on timeout or cancellation.
/// </summary>
public static class ProcessRunner
{
    public static async Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(command.Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (command.WorkingDirectory is not null)
        {
            start.WorkingDirectory = command.WorkingDirectory;
        }

        if (command.Environment is not null)
        {
            foreach (var (name, value) in command.Environment)
            {
                start.Environment[name] = value;
            }
        }

        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SwarmException(
                "CommandNotFound",
                $"Could not start '{command.Program}': {error.Message}.",
                $"Install '{command.Program}' or put it on PATH, or give its full path.",
                SwarmErrorCategory.ObjectNotFound,
                command.Program,
                error);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = command.Timeout is { } timeout
            ? new CancellationTokenSource(timeout)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var timedOut = false;
        Exception? inputFailure = null;
        try
        {
            // A streamed input runs under the same deadline as the process: a stuck far side cannot hold the writer forever.
            inputFailure = await FeedStandardInputAsync(process, command, linked.Token).ConfigureAwait(false);
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            timedOut = true;
        }

        // Grandchildren may hold the pipes open after the process itself exits (ssh ControlMaster does);
        // don't let them stall the caller beyond a short grace.
        var output = await CollectAsync(stdout).ConfigureAwait(false);
        var error2 = await CollectAsync(stderr).ConfigureAwait(false);
        if (inputFailure is not null)
        {
            // The writer failed (a file vanished mid-stream): its stdin was closed, the process has ended, and
            // the writer's error is the one that explains what happened.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inputFailure);
        }

        return new ShellResult(timedOut ? -1 : process.ExitCode, output, error2, clock.Elapsed, timedOut);
    }

    /// <summary>Feeds and closes stdin; returns the writer's own failure (other than a closed pipe) for the caller to rethrow.</summary>
    private static async Task<Exception?> FeedStandardInputAsync(Process process, ShellCommand command, CancellationToken cancellationToken)
    {
        try
        {
            if (command.StandardInputWriter is { } writer)
            {
                await writer(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
                await process.StandardInput.BaseStream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (command.StandardInput is { Length: > 0 } input)
            {
                await process.StandardInput.BaseStream.WriteAsync(input).ConfigureAwait(false);
                await process.StandardInput.BaseStream.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The process exited without reading its input; its exit code tells the story.
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            CloseInput(process);
            return error;
        }

        CloseInput(process);
        return null;
    }

    private static void CloseInput(Process process)
    {
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Already closed by the far side.
        }
    }

    private static async Task<string> CollectAsync(Task<string> reader)
    {
        var finished = await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        return finished == reader ? await reader.ConfigureAwait(false) : "";
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
