namespace SwarmPS.Engine.Scheduler;

/// <summary>
/// Builds one job's <see cref="SwarmJob"/> from its arrays' task states, fed attempt by attempt in
/// order: the latest attempt of a task wins, so a task failed in attempt 1 and resubmitted in attempt 2
/// counts once, as attempt 2 says. Holds one state per task and a status object only for the tasks
/// shown (those asked for, else those that did not succeed), so a million tasks cost a million bytes.
/// </summary>
internal sealed class JobSummary
{
    private readonly JobRecord _record;
    private readonly IReadOnlyCollection<long>? _wanted;
    private readonly SwarmTaskState[] _latest;
    private readonly Dictionary<long, SwarmTaskStatus> _selected = new();
    private readonly Dictionary<long, SwarmTaskStatus> _failures = new();
    private readonly List<SwarmArrayStatus> _arrays = new();

    /// <param name="record">The job.</param>
    /// <param name="wanted">Tasks to detail (-Task); null details the tasks that did not succeed.</param>
    public JobSummary(JobRecord record, IReadOnlyCollection<long>? wanted)
    {
        _record = record;
        _wanted = wanted;
        _latest = new SwarmTaskState[record.TaskCount];
    }

    /// <summary>One array's elements, in index order (element 1 first), with their exit codes and reasons.</summary>
    public void AddArray(AttemptRecord attempt, ArrayRecord array, IEnumerable<(SwarmTaskState State, int? Exit, string? Reason, FailureClass? Failure)> elements)
    {
        var counts = new TaskStateTally();
        var index = 0;
        foreach (var (state, exit, reason, failure) in elements)
        {
            index++;
            var task = attempt.TaskAtLine(array.Offset + index);
            counts.Add(state);
            _latest[task] = state;
            var isWanted = _wanted is not null && _wanted.Contains(task);
            var isFailure = state is SwarmTaskState.Failed or SwarmTaskState.Cancelled;
            if (isWanted || isFailure)
            {
                var status = new SwarmTaskStatus(_record.Key, _record.Site, task, attempt.Number, array.Wave, array.JobId, index, state, exit, reason,
                    JobLayout.StandardErrorLog(_record.JobRoot, task), failure);
                if (isWanted)
                {
                    _selected[task] = status;
                }

                if (isFailure)
                {
                    _failures[task] = status;
                }
            }

            if (!isFailure && _failures.Count > 0)
            {
                // A later attempt succeeded (or is still going): the earlier failure is no longer the task's word.
                _failures.Remove(task);
            }
        }

        _arrays.Add(new SwarmArrayStatus(_record.Key, _record.Site, attempt.Number, array.Wave, array.Index, array.JobId, array.Count,
            counts.Pending + counts.NotSubmitted, counts.Running, counts.Succeeded, counts.Failed, counts.Cancelled, array.Settled));
    }

    /// <param name="stopped">Whether the operator stopped the latest attempt (a job that then did not succeed reads Cancelled).</param>
    public SwarmJob ToJob(bool stopped)
    {
        var totals = new TaskStateTally();
        foreach (var state in _latest)
        {
            totals.Add(state);
        }

        var waves = _arrays.GroupBy(a => (a.Attempt, a.Wave)).Select(g => new WaveProgress(
            g.Key.Attempt, g.Key.Wave, g.Sum(a => (long)a.Count), g.Sum(a => a.Pending), g.Sum(a => a.Running),
            g.Sum(a => a.Succeeded), g.Sum(a => a.Failed), g.Sum(a => a.Cancelled),
            g.Where(a => a.SchedulerJobId is null).Sum(a => (long)a.Count))).ToList();

        return new SwarmJob
        {
            Id = _record.Key,
            Site = _record.Site,
            Scheduler = _record.Scheduler,
            State = totals.JobState(stopped),
            TaskCount = _record.TaskCount,
            Pending = totals.Pending,
            Running = totals.Running,
            Succeeded = totals.Succeeded,
            Failed = totals.Failed,
            Cancelled = totals.Cancelled,
            NotSubmitted = totals.NotSubmitted,
            Attempts = _record.Attempts.Count,
            Command = Sites.PosixQuoting.Join(_record.RunCommand ?? _record.Command),
            JobRoot = _record.JobRoot,
            SchedulerJobIds = _record.Arrays.Where(a => a.JobId is not null).Select(a => a.JobId!).ToList(),
            Waves = waves,
            Arrays = _arrays,
            Tasks = (_wanted is not null ? _selected : _failures).Values.OrderBy(t => t.Task).ToList(),
        };
    }
}
