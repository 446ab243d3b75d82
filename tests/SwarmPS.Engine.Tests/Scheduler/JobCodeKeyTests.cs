using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>The shipped code's tree hash in a job's key (New-SwarmJobPlan -Code); the plan and the tasks' SWARM_CODE_DIR in real pwsh: tests/pester/CodeSync.Tests.ps1.</summary>
public sealed class JobCodeKeyTests
{
    private static readonly SiteProfile Site = new() { Name = "pool", Scheduler = SchedulerKind.Local, RunRoot = "/tmp/swarm-code-key-runs" };

    private static readonly string[] Command = { "python3", "train.py" };

    private static TaskSet Tasks => TaskSet.Product(new[] { TaskAxis.Seeds(3) });

    [Fact]
    public void A_plan_without_code_keeps_the_key_it_had_before_code_was_recorded()
    {
        // Pinned: the key this site, command and task set had before -Code existed (commit 74615b0).
        Assert.Equal("af9b5ef7fd648845", WavePlanner.KeyOf(Site, Command, Tasks));
        Assert.Equal("af9b5ef7fd648845", WavePlanner.Plan(Site, Command, Tasks).Key);
    }

    [Fact]
    public void Changed_code_is_a_new_key_and_the_plan_carries_the_code()
    {
        var code = new JobCode("exp", "/runs/code/exp", new string('a', 64));
        var changed = code with { TreeHash = new string('b', 64) };
        var plain = WavePlanner.Plan(Site, Command, Tasks);
        var withCode = WavePlanner.Plan(Site, Command, Tasks, code: code);
        var withChanged = WavePlanner.Plan(Site, Command, Tasks, code: changed);

        Assert.NotEqual(plain.Key, withCode.Key);
        Assert.NotEqual(withCode.Key, withChanged.Key);
        Assert.Equal(withCode.Key, WavePlanner.Plan(Site, Command, Tasks, code: code).Key);
        Assert.Equal(code, withCode.Code);
        Assert.Contains("export SWARM_CODE_DIR=/runs/code/exp\n", JobScriptWriter.Write(withCode, new JobLayout("/runs/jobs/" + withCode.Key, 1)));
        Assert.DoesNotContain("SWARM_CODE_DIR", JobScriptWriter.Write(plain, new JobLayout("/runs/jobs/" + plain.Key, 1)));
    }
}
