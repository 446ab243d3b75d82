using System.Diagnostics;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Processes;

/// <summary>
/// The one way a detached child starts (a detached site launcher and a detached exchange both use it):
/// its own session, stdin from /dev/null, output appended to an owner-only log, ready when its parent
/// sees it so, and each way it can fail reported with what this start wrote.
/// </summary>
public sealed class DetachedProcessTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarm-detached-").FullName;

    public void Dispose()
    {
        // A child left behind by a failed assertion: each writes its pid before anything else.
        foreach (var file in Directory.EnumerateFiles(_root, "pid"))
        {
            ProcessIdentity.TryOf(int.Parse(File.ReadAllText(file).Trim()))?.SignalGroup(ProcessIdentity.SignalKill);
        }

        Directory.Delete(_root, recursive: true);
    }

    private string Log => Path.Combine(_root, "state", "child.out");

    private string Ready => Path.Combine(_root, "ready");

    private TestChild Child(string script) => new(Ready)
    {
        Command = new[] { "/bin/sh", "-c", $"echo $$ > '{_root}/pid'; {script}" },
        WorkingDirectory = _root,
        Log = Log,
        Name = "test child",
        Target = _root,
    };

    [Fact]
    public async Task The_child_leads_its_own_session_reads_nothing_and_writes_only_to_its_owner_only_log()
    {
        var child = Child($"echo out; echo err >&2; readlink /proc/self/fd/0 > '{_root}/stdin'; cut -d' ' -f6 /proc/self/stat > '{_root}/sid'; touch '{Ready}'; sleep 30");

        var identity = await DetachedProcess.StartAsync(child, TimeSpan.FromSeconds(20), null, CancellationToken.None);

        Assert.NotNull(identity);
        Assert.True(identity!.IsAlive);
        Assert.Equal(identity.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadAllText(Path.Combine(_root, "sid")).Trim());
        Assert.Equal("/dev/null", File.ReadAllText(Path.Combine(_root, "stdin")).Trim());
        Assert.Equal(new[] { "out", "err" }, File.ReadAllLines(Log));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Log));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(Log)!));
        await ProcessStopper.StopAsync(new[] { (identity, true) }, TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_child_that_reports_its_failure_comes_back_with_its_own_error_id_naming_its_log()
    {
        var line = LaunchFailureLine.Format(new SwarmException("MailboxExists", "Run id 'r' is in use.", "Choose a new run id.", SwarmErrorCategory.ResourceExists));
        var child = Child($"echo 'about to fail'; echo '{line}' >&2; exit 1");

        var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedProcess.StartAsync(child, TimeSpan.FromSeconds(20), null, CancellationToken.None));

        Assert.Equal("MailboxExists", error.ErrorId);
        Assert.Equal(SwarmErrorCategory.ResourceExists, error.Category);
        Assert.Equal("Choose a new run id.", error.Remediation);
        Assert.StartsWith("Run id 'r' is in use.", error.Message);
        Assert.Contains($"The detached test child stopped with this error; its output is in '{Log}'", error.Message);
        Assert.Equal(_root, error.Target);
    }

    [Fact]
    public async Task A_child_that_floods_its_log_before_failing_still_comes_back_with_its_own_error_id_and_last_lines()
    {
        var line = LaunchFailureLine.Format(new SwarmException("MailboxExists", "Run id 'r' is in use.", "Choose a new run id.", SwarmErrorCategory.ResourceExists));
        var child = Child($"head -c 20000000 /dev/zero | tr '\\0' x; echo; echo last-words; echo '{line}' >&2; exit 1");

        var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedProcess.StartAsync(child, TimeSpan.FromSeconds(30), null, CancellationToken.None));

        Assert.Equal("MailboxExists", error.ErrorId);
        Assert.True(new FileInfo(Log).Length > 20_000_000, "the child's whole output stays in its log");
        Assert.True(error.Message.Length < 1_000, "the error quotes the end of the log, not all of it");
    }

    [Fact]
    public async Task A_child_that_ends_without_a_report_is_described_by_the_caller_with_this_starts_last_lines_only()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Log)!);
        File.WriteAllText(Log, "output of an earlier start\n");
        var child = Child("for n in 1 2 3 4 5 6 7; do echo line-$n; done; exit 3");

        var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedProcess.StartAsync(child, TimeSpan.FromSeconds(20), null, CancellationToken.None));

        Assert.Equal("TestEnded", error.ErrorId);
        Assert.Equal("code 3: line-3 | line-4 | line-5 | line-6 | line-7", error.Message);
        Assert.StartsWith("output of an earlier start", File.ReadAllText(Log));
    }

    [Fact]
    public async Task A_child_that_is_not_ready_in_time_is_described_by_the_caller_and_the_wait_is_reported()
    {
        var child = Child("echo still-starting; sleep 30");
        var reports = new List<string>();

        var error = await Assert.ThrowsAsync<SwarmException>(() => DetachedProcess.StartAsync(child, TimeSpan.FromSeconds(1.5), new Collect(reports), CancellationToken.None));

        Assert.Equal("TestTimedOut", error.ErrorId);
        Assert.EndsWith(": still-starting", error.Message);
        Assert.StartsWith("waiting for the detached test child (pid ", reports[0]);
        Assert.Contains(reports, report => report.EndsWith(": 1 s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Cancelling_the_wait_ends_the_child_and_what_it_started()
    {
        var child = Child($"sleep 301 & echo $! > '{_root}/grandchild'; wait");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => DetachedProcess.StartAsync(child, TimeSpan.FromSeconds(30), null, cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.False(ProcessIdentity.TryOf(int.Parse(File.ReadAllText(Path.Combine(_root, "pid")).Trim())) is { IsAlive: true }, "the child must end");
        Assert.False(ProcessIdentity.TryOf(int.Parse(File.ReadAllText(Path.Combine(_root, "grandchild")).Trim())) is { IsAlive: true }, "the child's own child must end with its session");
    }

    private sealed class TestChild(string readyFile) : DetachedChild<ProcessIdentity>
    {
        private ProcessIdentity? _child;

        public override DetachedReadiness<ProcessIdentity> Probe(ProcessIdentity child)
        {
            _child = child;
            return File.Exists(readyFile) ? DetachedReadiness<ProcessIdentity>.Of(child) : DetachedReadiness<ProcessIdentity>.Starting;
        }

        public override SwarmException Ended(int? exitCode, string logTail) =>
            new("TestEnded", $"code {exitCode}: {logTail}", "Read the log.", SwarmErrorCategory.ResourceUnavailable);

        public override SwarmException TimedOut(int pid, TimeSpan waited, string logTail) =>
            new("TestTimedOut", $"pid {pid} ({_child?.Pid}) not ready in {waited.TotalSeconds} s: {logTail}", "Read the log.", SwarmErrorCategory.OperationTimeout);
    }

    private sealed class Collect(List<string> reports) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
