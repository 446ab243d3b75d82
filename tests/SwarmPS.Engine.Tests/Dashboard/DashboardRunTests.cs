using SwarmPS.Engine.Dashboard;
using Xunit;

namespace SwarmPS.Engine.Tests.Dashboard;

/// <summary>The dashboard's state of a run, read from real run directories: layout, counts, order, warnings, following.</summary>
public sealed class DashboardRunTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-dashboard-run-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Site(string run, string site, params string[] lines)
    {
        var directory = Path.Combine(_root, run, site);
        Directory.CreateDirectory(directory);
        if (lines.Length > 0)
        {
            File.AppendAllLines(Path.Combine(directory, "events.jsonl"), lines);
        }

        return directory;
    }

    private static string Event(string ts, string site, string? agent, string kind, string extra = "") =>
        $"{{\"ts\":\"2026-12-01T10:00:{ts}Z\",\"site\":\"{site}\",\"agent\":{(agent is null ? "null" : $"\"{agent}\"")},\"kind\":\"{kind}\"{extra}}}";

    [Fact]
    public void A_run_directory_is_split_into_its_sites_with_their_agents_and_messages()
    {
        Site("r1", "alpha", Event("00.000", "alpha", "ping", "agent_started"), Event("01.000", "alpha", "ping", "message_sent", ",\"to\":\"pong\""), Event("03.000", "alpha", "ping", "message_sent", ",\"to\":\"pong\""));
        Site("r1", "beta", Event("00.500", "beta", "pong", "agent_started"), Event("02.000", "beta", "pong", "message_sent", ",\"to\":\"ping\""));
        var run = new DashboardRun("r1", new[] { new DashboardSource(DashboardSourceKind.Path, Path.Combine(_root, "r1"), null) });

        Assert.True(run.Refresh());

        var snapshot = run.Snapshot();
        Assert.False(snapshot.SingleSite);
        Assert.Equal(new[] { "alpha", "beta" }, snapshot.Sites.Select(site => site.Name));
        Assert.Equal(new[] { (1, 2), (1, 1) }, snapshot.Sites.Select(site => (site.Agents, site.Messages)));
        // Merged in timestamp order across the two files.
        Assert.Equal(new[] { "00.000", "00.500", "01.000", "02.000", "03.000" }, snapshot.Events.Select(e => e.Event.Timestamp.ToString("ss.fff")));
        Assert.Equal(5, snapshot.Seq);
    }

    [Fact]
    public void Events_at_the_top_of_a_directory_make_it_one_site()
    {
        var directory = Site("r2", "only", Event("00.000", "only", "a", "agent_started"));
        var run = new DashboardRun("r2", new[] { new DashboardSource(DashboardSourceKind.Path, directory, null) });

        run.Refresh();

        var snapshot = run.Snapshot();
        Assert.True(snapshot.SingleSite);
        Assert.Equal("only", Assert.Single(snapshot.Sites).Name);
    }

    [Fact]
    public void A_site_with_a_status_and_no_event_yet_is_up_not_missing()
    {
        var directory = Site("r3", "alpha");
        File.WriteAllText(Path.Combine(directory, "status.json"), "{\"run_id\":\"r3\",\"site\":\"alpha\",\"state\":\"waiting_for_peers\",\"agents\":[{\"name\":\"ping\"}]}");
        var run = new DashboardRun("r3", new[] { new DashboardSource(DashboardSourceKind.Local, directory, "alpha") });

        run.Refresh();

        var site = Assert.Single(run.Sites());
        Assert.True(site.Up);
        Assert.Equal("WaitingForPeers", site.State);
        Assert.Equal(1, site.Agents);
        Assert.False(run.NothingFound());
    }

    [Fact]
    public void A_named_site_without_the_run_is_missing_and_says_where_it_looked()
    {
        var directory = Path.Combine(_root, "r4", "alpha");
        var run = new DashboardRun("r4", new[] { new DashboardSource(DashboardSourceKind.Local, directory, "alpha") });

        run.Refresh();

        var site = Assert.Single(run.Sites());
        Assert.False(site.Up);
        Assert.Equal("Missing", site.State);
        Assert.Contains(directory, site.Problem);
        Assert.True(run.NothingFound());
    }

    [Fact]
    public void A_malformed_line_is_a_warning_and_the_rest_still_counts()
    {
        Site("r5", "alpha", Event("00.000", "alpha", "ping", "agent_started"), "{not json", Event("01.000", "alpha", "ping", "agent_exited"));
        var run = new DashboardRun("r5", new[] { new DashboardSource(DashboardSourceKind.Path, Path.Combine(_root, "r5"), null) });

        run.Refresh();

        var snapshot = run.Snapshot();
        Assert.Equal(2, snapshot.Events.Count);
        Assert.Equal("alpha: events.jsonl: not an event: {not json", Assert.Single(snapshot.Warnings));
    }

    [Fact]
    public void Following_reads_only_what_was_appended_and_a_late_early_event_is_placed_by_time()
    {
        var directory = Site("r6", "alpha", Event("05.000", "alpha", "ping", "agent_started"));
        var run = new DashboardRun("r6", new[] { new DashboardSource(DashboardSourceKind.Local, directory, "alpha") });
        run.Refresh();
        var changes = 0;
        run.Changed += () => changes++;

        Assert.False(run.Refresh());
        File.AppendAllLines(Path.Combine(directory, "events.jsonl"), new[] { Event("01.000", "alpha", "ping", "message_sent", ",\"to\":\"x\"") });
        Assert.True(run.Refresh());

        Assert.Equal(1, changes);
        var since = run.Since(1, 0);
        Assert.Equal(1, Assert.Single(since.Events).Seq);
        // In the snapshot the late event with the earlier time comes first.
        Assert.Equal(new[] { 1, 0 }, run.Snapshot().Events.Select(e => e.Seq));
    }

    [Fact]
    public void A_status_file_that_is_not_a_status_is_a_warning_not_a_crash()
    {
        var directory = Site("r7", "alpha", Event("00.000", "alpha", "ping", "agent_started"));
        File.WriteAllText(Path.Combine(directory, "status.json"), "[1,2,3]");
        var run = new DashboardRun("r7", new[] { new DashboardSource(DashboardSourceKind.Local, directory, "alpha") });

        run.Refresh();

        Assert.Contains(run.Snapshot().Warnings, warning => warning.StartsWith("alpha: status.json:", StringComparison.Ordinal));
        Assert.Equal("Unknown", Assert.Single(run.Sites()).State);
    }

    [Fact]
    public void A_status_json_that_is_a_link_is_refused()
    {
        var directory = Site("r8", "alpha", Event("00.000", "alpha", "ping", "agent_started"));
        File.CreateSymbolicLink(Path.Combine(directory, "status.json"), "/etc/passwd");
        var run = new DashboardRun("r8", new[] { new DashboardSource(DashboardSourceKind.Local, directory, "alpha") });

        run.Refresh();

        Assert.Contains(run.Snapshot().Warnings, warning => warning.StartsWith("alpha: status.json:", StringComparison.Ordinal));
    }

    [Fact]
    public void An_events_file_that_cannot_be_read_is_one_warning_and_the_other_sites_still_read()
    {
        Site("r10", "alpha", Event("00.000", "alpha", "ping", "agent_started"));
        var beta = Site("r10", "beta");
        // A FIFO where the events file should be: opening it would block the reader forever; it is refused, every time.
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(beta, "events.jsonl")))
        {
            mkfifo.WaitForExit();
        }

        var run = new DashboardRun("r10", new[]
        {
            new DashboardSource(DashboardSourceKind.Local, Path.Combine(_root, "r10", "alpha"), "alpha"),
            new DashboardSource(DashboardSourceKind.Local, beta, "beta"),
        });

        run.Refresh();
        run.Refresh();
        run.Refresh();

        var snapshot = run.Snapshot();
        Assert.Single(snapshot.Events);
        Assert.StartsWith("beta: events.jsonl: ", Assert.Single(snapshot.Warnings));
    }

    [Fact]
    public void Warnings_beyond_the_kept_number_are_counted_not_kept()
    {
        Site("r9", "alpha", Enumerable.Range(0, DashboardRun.MaxWarningsKept + 20).Select(i => $"garbage {i}").ToArray());
        var run = new DashboardRun("r9", new[] { new DashboardSource(DashboardSourceKind.Path, Path.Combine(_root, "r9"), null) });
        File.WriteAllText(Path.Combine(_root, "r9", "alpha", "status.json"), "{\"run_id\":\"r9\",\"site\":\"alpha\",\"state\":\"running\"}");

        run.Refresh();

        var snapshot = run.Snapshot();
        Assert.Equal(DashboardRun.MaxWarningsKept + 20, snapshot.WarningCount);
        Assert.Equal(DashboardRun.MaxWarningsKept, snapshot.Warnings.Count);
        Assert.Equal("alpha: events.jsonl: not an event: garbage 519", snapshot.Warnings[^1]);
    }
}

/// <summary>A live training run's coordinator status, as the dashboard shows it: read from the site directory, written into the snapshot.</summary>
public sealed class DashboardTrainingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-dashboard-training-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_coordinators_status_file_gives_the_contributors_step_loss_and_verdict()
    {
        var alpha = Path.Combine(_root, "alpha");
        Directory.CreateDirectory(alpha);
        new SwarmPS.Engine.LiveTraining.TrainingRunStatus
        {
            RunId = "ft-1",
            PlanDigest = "sha256:" + new string('a', 64),
            Phase = SwarmPS.Engine.LiveTraining.TrainingPhase.Reviewing,
            Detail = "replaying c2",
            UpdatedAt = DateTimeOffset.UtcNow,
            Contributors = new[]
            {
                new SwarmPS.Engine.LiveTraining.TrainingContributorStatus
                {
                    RunId = "ft-1", Contributor = "c1", Site = "alpha", Backend = "dotnet.cpu",
                    State = SwarmPS.Engine.LiveTraining.ContributorState.Contributed, Step = 200, Loss = 2.085,
                    Verdict = SwarmPS.Engine.Training.VerdictKind.Accepted,
                },
                new SwarmPS.Engine.LiveTraining.TrainingContributorStatus
                {
                    RunId = "ft-1", Contributor = "c2", Site = "beta", Backend = "pytorch.cpu",
                    State = SwarmPS.Engine.LiveTraining.ContributorState.Training, Step = 40,
                },
            },
        }.Write(alpha);
        var run = new DashboardRun("ft-1", new[] { new DashboardSource(DashboardSourceKind.Local, alpha, "alpha") });

        run.Refresh();

        var json = System.Text.Json.JsonDocument.Parse(DashboardJson.ToBytes(run.Snapshot())).RootElement.GetProperty("training");
        Assert.Equal("Reviewing", json.GetProperty("phase").GetString());
        Assert.Equal("replaying c2", json.GetProperty("detail").GetString());
        var contributors = json.GetProperty("contributors").EnumerateArray().ToList();
        Assert.Equal(new[] { "c1 alpha Contributed 200 Accepted", "c2 beta Training 40 " },
            contributors.Select(c => $"{c.GetProperty("id").GetString()} {c.GetProperty("site").GetString()} {c.GetProperty("state").GetString()} {c.GetProperty("step").GetInt64()} {c.GetProperty("verdict").GetString()}"));
        Assert.Equal(2.085, contributors[0].GetProperty("loss").GetDouble());
        // No loss yet is null, not 0.
        Assert.Equal(System.Text.Json.JsonValueKind.Null, contributors[1].GetProperty("loss").ValueKind);
    }

    [Fact]
    public void A_number_json_cannot_carry_becomes_text_a_lone_surrogate_is_a_warning_and_markup_stays_inside_its_string()
    {
        var alpha = Path.Combine(_root, "alpha");
        Directory.CreateDirectory(alpha);
        File.WriteAllLines(Path.Combine(alpha, "events.jsonl"), new[]
        {
            "{\"ts\":\"2026-12-01T10:00:00.000Z\",\"site\":\"alpha\",\"agent\":\"a\",\"kind\":\"heartbeat\",\"loss\":1e400}",
            "{\"ts\":\"2026-12-01T10:00:01.000Z\",\"site\":\"alpha\",\"agent\":\"\\ud800\",\"kind\":\"odd\"}",
            "{\"ts\":\"2026-12-01T10:00:02.000Z\",\"site\":\"alpha\",\"agent\":\"a\",\"kind\":\"markup\",\"note\":\"</script><script>alert(1)</script>\"}",
        });
        var run = new DashboardRun("r", new[] { new DashboardSource(DashboardSourceKind.Local, alpha, "alpha") });
        run.Refresh();

        var bytes = DashboardJson.ToBytes(run.Snapshot());

        var text = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain("</script>", text);
        var snapshot = System.Text.Json.JsonDocument.Parse(bytes).RootElement;
        var events = snapshot.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal("Infinity", events[0].GetProperty("fields").GetProperty("loss").GetString());
        Assert.Equal("</script><script>alert(1)</script>", events[1].GetProperty("fields").GetProperty("note").GetString());
        Assert.StartsWith("alpha: events.jsonl: not an event: ", Assert.Single(snapshot.GetProperty("warnings").EnumerateArray()).GetString());
    }
}
