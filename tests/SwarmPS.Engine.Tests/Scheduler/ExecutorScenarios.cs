using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// The same scenarios against every executor, each on a real scheduler (or the real local pool): throttled
/// arrays chained in waves with a failing task, resume of the failed task only, cancel, a submit that
/// breaks half-way and is retried, an unknown queue.
/// </summary>
public abstract class ExecutorScenarios : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    protected ExecutorScenarios()
    {
        Root = Directory.CreateTempSubdirectory("swarm-sched-").FullName;
        // Scheduler daemons run jobs as root here, but keep the tree readable for any job user.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        }
        Store = new JobRecordStore(Path.Combine(Root, ".swarm"));
        Shell = new CountingShell(LocalShell.Instance);
    }

    protected string Root { get; }

    protected JobRecordStore Store { get; }

    protected CountingShell Shell { get; }

    protected abstract SchedulerKind Kind { get; }

    /// <summary>Whether a command is a submission (sbatch, qsub, or starting a local pool driver).</summary>
    protected abstract bool IsSubmit(ShellCommand command);

    private int Submits => Shell.Commands.Count(IsSubmit);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A cancelled task may still be writing; the temp directory is cleaned by the OS.
        }
    }

    protected SiteProfile Site(string? queue = null) => new() { Name = "test-" + Kind.ToString().ToLowerInvariant(), Scheduler = Kind, RunRoot = Path.Combine(Root, "runs"), Queue = queue };

    /// <summary>Each task records when it started and ended, and fails with 3 while a flag file for its n exists.</summary>
    protected string[] Command(double seconds) => new[]
    {
        "bash", "-c",
        "date +%s%N > t0; sleep \"$1\"; date +%s%N > t1; printf '%s' \"$SWARM_KW_NOTE\" > note; if [ -e \"$2/fail-$SWARM_KW_N\" ]; then exit 3; fi",
        "task", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), Root,
    };

    protected static TaskSet Tasks(int n) => TaskSet.Product(new[]
    {
        TaskAxis.Seeds(n, name: "n"),
        TaskAxis.Of("note", new object[] { "tab\tand\nnewline 'q' \"dq\" $HOME" }),
    });

    protected async Task<IReadOnlyList<SwarmJob>> WaitAsync(JobPlan plan, TimeSpan timeout)
    {
        var waiter = new JobWaiter(new JobTracker(Shell, Store, new StatusProbe(new[] { TimeSpan.FromMilliseconds(200) })));
        return await waiter.WaitAsync(plan.Site, new[] { Store.Get(plan.Key) }, Poll, timeout);
    }

    private long Stamp(JobRecord record, long task, string name) =>
        long.Parse(File.ReadAllText(Path.Combine(record.JobRoot, "results", task.ToString(), name)).Trim());

    [Fact]
    public async Task Throttled_waves_run_in_order_a_failure_is_recorded_and_resume_reruns_only_it()
    {
        File.WriteAllText(Path.Combine(Root, "fail-2"), "");
        var plan = WavePlanner.Plan(Site(), Command(0.3), Tasks(6), new JobPlanOptions { MaxArraySize = 2, MaxConcurrentJobs = 4, Throttle = 1 });
        var submitter = new JobSubmitter(Shell, Store);

        var first = await submitter.SubmitAsync(plan);
        var job = (await WaitAsync(plan, TimeSpan.FromSeconds(90))).Single();

        Assert.Equal(3, first.ArraysSubmitted);
        Assert.Equal(2, plan.WaveCount);
        Assert.Equal(3, Submits);
        Assert.Equal(SwarmJobState.Failed, job.State);
        Assert.Equal(5, job.Succeeded);
        var failed = Assert.Single(job.Tasks);
        Assert.Equal((2L, SwarmTaskState.Failed, (int?)3), (failed.Task, failed.State, failed.ExitCode));

        // afterany: wave 1 (tasks 4, 5) started after every wave-0 task ended, the failing one included.
        var record = Store.Get(plan.Key);
        var wave0End = Enumerable.Range(0, 4).Max(t => Stamp(record, t, "t1"));
        Assert.All(new[] { 4L, 5L }, t => Assert.True(Stamp(record, t, "t0") >= wave0End, $"task {t} started before wave 0 ended"));
        // Throttle 1: the two tasks of one array never overlap.
        foreach (var (a, b) in new[] { (0L, 1L), (2L, 3L), (4L, 5L) })
        {
            Assert.True(Stamp(record, b, "t0") >= Stamp(record, a, "t1") || Stamp(record, a, "t0") >= Stamp(record, b, "t1"), $"tasks {a} and {b} overlapped");
        }

        Assert.Equal("tab\tand\nnewline 'q' \"dq\" $HOME", File.ReadAllText(Path.Combine(record.JobRoot, "results", "1", "note")));
        Assert.Equal("JobAlreadySubmitted", (await Assert.ThrowsAsync<SwarmException>(() => submitter.SubmitAsync(plan))).ErrorId);

        File.Delete(Path.Combine(Root, "fail-2"));
        var before = Submits;
        var resumed = await submitter.SubmitAsync(plan, resume: true);
        var after = (await WaitAsync(plan, TimeSpan.FromSeconds(60))).Single();

        Assert.Equal(1, resumed.ArraysSubmitted);
        Assert.Equal(before + 1, Submits);
        Assert.Equal(new long[] { 2 }, Store.Get(plan.Key).Attempts[1].Selection);
        Assert.Equal((SwarmJobState.Succeeded, 6L, 2), (after.State, after.Succeeded, after.Attempts));
        Assert.Equal(0, (await submitter.SubmitAsync(plan, resume: true)).ArraysSubmitted);
    }

    [Fact]
    public async Task Stop_cancels_running_and_pending_tasks()
    {
        var plan = WavePlanner.Plan(Site(), Command(60), Tasks(3), new JobPlanOptions { Throttle = 1 });
        await new JobSubmitter(Shell, Store).SubmitAsync(plan);
        var tracker = new JobTracker(Shell, Store);
        for (var i = 0; i < 60 && (await tracker.QueryAsync(plan.Site, new[] { Store.Get(plan.Key) }))[0].Running == 0; i++)
        {
            await Task.Delay(Poll);
        }

        var cancelled = await new JobCanceller(Shell).CancelAsync(plan.Site, new[] { Store.Get(plan.Key) });
        var job = (await WaitAsync(plan, TimeSpan.FromSeconds(60))).Single();

        Assert.Single(cancelled);
        Assert.True(job.IsFinished);
        Assert.Equal(0, job.Succeeded);
        Assert.Equal(3, job.Failed + job.Cancelled);
        Assert.True(job.Cancelled >= 2, $"expected the pending tasks cancelled, got {job.Cancelled} cancelled, {job.Failed} failed");
    }

    [Fact]
    public async Task A_submit_broken_half_way_records_what_was_queued_and_a_retry_queues_only_the_rest()
    {
        var plan = WavePlanner.Plan(Site(), Command(0.1), Tasks(3), new JobPlanOptions { MaxArraySize = 1, MaxConcurrentJobs = 1 });
        var submits = 0;
        Shell.Fault = (command, _) => IsSubmit(command) && ++submits == 2
            ? new ShellResult(1, "", "Socket timed out on send/recv operation", TimeSpan.Zero)
            : null;

        var error = await Assert.ThrowsAsync<SwarmException>(() => new JobSubmitter(Shell, Store).SubmitAsync(plan));
        var record = Store.Get(plan.Key);

        Assert.Equal("SubmitIncomplete", error.ErrorId);
        Assert.Contains("1 of 3 arrays are queued", error.Message);
        Assert.Contains("Socket timed out", error.Message);
        Assert.Equal(new[] { true, false, false }, record.Arrays.Select(a => a.JobId is not null));
        Assert.Equal(SwarmJobState.Incomplete, (await new JobTracker(Shell, Store).QueryAsync(plan.Site, new[] { record }))[0].State);

        Shell.Fault = null;
        var retry = await new JobSubmitter(Shell, Store).SubmitAsync(plan);
        var job = (await WaitAsync(plan, TimeSpan.FromSeconds(60))).Single();

        Assert.Equal(2, retry.ArraysSubmitted);
        Assert.Equal(3, Store.Get(plan.Key).Arrays.Select(a => a.JobId).Distinct().Count());
        Assert.Equal((SwarmJobState.Succeeded, 3L), (job.State, job.Succeeded));
    }

    [Fact]
    public async Task Status_of_every_tracked_job_is_one_round_trip()
    {
        var plan = WavePlanner.Plan(Site(), Command(0.1), Tasks(4), new JobPlanOptions { MaxArraySize = 1 });
        await new JobSubmitter(Shell, Store).SubmitAsync(plan);
        var before = Shell.Commands.Count;

        await new JobTracker(Shell, Store).QueryAsync(plan.Site, new[] { Store.Get(plan.Key) }, new long[] { 0, 3 });

        Assert.Equal(before + 1, Shell.Commands.Count);
        await WaitAsync(plan, TimeSpan.FromSeconds(60));
    }
}

public sealed class LocalPoolScenarios : ExecutorScenarios
{
    protected override SchedulerKind Kind => SchedulerKind.Local;

    // The pool starts one driver per array through bash.
    protected override bool IsSubmit(ShellCommand command) => command.Program == "bash" && command.Arguments.Any(a => a.EndsWith("/local/driver.sh", StringComparison.Ordinal));
}

[Collection("slurm")]
public sealed class SlurmScenarios : ExecutorScenarios
{
    protected override SchedulerKind Kind => SchedulerKind.Slurm;

    protected override bool IsSubmit(ShellCommand command) => command.Program == "sbatch";

    [Fact]
    public async Task An_unknown_partition_surfaces_slurms_message_and_the_fix()
    {
        var plan = WavePlanner.Plan(Site(queue: "no-such-partition"), Command(0.1), Tasks(2));

        var error = await Assert.ThrowsAsync<SwarmException>(() => new JobSubmitter(Shell, Store).SubmitAsync(plan));

        Assert.Equal("QueueUnknown", error.ErrorId);
        Assert.Contains("invalid partition", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("sinfo", error.Remediation);
    }

    [Fact]
    public async Task The_array_limit_is_asked_from_slurm()
    {
        Assert.Equal(1000, await SchedulerArrayLimit.AskAsync(Site(), LocalShell.Instance));
        var plan = await WavePlanner.PlanAsync(Site(), Command(0.1), Tasks(3), new JobPlanOptions(), shell: Shell);
        Assert.Equal(("scheduler", 1000), (plan.MaxArraySizeSource, plan.MaxArraySize));
    }
}

[Collection("sge")]
public sealed class SgeScenarios : ExecutorScenarios
{
    protected override SchedulerKind Kind => SchedulerKind.Sge;

    protected override bool IsSubmit(ShellCommand command) => command.Program == "qsub";

    [Fact]
    public async Task An_unknown_queue_surfaces_grid_engines_message_and_the_fix()
    {
        var plan = WavePlanner.Plan(Site(queue: "nope.q"), Command(0.1), Tasks(2));

        var error = await Assert.ThrowsAsync<SwarmException>(() => new JobSubmitter(Shell, Store).SubmitAsync(plan));

        Assert.Equal("QueueUnknown", error.ErrorId);
        Assert.Contains("unknown queue", error.Message);
        Assert.Contains("qconf -sql", error.Remediation);
    }

    [Fact]
    public async Task The_array_limit_is_asked_from_grid_engine()
    {
        Assert.Equal(75000, await SchedulerArrayLimit.AskAsync(Site(), LocalShell.Instance));
    }
}
