using System.Text;
using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Events;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Sites;
using SwarmPS.Engine.Tests.Scheduler;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// Get-SwarmEvent -Follow on a remote site, in the engine: site beta runs "on another machine" (another user
/// behind a real sshd); its events.jsonl is followed over SSH until the site ends, hostile lines are handled
/// as the local reader handles them, cancelling ends the follow promptly, and nothing of the follow is left
/// running as the remote user.
/// </summary>
[Collection(RemoteUserCollection.Name)]
public sealed class RemoteEventFollowTests : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);
    private readonly LaunchTestBed _bed = new();
    private readonly RemoteUserFixture _remote;

    public RemoteEventFollowTests(RemoteUserFixture remote) => _remote = remote;

    public void Dispose() => _bed.Dispose();

    private SiteProfile RemoteBeta => _bed.Site("beta") with { Ssh = _remote.Settings(), RunRoot = "swarm-runs" };

    private async Task<RemoteSiteStatus> StartBetaAsync(string runId, string command)
    {
        var campaignFile = _bed.WriteCampaign($"""
            name: remote-follow
            initial_agent: worker
            user_task: wait
            agents:
              - name: worker
                site: beta
                command: {command}
            """);
        var options = _bed.Options(CampaignLoader.Load(campaignFile), runId, "beta") with { Site = RemoteBeta };
        return await RemoteSiteLaunch.StartAsync(options, LaunchTestBed.SiteHostDirectory, TimeSpan.FromSeconds(60), null, CancellationToken.None);
    }

    [Fact]
    public async Task Following_a_remote_site_streams_its_events_and_ends_by_itself_when_the_site_finishes()
    {
        var runId = $"remote-follow-{Guid.NewGuid():N}"[..24];
        var started = await StartBetaAsync(runId, "[\"sleep\", \"3\"]");

        var seen = new List<SwarmEvent>();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(300));
        await foreach (var swarmEvent in RemoteEventFollow.FollowAsync([RemoteBeta], runId, new EventFilter(), Poll, null, guard.Token))
        {
            seen.Add(swarmEvent);
        }

        Assert.False(guard.IsCancellationRequested, "the follow ended by itself, not by the test's guard");
        Assert.Equal(SiteState.Finished, (await RemoteSiteRun.ReadStatusAsync(RemoteBeta, runId, CancellationToken.None)).State);
        Assert.Contains(seen, e => e.Kind == "site_finished");
        Assert.All(seen, e => Assert.Equal("beta", e.Site));
        // Exactly the file's events, once each: no line lost or repeated across polls.
        var lines = await RemoteSiteRun.ReadEventLinesAsync(RemoteBeta, runId, CancellationToken.None);
        Assert.Equal(lines.Count, seen.Count);
        Assert.Empty(FollowProcessesOfRemoteUser());
        Assert.StartsWith(_remote.Home, started.SiteDirectory);
    }

    [Fact]
    public async Task Hostile_lines_are_reported_a_line_cut_inside_a_character_waits_for_its_end_and_a_stop_ends_the_follow()
    {
        var runId = $"remote-hostile-{Guid.NewGuid():N}"[..24];
        var started = await StartBetaAsync(runId, "[\"sleep\", \"300\"]");
        var eventsFile = Path.Combine(started.SiteDirectory, "events.jsonl");
        var unreadable = new List<string>();
        var seen = new List<SwarmEvent>();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(300));

        var follow = Task.Run(async () =>
        {
            await foreach (var swarmEvent in RemoteEventFollow.FollowAsync([RemoteBeta], runId, new EventFilter(), Poll, line => { lock (unreadable) { unreadable.Add(line); } }, guard.Token))
            {
                lock (seen)
                {
                    seen.Add(swarmEvent);
                }
            }
        });

        // "é" is two bytes in UTF-8: the first write ends between them, so a poll sees half a character.
        var line = Encoding.UTF8.GetBytes("{\"ts\":\"2030-01-01T00:00:00Z\",\"kind\":\"probe\",\"note\":\"caf\u00e9\"}\n");
        var cut = Array.IndexOf(line, (byte)0xC3) + 1;
        await AppendAsync(eventsFile, Encoding.UTF8.GetBytes("not json at all\n{\"kind\":\"no timestamp\"}\n"));
        await AppendAsync(eventsFile, line[..cut]);
        await Task.Delay(Poll * 4);
        await AppendAsync(eventsFile, line[cut..]);
        await WaitUntilAsync(() => { lock (seen) { return seen.Any(e => e.Kind == "probe"); } });

        // More than one poll's worth (1 MiB) at once: read over several polls, every line once.
        var padding = new string('x', 500);
        await AppendAsync(eventsFile, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, 2500).Select(i => $"{{\"ts\":\"2030-01-01T00:00:01Z\",\"kind\":\"bulk\",\"i\":{i},\"pad\":\"{padding}\"}}\n"))));
        await WaitUntilAsync(() => { lock (seen) { return seen.Count(e => e.Kind == "bulk") >= 2500; } });

        await RemoteSiteRun.StopAsync(RemoteBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);
        await follow.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(guard.IsCancellationRequested, "the stop (state Stopped) ended the follow");
        Assert.Equal("caf\u00e9", seen.Single(e => e.Kind == "probe").Fields["note"]);
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => (long)i), seen.Where(e => e.Kind == "bulk").Select(e => Convert.ToInt64(e.Fields["i"], System.Globalization.CultureInfo.InvariantCulture)).Order());
        Assert.Equal(2, unreadable.Count);
        Assert.Contains(unreadable, problem => problem.Contains("not json at all", StringComparison.Ordinal) && problem.Contains("swarmps-remote@127.0.0.1:", StringComparison.Ordinal));
        Assert.Equal(SiteState.Stopped, (await RemoteSiteRun.ReadStatusAsync(RemoteBeta, runId, CancellationToken.None)).State);
        Assert.Empty(FollowProcessesOfRemoteUser());
    }

    [Fact]
    public async Task Cancelling_a_follow_of_a_running_remote_site_ends_it_promptly_and_leaves_nothing_on_the_far_side()
    {
        var runId = $"remote-cancel-{Guid.NewGuid():N}"[..24];
        await StartBetaAsync(runId, "[\"sleep\", \"300\"]");
        using var cancel = new CancellationTokenSource();
        var seen = 0;

        var follow = Task.Run(async () =>
        {
            await foreach (var _ in RemoteEventFollow.FollowAsync([RemoteBeta], runId, new EventFilter(), Poll, null, cancel.Token))
            {
                Interlocked.Increment(ref seen);
            }
        });
        await WaitUntilAsync(() => Volatile.Read(ref seen) > 0);
        cancel.Cancel();
        await follow.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Empty(FollowProcessesOfRemoteUser());
        var status = await RemoteSiteRun.ReadStatusAsync(RemoteBeta, runId, CancellationToken.None);
        Assert.True(status.LauncherAlive, "cancelling a follow leaves the site running");
        await RemoteSiteRun.StopAsync(RemoteBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);
    }

    [Fact]
    public async Task Polls_lost_on_a_flaky_link_are_retried_from_the_same_offset_so_no_event_is_lost_or_repeated()
    {
        var runId = $"remote-flaky-{Guid.NewGuid():N}"[..24];
        await StartBetaAsync(runId, "[\"sleep\", \"3\"]");
        // The real ssh shell, with every other poll answered as ssh answers a dropped connection (exit 255).
        var link = new CountingShell(new OpenSshShell(_remote.Settings()))
        {
            Fault = (command, number) => command.Arguments.Any(a => a.Contains("@@swarmps-bytes@@", StringComparison.Ordinal)) && number % 2 == 0
                ? new ShellResult(255, "", "Connection to 127.0.0.1 closed by remote host.", TimeSpan.Zero)
                : null,
        };
        var seen = new List<SwarmEvent>();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(300));

        await foreach (var swarmEvent in RemoteEventFollow.FollowAsync([RemoteBeta], _ => link, runId, new EventFilter(), Poll, null, guard.Token))
        {
            seen.Add(swarmEvent);
        }

        Assert.False(guard.IsCancellationRequested);
        var lines = await RemoteSiteRun.ReadEventLinesAsync(RemoteBeta, runId, CancellationToken.None);
        // The same events as the file holds, each once: compared as sorted lists, so a lost or a repeated one shows.
        var inFile = lines.Select(line => SwarmEvent.TryParse(line, "beta", out var parsed) ? parsed! : throw new InvalidDataException(line))
            .Select(e => $"{e.Timestamp:O} {e.Kind} {e.Agent}").Order(StringComparer.Ordinal);
        Assert.Equal(inFile, seen.Select(e => $"{e.Timestamp:O} {e.Kind} {e.Agent}").Order(StringComparer.Ordinal));
        Assert.Contains(seen, e => e.Kind == "site_finished");
        Assert.True(link.Commands.Count(c => c.Program == "sh") > 4, "some polls were dropped and retried");
    }

    [Fact]
    public async Task A_link_that_stays_down_ends_the_follow_with_RemoteCommandFailed_after_ten_polls_in_a_row()
    {
        var runId = $"remote-down-{Guid.NewGuid():N}"[..24];
        await StartBetaAsync(runId, "[\"sleep\", \"300\"]");
        var link = new CountingShell(new OpenSshShell(_remote.Settings()))
        {
            Fault = (command, _) => command.Arguments.Any(a => a.Contains("@@swarmps-bytes@@", StringComparison.Ordinal))
                ? new ShellResult(255, "", "ssh: connect to host 127.0.0.1 port 2223: Connection refused", TimeSpan.Zero)
                : null,
        };

        var error = await Assert.ThrowsAsync<SwarmException>(async () =>
        {
            await foreach (var _ in RemoteEventFollow.FollowAsync([RemoteBeta], _ => link, runId, new EventFilter(), Poll, null, CancellationToken.None))
            {
            }
        });

        Assert.Equal("RemoteCommandFailed", error.ErrorId);
        Assert.Contains("Connection refused", error.Message);
        Assert.Equal(RemoteEventFollow.MaxConsecutiveFailures, link.Commands.Count(c => c.Arguments.Any(a => a.Contains("@@swarmps-bytes@@", StringComparison.Ordinal))));
        await RemoteSiteRun.StopAsync(RemoteBeta, runId, _bed.Client, TimeSpan.FromSeconds(2), CancellationToken.None);
    }

    [Fact]
    public async Task Following_a_run_the_remote_never_started_is_RunNotFound()
    {
        var error = await Assert.ThrowsAsync<SwarmException>(async () =>
        {
            await foreach (var _ in RemoteEventFollow.FollowAsync([RemoteBeta], "never-started", new EventFilter(), Poll, null, CancellationToken.None))
            {
            }
        });

        Assert.Equal("RunNotFound", error.ErrorId);
        Assert.Contains(_remote.Home + "/swarm-runs/never-started/beta", error.Message);
    }

    /// <summary>Processes of the remote user that a follow could have left: a reader (tail, dd, od, cat) or a poll's shell.</summary>
    private List<string> FollowProcessesOfRemoteUser()
    {
        var found = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(Path.GetFileName(directory), out var pid) || RemoteUserFixture.UidOf(pid) != _remote.Uid)
                {
                    continue;
                }

                var comm = File.ReadAllText(Path.Combine(directory, "comm")).Trim();
                var cmdline = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (comm is "tail" or "head" or "dd" or "od" or "cat" || cmdline.Contains("@@swarmps-", StringComparison.Ordinal))
                {
                    found.Add($"{pid} {cmdline}");
                }
            }
            catch (IOException)
            {
                // Ended while being read.
            }
        }

        return found;
    }

    private static async Task AppendAsync(string file, byte[] bytes)
    {
        await using var stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        await stream.WriteAsync(bytes);
    }

    // Generous: every poll is an ssh round trip, and on a loaded CI machine (test collections run in
    // parallel on 2 cores) a condition once took over 30 s. The tests are about what is seen, not how fast.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not met in 90 s");
            }

            await Task.Delay(50);
        }
    }
}
