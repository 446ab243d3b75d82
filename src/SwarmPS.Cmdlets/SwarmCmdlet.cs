using System.Collections.Concurrent;
using System.Management.Automation;
using SwarmPS.Engine;

namespace SwarmPS.Cmdlets;

/// <summary>
/// The one base class of every SwarmPS cmdlet. It owns the three things each cmdlet would otherwise
/// repeat: a cancellation token that Ctrl+C (StopProcessing) trips, the translation of engine
/// exceptions into ErrorRecords, and running engine work off the pipeline thread while the
/// pipeline thread writes what that work reports.
/// </summary>
public abstract class SwarmCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the user presses Ctrl+C or the pipeline is stopped.</summary>
    protected CancellationToken StopToken => _stopping.Token;

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// PowerShell disposes every command when its pipeline ends, also after Ctrl+C or a terminating error,
    /// when EndProcessing never runs: what a cmdlet holds (a client, a connection) is released here.
    /// </summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases what this command holds; an override releases its own and then calls this.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stopping.Dispose();
        }
    }

    /// <summary>Runs engine work for the whole command: an engine error ends the command.</summary>
    protected void Run(Action action)
    {
        try
        {
            action();
        }
        catch (SwarmException error)
        {
            ThrowTerminatingError(ToErrorRecord(error));
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Runs engine work for one item of many: an engine error is written and the rest go on.</summary>
    protected void RunForItem(Action action)
    {
        try
        {
            action();
        }
        catch (SwarmException error)
        {
            WriteError(ToErrorRecord(error));
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Waits for engine work on the pipeline thread. PowerShell accepts Write* calls only from that
    /// thread, so the work posts what it wants written (progress, landmarks, objects) to a queue that
    /// this method drains until the work ends. Ctrl+C cancels <see cref="StopToken"/>, which the work
    /// receives, and stops the wait at once.
    /// </summary>
    protected T Await<T>(Func<PipelineWriter, Task<T>> start)
    {
        using var writer = new PipelineWriter();
        var work = start(writer);
        work.ContinueWith(_ => writer.Complete(), TaskScheduler.Default);
        try
        {
            foreach (var write in writer.Drain(StopToken))
            {
                write();
            }
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            // The work saw the same cancellation and is cleaning up (stopping agents, terminating
            // mailboxes). Let it finish before the pipeline ends: a pwsh that exits right after Ctrl+C
            // must not orphan what the work started.
            try
            {
                work.Wait(CleanupGrace);
            }
            catch (AggregateException)
            {
                // Its outcome is moot now; the command was stopped.
            }

            throw;
        }

        return work.GetAwaiter().GetResult();
    }

    /// <summary>How long a stopped command waits for its engine work to clean up (agents get 5 s of SIGTERM grace).</summary>
    private static readonly TimeSpan CleanupGrace = TimeSpan.FromSeconds(20);

    /// <summary>Writes an operator landmark (`[site alpha] all peers live`) to the information stream.</summary>
    protected void WriteLandmark(string text) => WriteInformation(text, new[] { "SwarmPS", "Landmark" });

    /// <summary>Maps an engine exception to the ErrorRecord shape Pester and scripts assert on.</summary>
    public static ErrorRecord ToErrorRecord(SwarmException error)
    {
        var category = Enum.TryParse<ErrorCategory>(error.Category.ToString(), out var parsed)
            ? parsed
            : ErrorCategory.NotSpecified;
        return new ErrorRecord(error, error.ErrorId, category, error.Target)
        {
            ErrorDetails = new ErrorDetails($"{error.Message} {error.Remediation}")
            {
                RecommendedAction = error.Remediation,
            },
        };
    }

    /// <summary>A hand-off from worker threads to the pipeline thread.</summary>
    protected sealed class PipelineWriter : IDisposable
    {
        private readonly BlockingCollection<Action> _pending = new();

        /// <summary>Queues an action that must run on the pipeline thread (a Write* call).</summary>
        public void Post(Action write)
        {
            try
            {
                _pending.Add(write);
            }
            catch (InvalidOperationException)
            {
                // The command already finished; a late report has nowhere to go.
            }
        }

        /// <summary>An IProgress whose reports are handled on the pipeline thread.</summary>
        public IProgress<T> Progress<T>(Action<T> onPipelineThread) => new PostingProgress<T>(this, onPipelineThread);

        internal void Complete()
        {
            try
            {
                _pending.CompleteAdding();
            }
            catch (ObjectDisposedException)
            {
                // The command was stopped and has already let go of the queue.
            }
        }

        internal IEnumerable<Action> Drain(CancellationToken stopping) => _pending.GetConsumingEnumerable(stopping);

        public void Dispose() => _pending.Dispose();

        private sealed class PostingProgress<T>(PipelineWriter writer, Action<T> handler) : IProgress<T>
        {
            public void Report(T value) => writer.Post(() => handler(value));
        }
    }
}
