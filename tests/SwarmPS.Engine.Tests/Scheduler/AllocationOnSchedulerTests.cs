using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// Allocations on a real scheduler on loopback: one batch job holds every agent of a slice, rank i runs
/// agent i (each agent writes its own name, rank and variables, so the mapping is read from the agents
/// themselves), the variables reach every rank only through the rank wrapper (the test process does not
/// have them), and cancelling the job leaves nothing listed.
/// </summary>
public abstract class AllocationOnSchedulerTests : IDisposable
{
    private readonly string _directory = Path.Combine("/tmp", "swarmps-alloc-" + Guid.NewGuid().ToString("N")[..12]);

    protected abstract SchedulerKind Scheduler { get; }

    /// <summary>The scheduler's own variable for the rank, as the agent sees it; null where the batch script numbers the ranks.</summary>
    protected abstract string? LauncherRankVariable { get; }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    private SiteProfile Site => new()
    {
        Name = "hpc",
        Scheduler = Scheduler,
        RunRoot = _directory,
        Environment = new Dictionary<string, string> { ["SITE_ONLY"] = "from the profile" },
        HttpProxy = "http://proxy.example:3128",
        UnsetEnvironment = new[] { "http_proxy", "SWARM_TEST_UNSET_ME" },
    };

    private static AllocationRank Agent(string name, string outDirectory, string command = "") => new(
        name,
        new[] { "/bin/sh", "-c", command.Length > 0 ? command : "env > \"$OUT_DIR/$SWARM_AGENT_NAME.env\"" },
        new Dictionary<string, string> { ["SWARM_AGENT_NAME"] = name, ["OUT_DIR"] = outDirectory, ["AGENT_ONLY"] = "it's " + name + " $HOME `x`" });

    [Fact]
    public async Task Each_rank_runs_its_agent_in_declaration_order_with_every_variable_passed_explicitly()
    {
        var outDirectory = Path.Combine(_directory, "out");
        Directory.CreateDirectory(outDirectory);
        Environment.SetEnvironmentVariable("SWARM_TEST_UNSET_ME", "leaked");
        var agents = new[] { "scout", "planner", "critic" }.Select(n => Agent(n, outDirectory)).ToList();
        var plan = AllocationPlanner.Plan(Site, new AllocationRequest { Name = "swarm-test-ranks", Walltime = "10m" }, agents);
        var job = new AllocationJob(LocalShell.Instance, plan, Path.Combine(_directory, "job"));
        try
        {
            await job.SubmitAsync(CancellationToken.None);
            await WaitUntilAsync(job, AllocationJobState.Ended, TimeSpan.FromMinutes(2));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SWARM_TEST_UNSET_ME", null);
            await job.CancelAsync(CancellationToken.None);
        }

        var output = File.ReadAllText(Path.Combine(_directory, "job", AllocationScriptWriter.OutputName));
        for (var rank = 0; rank < agents.Count; rank++)
        {
            var name = agents[rank].Agent;
            var envFile = Path.Combine(outDirectory, name + ".env");
            Assert.True(File.Exists(envFile), $"agent {name} (rank {rank}) did not run; job output:\n{output}");
            var env = File.ReadAllLines(envFile).Where(l => l.Contains('=')).GroupBy(l => l[..l.IndexOf('=')]).ToDictionary(g => g.Key, g => g.First()[(g.Key.Length + 1)..]);
            Assert.Equal(rank.ToString(System.Globalization.CultureInfo.InvariantCulture), env["SWARM_ALLOCATION_RANK"]);
            Assert.Equal(rank.ToString(System.Globalization.CultureInfo.InvariantCulture), env["SWARM_LAUNCHER_RANK"]);
            if (LauncherRankVariable is { } launcherVariable)
            {
                Assert.Equal(rank.ToString(System.Globalization.CultureInfo.InvariantCulture), env[launcherVariable]);
            }
            Assert.Equal("it's " + name + " $HOME `x`", env["AGENT_ONLY"]);
            Assert.Equal("from the profile", env["SITE_ONLY"]);
            // unset_environment names http_proxy, but the exchange is reached through the proxy: kept.
            Assert.Equal("http://proxy.example:3128", env["http_proxy"]);
            Assert.Equal("http://proxy.example:3128", env["HTTPS_PROXY"]);
            Assert.False(env.ContainsKey("SWARM_TEST_UNSET_ME"), $"unset_environment did not apply on rank {rank}");
        }

        Assert.Contains(plan.Notices, n => n.Contains("http_proxy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancelling_a_running_allocation_ends_its_ranks_and_the_job_is_gone()
    {
        var outDirectory = Path.Combine(_directory, "out");
        Directory.CreateDirectory(outDirectory);
        var agents = new[] { "a", "b" }.Select(n => Agent(n, outDirectory, "echo $$ > \"$OUT_DIR/$SWARM_AGENT_NAME.pid\"; exec sleep 300")).ToList();
        var plan = AllocationPlanner.Plan(Site, new AllocationRequest { Name = "swarm-test-cancel" }, agents);
        var job = new AllocationJob(LocalShell.Instance, plan, Path.Combine(_directory, "job"));
        await job.SubmitAsync(CancellationToken.None);
        try
        {
            await WaitUntilAsync(job, AllocationJobState.Running, TimeSpan.FromMinutes(2));
            for (var i = 0; i < 200 && agents.Any(a => !File.Exists(Path.Combine(outDirectory, a.Agent + ".pid"))); i++)
            {
                await Task.Delay(100);
            }
        }
        finally
        {
            await job.CancelAsync(CancellationToken.None);
        }

        await WaitUntilAsync(job, AllocationJobState.Ended, TimeSpan.FromMinutes(1));
        foreach (var agent in agents)
        {
            var pid = int.Parse(File.ReadAllText(Path.Combine(outDirectory, agent.Agent + ".pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            for (var i = 0; i < 100 && Directory.Exists("/proc/" + pid); i++)
            {
                await Task.Delay(100);
            }

            Assert.False(Directory.Exists("/proc/" + pid), $"agent {agent.Agent} (pid {pid}) outlived the cancelled job");
        }
    }

    [Fact]
    public async Task A_held_job_shows_Queued_and_cancelling_the_wait_cancels_the_job()
    {
        var agents = new[] { "a", "b" }.Select(n => Agent(n, _directory, "exec sleep 300")).ToList();
        var plan = AllocationPlanner.Plan(Site, new AllocationRequest { Name = "swarm-test-held" }, agents);
        var job = new AllocationJob(LocalShell.Instance, plan, Path.Combine(_directory, "job"));
        var seen = new List<AllocationJobState>();
        try
        {
            await RunAsync(BeforeSubmitToKeepQueued);
            await job.SubmitAsync(CancellationToken.None);
            await RunAsync(HoldAfterSubmit(job.JobId!));
            using var stop = new CancellationTokenSource();
            var progress = new SynchronousProgress(state =>
            {
                seen.Add(state);
                stop.CancelAfter(TimeSpan.FromSeconds(2));
            });

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.WaitForStartAsync(progress, TimeSpan.FromMilliseconds(200), stop.Token));
        }
        finally
        {
            await RunAsync(AfterTestToReleaseTheQueue);
            if (job.JobId is not null)
            {
                await job.CancelAsync(CancellationToken.None);
            }
        }

        Assert.Equal(new[] { AllocationJobState.Queued }, seen);
        await WaitUntilAsync(job, AllocationJobState.Ended, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Waiting_for_start_reports_Running_once_the_job_runs()
    {
        var agents = new[] { "a", "b" }.Select(n => Agent(n, _directory, "exec sleep 300")).ToList();
        var plan = AllocationPlanner.Plan(Site, new AllocationRequest { Name = "swarm-test-start" }, agents);
        var job = new AllocationJob(LocalShell.Instance, plan, Path.Combine(_directory, "job"));
        await job.SubmitAsync(CancellationToken.None);
        var seen = new List<AllocationJobState>();
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await job.WaitForStartAsync(new SynchronousProgress(seen.Add), TimeSpan.FromMilliseconds(200), limit.Token);
        }
        finally
        {
            await job.CancelAsync(CancellationToken.None);
        }

        Assert.Equal(AllocationJobState.Running, seen[^1]);
        await WaitUntilAsync(job, AllocationJobState.Ended, TimeSpan.FromSeconds(30));
    }

    /// <summary>Keeps the next job in the queue: SGE dispatches within a second, so its queue is disabled before submitting.</summary>
    protected virtual ShellCommand? BeforeSubmitToKeepQueued => null;

    protected virtual ShellCommand? HoldAfterSubmit(string jobId) => null;

    protected virtual ShellCommand? AfterTestToReleaseTheQueue => null;

    private static async Task RunAsync(ShellCommand? command)
    {
        if (command is not null)
        {
            var result = await LocalShell.Instance.RunAsync(command with { Timeout = TimeSpan.FromSeconds(30) });
            Assert.True(result.Succeeded, $"{command}: {result.StandardError}");
        }
    }

    private sealed class SynchronousProgress(Action<AllocationJobState> report) : IProgress<AllocationJobState>
    {
        public void Report(AllocationJobState value) => report(value);
    }

    private static async Task WaitUntilAsync(AllocationJob job, AllocationJobState wanted, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var state = await job.QueryStateAsync(CancellationToken.None);
        while (state != wanted && (wanted != AllocationJobState.Running || state == AllocationJobState.Queued))
        {
            Assert.True(DateTime.UtcNow < deadline, $"job {job.JobId} is still {state}, not {wanted}, after {limit}");
            await Task.Delay(250);
            state = await job.QueryStateAsync(CancellationToken.None);
        }

        Assert.Equal(wanted, state);
    }
}

[Collection("slurm")]
public sealed class AllocationOnSlurmTests : AllocationOnSchedulerTests
{
    protected override SchedulerKind Scheduler => SchedulerKind.Slurm;

    protected override string? LauncherRankVariable => "SLURM_PROCID";

    protected override ShellCommand? HoldAfterSubmit(string jobId) => new("scontrol", "hold", jobId);
}

[Collection("sge")]
public sealed class AllocationOnSgeTests : AllocationOnSchedulerTests
{
    protected override SchedulerKind Scheduler => SchedulerKind.Sge;

    // Grid Engine without a parallel environment: the batch script forks the ranks and numbers them itself
    // (SWARM_FORK_RANK, which the wrapper reports as SWARM_LAUNCHER_RANK); Grid Engine sets no rank of its own.
    protected override string? LauncherRankVariable => null;

    protected override ShellCommand? BeforeSubmitToKeepQueued => new("qmod", "-d", "all.q@localhost");

    protected override ShellCommand? AfterTestToReleaseTheQueue => new("qmod", "-e", "all.q@localhost");
}
