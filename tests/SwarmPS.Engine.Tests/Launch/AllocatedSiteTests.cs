using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// A site whose agents run as the ranks of one allocation on a real scheduler on loopback (SLURM, Grid
/// Engine): the federated counter between a local site and an allocated one, the queue wait shown as
/// Queued (the queue is closed so the job stays pending) and cancelled with the launch, a failed rank that
/// cancels the job, and Stop-SwarmSite's engine cancelling the job of a launcher killed with SIGKILL.
/// </summary>
public abstract class AllocatedSiteTests : IDisposable
{
    private readonly LaunchTestBed _bed = new();

    protected AllocatedSiteTests()
    {
        File.WriteAllText(Path.Combine(_bed.SitesDirectory, "beta.yaml"), $"scheduler: {SchedulerName}\nrun_root: {Path.Combine(_bed.Root, "beta-host", "runs")}\n");
    }

    protected abstract string SchedulerName { get; }

    /// <summary>Keeps new jobs pending (SLURM: partition DOWN; Grid Engine: queue disabled).</summary>
    protected abstract ShellCommand CloseQueue { get; }

    protected abstract ShellCommand OpenQueue { get; }

    public void Dispose()
    {
        _bed.Dispose();
        GC.SuppressFinalize(this);
    }

    private static AllocationRequest Request(string runId) => new() { Name = $"swarm-{runId}-beta" };

    /// <summary>
    /// One run id per scheduler: the SLURM and Grid Engine classes run in parallel, and a run id is how the
    /// launcher finds (and stops) a run's processes, so a shared one let one class's cancel kill the other's ranks.
    /// </summary>
    private string RunId(string name) => $"{name}-{SchedulerName}";

    [Fact]
    public async Task A_local_site_and_a_site_inside_an_allocation_count_to_ten()
    {
        var runId = RunId("alloc-counter");
        var campaign = CampaignLoader.Load(_bed.WriteCampaign(LaunchTestBed.CounterCampaignYaml()));
        var beta = new SiteLauncher(_bed.Options(campaign, runId, "beta") with { Allocation = Request(runId), AllocationPollInterval = TimeSpan.FromMilliseconds(200) }, _bed.Client);
        var alpha = new SiteLauncher(_bed.Options(campaign, runId, "alpha", bootstrap: true), _bed.Client);
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var results = await Task.WhenAll(beta.RunAsync(limit.Token), alpha.RunAsync(limit.Token));

        Assert.All(results, result => Assert.Equal(SiteState.Finished, result.State));
        var timeline = _bed.Timeline(runId);
        var sent = timeline.Where(e => e.Kind == "message_sent").ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(n => n.ToString()), sent.Select(e => e.Field("n")));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? "alpha" : "beta"), sent.Select(e => e.Site));

        // The beta agent ran as rank 0 of the job: the rank wrapper (only the batch script runs it) wrote its exit code.
        var layout = _bed.Layout(runId, "beta");
        var submitted = Assert.Single(timeline, e => e.Kind == "allocation_submitted");
        Assert.Equal(SchedulerName, submitted.Field("scheduler"));
        Assert.Equal("0", File.ReadAllText(Path.Combine(layout.SiteDirectory, "allocation", AllocationScriptWriter.ExitCodeFile(0))).Trim());
        Assert.Contains(timeline, e => e.Kind == "allocation_running" && e.Site == "beta");
        var status = SiteStatusFile.TryRead(layout.StatusFile)!;
        Assert.Equal(submitted.Field("job_id"), status.Allocation!.JobId);
        Assert.Equal(AgentState.Exited, Assert.Single(status.Agents).State);
        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
    }

    [Fact]
    public async Task A_queued_allocation_shows_Queued_starts_no_clock_and_cancelling_the_launch_cancels_the_job()
    {
        var runId = RunId("alloc-queued");
        var campaign = LaunchTestBed.Campaign("a", LaunchTestBed.Agent("a", "beta", new[] { "sleep", "300" }));
        // A startup timeout of 1 s would fail the launch if the queue wait counted against it.
        var options = _bed.Options(campaign, runId, "beta", startupTimeout: TimeSpan.FromSeconds(1)) with { Allocation = Request(runId), AllocationPollInterval = TimeSpan.FromMilliseconds(200) };
        await RunAsync(CloseQueue);
        try
        {
            using var stop = new CancellationTokenSource();
            var launch = new SiteLauncher(options, _bed.Client).RunAsync(stop.Token);
            var layout = _bed.Layout(runId, "beta");
            var queued = await WaitForAsync(() => SiteStatusFile.TryRead(layout.StatusFile) is { State: SiteState.Queued } s ? s : null, TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(3));

            var report = Assert.Single(await AgentReport.ReadAsync(layout, _bed.Client));
            Assert.Equal((AgentState.Queued, queued.Allocation!.JobId), (report.State, report.JobId));
            Assert.False(launch.IsCompleted, "the queue wait counted against the 1 s startup timeout");
            Assert.Equal(AllocationJobState.Queued, await StateOf(queued.Allocation));

            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => launch);
            Assert.Equal(AllocationJobState.Ended, await StateOf(queued.Allocation));
            Assert.Equal(SiteState.Stopped, SiteStatusFile.TryRead(layout.StatusFile)!.State);
        }
        finally
        {
            await RunAsync(OpenQueue);
        }
    }

    [Fact]
    public async Task A_rank_that_fails_ends_the_site_with_AllocationRankFailed_and_cancels_the_job()
    {
        var runId = RunId("alloc-fails");
        var campaign = LaunchTestBed.Campaign("ok",
            LaunchTestBed.Agent("ok", "beta", new[] { "sleep", "300" }),
            LaunchTestBed.Agent("bad", "beta", new[] { "sh", "-c", "echo broken >&2; sleep 1; exit 3" }));
        var options = _bed.Options(campaign, runId, "beta") with { Allocation = Request(runId), AllocationPollInterval = TimeSpan.FromMilliseconds(200) };
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        var error = await Assert.ThrowsAsync<SwarmException>(() => new SiteLauncher(options, _bed.Client).RunAsync(limit.Token));

        Assert.Equal("AllocationRankFailed", error.ErrorId);
        Assert.Contains("'bad' (rank 1", error.Message, StringComparison.Ordinal);
        var layout = _bed.Layout(runId, "beta");
        Assert.Contains("broken", File.ReadAllText(layout.StderrLog("bad")), StringComparison.Ordinal);
        var status = SiteStatusFile.TryRead(layout.StatusFile)!;
        Assert.Equal((SiteState.Failed, AgentState.Failed, 3), (status.State, status.Agents[1].State, status.Agents[1].LastExitCode));
        Assert.Equal(AllocationJobState.Ended, await StateOf(status.Allocation!));
        Assert.Contains(_bed.Timeline(runId), e => e.Kind == "allocation_cancelled");
        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
    }

    [Fact]
    public async Task Stopping_a_site_whose_launcher_was_killed_cancels_its_allocation()
    {
        var runId = RunId("alloc-orphan");
        var campaign = _bed.WriteCampaign("""
            name: orphan
            initial_agent: a
            user_task: wait
            agents:
              - name: a
                site: beta
                command: ["sleep", "300"]
            """);
        var started = await _bed.StartDetachedSiteAsync(campaign, runId, "beta", "--allocation");
        var layout = _bed.Layout(runId, "beta");
        var running = await WaitForAsync(() => SiteStatusFile.TryRead(layout.StatusFile) is { State: SiteState.WaitingForPeers or SiteState.Running } s ? s : null, TimeSpan.FromSeconds(60));
        await WaitForAsync(() => LaunchTestBed.ProcessesOfRun(runId).Any(pid => pid != started.Launcher!.Pid) ? "up" : null, TimeSpan.FromSeconds(30));

        started.Launcher!.Identity.Signal(ProcessIdentity.SignalKill);
        await WaitForAsync(() => started.Launcher.Identity.IsAlive ? null : "gone", TimeSpan.FromSeconds(10));
        Assert.Equal(AllocationJobState.Running, await StateOf(running.Allocation!));

        var result = await SiteStopper.StopAsync(layout, _bed.Client, TimeSpan.FromSeconds(2));

        Assert.Equal(SiteState.Stopped, result!.State);
        await WaitForAsync(async () => await StateOf(running.Allocation) == AllocationJobState.Ended ? "ended" : null, TimeSpan.FromSeconds(30));
        await WaitForAsync(() => LaunchTestBed.ProcessesOfRun(runId).Count == 0 ? "none" : null, TimeSpan.FromSeconds(30));
        Assert.Contains(_bed.Timeline(runId), e => e.Kind == "site_stopped" && e.Field("cancelled_allocation") == running.Allocation.JobId);
    }

    private static Task<AllocationJobState> StateOf(AllocationRecord allocation) =>
        AllocationJob.Recorded(LocalShell.Instance, allocation.Scheduler, allocation.JobId, allocation.Directory).QueryStateAsync(CancellationToken.None);

    private static async Task RunAsync(ShellCommand command)
    {
        var result = await LocalShell.Instance.RunAsync(command with { Timeout = TimeSpan.FromSeconds(30) });
        Assert.True(result.Succeeded, $"{command}: {result.StandardError}");
    }

    private static Task<T> WaitForAsync<T>(Func<T?> probe, TimeSpan limit) where T : class =>
        WaitForAsync(() => Task.FromResult(probe()), limit);

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan limit) where T : class
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not reached within {limit.TotalSeconds:0} s");
            await Task.Delay(200);
        }
    }
}

[Collection("slurm")]
public sealed class AllocatedSiteOnSlurmTests : AllocatedSiteTests
{
    protected override string SchedulerName => "slurm";

    protected override ShellCommand CloseQueue => new("scontrol", "update", "PartitionName=debug", "State=DOWN");

    protected override ShellCommand OpenQueue => new("scontrol", "update", "PartitionName=debug", "State=UP");
}

[Collection("sge")]
public sealed class AllocatedSiteOnSgeTests : AllocatedSiteTests
{
    protected override string SchedulerName => "sge";

    protected override ShellCommand CloseQueue => new("qmod", "-d", "all.q@localhost");

    protected override ShellCommand OpenQueue => new("qmod", "-e", "all.q@localhost");
}
