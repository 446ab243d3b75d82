using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// The allocation's scripts as text (PBS Pro cannot run here, so its batch script is checked line by line
/// against the directives of the PBS Professional Reference Guide: -N, -l select=N:mpiprocs=M,
/// -l place=scatter, -j oe, -o, -l walltime, -q, -A), and the rank wrapper run in a real /bin/sh with
/// each launcher's rank variable, as mpiexec (MPICH/PALS, Open MPI) and pbsdsh would set it.
/// </summary>
public sealed class AllocationScriptTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-alloc-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static SiteProfile Site(SchedulerKind scheduler) => new()
    {
        Name = "polaris",
        Scheduler = scheduler,
        RunRoot = "/lus/runs",
        Queue = "prod",
        Account = "SwarmAI",
    };

    private static AllocationPlan Plan(SchedulerKind scheduler, string? launcher = null, IReadOnlyList<string>? modules = null) => AllocationPlanner.Plan(
        Site(scheduler) with { Launcher = launcher, Modules = modules ?? Array.Empty<string>() },
        new AllocationRequest { Name = "swarm-r1-polaris", Nodes = 2, Walltime = "01:30:00" },
        new[] { "scout", "planner", "critic" }.Select(n => new AllocationRank(
            n, new[] { "/bin/sh", "-c", "echo \"$SWARM_AGENT_NAME $SWARM_LAUNCHER_RANK $NOTE\"" },
            new Dictionary<string, string> { ["SWARM_AGENT_NAME"] = n, ["NOTE"] = "it's $(not run) `either`" })).ToList());

    [Fact]
    public void The_PBS_batch_script_asks_for_the_nodes_and_ranks_and_starts_the_wrapper_with_mpiexec()
    {
        var script = AllocationScriptWriter.BatchScript(Plan(SchedulerKind.Pbs), "/lus/runs/r1/polaris/allocation");
        Assert.Equal(
            """
            #!/bin/sh
            #PBS -N swarm-r1-polaris
            #PBS -l select=2:mpiprocs=2
            #PBS -l place=scatter
            #PBS -j oe
            #PBS -o /lus/runs/r1/polaris/allocation/allocation.out
            #PBS -l walltime=01:30:00
            #PBS -q prod
            #PBS -A SwarmAI
            # SwarmPS allocation: 3 ranks, rank i runs agent i: 0=scout 1=planner 2=critic
            exec mpiexec -n 3 --ppn 2 /bin/sh /lus/runs/r1/polaris/allocation/rank.sh

            """.ReplaceLineEndings("\n"),
            script);
    }

    [Fact]
    public void The_PBS_batch_script_with_pbsdsh_starts_one_wrapper_per_vnode()
    {
        var script = AllocationScriptWriter.BatchScript(Plan(SchedulerKind.Pbs, "pbsdsh"), "/a");
        Assert.EndsWith("exec pbsdsh -- /bin/sh /a/rank.sh\n", script, StringComparison.Ordinal);
    }

    [Fact]
    public void The_SLURM_batch_script_carries_its_directives_and_one_srun()
    {
        var lines = AllocationScriptWriter.BatchScript(Plan(SchedulerKind.Slurm), "/a").Split('\n');
        Assert.Equal(
            new[] { "#SBATCH --job-name=swarm-r1-polaris", "#SBATCH --nodes=2", "#SBATCH --ntasks=3", "#SBATCH --output=/a/allocation.out", "#SBATCH --chdir=/a", "#SBATCH --time=01:30:00", "#SBATCH --partition=prod", "#SBATCH --account=SwarmAI" },
            lines.Where(l => l.StartsWith("#SBATCH", StringComparison.Ordinal)));
        Assert.Contains("exec srun --ntasks=3 --nodes=2 --kill-on-bad-exit=0 /bin/sh /a/rank.sh", lines);
    }

    [Theory]
    [InlineData("PMI_RANK", "1", "planner")]
    [InlineData("OMPI_COMM_WORLD_RANK", "2", "critic")]
    [InlineData("PBS_VNODENUM", "0", "scout")]
    [InlineData("SLURM_PROCID", "2", "critic")]
    [InlineData("SGE_TASK_ID", "2", "planner")]
    public async Task The_rank_wrapper_finds_its_rank_in_each_launchers_variable_and_runs_that_agent(string variable, string value, string agent)
    {
        var result = await RunWrapperAsync(Plan(SchedulerKind.Pbs), new Dictionary<string, string> { [variable] = value });
        Assert.Equal(0, result.ExitCode);
        var rank = variable == "SGE_TASK_ID" ? "1" : value;
        Assert.Equal($"{agent} {rank} it's $(not run) `either`\n", result.StandardOutput);
    }

    [Fact]
    public async Task A_rank_without_a_rank_variable_or_past_the_agents_fails_naming_the_variables()
    {
        var none = await RunWrapperAsync(Plan(SchedulerKind.Pbs), new Dictionary<string, string>());
        Assert.Equal(64, none.ExitCode);
        Assert.Contains("PMI_RANK", none.StandardError, StringComparison.Ordinal);
        var past = await RunWrapperAsync(Plan(SchedulerKind.Pbs), new Dictionary<string, string> { ["PMI_RANK"] = "3" });
        Assert.Equal(64, past.ExitCode);
        Assert.Contains("rank '3' (3 agents)", past.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Modules_without_a_module_command_stop_the_rank_before_its_agent_starts()
    {
        var result = await RunWrapperAsync(Plan(SchedulerKind.Pbs, modules: new[] { "conda/2024" }), new Dictionary<string, string> { ["PMI_RANK"] = "0" });
        Assert.Equal(65, result.ExitCode);
        Assert.Contains("'module' is not defined", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("scout", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public void A_variable_name_the_shell_cannot_set_is_refused()
    {
        var plan = Plan(SchedulerKind.Slurm);
        plan = plan with { Ranks = new[] { plan.Ranks[0] with { Environment = new Dictionary<string, string> { ["BAD-NAME"] = "x" } } } };
        var error = Assert.Throws<SwarmException>(() => AllocationScriptWriter.RankWrapper(plan));
        Assert.Equal(("AllocationVariableNameInvalid", (object)"scout"), (error.ErrorId, error.Target!));
    }

    private async Task<ShellResult> RunWrapperAsync(AllocationPlan plan, IReadOnlyDictionary<string, string> environment)
    {
        var wrapper = Path.Combine(_directory, "rank.sh");
        await File.WriteAllTextAsync(wrapper, AllocationScriptWriter.RankWrapper(plan));
        // env -i: the rank sees only what the launcher set and what the wrapper writes out.
        var argv = new List<string> { "-i", "PATH=/usr/bin:/bin" };
        argv.AddRange(environment.Select(p => p.Key + "=" + p.Value));
        argv.AddRange(new[] { "/bin/sh", wrapper });
        return await LocalShell.Instance.RunAsync(new ShellCommand("env", argv) { Timeout = TimeSpan.FromSeconds(30) });
    }
}
