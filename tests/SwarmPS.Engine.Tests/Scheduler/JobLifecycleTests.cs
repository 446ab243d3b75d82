using System.Diagnostics;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>WhatIf, records, wait timeout and cancellation, on the real local pool.</summary>
public sealed class JobLifecycleTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarm-life-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private JobRecordStore Store => new(Path.Combine(_root, ".swarm"));

    private SiteProfile Site(SchedulerKind kind = SchedulerKind.Local) => new() { Name = "life", Scheduler = kind, RunRoot = Path.Combine(_root, "runs") };

    [Fact]
    public void WhatIf_lists_the_exact_commands_with_placeholders_and_writes_nothing()
    {
        var plan = WavePlanner.Plan(Site(SchedulerKind.Slurm), new[] { "python", "train.py" }, TaskSet.Product(new[] { TaskAxis.Seeds(5) }),
            new JobPlanOptions { MaxArraySize = 2, MaxConcurrentJobs = 4, Throttle = 3 });
        var shell = new CountingShell(LocalShell.Instance);

        var lines = new JobSubmitter(shell, Store).Describe(plan);

        Assert.Equal(4, lines.Count);
        Assert.StartsWith("sbatch --parsable --array=1-2%3", lines[1]);
        Assert.Contains("--dependency=afterany:{0.0}:{0.1}", lines[3]);
        Assert.Empty(shell.Commands);
        Assert.False(Directory.Exists(Path.Combine(_root, ".swarm")));
        Assert.False(Directory.Exists(Path.Combine(_root, "runs")));
    }

    [Fact]
    public async Task WhatIf_lists_exactly_the_submit_commands_that_Submit_then_runs()
    {
        var plan = WavePlanner.Plan(Site(), new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(3) }),
            new JobPlanOptions { MaxArraySize = 2, MaxConcurrentJobs = 2 });
        var shell = new CountingShell(LocalShell.Instance);
        var submitter = new JobSubmitter(shell, Store);

        var described = submitter.Describe(plan).Skip(1).ToList();
        await submitter.SubmitAsync(plan);

        var submitted = shell.Commands.Where(c => c.Program == "bash" && c.Arguments.Any(a => a.EndsWith("/local/driver.sh", StringComparison.Ordinal))).Select(c => c.ToString()).ToList();
        Assert.Equal(2, submitted.Count);
        Assert.Equal(described, submitted);
        // The local pool's driver is the one script its submit commands run, staged by the adapter's word.
        Assert.True(File.Exists(LocalPoolAdapter.DriverPath(new JobLayout(Store.Get(plan.Key).JobRoot, 1))));
        Assert.Empty(SchedulerAdapters.For(SchedulerKind.Slurm).SupportScripts(new JobLayout("/scratch/x", 1)));
        await new JobWaiter(new JobTracker(LocalShell.Instance, Store)).WaitAsync(plan.Site, new[] { Store.Get(plan.Key) }, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_record_is_in_the_repository_and_on_the_site_and_survives_a_reload()
    {
        var plan = WavePlanner.Plan(Site(), new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }));
        await new JobSubmitter(LocalShell.Instance, Store).SubmitAsync(plan);

        var local = Store.Get(plan.Key);
        var remote = Path.Combine(local.JobRoot, "record.json");

        Assert.True(File.Exists(remote));
        Assert.Equal(plan.Key, local.Key);
        Assert.Equal(new[] { "seed" }, local.ParameterNames);
        Assert.NotNull(local.Arrays.Single().JobId);
        Assert.Single(Store.List());
        Assert.Equal("JobNotFound", Assert.Throws<SwarmException>(() => Store.Get("0000000000000000")).ErrorId);
        await new JobWaiter(new JobTracker(LocalShell.Instance, Store)).WaitAsync(plan.Site, new[] { local }, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_damaged_record_is_named_with_the_fix()
    {
        Directory.CreateDirectory(Store.Directory);
        File.WriteAllText(Store.PathOf("badbadbadbadbad0"), "{ not json");

        var error = Assert.Throws<SwarmException>(() => Store.Get("badbadbadbadbad0"));

        Assert.Equal("JobRecordInvalid", error.ErrorId);
        Assert.Contains("record.json", error.Remediation);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Wait_times_out_with_counts_and_stops_promptly_on_cancel()
    {
        var plan = WavePlanner.Plan(Site(), new[] { "sleep", "30" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }), new JobPlanOptions { Throttle = 1 });
        await new JobSubmitter(LocalShell.Instance, Store).SubmitAsync(plan);
        var record = Store.Get(plan.Key);
        var waiter = new JobWaiter(new JobTracker(LocalShell.Instance, Store));
        try
        {
            var timeout = await Assert.ThrowsAsync<SwarmException>(() =>
                waiter.WaitAsync(plan.Site, new[] { record }, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(1)));
            Assert.Equal("WaitTimeout", timeout.ErrorId);
            Assert.Contains(plan.Key, timeout.Message);

            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                waiter.WaitAsync(plan.Site, new[] { record }, TimeSpan.FromSeconds(30), null, null, stop.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"cancel took {clock.Elapsed}");
        }
        finally
        {
            await new JobCanceller(LocalShell.Instance).CancelAsync(plan.Site, new[] { Store.Get(plan.Key) });
        }
    }

    [Fact]
    public async Task Cancelling_a_wait_in_the_middle_of_a_slow_poll_ends_it_within_two_seconds()
    {
        var plan = WavePlanner.Plan(Site(), new[] { "sleep", "30" }, TaskSet.Product(new[] { TaskAxis.Seeds(1) }));
        await new JobSubmitter(LocalShell.Instance, Store).SubmitAsync(plan);
        var waiter = new JobWaiter(new JobTracker(new SlowShell(LocalShell.Instance, TimeSpan.FromSeconds(60)), Store));
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            var clock = Stopwatch.StartNew();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                waiter.WaitAsync(plan.Site, new[] { Store.Get(plan.Key) }, TimeSpan.FromSeconds(30), null, null, stop.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"cancel took {clock.Elapsed}");
        }
        finally
        {
            await new JobCanceller(LocalShell.Instance).CancelAsync(plan.Site, new[] { Store.Get(plan.Key) });
        }
    }

    [Fact]
    public async Task Ctrl_C_while_the_ledger_writes_a_poll_saves_nothing_of_that_poll()
    {
        var plan = WavePlanner.Plan(Site(), new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(3) }), new JobPlanOptions { MaxArraySize = 1 });
        await new JobSubmitter(LocalShell.Instance, Store).SubmitAsync(plan);
        // Wait for the tasks through a throw-away store, so the real record still has its three arrays open.
        await new JobWaiter(new JobTracker(LocalShell.Instance, new JobRecordStore(Path.Combine(_root, "elsewhere"))))
            .WaitAsync(plan.Site, new[] { Store.Get(plan.Key) }, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30));
        using var stop = new CancellationTokenSource();
        var sink = new CancellingSink(stop);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new JobTracker(LocalShell.Instance, Store, sink: sink).QueryAsync(plan.Site, new[] { Store.Get(plan.Key) }, null, stop.Token));

        Assert.Equal((1, 3), (sink.Calls, sink.Arrays)); // one call for the poll, with all three arrays
        Assert.All(Store.Get(plan.Key).Arrays, a => Assert.False(a.Settled));
        var job = (await new JobTracker(LocalShell.Instance, Store).QueryAsync(plan.Site, new[] { Store.Get(plan.Key) }))[0];
        Assert.Equal(SwarmJobState.Succeeded, job.State);
    }

    /// <summary>A ledger sink that presses Ctrl+C while it writes a poll's tasks.</summary>
    private sealed class CancellingSink(CancellationTokenSource stop) : ITaskOutcomeSink
    {
        public int Calls { get; private set; }

        public int Arrays { get; private set; }

        public void AttemptPlanned(JobRecord job, AttemptRecord attempt, TaskSet tasks)
        {
        }

        public void ArrayQueued(JobRecord job, AttemptRecord attempt, ArrayRecord array)
        {
        }

        public void TasksObserved(IReadOnlyList<ArrayObservation> observations, CancellationToken cancellationToken)
        {
            Calls++;
            Arrays += observations.Count;
            stop.Cancel();
        }
    }
}
