using Microsoft.Data.Sqlite;
using SwarmPS.Engine.Ledger;

namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Records a sweep's tasks as runs in the experiment repository's run store (<c>.swarm/runs.db</c>): one
/// run per task, created when its attempt is submitted, queued when its array is accepted, running and then
/// complete / failed / stopped as polls observe it; the store promotes terminal runs to the ledger.
/// Statepoint: <c>{"command": [argv], "parameters": {name: value}}</c> plus <c>"attempt": n</c> for a
/// resumed attempt n &gt; 1 (docs/ledger.md, "Scheduler runs"). The ledger is a by-product: without a
/// repository, or when the store is busy or broken, the scheduler carries on and <see cref="TakeNotes"/> says why.
/// </summary>
public sealed class LedgerRunRecorder : ITaskOutcomeSink, IDisposable
{
    private readonly RunStore? _store;
    private readonly List<string> _notes = new();

    /// <summary>What this recorder last wrote per task, so a task seen running on every poll is written once.</summary>
    private readonly Dictionary<(string Job, int Attempt, long Task), RunStatus> _written = new();

    private LedgerRunRecorder(RunStore? store, string? repositoryRoot, string? note)
    {
        _store = store;
        RepositoryRoot = repositoryRoot;
        if (note is not null)
        {
            _notes.Add(note);
        }
    }

    /// <summary>The experiment repository the runs go to; null when there is none (nothing is recorded).</summary>
    public string? RepositoryRoot { get; }

    public bool IsRecording => _store is not null;

    /// <summary>The repository above <paramref name="workingDirectory"/> (.git or .swarm/), or null; job records live in its .swarm/jobs/.</summary>
    public static string? FindRepositoryRoot(string workingDirectory)
    {
        try
        {
            return SwarmRepository.Locate(workingDirectory).Root;
        }
        catch (SwarmException error) when (error.ErrorId is "RepositoryNotFound" or "PathNotFound")
        {
            return null;
        }
    }

    /// <summary>
    /// Finds the repository by walking up from <paramref name="workingDirectory"/> as the ledger cmdlets do.
    /// Never throws for a missing or uninitialised repository: the recorder is then inert and says so.
    /// </summary>
    public static LedgerRunRecorder Open(string workingDirectory, RunStoreOptions? options = null)
    {
        SwarmRepository repository;
        try
        {
            repository = SwarmRepository.Locate(workingDirectory);
        }
        catch (SwarmException error) when (error.ErrorId is "RepositoryNotFound" or "PathNotFound")
        {
            return new LedgerRunRecorder(null, null,
                $"Runs are not recorded in a ledger: no experiment repository (.git or .swarm/) holds '{workingDirectory}'. Submit from inside the experiment's git repository to get one run per task.");
        }

        // A bare .swarm/ may hold only job records; the store belongs to a repository set up for the ledger.
        if (!Directory.Exists(repository.LedgerDirectory) && !File.Exists(repository.MachineFilePath) && !File.Exists(repository.RunStorePath))
        {
            return new LedgerRunRecorder(null, repository.Root,
                $"Runs are not recorded in a ledger: '{repository.Root}' is not initialised for SwarmPS. Run Initialize-SwarmRepository there once to record one run per task.");
        }

        try
        {
            return new LedgerRunRecorder(RunStore.Open(repository.Root, options), repository.Root, null);
        }
        catch (SwarmException error)
        {
            return new LedgerRunRecorder(null, repository.Root, $"Runs are not recorded in a ledger: {error.Message} {error.Remediation}");
        }
    }

    /// <summary>Problems so far (each once), for the cmdlet to write as warnings; reading clears them.</summary>
    public IReadOnlyList<string> TakeNotes()
    {
        var notes = _notes.ToList();
        _notes.Clear();
        return notes;
    }

    /// <summary>The statepoint of one task of one attempt; its run id is the ledger's hash of it.</summary>
    public static Dictionary<string, object?> Statepoint(IReadOnlyList<string> command, IReadOnlyDictionary<string, string> parameters, int attempt)
    {
        var statepoint = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["command"] = command.ToList(),
            ["parameters"] = parameters.ToDictionary(p => p.Key, p => (object?)p.Value, StringComparer.Ordinal),
        };
        if (attempt > 1)
        {
            statepoint["attempt"] = attempt;
        }

        return statepoint;
    }

    public void AttemptPlanned(JobRecord job, AttemptRecord attempt, TaskSet tasks) => Guard(job, () =>
    {
        var selection = attempt.Selection ?? (IEnumerable<long>)LongRange(tasks.Count);
        _store!.CreateJobRuns(job.Key, attempt.Number,
            selection.Select(task => (task, (object)Statepoint(job.Command, tasks.GetTask(task), attempt.Number))));
    });

    public void ArrayQueued(JobRecord job, AttemptRecord attempt, ArrayRecord array) => Guard(job, () =>
    {
        var tasks = Enumerable.Range(1, array.Count).Select(index => attempt.TaskAtLine(array.Offset + index));
        Write(job, attempt, tasks.Select(task => (task, RunStatus.Queued)));
    });

    /// <summary>
    /// A poll's states, written per job attempt in batches of up to <see cref="TasksPerWrite"/> tasks: a
    /// sweep whose hundred arrays end in one poll is ten store transactions and ten ledger flushes, not a
    /// hundred, and Ctrl+C is heard between batches.
    /// </summary>
    public void TasksObserved(IReadOnlyList<ArrayObservation> observations, CancellationToken cancellationToken)
    {
        foreach (var attempt in observations.GroupBy(o => (o.Job.Key, o.Attempt.Number)))
        {
            var (job, tried) = (attempt.First().Job, attempt.First().Attempt);
            Guard(job, () =>
            {
                var changes = new List<(long, RunStatus)>();
                foreach (var (_, _, array, states) in attempt)
                {
                    for (var index = 1; index <= states.Count; index++)
                    {
                        if (StatusOf(states[index - 1]) is { } status)
                        {
                            changes.Add((tried.TaskAtLine(array.Offset + index), status));
                        }
                    }
                }

                Write(job, tried, changes, cancellationToken);
            });
        }
    }

    /// <summary>
    /// The most task changes one store transaction and one ledger flush take: large enough that a big
    /// poll is a few of each, small enough that Ctrl+C waits for one only (about a second) and that the
    /// runs being promoted are held in memory a batch at a time.
    /// </summary>
    internal const int TasksPerWrite = 10_000;

    public void Dispose() => _store?.Dispose();

    /// <summary>Pending tasks are already queued; a task that never reached the scheduler has no news.</summary>
    private static RunStatus? StatusOf(SwarmTaskState state) => state switch
    {
        SwarmTaskState.Running => RunStatus.Running,
        SwarmTaskState.Succeeded => RunStatus.Complete,
        SwarmTaskState.Failed => RunStatus.Failed,
        // Cancelled by Stop-SwarmJob, or dropped by the scheduler before it ran: stopped, not failed.
        SwarmTaskState.Cancelled => RunStatus.Stopped,
        _ => null,
    };

    private void Write(JobRecord job, AttemptRecord attempt, IEnumerable<(long Task, RunStatus Status)> changes, CancellationToken cancellationToken = default)
    {
        var news = changes.Where(c => !_written.TryGetValue((job.Key, attempt.Number, c.Task), out var known) || known != c.Status).ToList();
        foreach (var batch in news.Chunk(TasksPerWrite))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = _store!.SetJobTaskStatuses(job.Key, attempt.Number, batch);
            foreach (var (task, status) in batch)
            {
                _written[(job.Key, attempt.Number, task)] = status;
            }

            if (result.Refused > 0)
            {
                Note($"Job {job.Key}: {result.Refused} run(s) were already terminal (an earlier submission of the same command and parameters) and were left as they are.");
            }

            if (result.PromotionFailures.Count > 0)
            {
                Note($"Job {job.Key}: {result.PromotionFailures.Count} finished run(s) could not be written to the ledger ({result.PromotionFailures[0].Error}); their statuses are recorded. Run Sync-SwarmLedger to write them.");
            }
        }
    }

    private void Guard(JobRecord job, Action record)
    {
        if (_store is null)
        {
            return;
        }

        try
        {
            record();
        }
        catch (Exception error) when (error is SwarmException or SqliteException or IOException)
        {
            // The ledger must never fail a submit or a poll. Arrays still running are reported again next poll;
            // runs of an array that settled in this poll keep their last status (set them with Set-SwarmRunStatus).
            Note($"Job {job.Key}: the run store could not be updated ({error.Message}); the job itself is unaffected. Runs of arrays still running are updated by the next Get-SwarmJob; check finished ones with Get-SwarmRun.");
        }
    }

    private void Note(string note)
    {
        if (!_notes.Contains(note))
        {
            _notes.Add(note);
        }
    }

    private static IEnumerable<long> LongRange(long count)
    {
        for (long i = 0; i < count; i++)
        {
            yield return i;
        }
    }
}
