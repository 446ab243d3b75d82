using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Ledger;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// Stopping a sweep on the real local pool in a real repository: the job reads Cancelled (not Failed),
/// and every cancelled task's run ends stopped and is promoted to the ledger, none left queued or running.
/// </summary>
public sealed class JobStopTests : IDisposable
{
    private readonly TemporaryRepository _repo = new();

    public JobStopTests()
    {
        RepositoryInitializer.Initialize(_repo.Root, "test-machine");
    }

    public void Dispose() => _repo.Dispose();

    private SiteProfile Site => new() { Name = "local", Scheduler = SchedulerKind.Local, RunRoot = Path.Combine(_repo.Root, "runs") };

    [Fact]
    public async Task A_stopped_job_is_Cancelled_and_its_running_and_queued_tasks_become_stopped_runs_in_the_ledger()
    {
        // Throttle 1: task 0 runs, tasks 1 and 2 wait in the pool.
        var plan = WavePlanner.Plan(Site, new[] { "sleep", "300" }, TaskSet.Product(new[] { TaskAxis.Seeds(3) }), new JobPlanOptions { Throttle = 1 });
        var store = JobRecordStore.ForRepository(_repo.Root);
        using var recorder = LedgerRunRecorder.Open(_repo.Root);
        var tracker = new JobTracker(LocalShell.Instance, store, sink: recorder);
        await new JobSubmitter(LocalShell.Instance, store, tracker, recorder).SubmitAsync(plan);
        for (var i = 0; i < 100 && (await tracker.QueryAsync(Site, new[] { store.Get(plan.Key) }))[0].Running == 0; i++)
        {
            await Task.Delay(100);
        }

        using (var runs = RunStore.Open(_repo.Root))
        {
            Assert.Equal(new[] { RunStatus.Queued, RunStatus.Queued, RunStatus.Running }, runs.List().Select(r => r.Status).Order());
        }

        var result = await new JobStopper(LocalShell.Instance, store, tracker).StopAsync(Site, new[] { store.Get(plan.Key) });

        var job = Assert.Single(result.Jobs);
        Assert.Single(result.CancelledJobIds);
        Assert.Equal((SwarmJobState.Cancelled, 3L, 0L, 0L, 0L), (job.State, job.Cancelled, job.Failed, job.Running, job.Pending));
        Assert.NotNull(store.Get(plan.Key).Attempts.Single().Stopped);
        Assert.Empty(recorder.TakeNotes());
        using (var runs = RunStore.Open(_repo.Root))
        {
            Assert.All(runs.List(), r => Assert.Equal(RunStatus.Stopped, r.Status));
            Assert.All(runs.List(), r => Assert.True(File.Exists(_repo.Repository.LedgerEntryPath(r.Id)), $"run {r.Id} is not in the ledger"));
        }

        // A later look (Get-SwarmJob) still says Cancelled: the state comes from the record, not from that one poll.
        var later = (await tracker.QueryAsync(Site, new[] { store.Get(plan.Key) }))[0];
        Assert.Equal((SwarmJobState.Cancelled, 3L), (later.State, later.Cancelled));
    }

    [Fact]
    public async Task A_job_that_failed_without_a_stop_still_reads_Failed_and_a_stop_after_the_end_changes_nothing()
    {
        var plan = WavePlanner.Plan(Site, new[] { "bash", "-c", "exit 3" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }));
        var store = JobRecordStore.ForRepository(_repo.Root);
        var tracker = new JobTracker(LocalShell.Instance, store);
        await new JobSubmitter(LocalShell.Instance, store, tracker).SubmitAsync(plan);
        var ended = (await new JobWaiter(tracker).WaitAsync(Site, new[] { store.Get(plan.Key) }, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30)))[0];
        Assert.Equal((SwarmJobState.Failed, 2L), (ended.State, ended.Failed));

        var result = await new JobStopper(LocalShell.Instance, store, tracker).StopAsync(Site, new[] { store.Get(plan.Key) });

        Assert.Empty(result.CancelledJobIds);
        Assert.Equal(SwarmJobState.Failed, result.Jobs.Single().State);
        Assert.Null(store.Get(plan.Key).Attempts.Single().Stopped);
    }
}
