using System.Text.Json;
using SwarmPS.Engine.Ledger;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Ledger;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// The job key carries the submitting repository: two clones that submit the same sweep to one site get
/// two jobs with two job roots, and neither overwrites the other's record or task status. Real local pool.
/// </summary>
public sealed class JobKeyTests : IDisposable
{
    private readonly TemporaryRepository _first = new();
    private readonly TemporaryRepository _second = new();
    private readonly string _runRoot = Directory.CreateTempSubdirectory("swarm-shared-site-").FullName;

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
        Directory.Delete(_runRoot, recursive: true);
    }

    private SiteProfile Site => new() { Name = "shared", Scheduler = SchedulerKind.Local, RunRoot = _runRoot };

    private static TaskSet Tasks => TaskSet.Product(new[] { TaskAxis.Seeds(2) });

    /// <summary>Each task writes the job root it ran for; in a shared folder the second job would overwrite the first's.</summary>
    private static readonly string[] Command = { "bash", "-c", "echo \"$SWARM_JOB_ROOT\" > owner.txt" };

    [Fact]
    public async Task Two_repositories_submitting_the_same_sweep_to_one_site_get_two_jobs_that_keep_their_own_records()
    {
        var plans = new[] { _first, _second }.Select(repo => WavePlanner.Plan(Site, Command, Tasks, origin: JobOrigin.At(repo.Root))).ToList();
        Assert.NotEqual(plans[0].Key, plans[1].Key);

        var jobs = new List<SwarmJob>();
        foreach (var (repo, plan) in new[] { _first, _second }.Zip(plans))
        {
            var store = JobRecordStore.ForRepository(repo.Root);
            await new JobSubmitter(LocalShell.Instance, store).SubmitAsync(plan);
            jobs.Add((await new JobWaiter(new JobTracker(LocalShell.Instance, store)).WaitAsync(
                Site, new[] { store.Get(plan.Key) }, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30)))[0]);
        }

        Assert.All(jobs, j => Assert.Equal(SwarmJobState.Succeeded, j.State));
        Assert.NotEqual(jobs[0].JobRoot, jobs[1].JobRoot);
        foreach (var (repo, job) in new[] { _first, _second }.Zip(jobs))
        {
            using var onSite = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(job.JobRoot, "record.json")));
            Assert.Equal(repo.Root, onSite.RootElement.GetProperty("repository").GetString());
            Assert.Equal(job.JobRoot + "\n", File.ReadAllText(Path.Combine(job.JobRoot, "results", "1", "owner.txt")));
            Assert.Equal(job.Id, Assert.Single(JobRecordStore.ForRepository(repo.Root).List()).Key);
        }
    }

    [Fact]
    public void The_key_is_stable_for_one_repository_and_changes_with_its_machine_label()
    {
        var inside = Directory.CreateDirectory(Path.Combine(_first.Root, "sweeps", "a")).FullName;
        var key = WavePlanner.Plan(Site, Command, Tasks, origin: JobOrigin.At(_first.Root)).Key;

        Assert.Equal(key, WavePlanner.Plan(Site, Command, Tasks, origin: JobOrigin.At(_first.Root)).Key);
        Assert.Equal(key, WavePlanner.Plan(Site, Command, Tasks, origin: JobOrigin.At(inside)).Key);
        Assert.Equal(_first.Root, JobOrigin.At(inside).Repository);

        RepositoryInitializer.Initialize(_first.Root, "cluster-b");
        Assert.Equal("cluster-b", JobOrigin.At(_first.Root).Machine);
        Assert.NotEqual(key, WavePlanner.Plan(Site, Command, Tasks, origin: JobOrigin.At(_first.Root)).Key);
    }
}
