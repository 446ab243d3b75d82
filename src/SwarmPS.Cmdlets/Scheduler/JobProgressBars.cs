using System.Management.Automation;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Cmdlets;

/// <summary>
/// The progress bars of Wait-SwarmJob and Watch-SwarmJob: one parent bar (tasks ended of all) and a child
/// bar per wave of each attempt (pending, running, done, failed, cancelled), all closed with Completed
/// records by <see cref="Complete"/>, so none lingers after the command.
/// </summary>
internal sealed class JobProgressBars
{
    private readonly Action<ProgressRecord> _write;
    private readonly int _activityId;
    private readonly string _activity;

    /// <summary>Child bars (one per wave) shown so far, each closed with its own Completed record.</summary>
    private readonly SortedSet<int> _openChildren = new();

    private bool _parentOpen;

    public JobProgressBars(Action<ProgressRecord> write, int activityId, string activity)
    {
        _write = write;
        _activityId = activityId;
        _activity = activity;
    }

    public void Show(IReadOnlyList<SwarmJob> jobs)
    {
        var total = jobs.Sum(j => j.TaskCount);
        var done = jobs.Sum(j => j.Succeeded + j.Failed + j.Cancelled);
        _write(new ProgressRecord(_activityId, _activity, $"{done} of {total} tasks ended")
        {
            PercentComplete = total == 0 ? 100 : (int)(100 * done / total),
        });
        _parentOpen = true;
        var child = _activityId + 1;
        foreach (var job in jobs)
        {
            foreach (var wave in job.Waves)
            {
                _openChildren.Add(child);
                _write(new ProgressRecord(child++, $"{job.Id} attempt {wave.Attempt} wave {wave.Wave}",
                    $"pending {wave.Pending}  running {wave.Running}  done {wave.Succeeded}  failed {wave.Failed}  cancelled {wave.Cancelled}")
                {
                    ParentActivityId = _activityId,
                    PercentComplete = wave.Tasks == 0 ? 100 : (int)(100 * wave.Done / wave.Tasks),
                });
            }
        }
    }

    /// <summary>Closes every bar opened (children first).</summary>
    public void Complete()
    {
        foreach (var child in _openChildren)
        {
            _write(new ProgressRecord(child, _activity, "done") { ParentActivityId = _activityId, RecordType = ProgressRecordType.Completed });
        }

        _openChildren.Clear();
        if (_parentOpen)
        {
            _write(new ProgressRecord(_activityId, _activity, "done") { RecordType = ProgressRecordType.Completed });
            _parentOpen = false;
        }
    }
}
