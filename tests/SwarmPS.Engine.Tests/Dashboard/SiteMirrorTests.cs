using System.Net;
using System.Net.Sockets;
using System.Text;
using SwarmPS.Engine.Dashboard;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Sites;

namespace SwarmPS.Engine.Tests.Dashboard;

/// <summary>
/// The dashboard's mirror of a remote site, against the real sshd on 127.0.0.1 (the "remote" directory is a
/// folder of this machine, reached only over ssh): what is copied and how incrementally, what each poll costs,
/// Missing and Unreachable, the mirror's own ssh master (and that the profile's shared one is never made or
/// touched), and remote files that try to get out of the copy.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SiteMirrorTests(SshdFixture sshd) : IDisposable
{
    private const string RunId = "mirror-run-1";

    // Short: the control socket's path must fit a unix socket address.
    private readonly string _bed = Path.Combine("/tmp/swarmps-test/mirror", Guid.NewGuid().ToString("N")[..8]);

    private string RunRoot => Path.Combine(_bed, "runs");

    private string RemoteSite => Path.Combine(RunRoot, RunId, "beta");

    private string Copy => Path.Combine(_bed, "copy");

    /// <summary>Where the profile's shared ControlMaster socket would go: the mirror must never create it.</summary>
    private string SharedControl => Path.Combine(_bed, "shared");

    public void Dispose()
    {
        if (Directory.Exists(_bed))
        {
            Directory.Delete(_bed, recursive: true);
        }
    }

    private SiteProfile Beta(string? controlPath = "shared", int? port = null) => new()
    {
        Name = "beta",
        RunRoot = RunRoot,
        Ssh = sshd.Settings(controlPath == "shared" ? Path.Combine(SharedControl, "%C") : controlPath, port: port),
    };

    private SiteMirror Mirror(SiteProfile? site = null, string? copy = null) =>
        SiteMirror.Create(site ?? Beta(), RunId, copy ?? Copy, Path.Combine(_bed, "ctl"));

    private string Remote(string relative)
    {
        var path = Path.Combine(RemoteSite, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private string Local(string relative) => Path.Combine(Copy, relative);

    private static async Task<MirrorPoll> SettleAsync(SiteMirror mirror)
    {
        for (var i = 0; i < 50; i++)
        {
            var poll = await mirror.PollAsync(CancellationToken.None);
            if (!poll.MorePending)
            {
                return poll;
            }
        }

        throw new InvalidOperationException("the mirror still had bytes pending after 50 polls");
    }

    [Fact]
    public async Task Events_status_and_agent_logs_are_copied_then_only_the_appended_bytes()
    {
        Directory.CreateDirectory(SharedControl);
        File.WriteAllText(Remote("events.jsonl"), "{\"kind\":\"site_started\"}\n");
        File.WriteAllText(Remote("status.json"), "{\"state\":\"running\"}");
        File.WriteAllText(Remote("agents/x/stdout.log"), "hello from x\n");
        await using var mirror = Mirror();
        Assert.Equal(MirrorState.Connecting, mirror.Status.State);

        var first = await SettleAsync(mirror);

        Assert.Equal(MirrorState.Up, first.Status.State);
        Assert.Null(first.Status.Problem);
        Assert.Equal(3, first.FilesUpdated);
        foreach (var file in new[] { "events.jsonl", "status.json", "agents/x/stdout.log" })
        {
            Assert.Equal(File.ReadAllBytes(Remote(file)), File.ReadAllBytes(Local(file)));
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Copy));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Local("agents/x/stdout.log")));

        var line = "{\"kind\":\"agent_started\",\"agent\":\"x\"}\n";
        File.AppendAllText(Remote("events.jsonl"), line);
        File.AppendAllText(Remote("agents/x/stdout.log"), "more\n");
        var second = await mirror.PollAsync(CancellationToken.None);

        Assert.Equal(2, second.FilesUpdated);
        Assert.Equal(first.Status.BytesCopied + line.Length + 5, second.Status.BytesCopied);
        Assert.Equal(File.ReadAllBytes(Remote("events.jsonl")), File.ReadAllBytes(Local("events.jsonl")));
        Assert.Equal(File.ReadAllBytes(Remote("agents/x/stdout.log")), File.ReadAllBytes(Local("agents/x/stdout.log")));

        var quiet = await mirror.PollAsync(CancellationToken.None);
        Assert.Equal(0, quiet.FilesUpdated);
        Assert.Equal(second.Status.BytesCopied, quiet.Status.BytesCopied);
        Assert.True(quiet.Status.Polls >= 3);
        Assert.Empty(Directory.GetFileSystemEntries(SharedControl));
    }

    [Fact]
    public async Task A_truncated_log_is_fetched_again_from_its_start_and_a_same_size_rewrite_of_status_json_by_its_cksum()
    {
        File.WriteAllText(Remote("events.jsonl"), "one\ntwo\nthree\n");
        File.WriteAllText(Remote("status.json"), "{\"state\":\"running\"}");
        await using var mirror = Mirror();
        await SettleAsync(mirror);

        File.WriteAllText(Remote("events.jsonl"), "new\n");
        File.WriteAllText(Remote("status.json"), "{\"state\":\"stopped\"}");
        var poll = await SettleAsync(mirror);

        Assert.Equal(2, poll.FilesUpdated);
        Assert.Equal("new\n", File.ReadAllText(Local("events.jsonl")));
        Assert.Equal("{\"state\":\"stopped\"}", File.ReadAllText(Local("status.json")));
        // Unchanged now: neither is sent again.
        Assert.Equal(0, (await mirror.PollAsync(CancellationToken.None)).FilesUpdated);
    }

    [Fact]
    public async Task A_site_not_there_yet_is_Missing_naming_host_and_path_then_Up_once_it_appears()
    {
        await using var mirror = Mirror();

        var missing = await mirror.PollAsync(CancellationToken.None);

        Assert.Equal(MirrorState.Missing, missing.Status.State);
        Assert.Equal($"no site 'beta' of run '{RunId}' on {sshd.User}@127.0.0.1 (looked in {RemoteSite})", missing.Status.Problem);

        File.WriteAllText(Remote("status.json"), "{}");
        var up = await mirror.PollAsync(CancellationToken.None);

        Assert.Equal(MirrorState.Up, up.Status.State);
        Assert.Null(up.Status.Problem);
        Assert.Equal("{}", File.ReadAllText(Local("status.json")));
    }

    [Theory]
    [InlineData("shared")]
    [InlineData("none")]
    public async Task A_port_nothing_listens_on_is_Unreachable_with_sshs_own_line(string controlPath)
    {
        var port = FreePort();
        await using var mirror = Mirror(Beta(controlPath, port));

        var poll = await mirror.PollAsync(CancellationToken.None);

        Assert.Equal(MirrorState.Unreachable, poll.Status.State);
        Assert.Equal($"ssh: connect to host 127.0.0.1 port {port}: Connection refused", poll.Status.Problem);
        Assert.Null(mirror.Connection);
        Assert.False(Directory.Exists(Copy), "nothing is created locally before the site is reached");
    }

    [Fact]
    public async Task The_mirror_has_its_own_master_restarted_when_it_dies_and_ended_by_dispose_and_the_shared_socket_is_never_made()
    {
        Directory.CreateDirectory(SharedControl);
        File.WriteAllText(Remote("status.json"), "{}");
        var mirror = Mirror();
        try
        {
            Assert.Null(mirror.Connection);
            Assert.Equal(MirrorState.Up, (await mirror.PollAsync(CancellationToken.None)).Status.State);
            var master = mirror.Connection;
            Assert.NotNull(master);
            Assert.True(master.IsAlive);
            Assert.Contains("-M", CommandLine(master.Pid));

            // The polls went through it: a second poll starts no other master.
            await mirror.PollAsync(CancellationToken.None);
            Assert.Equal(master, mirror.Connection);

            master.Signal(9);
            await WaitUntil(() => !master.IsAlive);
            File.WriteAllText(Remote("status.json"), "{\"again\":1}");
            var after = await mirror.PollAsync(CancellationToken.None);
            Assert.Equal(MirrorState.Up, after.Status.State);
            Assert.Equal("{\"again\":1}", File.ReadAllText(Local("status.json")));
            Assert.NotNull(mirror.Connection);
            Assert.NotEqual(master, mirror.Connection);
            master = mirror.Connection;

            await mirror.DisposeAsync();

            Assert.False(master.IsAlive);
            Assert.Null(mirror.Connection);
            Assert.Empty(SshProcessesMentioning(_bed));
            Assert.Empty(Directory.GetFileSystemEntries(SharedControl));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => mirror.PollAsync(CancellationToken.None));
        }
        finally
        {
            await mirror.DisposeAsync();
        }
    }

    [Fact]
    public async Task RunAsync_keeps_the_copy_current_and_returns_when_cancelled()
    {
        File.WriteAllText(Remote("events.jsonl"), "a\n");
        await using var mirror = Mirror();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var polls = 0;
        var running = mirror.RunAsync(TimeSpan.FromMilliseconds(100), _ => Interlocked.Increment(ref polls), stop.Token);

        await WaitUntil(() => File.Exists(Local("events.jsonl")) && File.ReadAllText(Local("events.jsonl")) == "a\n");
        File.AppendAllText(Remote("events.jsonl"), "b\n");
        await WaitUntil(() => File.ReadAllText(Local("events.jsonl")) == "a\nb\n");
        await stop.CancelAsync();
        await running;

        Assert.True(polls >= 2);
        Assert.Equal(MirrorState.Up, mirror.Status.State);
    }

    [Fact]
    public async Task Links_odd_names_deep_files_and_big_json_stay_out_of_the_copy()
    {
        File.WriteAllText(Remote("events.jsonl"), "ok\n");
        File.CreateSymbolicLink(Remote("passwd.log"), "/etc/passwd");
        File.CreateSymbolicLink(Remote("etc"), "/etc");
        Directory.CreateSymbolicLink(Remote("agents/link"), "/etc");
        File.WriteAllText(Remote("new\nline.log"), "hidden\n");
        File.WriteAllText(Remote("two words.json"), "{}");
        File.WriteAllText(Remote(new string('n', 129) + ".log"), "long\n");
        File.WriteAllText(Remote("a/b/c/d/deep.log"), "too deep\n");
        File.WriteAllText(Remote("a/b/c/ok.log"), "deep enough\n");
        File.WriteAllText(Remote("bad dir/inside.log"), "under an odd folder\n");
        File.WriteAllText(Remote("big.json"), new string(' ', MirrorReply.MaxFileBytes + 1));
        File.WriteAllText(Remote("...log"), "dots are fine\n");
        await using var mirror = Mirror();

        var poll = await SettleAsync(mirror);

        Assert.Equal(MirrorState.Up, poll.Status.State);
        var copied = Directory.GetFileSystemEntries(Copy, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Copy, path)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "...log", "a", "a/b", "a/b/c", "a/b/c/ok.log", "events.jsonl" }, copied);
        Assert.All(Directory.GetFileSystemEntries(Copy, "*", SearchOption.AllDirectories), path => Assert.Null(new FileInfo(path).LinkTarget));
        var skipped = mirror.Skipped.Select(skip => skip.Path).ToList();
        Assert.Contains("new\\x0aline.log", skipped);
        Assert.Contains("two words.json", skipped);
        Assert.Contains("passwd.log", skipped);
        Assert.Contains("etc", skipped);
        Assert.Contains("agents/link", skipped);
        Assert.Contains("bad dir", skipped);
        Assert.Contains(mirror.Skipped, skip => skip.Path == "big.json" && skip.Reason.Contains("over the 1048576", StringComparison.Ordinal));

        // Reported once, not once a poll.
        await mirror.PollAsync(CancellationToken.None);
        Assert.Equal(mirror.Skipped.Count, mirror.Skipped.Select(skip => skip.Path).Distinct().Count());
    }

    [Fact]
    public async Task A_log_bigger_than_a_poll_carries_comes_in_polls_of_at_most_1_MiB()
    {
        File.WriteAllBytes(Remote("agents/x/stdout.log"), Enumerable.Range(0, (5 << 20) / 2).SelectMany(i => new[] { (byte)'a', (byte)'\n' }).ToArray());
        await using var mirror = Mirror();

        var first = await mirror.PollAsync(CancellationToken.None);

        Assert.True(first.MorePending);
        Assert.InRange(first.Status.BytesCopied, 1, MirrorReply.MaxFileBytes + 4096);
        var polls = 1;
        for (var last = first; last.MorePending; polls++)
        {
            var copiedBefore = last.Status.BytesCopied;
            last = await mirror.PollAsync(CancellationToken.None);
            Assert.InRange(last.Status.BytesCopied - copiedBefore, 1, MirrorReply.MaxFileBytes + 4096);
        }

        Assert.True(polls >= 5, $"5 MiB came in {polls} polls");
        Assert.Equal(File.ReadAllBytes(Remote("agents/x/stdout.log")), File.ReadAllBytes(Local("agents/x/stdout.log")));
    }

    [Fact]
    public async Task A_profile_without_multiplexing_connects_afresh_each_poll_and_starts_no_master()
    {
        File.WriteAllText(Remote("status.json"), "{}");
        await using var mirror = Mirror(Beta(controlPath: null));

        Assert.Equal(MirrorState.Up, (await mirror.PollAsync(CancellationToken.None)).Status.State);
        Assert.Equal(MirrorState.Up, (await mirror.PollAsync(CancellationToken.None)).Status.State);

        Assert.Null(mirror.Connection);
        Assert.Empty(SshProcessesMentioning(_bed));
        Assert.False(Directory.Exists(Path.Combine(_bed, "ctl")), "no control directory is needed");
    }

    [Fact]
    public async Task Disposing_while_RunAsync_polls_ends_it_and_its_master()
    {
        File.WriteAllText(Remote("status.json"), "{}");
        var mirror = Mirror();
        var running = mirror.RunAsync(TimeSpan.FromMilliseconds(50), null, CancellationToken.None);
        await WaitUntil(() => mirror.Connection is not null && File.Exists(Local("status.json")));
        var master = mirror.Connection!;

        await mirror.DisposeAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.False(master.IsAlive);
        Assert.Empty(SshProcessesMentioning(_bed));
    }

    [Fact]
    public void Bad_inputs_are_refused_at_Create_naming_the_fix()
    {
        var local = new SiteProfile { Name = "here", RunRoot = RunRoot };
        Assert.Equal("SiteNotRemote", Assert.Throws<SwarmException>(() => SiteMirror.Create(local, RunId, Copy, _bed)).ErrorId);
        Assert.Equal("RunIdInvalid", Assert.Throws<SwarmException>(() => SiteMirror.Create(Beta(), "../x", Copy, _bed)).ErrorId);
        var tooLong = Assert.Throws<SwarmException>(() => SiteMirror.Create(Beta(), RunId, Copy, Path.Combine(_bed, new string('c', 90))));
        Assert.Equal("MirrorControlPathTooLong", tooLong.ErrorId);
        Assert.Contains("shorter control directory", tooLong.Remediation, StringComparison.Ordinal);
        // ControlPath none needs no socket, so no length limit.
        Assert.NotNull(SiteMirror.Create(Beta(controlPath: "none"), RunId, Copy, Path.Combine(_bed, new string('c', 90))));
    }

    [Theory]
    [InlineData("../escape.log")]
    [InlineData("a/../../escape.log")]
    [InlineData("/etc/passwd")]
    [InlineData("a//b.log")]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b/c/d/e.log")]
    [InlineData("new\nline.log")]
    [InlineData("back\\slash.log")]
    public void A_path_a_remote_prints_that_could_leave_the_copy_is_refused(string relative)
    {
        Assert.False(MirrorPath.IsSafe(relative));
        Assert.Null(MirrorPath.Local(Copy, relative));
    }

    [Fact]
    public void A_reply_that_names_a_way_out_is_parsed_but_never_becomes_a_local_path()
    {
        var reply = MirrorReply.Parse("@@swarmps-list@@\n@@f 3 - ../../x.log\n@@d 0\n 61 62 0a\n@@swarmps-skipped@@\n@@swarmps-end@@\n");

        Assert.NotNull(reply);
        Assert.Equal("../../x.log", Assert.Single(reply.Files).Path);
        Assert.Null(MirrorPath.Local(Copy, reply.Files[0].Path));
        Assert.Null(MirrorReply.Parse("@@swarmps-list@@\n@@f 3 - x.log\n@@d 0\n 61 62"));
    }

    /// <summary>
    /// A poll costs the new bytes plus a line per file: with nothing new it carries only the listing whether
    /// 10 KiB or 1 MiB were copied before, and one appended line costs about that line (as hex, 3 characters a byte).
    /// </summary>
    [Fact]
    public async Task A_poll_costs_the_new_bytes_and_the_listing_never_the_bytes_already_copied()
    {
        var quiet = new List<long>();
        var appended = new List<long>();
        var line = "{\"kind\":\"note\",\"text\":\"" + new string('x', 76) + "\"}\n"; // 100 bytes
        foreach (var size in new[] { 10 << 10, 1 << 20 })
        {
            var root = Path.Combine(_bed, $"r{size}");
            File.WriteAllText(Remote("events.jsonl"), new string('e', size - 1) + "\n");
            File.WriteAllText(Remote("status.json"), "{\"state\":\"running\"}");
            File.WriteAllText(Remote("agents/x/stdout.log"), new string('o', size - 1) + "\n");
            await using var mirror = Mirror(copy: root);
            var settled = await SettleAsync(mirror);
            Assert.Equal(2L * size + "{\"state\":\"running\"}".Length, settled.Status.BytesCopied);

            quiet.Add((await mirror.PollAsync(CancellationToken.None)).BytesReceived);
            File.AppendAllText(Remote("events.jsonl"), line);
            appended.Add((await mirror.PollAsync(CancellationToken.None)).BytesReceived);
            Assert.Equal(File.ReadAllBytes(Remote("events.jsonl")), File.ReadAllBytes(Path.Combine(root, "events.jsonl")));
        }

        // The listing differs only in the digits of the two sizes ("10240" against "1048576").
        Assert.InRange(Math.Abs(quiet[1] - quiet[0]), 0, 8);
        Assert.InRange(quiet[0], 50, 300);
        Assert.All(appended.Zip(quiet), pair => Assert.InRange(pair.First - pair.Second, 3 * line.Length, 3 * line.Length + 40));
        Console.WriteLine($"mirror poll bytes: quiet {string.Join("/", quiet)}, one 100-byte line appended {string.Join("/", appended)}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var waited = 0; !condition(); waited += 50)
        {
            Assert.True(waited < 30_000, "timed out waiting");
            await Task.Delay(50);
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>ssh processes whose command line names <paramref name="text"/> (this test's folders).</summary>
    private static List<string> SshProcessesMentioning(string text) =>
        Directory.GetDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => int.TryParse(name, out _))
            .Select(name => CommandLine(int.Parse(name!)))
            .Where(command => command.StartsWith("ssh ", StringComparison.Ordinal) && command.Contains(text, StringComparison.Ordinal))
            .ToList();
}
