using System.Text.Json.Nodes;
using SwarmPS.Engine.Scheduler;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// Why a task failed, read by each adapter's status parsing from recorded real scheduler output
/// (Fixtures/failures/SOURCES.md says where each came from and what could not be recorded here).
/// </summary>
public sealed class FailureClassifierTests
{
    private static string Fixture(string directory, string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scheduler", "Fixtures", directory, name));

    private static TrackedArray Tracked(string id, int count = 1) => new(id, new JobLayout("/runs/jobs/k", 1), 0, count);

    private static SchedulerElement Element(ISchedulerAdapter adapter, string step, string text, string jobId, int index, int count = 1)
    {
        var snapshot = new SchedulerSnapshot();
        adapter.ParseStatus(new Dictionary<string, ProbeOutput> { [step] = new(text, 0) }, new[] { Tracked(jobId, count) }, snapshot);
        Assert.True(snapshot.TryGet(jobId, index, out var element), $"element {index} of {jobId} read");
        return element;
    }

    [Theory]
    [InlineData("squeue", "slurm-squeue-timeout-loopback.txt")]
    [InlineData("scontrol", "slurm-scontrol-timeout-loopback.txt")]
    public void Slurm_timeout_from_the_loopback_scheduler_is_walltime(string step, string file)
    {
        var element = Element(new SlurmAdapter(), step, Fixture("failures", file), "3", 1);
        Assert.Equal(SchedulerElementState.Failed, element.State);
        Assert.Equal(FailureClass.Walltime, element.Failure);
    }

    [Theory]
    // State words as real clusters print them (SOURCES.md: galaxy #6832, smk-simple-slurm #29); the sacct line around them is the adapter's format.
    [InlineData("OUT_OF_MEMORY", "0:125", FailureClass.OutOfMemory)]
    [InlineData("OUT_OF_MEMORY", "0:0", FailureClass.OutOfMemory)]
    [InlineData("TIMEOUT", "0:15", FailureClass.Walltime)]
    [InlineData("NODE_FAIL", "0:0", FailureClass.NodeFailure)]
    [InlineData("BOOT_FAIL", "0:0", FailureClass.NodeFailure)]
    [InlineData("PREEMPTED", "0:15", FailureClass.Preempted)]
    [InlineData("FAILED", "3:0", FailureClass.NonZeroExit)]
    [InlineData("CANCELLED by 0", "0:15", FailureClass.Cancelled)]
    [InlineData("DEADLINE", "0:0", FailureClass.Unknown)]
    public void Slurm_sacct_states_name_their_class(string state, string exitCode, FailureClass expected)
    {
        var element = Element(new SlurmAdapter(), "sacct", $"12_3|{state}|{exitCode}\n", "12", 3);
        Assert.Equal(expected, element.Failure);
    }

    [Fact]
    public void Slurm_success_and_live_states_have_no_class()
    {
        Assert.Null(Element(new SlurmAdapter(), "sacct", "12_1|COMPLETED|0:0\n", "12", 1).Failure);
        Assert.Null(Element(new SlurmAdapter(), "squeue", "12_1|RUNNING|None\n", "12", 1).Failure);
    }

    [Fact]
    public void Sge_h_rt_kill_from_the_loopback_scheduler_is_walltime_for_both_tasks()
    {
        var text = Fixture("failures", "sge-qacct-h_rt-killed-loopback.txt");
        foreach (var index in new[] { 1, 2 })
        {
            var element = Element(new SgeAdapter(), "qacct", text, "1", index, 2);
            Assert.Equal(SchedulerElementState.Failed, element.State);
            Assert.Equal(FailureClass.Walltime, element.Failure);
        }
    }

    [Fact]
    public void Sge_h_vmem_failure_from_the_loopback_scheduler_is_out_of_memory()
    {
        var element = Element(new SgeAdapter(), "qacct", Fixture("failures", "sge-qacct-h_vmem-memoryerror-loopback.txt"), "2", 1);
        Assert.Equal(FailureClass.OutOfMemory, element.Failure);
    }

    [Fact]
    public void Sge_exit_without_a_limit_reached_is_the_tasks_own_and_a_host_failure_is_not()
    {
        // The real h_vmem record with its peak far below the limit: the task failed on its own.
        var own = Fixture("failures", "sge-qacct-h_vmem-memoryerror-loopback.txt").Replace("maxvmem      234.762MB", "maxvmem      12.000MB", StringComparison.Ordinal);
        Assert.Equal(FailureClass.NonZeroExit, Element(new SgeAdapter(), "qacct", own, "2", 1).Failure);

        // sge_status(5): failed 1 "assumedly before job", the host could not start it.
        var host = own.Replace("failed       0    ", "failed       1  : assumedly before job", StringComparison.Ordinal);
        Assert.Equal(FailureClass.NodeFailure, Element(new SgeAdapter(), "qacct", host, "2", 1).Failure);
    }

    [Fact]
    public void Sge_walltime_limit_not_reached_is_not_walltime()
    {
        // The real h_rt record, as if it had been killed after 2 of its 5 seconds (qdel): not a walltime kill.
        var text = Fixture("failures", "sge-qacct-h_rt-killed-loopback.txt").Replace("ru_wallclock 5s", "ru_wallclock 2s", StringComparison.Ordinal)
            .Replace("failed       37  : qmaster enforced h_rt, h_cpu, or h_vmem limit", "failed       100 : assumedly after job", StringComparison.Ordinal);
        Assert.Equal(FailureClass.NonZeroExit, Element(new SgeAdapter(), "qacct", text, "1", 1, 2).Failure);
    }

    [Fact]
    public void Pbs_walltime_kill_is_walltime_and_an_ordinary_exit_is_the_tasks_own()
    {
        // The real finished job (Resource_List.walltime 00:02:00), changed as SOURCES.md says: Exit_status 271 after 152 s.
        var json = JsonNode.Parse(Fixture("pbs", "qstat-xf-json-finished-exit0-REFORMATTED-buildtest.json"))!;
        var job = json["Jobs"]!.AsObject().First().Value!;
        var id = json["Jobs"]!.AsObject().First().Key;
        job["Exit_status"] = 271;
        job["resources_used"]!["walltime"] = "00:02:32";
        var element = Element(new PbsAdapter(), "qstat", json.ToJsonString(), id, 1);
        Assert.Equal(SchedulerElementState.Failed, element.State);
        Assert.Equal(FailureClass.Walltime, element.Failure);

        job["Exit_status"] = 2;
        job["resources_used"]!["walltime"] = "00:00:10";
        Assert.Equal(FailureClass.NonZeroExit, Element(new PbsAdapter(), "qstat", json.ToJsonString(), id, 1).Failure);
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData("5s", 5)]
    [InlineData("00:00:05", 5)]
    [InlineData("01:30", 90)]
    [InlineData("1-00:00:00", 86400)]
    public void Walltimes_read_as_schedulers_print_them(string text, int seconds)
    {
        Assert.True(SchedulerTime.TryParse(text, out var time));
        Assert.Equal(TimeSpan.FromSeconds(seconds), time);
    }

    [Theory]
    [InlineData("234.762MB", 246165798L)]
    [InlineData("300M", 314572800L)]
    [InlineData("5620kb", 5754880L)]
    [InlineData("4gb", 4294967296L)]
    [InlineData("1G", 1073741824L)]
    [InlineData("0.000B", 0L)]
    [InlineData("12", 12L)]
    public void Memory_sizes_read_as_schedulers_print_them(string text, long bytes) => Assert.Equal(bytes, MemorySize.TryParse(text));

    [Theory]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("3 parsecs")]
    public void Memory_sizes_that_are_not_are_refused(string text) => Assert.Null(MemorySize.TryParse(text));
}
