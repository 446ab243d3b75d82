using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>SLURM and SGE readers on the shapes their real outputs take (captured from the CI schedulers).</summary>
public sealed class SchedulerParsingTests
{
    private static TrackedArray Tracked(string id, int count) => new(id, new JobLayout("/r/jobs/k", 1), 0, count);

    [Fact]
    public void Slurm_squeue_ranges_sacct_and_scontrol_lines_are_read()
    {
        var snapshot = new SchedulerSnapshot();
        new SlurmAdapter().ParseStatus(new Dictionary<string, ProbeOutput>
        {
            ["squeue"] = new("12_1|RUNNING|None\n12_[2-4%2]|PENDING|JobArrayTaskLimit\n99_1|RUNNING|None\n", 0),
            ["sacct"] = new("Slurm accounting storage is disabled\n", 1),
            ["scontrol"] = new("JobId=20 ArrayJobId=13 ArrayTaskId=2 JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 RunTime=00:00:01\nJobId=21 JobState=COMPLETED\n", 0),
        }, new[] { Tracked("12", 4), Tracked("13", 2) }, snapshot);

        Assert.True(snapshot.TryGet("12", 3, out var pending));
        Assert.Equal(SchedulerElementState.Pending, pending.State);
        Assert.Contains("JobArrayTaskLimit", pending.Detail);
        Assert.True(snapshot.TryGet("13", 2, out var failed));
        Assert.Equal((SchedulerElementState.Failed, (int?)3), (failed.State, failed.ExitCode));
        Assert.DoesNotContain("99", snapshot.KnownJobs);
    }

    [Theory]
    [InlineData("CANCELLED by 0", SchedulerElementState.Cancelled)]
    [InlineData("TIMEOUT", SchedulerElementState.Failed)]
    [InlineData("COMPLETING", SchedulerElementState.Running)]
    [InlineData("SOMETHING_NEW", SchedulerElementState.Failed)]
    public void Slurm_states_map(string state, SchedulerElementState expected) => Assert.Equal(expected, SlurmAdapter.MapState(state));

    [Fact]
    public void Slurm_max_array_size_is_one_less_than_the_configured_bound()
    {
        Assert.Equal(1000, new SlurmAdapter().ParseArrayLimit("AccountingStorageType   = accounting_storage/none\nMaxArraySize            = 1001\n"));
    }

    [Fact]
    public void Sge_pending_ranges_running_tasks_and_qacct_blocks_are_read()
    {
        const string xml = """
            <?xml version='1.0'?>
            <job_info xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
              <queue_info>
                <job_list state="running"><JB_job_number>5</JB_job_number><state>r</state><tasks>1</tasks></job_list>
              </queue_info>
              <job_info>
                <job_list state="pending"><JB_job_number>5</JB_job_number><state>qw</state><tasks>2-6:2</tasks><unknown>x</unknown></job_list>
                <job_list state="pending"><JB_job_number>6</JB_job_number><state>hqw</state><tasks>1-3:1</tasks></job_list>
              </job_info>
            </job_info>
            """;
        const string qacct = "==============================================================\nqname        all.q\njobnumber    7\ntaskid       2\nfailed       0    \nexit_status  4\n";
        var snapshot = new SchedulerSnapshot();

        new SgeAdapter().ParseStatus(new Dictionary<string, ProbeOutput> { ["qstat"] = new(xml, 0), ["qacct"] = new(qacct, 0) },
            new[] { Tracked("5", 6), Tracked("6", 3), Tracked("7", 2) }, snapshot);

        Assert.True(snapshot.TryGet("5", 1, out var running) && running.State == SchedulerElementState.Running);
        Assert.True(snapshot.TryGet("5", 4, out var pending) && pending.State == SchedulerElementState.Pending);
        Assert.False(snapshot.TryGet("5", 3, out _));
        Assert.True(snapshot.TryGet("6", 3, out _));
        Assert.True(snapshot.TryGet("7", 2, out var done));
        Assert.Equal((SchedulerElementState.Failed, (int?)4), (done.State, done.ExitCode));
    }

    [Fact]
    public void Slurm_submit_command_carries_array_throttle_dependency_and_offset()
    {
        var site = new SiteProfile { Name = "s", Scheduler = SchedulerKind.Slurm, RunRoot = "/r", Queue = "debug", Account = "acct" };
        var plan = WavePlanner.Plan(site, new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(30) }), new JobPlanOptions { MaxArraySize = 20, Throttle = 5, Walltime = TimeSpan.FromHours(2) });
        var second = plan.Arrays.Last();

        var command = new SlurmAdapter().BuildSubmit(new ArraySubmission(plan, second, new JobLayout("/r/jobs/k", 1), new[] { "41", "42" }));

        Assert.Equal("sbatch", command.Program);
        Assert.Contains("--array=1-10%5", command.Arguments);
        Assert.Contains("--dependency=afterany:41:42", command.Arguments);
        Assert.Contains("--export=ALL,SWARM_ARRAY_OFFSET=20", command.Arguments);
        Assert.Contains("--partition=debug", command.Arguments);
        Assert.Contains("--account=acct", command.Arguments);
        Assert.Contains("--time=02:00:00", command.Arguments);
        Assert.Contains("--parsable", command.Arguments);
    }
}
