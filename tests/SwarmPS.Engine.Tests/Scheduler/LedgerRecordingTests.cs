using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Ledger;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// Submit / Get / Wait with the run ledger, end to end on the real local pool in a real git repository:
/// one run per task, statuses as the scheduler reports them, terminal runs promoted, resume honest.
/// </summary>
public sealed class LedgerRecordingTests : IDisposable
{
    private readonly TemporaryRepository _repo = new();
    private readonly string _flags;

    public LedgerRecordingTests()
    {
        RepositoryInitializer.Initialize(_repo.Root, "test-machine");
        _flags = Directory.CreateTempSubdirectory("swarm-flags-").FullName;
    }

    public void Dispose()
    {
        _repo.Dispose();
        Directory.Delete(_flags, recursive: true);
    }

    private SiteProfile Site => new() { Name = "local", Scheduler = SchedulerKind.Local, RunRoot = Path.Combine(_repo.Root, "runs") };

    /// <summary>Fails with 5 while a fail-&lt;n&gt; flag exists; waits for go-&lt;n&gt; when hold-&lt;n&gt; exists.</summary>
    private string[] Command() => new[]
    {
        "bash", "-c",
        "while [ -e \"$1/hold-$SWARM_KW_N\" ] && [ ! -e \"$1/go-$SWARM_KW_N\" ]; do sleep 0.1; done; if [ -e \"$1/fail-$SWARM_KW_N\" ]; then exit 5; fi",
        "task", _flags,
    };

    private static TaskSet Tasks(int n) => TaskSet.Product(new[] { TaskAxis.Seeds(n, name: "n"), TaskAxis.Of("lr", new object[] { "0.1" }) });

    private async Task<SwarmJob> WaitAsync(JobRecordStore store, LedgerRunRecorder recorder, JobPlan plan)
    {
        var waiter = new JobWaiter(new JobTracker(LocalShell.Instance, store, new StatusProbe(new[] { TimeSpan.FromMilliseconds(200) }), recorder));
        return (await waiter.WaitAsync(plan.Site, new[] { store.Get(plan.Key) }, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(60))).Single();
    }

    private string RunId(JobPlan plan, long task, int attempt) =>
        LedgerRunId.FromStatepoint(LedgerRunRecorder.Statepoint(plan.Command, plan.Tasks.GetTask(task), attempt));

    [Fact]
    public async Task Five_tasks_one_failing_give_four_complete_and_one_failed_run_and_resume_adds_one_honest_retry()
    {
        File.WriteAllText(Path.Combine(_flags, "fail-3"), "");
        var plan = WavePlanner.Plan(Site, Command(), Tasks(5), new JobPlanOptions { MaxArraySize = 2 });
        var store = JobRecordStore.ForRepository(_repo.Root);
        using (var recorder = LedgerRunRecorder.Open(_repo.Root))
        {
            Assert.True(recorder.IsRecording);
            await new JobSubmitter(LocalShell.Instance, store, sink: recorder).SubmitAsync(plan);
            using (var runs = RunStore.Open(_repo.Root))
            {
                // Every task has its run before anything ran, and each accepted array's tasks are queued.
                Assert.Equal(5, runs.List().Count);
                Assert.All(runs.List(), r => Assert.True(r.Status is RunStatus.Queued or RunStatus.Running or RunStatus.Complete or RunStatus.Failed));
            }

            var job = await WaitAsync(store, recorder, plan);
            Assert.Equal((SwarmJobState.Failed, 4L, 1L), (job.State, job.Succeeded, job.Failed));
            Assert.Empty(recorder.TakeNotes());
        }

        using (var runs = RunStore.Open(_repo.Root))
        {
            Assert.Equal(4, runs.List(RunStatus.Complete).Count);
            var failed = Assert.Single(runs.List(RunStatus.Failed));
            Assert.Equal(RunId(plan, 3, 1), failed.Id);
            Assert.Contains("\"parameters\":{\"lr\":\"0.1\",\"n\":\"3\"}", failed.Statepoint);
            Assert.Contains("\"command\":[\"bash\",\"-c\"", failed.Statepoint);
            Assert.DoesNotContain("attempt", failed.Statepoint);
            Assert.Equal("test-machine", failed.Machine);
            Assert.NotNull(failed.EndedAt);
        }

        var entries = LedgerReader.Read(SwarmRepository.At(_repo.Root), new LedgerQuery());
        Assert.Equal(5, entries.Entries.Count);
        Assert.Equal(1, entries.Entries.Count(e => e.Status == RunStatus.Failed));
        var firstIds = Enumerable.Range(0, 5).Select(t => RunId(plan, t, 1)).ToHashSet();
        Assert.Equal(firstIds, entries.Entries.Select(e => e.Id).ToHashSet());

        // Resume: the failed run stays failed (its entry may already be committed elsewhere); the retry is a
        // new run with "attempt": 2. The four complete runs are neither duplicated nor touched.
        File.Delete(Path.Combine(_flags, "fail-3"));
        using (var recorder = LedgerRunRecorder.Open(_repo.Root))
        {
            var resumed = await new JobSubmitter(LocalShell.Instance, store, sink: recorder).SubmitAsync(plan, resume: true);
            Assert.Equal(1, resumed.ArraysSubmitted);
            var job = await WaitAsync(store, recorder, plan);
            Assert.Equal((SwarmJobState.Succeeded, 5L), (job.State, job.Succeeded));
            Assert.Equal(0, (await new JobSubmitter(LocalShell.Instance, store, sink: recorder).SubmitAsync(plan, resume: true)).ArraysSubmitted);
            Assert.Empty(recorder.TakeNotes());
        }

        using (var runs = RunStore.Open(_repo.Root))
        {
            Assert.Equal(6, runs.List().Count);
            Assert.Equal(RunStatus.Failed, runs.Get(RunId(plan, 3, 1)).Status);
            var retry = runs.Get(RunId(plan, 3, 2));
            Assert.Equal(RunStatus.Complete, retry.Status);
            Assert.Contains("\"attempt\":2", retry.Statepoint);
            Assert.All(firstIds.Where(id => id != RunId(plan, 3, 1)), id => Assert.Equal(RunStatus.Complete, runs.Get(id).Status));
        }

        Assert.Equal(6, LedgerReader.Read(SwarmRepository.At(_repo.Root), new LedgerQuery()).Entries.Count);
    }

    [Fact]
    public async Task A_task_seen_running_is_running_with_a_start_time_then_complete_with_its_wall_seconds()
    {
        File.WriteAllText(Path.Combine(_flags, "hold-0"), "");
        var plan = WavePlanner.Plan(Site, Command(), Tasks(1));
        var store = JobRecordStore.ForRepository(_repo.Root);
        // Found by walking up from a directory inside the repository, as the cmdlets do.
        using var recorder = LedgerRunRecorder.Open(Directory.CreateDirectory(Path.Combine(_repo.Root, "analysis", "deep")).FullName);
        Assert.Equal(_repo.Root, recorder.RepositoryRoot);
        await new JobSubmitter(LocalShell.Instance, store, sink: recorder).SubmitAsync(plan);
        var tracker = new JobTracker(LocalShell.Instance, store, sink: recorder);
        using var runs = RunStore.Open(_repo.Root);
        var id = RunId(plan, 0, 1);
        for (var i = 0; i < 100 && (await tracker.QueryAsync(Site, new[] { store.Get(plan.Key) }))[0].Running == 0; i++)
        {
            await Task.Delay(100);
        }

        var running = runs.Get(id);
        Assert.Equal(RunStatus.Running, running.Status);
        Assert.NotNull(running.StartedAt);

        await Task.Delay(300);
        File.WriteAllText(Path.Combine(_flags, "go-0"), "");
        await WaitAsync(store, recorder, plan);

        var done = runs.Get(id);
        Assert.Equal(RunStatus.Complete, done.Status);
        Assert.True(done.WallSeconds >= 0.2, $"wall seconds {done.WallSeconds}");
        Assert.True(File.Exists(SwarmRepository.At(_repo.Root).LedgerEntryPath(id)));
    }

    [Fact]
    public async Task Without_a_repository_the_submit_goes_on_and_says_why_no_runs_were_recorded()
    {
        var outside = Directory.CreateTempSubdirectory("swarm-norepo-").FullName;
        try
        {
            Assert.Null(LedgerRunRecorder.FindRepositoryRoot(outside));
            using var recorder = LedgerRunRecorder.Open(outside);
            var site = Site with { RunRoot = Path.Combine(outside, "runs") };
            var plan = WavePlanner.Plan(site, Command(), Tasks(1));
            var store = JobRecordStore.ForRepository(outside);

            var result = await new JobSubmitter(LocalShell.Instance, store, sink: recorder).SubmitAsync(plan);
            await WaitAsync(store, recorder, plan);

            Assert.False(recorder.IsRecording);
            Assert.Equal(1, result.ArraysSubmitted);
            Assert.Contains("no experiment repository", Assert.Single(recorder.TakeNotes()));
            Assert.False(File.Exists(Path.Combine(outside, ".swarm", "runs.db")));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Fact]
    public void An_uninitialised_repository_is_not_written_and_the_note_names_Initialize_SwarmRepository()
    {
        using var bare = new TemporaryRepository();
        using var recorder = LedgerRunRecorder.Open(bare.Root);

        Assert.False(recorder.IsRecording);
        Assert.Equal(bare.Root, recorder.RepositoryRoot);
        Assert.Contains("Initialize-SwarmRepository", Assert.Single(recorder.TakeNotes()));
        Assert.False(Directory.Exists(Path.Combine(bare.Root, ".swarm")));
    }

    [Fact]
    public void A_run_that_is_already_terminal_is_left_as_it_is_and_counted_not_thrown()
    {
        using var runs = RunStore.Open(_repo.Root, new RunStoreOptions { CaptureCodeVersion = false });
        runs.CreateJobRuns("job1", 1, new[] { (0L, (object)new Dictionary<string, object?> { ["n"] = "0" }), (1L, new Dictionary<string, object?> { ["n"] = "1" }) });
        runs.SetJobTaskStatuses("job1", 1, new[] { (0L, RunStatus.Failed) });

        var change = runs.SetJobTaskStatuses("job1", 1, new[] { (0L, RunStatus.Complete), (1L, RunStatus.Running), (1L, RunStatus.Running), (9L, RunStatus.Running) });

        Assert.Equal((1, 1, 1, 1), (change.Changed, change.Unchanged, change.Refused, change.Missing));
        Assert.Equal(RunStatus.Failed, runs.Get(runs.JobRunIds("job1", 1)[0]).Status);
    }

    [Fact]
    public void A_poll_of_more_tasks_than_one_write_takes_is_recorded_whole_across_its_batches()
    {
        var (record, attempt, tasks) = SweepOf(LedgerRunRecorder.TasksPerWrite + 2_500, arraySize: 1000);
        using var recorder = LedgerRunRecorder.Open(_repo.Root, new RunStoreOptions { CaptureCodeVersion = false });
        recorder.AttemptPlanned(record, attempt, tasks);

        // Every array ends in one poll; tasks 0, 10, 20, ... fail.
        recorder.TasksObserved(Observations(record, attempt, i => i % 10 == 0 ? SwarmTaskState.Failed : SwarmTaskState.Succeeded), CancellationToken.None);

        Assert.Empty(recorder.TakeNotes());
        using var runs = RunStore.Open(_repo.Root);
        var ids = runs.JobRunIds(record.Key, 1);
        Assert.Equal(tasks.Count, ids.Count);
        var byStatus = ids.Values.Select(id => runs.Get(id)).GroupBy(run => run.Status).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal((tasks.Count / 10, tasks.Count - tasks.Count / 10), (byStatus[RunStatus.Failed], byStatus[RunStatus.Complete]));
        Assert.Equal(tasks.Count, Directory.GetFiles(SwarmRepository.At(_repo.Root).LedgerDirectory, "*.json").Length);
        Assert.Equal(RunStatus.Failed, runs.Get(ids[LedgerRunRecorder.TasksPerWrite]).Status); // first task of the second batch
    }

    [Fact]
    public void Ctrl_C_before_a_poll_is_written_records_nothing_of_it_and_the_next_poll_records_it()
    {
        var (record, attempt, tasks) = SweepOf(3_000, arraySize: 1000);
        using var recorder = LedgerRunRecorder.Open(_repo.Root, new RunStoreOptions { CaptureCodeVersion = false });
        recorder.AttemptPlanned(record, attempt, tasks);
        using var stop = new CancellationTokenSource();
        stop.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => recorder.TasksObserved(Observations(record, attempt, _ => SwarmTaskState.Succeeded), stop.Token));

        using (var runs = RunStore.Open(_repo.Root))
        {
            Assert.All(runs.JobRunIds(record.Key, 1).Values, id => Assert.Equal(RunStatus.Created, runs.Get(id).Status));
        }

        recorder.TasksObserved(Observations(record, attempt, _ => SwarmTaskState.Succeeded), CancellationToken.None);
        using (var runs = RunStore.Open(_repo.Root))
        {
            Assert.All(runs.JobRunIds(record.Key, 1).Values, id => Assert.Equal(RunStatus.Complete, runs.Get(id).Status));
        }
    }

    /// <summary>A submitted sweep of <paramref name="count"/> tasks in arrays of <paramref name="arraySize"/>, as its job record holds it.</summary>
    private static (JobRecord Record, AttemptRecord Attempt, TaskSet Tasks) SweepOf(int count, int arraySize)
    {
        var record = new JobRecord { Key = "bigjob", Command = new() { "python", "train.py" }, TaskCount = count };
        var attempt = new AttemptRecord { Number = 1 };
        for (var a = 0; a * arraySize < count; a++)
        {
            attempt.Arrays.Add(new ArrayRecord { Attempt = 1, Index = a, Offset = a * arraySize, Count = Math.Min(arraySize, count - a * arraySize), JobId = a.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }

        record.Attempts.Add(attempt);
        return (record, attempt, Tasks(count));
    }

    /// <summary>One poll's report of every array, each task's state given by its number (element n is task offset + n - 1 here).</summary>
    private static List<ArrayObservation> Observations(JobRecord record, AttemptRecord attempt, Func<int, SwarmTaskState> state) =>
        attempt.Arrays.Select(array => new ArrayObservation(record, attempt, array, Enumerable.Range((int)array.Offset, array.Count).Select(state).ToList())).ToList();
}
