using System.Net;
using System.Net.Sockets;
using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// The remote path end to end: a site profile with ssh, staging and sbatch over OpenSSH to a real sshd,
/// status with one ssh command per poll, a failing task's exit code, and a link that drops mid-way.
/// </summary>
[Collection(RemoteSlurmCollection.Name)]
public sealed class RemoteSlurmTests : IDisposable
{
    private readonly RemoteSlurmFixture _fixture;
    private readonly string _root;

    public RemoteSlurmTests(RemoteSlurmFixture fixture)
    {
        _fixture = fixture;
        _root = Directory.CreateTempSubdirectory("swarm-remote-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A job step may still be writing; the temp directory is cleaned by the OS.
        }
    }

    /// <summary>
    /// What an operator writes for a remote SLURM site: ssh settings, a run root on the far side, and the
    /// environment the login needs (here SLURM_CONF, which the ssh login does not inherit from this process).
    /// </summary>
    private SiteProfile Site(int? port = null) => new()
    {
        Name = "far-slurm",
        Scheduler = SchedulerKind.Slurm,
        Ssh = _fixture.Sshd.Settings(_fixture.ControlPath, port: port) with { ConnectTimeout = TimeSpan.FromSeconds(3) },
        RunRoot = Path.Combine(_root, "runs"),
        Environment = new Dictionary<string, string> { ["SLURM_CONF"] = Path.Combine(SlurmFixture.State, "slurm.conf") },
    };

    private string[] Command() => new[] { "bash", "-c", "sleep 0.2; if [ \"$SWARM_KW_N\" = 2 ]; then exit 7; fi", "task" };

    private static TaskSet Tasks(int n) => TaskSet.Product(new[] { TaskAxis.Seeds(n, name: "n") });

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_throttled_array_goes_over_ssh_and_each_poll_is_one_ssh_command()
    {
        var site = Site();
        var siteShell = SiteShell.For(site);
        Assert.IsType<OpenSshShell>(Assert.IsType<SiteEnvironmentShell>(siteShell).Inner);
        var shell = new CountingShell(siteShell);
        var store = new JobRecordStore(Path.Combine(_root, ".swarm"));

        // The profile's environment reaches the far side.
        var printed = await shell.RunAsync(new ShellCommand("printenv", "SLURM_CONF"));
        Assert.Equal(Path.Combine(SlurmFixture.State, "slurm.conf"), printed.StandardOutput.Trim());

        var plan = WavePlanner.Plan(site, Command(), Tasks(4), new JobPlanOptions { MaxArraySize = 2, Throttle = 1 });
        var submitted = await new JobSubmitter(shell, store).SubmitAsync(plan);

        Assert.Equal(2, submitted.ArraysSubmitted);
        Assert.Equal(2, shell.Count("sbatch"));
        var record = store.Get(plan.Key);
        Assert.All(record.Arrays, a => Assert.Matches("^[0-9]+$", a.JobId!));
        // Staged over ssh: the writes went through the ssh shell, and the files are where the run root says.
        var layout = new JobLayout(record.JobRoot, 1);
        Assert.StartsWith(site.RunRoot, record.JobRoot);
        // Each write is `sh -c <script> sh <path> <mode>`: the task file private (600), the script executable (700).
        var staged = shell.Commands.Where(c => c.Program == "sh" && c.StandardInput is not null)
            .ToDictionary(c => c.Arguments[^2], c => c.Arguments[^1]);
        Assert.Equal("600", staged[layout.TaskFile]);
        Assert.Equal("700", staged[layout.Script]);
        Assert.Equal(4, File.ReadAllLines(layout.TaskFile).Length);
        Assert.Contains("SLURM_ARRAY_TASK_ID", File.ReadAllText(layout.Script));
        Assert.True(File.Exists(layout.RecordFile));

        // Every poll of Wait is exactly one ssh command, whatever the number of arrays and tasks.
        var counts = new List<int> { shell.Commands.Count };
        var waiter = new JobWaiter(new JobTracker(shell, store, new StatusProbe(new[] { TimeSpan.FromMilliseconds(200) })));
        var job = (await waiter.WaitAsync(site, new[] { record }, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(60),
            new SynchronousProgress<IReadOnlyList<SwarmJob>>(_ => counts.Add(shell.Commands.Count)))).Single();

        Assert.True(counts.Count >= 2);
        Assert.All(counts.Zip(counts.Skip(1)), pair => Assert.Equal(1, pair.Second - pair.First));
        Assert.Equal(SwarmJobState.Failed, job.State);
        Assert.Equal(3, job.Succeeded);
        var failed = Assert.Single(job.Tasks);
        Assert.Equal((2L, SwarmTaskState.Failed, (int?)7), (failed.Task, failed.State, failed.ExitCode));

        // Get-SwarmJob afterwards: both arrays are settled, so the record answers without any ssh command.
        var before = shell.Commands.Count;
        var again = (await new JobTracker(shell, store).QueryAsync(site, new[] { store.Get(plan.Key) }, new long[] { 2 })).Single();
        Assert.Equal(before, shell.Commands.Count);
        Assert.Equal(7, Assert.Single(again.Tasks).ExitCode);
    }

    [Fact]
    public async Task A_link_that_drops_mid_poll_is_retried_then_reported_as_SiteUnreachable_with_the_fix()
    {
        var site = Site();
        var live = new CountingShell(SiteShell.For(site));
        var store = new JobRecordStore(Path.Combine(_root, ".swarm"));
        var plan = WavePlanner.Plan(site, new[] { "sleep", "20" }, Tasks(1));
        await new JobSubmitter(live, store).SubmitAsync(plan);
        var record = store.Get(plan.Key);
        var retries = new StatusProbe(new[] { TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100) });
        try
        {
            // The link drops once (the login host's port closes), then comes back: the poll retries and answers.
            var down = Site(ClosedPort());
            var dead = new CountingShell(SiteShell.For(down with { Ssh = down.Ssh! with { ControlPath = null } }));
            var flaky = new FirstCallsThrough(dead, 1, live);
            var job = (await new JobTracker(flaky, store, retries).QueryAsync(site, new[] { record })).Single();
            Assert.Equal(1, dead.Commands.Count);
            Assert.False(job.IsFinished);

            // It stays down: three tries, then SiteUnreachable naming the fix; the record is untouched.
            var error = await Assert.ThrowsAsync<SwarmException>(() => new JobTracker(dead, store, retries).QueryAsync(site, new[] { record }));
            Assert.Equal("SiteUnreachable", error.ErrorId);
            Assert.Equal(SwarmErrorCategory.ConnectionError, error.Category);
            Assert.Contains("after 3 tries", error.Message);
            Assert.Contains("Test-SwarmSite", error.Remediation);
            Assert.Equal(4, dead.Commands.Count);
            Assert.Equal(record.Arrays.Single().JobId, store.Get(plan.Key).Arrays.Single().JobId);
        }
        finally
        {
            await new JobCanceller(live).CancelAsync(site, new[] { store.Get(plan.Key) });
        }
    }

    /// <summary>Sends the first <c>count</c> commands to one shell (a dead link), the rest to another.</summary>
    private sealed class FirstCallsThrough(ISiteShell first, int count, ISiteShell then) : ISiteShell
    {
        private int _calls;

        public string Target => then.Target;

        public Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref _calls) <= count ? first.RunAsync(command, cancellationToken) : then.RunAsync(command, cancellationToken);
    }

    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
