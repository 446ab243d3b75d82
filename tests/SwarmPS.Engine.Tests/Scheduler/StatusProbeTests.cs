using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>The one-round-trip status script, run by real bash, and its behaviour when the link drops.</summary>
public sealed class StatusProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-probe-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly TimeSpan[] FastRetries = { TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10) };

    // What OpenSSH gives when the connection drops: exit 255, nothing on stdout.
    private static readonly ShellResult Dropped = new(255, "", "Connection to login.example.org closed by remote host.", TimeSpan.Zero);

    [Fact]
    public async Task Steps_fallbacks_and_status_files_come_back_in_one_call()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "status"));
        File.WriteAllText(Path.Combine(_dir, "status", "7.exit"), "3\n");
        File.WriteAllText(Path.Combine(_dir, "status", "7.start"), "1\n");
        File.WriteAllText(Path.Combine(_dir, "status", "8.start"), "2\n");
        File.WriteAllText(Path.Combine(_dir, "status", "9.exit"), ""); // being written: not an exit yet
        var shell = new CountingShell(LocalShell.Instance);
        var steps = new[]
        {
            new ProbeStep("first", "echo 'a|b'; echo 'line two'"),
            new ProbeStep("broken", "echo 'accounting is disabled' >&2; (exit 1)", new ProbeStep("instead", "echo fallback ran")),
        };

        var result = await new StatusProbe(FastRetries).RunAsync(shell, "site", steps, new[] { Path.Combine(_dir, "status"), Path.Combine(_dir, "missing") }, default);

        Assert.Equal(1, shell.Commands.Count);
        Assert.Equal("a|b\nline two", result.Steps["first"].Text.Trim());
        Assert.Equal(1, result.Steps["broken"].ExitCode);
        Assert.Contains("accounting is disabled", result.Steps["broken"].Text);
        Assert.Contains("fallback ran", result.Steps["instead"].Text);
        Assert.Equal(new Dictionary<long, int> { [7] = 3 }, result.Files[0].ExitCodes);
        Assert.Equal(new HashSet<long> { 7, 8 }, result.Files[0].Started);
        Assert.Empty(result.Files[1].ExitCodes);
    }

    [Fact]
    public async Task A_dropped_link_is_retried()
    {
        var shell = new CountingShell(LocalShell.Instance) { Fault = (_, n) => n <= 2 ? Dropped : null };

        var result = await new StatusProbe(FastRetries).RunAsync(shell, "site", new[] { new ProbeStep("s", "echo ok") }, Array.Empty<string>(), default);

        Assert.Equal(3, shell.Commands.Count);
        Assert.Contains("ok", result.Steps["s"].Text);
    }

    [Fact]
    public async Task A_link_that_stays_down_is_SiteUnreachable_with_the_fix()
    {
        var shell = new CountingShell(LocalShell.Instance) { Fault = (_, _) => Dropped };

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            new StatusProbe(FastRetries).RunAsync(shell, "polaris", new[] { new ProbeStep("s", "echo ok") }, Array.Empty<string>(), default));

        Assert.Equal("SiteUnreachable", error.ErrorId);
        Assert.Equal(4, shell.Commands.Count);
        Assert.Contains("closed by remote host", error.Message);
        Assert.Contains("Test-SwarmSite", error.Remediation);
    }

    [Fact]
    public async Task A_link_that_drops_during_Get_SwarmJob_ends_in_SiteUnreachable_and_keeps_the_record()
    {
        var root = Path.Combine(_dir, "repo");
        var store = new JobRecordStore(Path.Combine(root, ".swarm"));
        var site = new SiteProfile { Name = "local", RunRoot = Path.Combine(root, "runs") };
        var plan = WavePlanner.Plan(site, new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }));
        var shell = new CountingShell(LocalShell.Instance);
        await new JobSubmitter(shell, store).SubmitAsync(plan);
        shell.Fault = (command, _) => command.Program == "bash" && command.Arguments[1].Contains("@@swarm-probe", StringComparison.Ordinal) ? Dropped : null;

        var error = await Assert.ThrowsAsync<SwarmException>(() =>
            new JobTracker(shell, store, new StatusProbe(FastRetries)).QueryAsync(site, new[] { store.Get(plan.Key) }));

        Assert.Equal("SiteUnreachable", error.ErrorId);
        Assert.NotNull(store.Get(plan.Key).Arrays.Single().JobId);
    }
}
