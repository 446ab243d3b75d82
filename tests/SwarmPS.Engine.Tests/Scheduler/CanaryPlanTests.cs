using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// What a canary runs and refuses, without a scheduler (the runs themselves are tested in real pwsh:
/// tests/pester/Canary.Tests.ps1, on the local pool and the real SLURM).
/// </summary>
public sealed class CanaryPlanTests
{
    private static readonly SiteProfile Site = new() { Name = "pool", Scheduler = SchedulerKind.Local, RunRoot = "/tmp/swarm-canary-runs" };

    private static JobPlan Sweep() => WavePlanner.Plan(
        Site,
        new[] { "python3", "train.py" },
        TaskSet.Product(new[] { TaskAxis.Of("lr", new object?[] { "0.1", "0.01" }), TaskAxis.Seeds(3) }),
        new JobPlanOptions { MaxArraySize = 2, Walltime = TimeSpan.FromHours(1) });

    [Fact]
    public void The_canary_plan_is_the_sweeps_first_task_alone_under_a_key_of_its_own()
    {
        var sweep = Sweep();
        var canary = CanaryTrial.PlanOf(sweep);

        Assert.Equal(1, canary.TaskCount);
        Assert.Equal(1, canary.Tasks.Count);
        Assert.Equal(sweep.Tasks.GetTask(0), canary.Tasks.GetTask(0));
        Assert.Equal(sweep.Tasks.ParameterNames, canary.Tasks.ParameterNames);
        Assert.Single(canary.Arrays);
        Assert.Equal(1, canary.Arrays.Single().Count);
        Assert.Equal(sweep.Command, canary.Command);
        Assert.Equal(sweep.Walltime, canary.Walltime);
        Assert.Matches("^[0-9a-f]{16}$", canary.Key);
        Assert.NotEqual(sweep.Key, canary.Key);
        Assert.Equal(CanaryTrial.KeyOf(sweep.Key), canary.Key);
        Assert.Null(canary.EstimatedWallClock);
    }

    [Fact]
    public void A_canary_key_is_stable_and_never_the_key_of_the_one_task_sweep_it_runs()
    {
        var sweep = Sweep();
        var canary = CanaryTrial.PlanOf(sweep);
        var sameTaskAsASweep = WavePlanner.Plan(Site, sweep.Command, canary.Tasks);

        Assert.Equal(CanaryTrial.KeyOf(sweep.Key), CanaryTrial.KeyOf(sweep.Key));
        Assert.NotEqual(sameTaskAsASweep.Key, canary.Key);
        Assert.NotEqual(CanaryTrial.KeyOf("0000000000000000"), CanaryTrial.KeyOf("0000000000000001"));
    }

    [Theory]
    [InlineData("metrics.json")]
    [InlineData("out/model.pt")]
    [InlineData("./a..b/c")]
    public void Outputs_inside_the_task_directory_are_accepted(string output) => CanaryTrial.CheckOutputs(new[] { output });

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../other/out.txt")]
    [InlineData("out/../../x")]
    [InlineData("~/out")]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("a\0b")]
    public void Outputs_that_could_name_anything_outside_the_task_directory_are_refused(string output)
    {
        var error = Assert.Throws<SwarmException>(() => CanaryTrial.CheckOutputs(new[] { "fine.txt", output }));
        Assert.Equal("CanaryOutputInvalid", error.ErrorId);
        Assert.False(error.Message.Contains('\0'), "the message holds a NUL");
    }
}
