using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Sites;

/// <summary>The preflight cache's files, without a preflight: written by the engine's one AtomicFile.</summary>
public sealed class PreflightCacheTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("swarmps-preflight-cache-");

    public void Dispose() => _scratch.Delete(recursive: true);

    private static readonly SiteProfile Site = new() { Name = "alpha", RunRoot = "/runs", Scheduler = SchedulerKind.Slurm, Source = "test profile" };

    private static IReadOnlyList<PreflightCheck> Checks(string detail) => Enumerable.Range(0, 200)
        .Select(i => new PreflightCheck { Site = Site.Name, Name = $"check {i}", Status = PreflightStatus.Pass, Detail = detail, CheckedAt = DateTimeOffset.UtcNow })
        .ToList();

    [Fact]
    public void Two_writers_at_once_leave_one_whole_owner_only_entry_and_no_temporary_file()
    {
        // Two Test-SwarmSite runs of one site in one process (the old temporary name held only the pid).
        var cache = new PreflightCache(Path.Combine(_scratch.FullName, "cache"));
        var variants = new[] { Checks(new string('a', 2000)), Checks(new string('b', 2000)) };
        using var start = new Barrier(variants.Length);

        var writers = variants.Select(checks => new Thread(() =>
        {
            start.SignalAndWait();
            for (var i = 0; i < 50; i++)
            {
                cache.Record(Site, checks);
            }
        })).ToList();
        writers.ForEach(writer => writer.Start());
        writers.ForEach(writer => writer.Join());

        var read = cache.TryRead(Site, DateTimeOffset.UtcNow);
        Assert.NotNull(read);
        Assert.Equal(200, read!.Count);
        Assert.Single(read.Select(check => check.Detail).Distinct());
        Assert.Equal(new[] { cache.PathFor(Site.Name) }, Directory.GetFiles(cache.Directory));
        if (!OperatingSystem.IsWindows())
        {
            // It names the login host, user and key path: owner-only, like every file SwarmPS keeps.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(cache.PathFor(Site.Name)));
        }
    }

    [Fact]
    public void A_green_entry_no_longer_counts_once_the_scheduler_needs_another_program()
    {
        // An entry made before SwarmPS checked scontrol must not vouch for a site that may lack it.
        var directory = Path.Combine(_scratch.FullName, "cache");
        var before = new PreflightCache(directory, _ => new[] { "sbatch", "squeue", "sacct", "scancel" });
        before.Record(Site, Checks("all found"));
        var after = new PreflightCache(directory, _ => new[] { "sbatch", "squeue", "sacct", "scontrol", "scancel" });

        Assert.NotNull(before.TryRead(Site, DateTimeOffset.UtcNow));
        Assert.Null(after.TryRead(Site, DateTimeOffset.UtcNow));
    }
}
