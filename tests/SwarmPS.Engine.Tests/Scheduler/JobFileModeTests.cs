using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Ledger;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// A job's files are its owner's alone on a shared host, under umask 0000: .swarm/jobs and the job's
/// folders 0700, records, task files, logs and status files 0600, scripts 0700. A local task does not
/// inherit the submitting session's SWARM_* variables (the exchange token above all).
/// </summary>
[Collection(UmaskCollection.Name)]
public sealed class JobFileModeTests : IDisposable
{
    private const UnixFileMode Directory700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const string Token = "session-token-do-not-leak";

    private readonly string _root = Directory.CreateTempSubdirectory("swarm-jmodes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_local_job_writes_only_owner_only_files_and_its_task_does_not_see_the_exchange_token()
    {
        var store = new JobRecordStore(Path.Combine(_root, ".swarm"));
        var site = new SiteProfile { Name = "modes", Scheduler = SchedulerKind.Local, RunRoot = Path.Combine(_root, "runs") };
        var plan = WavePlanner.Plan(site, new[] { "sh", "-c", "env; echo made > output.txt" }, TaskSet.Product(new[] { TaskAxis.Seeds(1) }));
        var shell = new SessionShell(LocalShell.Instance);
        using (OwnerOnlyModeTests.LooseUmask())
        {
            await new JobSubmitter(shell, store).SubmitAsync(plan);
            var record = store.Get(plan.Key);
            await new JobWaiter(new JobTracker(shell, store)).WaitAsync(site, new[] { record }, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(60));
        }

        var job = store.Get(plan.Key).JobRoot;
        var layout = new JobLayout(job, 1);
        var task = JobLayout.TaskDirectory(job, 0);
        var stdout = File.ReadAllText(Path.Combine(task, "stdout.log"));
        Assert.Contains("SWARM_TASK_INDEX=0", stdout);
        Assert.DoesNotContain(Token, stdout);
        Assert.DoesNotContain("SWARM_AGENT=", stdout);

        var directories = new[] { store.Directory, Path.Combine(_root, ".swarm"), site.RunRoot, Path.Combine(site.RunRoot, "jobs"), job, layout.AttemptDirectory, layout.StatusDirectory, layout.LocalDirectory, task };
        foreach (var directory in directories)
        {
            Assert.Equal((directory, Directory700), (directory, File.GetUnixFileMode(directory)));
        }

        Assert.Equal(Directory700, File.GetUnixFileMode(layout.Script));
        Assert.Equal(Directory700, File.GetUnixFileMode(LocalPoolAdapter.DriverPath(layout)));
        var files = new[] { store.PathOf(plan.Key), Path.Combine(job, "record.json"), layout.TaskFile, Path.Combine(task, "stdout.log"), JobLayout.StandardErrorLog(job, 0), Path.Combine(task, "output.txt") }
            .Concat(Directory.EnumerateFiles(layout.StatusDirectory))
            .Concat(Directory.EnumerateFiles(layout.LocalDirectory).Where(path => !path.EndsWith(".sh", StringComparison.Ordinal)))
            .ToList();
        Assert.True(files.Count >= 9, string.Join(", ", files));
        foreach (var file in files)
        {
            Assert.Equal((file, File600), (file, File.GetUnixFileMode(file)));
        }
    }

    /// <summary>A local shell whose commands carry what a launched agent's session has in its environment.</summary>
    private sealed class SessionShell(ISiteShell inner) : ISiteShell
    {
        public string Target => inner.Target;

        public Task<ShellResult> RunAsync(ShellCommand command, CancellationToken cancellationToken = default)
        {
            var environment = new Dictionary<string, string>(command.Environment ?? new Dictionary<string, string>())
            {
                ["SWARM_EXCHANGE_TOKEN"] = Token,
                ["SWARM_AGENT"] = "planner",
                ["SWARM_EXCHANGE_URL"] = "http://127.0.0.1:1",
            };
            return inner.RunAsync(command with { Environment = environment }, cancellationToken);
        }
    }
}
