using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>The PBS adapter against recorded real PBS output (see Fixtures/pbs/SOURCES.md).</summary>
public sealed class PbsAdapterTests
{
    private static readonly PbsAdapter Adapter = new();

    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scheduler", "Fixtures", "pbs", name));

    private static SiteProfile Site => new() { Name = "polaris", Scheduler = SchedulerKind.Pbs, RunRoot = "/lus/runs", Queue = "debug", Account = "proj" };

    private static TrackedArray Tracked(string id, int count = 1) => new(id, new JobLayout("/lus/runs/jobs/k", 1), 0, count);

    private static SchedulerSnapshot Parse(string stdout, int exitCode, params TrackedArray[] arrays)
    {
        var snapshot = new SchedulerSnapshot();
        Adapter.ParseStatus(new Dictionary<string, ProbeOutput> { ["qstat"] = new(stdout, exitCode) }, arrays, snapshot);
        return snapshot;
    }

    [Fact]
    public void Submit_builds_an_array_with_throttle_dependency_queue_account_and_walltime()
    {
        var plan = WavePlanner.Plan(Site, new[] { "python", "x.py" }, TaskSet.Product(new[] { TaskAxis.Seeds(10) }),
            new JobPlanOptions { Throttle = 4, Walltime = TimeSpan.FromMinutes(90), Resources = new[] { "-l", "select=1:ncpus=8" } });
        var layout = new JobLayout("/lus/runs/jobs/" + plan.Key, 1);
        var submission = new ArraySubmission(plan, plan.Arrays.Single(), layout, new[] { "10[].Nile-extn", "11[].Nile-extn" });

        var command = Adapter.BuildSubmit(submission);

        Assert.Equal("qsub", command.Program);
        var args = string.Join(' ', command.Arguments);
        Assert.Contains("-J 1-10", args);
        Assert.Contains("-W max_run_subjobs=4", args);
        Assert.Contains("-W depend=afterany:10[].Nile-extn:11[].Nile-extn", args);
        Assert.Contains("-q debug -A proj -l walltime=01:30:00 -l select=1:ncpus=8", args);
        Assert.Contains("-v SWARM_ARRAY_OFFSET=0", args);
        Assert.Equal(layout.Script, command.Arguments[^1]);
    }

    [Fact]
    public void Memory_and_gpus_are_one_select_chunk_after_the_walltime()
    {
        var plan = WavePlanner.Plan(Site, new[] { "python", "x.py" }, TaskSet.Product(new[] { TaskAxis.Seeds(10) }),
            new JobPlanOptions { Walltime = TimeSpan.FromHours(1), Memory = (4L << 30) + 1, Gpus = 2 });
        var command = Adapter.BuildSubmit(new ArraySubmission(plan, plan.Arrays.Single(), new JobLayout("/x", 1), Array.Empty<string>()));

        Assert.Contains("-l walltime=01:00:00 -l select=1:mem=4097mb:ngpus=2 /x/", string.Join(' ', command.Arguments));
        Assert.Single(command.Arguments, a => a.StartsWith("select=", StringComparison.Ordinal));

        var memoryOnly = WavePlanner.Plan(Site, new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }), new JobPlanOptions { Memory = 512L << 20 });
        Assert.Equal(["select=1:mem=512mb"], PbsAdapter.ResourceRequests(memoryOnly));
        var neither = WavePlanner.Plan(Site, new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }));
        Assert.Empty(PbsAdapter.ResourceRequests(neither));
    }

    [Fact]
    public void The_array_limit_is_asked_of_qmgr_and_read_from_a_real_server_listing()
    {
        var query = Adapter.BuildArrayLimitQuery()!;
        Assert.Equal(["qmgr", "-c", "list server"], new[] { query.Program }.Concat(query.Arguments));

        Assert.Equal(10000, Adapter.ParseArrayLimit(Fixture("qmgr-print-server-pbspro-nbc2017.txt")));
        // The real list form without max_array_size: no limit read, so PBS's stock 10000 applies in the planner.
        Assert.Null(Adapter.ParseArrayLimit(Fixture("qmgr-list-server-max_queued-baw-server.txt")));
        var site = Site with { Queue = null };
        var plan = WavePlanner.Plan(site, new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }), schedulerMaxArraySize: Adapter.ParseArrayLimit(Fixture("qmgr-list-server-max_queued-baw-server.txt")));
        Assert.Equal(("default", 10000), (plan.MaxArraySizeSource, plan.MaxArraySize));
    }

    [Fact]
    public void A_list_form_line_is_read_and_anything_else_is_not_a_limit()
    {
        // Written in code (see SOURCES.md): the real list form's header and indentation with a max_array_size line.
        var listing = Fixture("qmgr-list-server-max_queued-baw-server.txt").Replace("    max_queued = [u:user09=0]", "    max_array_size = 2500", StringComparison.Ordinal);
        Assert.Equal(2500, Adapter.ParseArrayLimit(listing));
        Assert.Equal(2500, Adapter.ParseArrayLimit(listing.Replace("\n", "\r\n", StringComparison.Ordinal)));

        Assert.Null(Adapter.ParseArrayLimit(""));
        Assert.Null(Adapter.ParseArrayLimit("qmgr: Error (15007) returned from server\n"));
        Assert.Null(Adapter.ParseArrayLimit("Server aqua\n    max_array_size = 0\n"));
        Assert.Null(Adapter.ParseArrayLimit("Server aqua\n    max_array_size = -3\n"));
        Assert.Null(Adapter.ParseArrayLimit("Server aqua\n    max_array_size = 99999999999999\n"));
        Assert.Null(Adapter.ParseArrayLimit("Server aqua\n    max_array_size = 10000 # big\n"));
        Assert.Null(Adapter.ParseArrayLimit("Server aqua\n    comment = max_array_size = 50\n"));
        Assert.Null(Adapter.ParseArrayLimit(new string('\0', 100) + "\u00ff\u00fe garbage"));
    }

    [Fact]
    public void A_single_task_is_a_plain_job_because_pbs_refuses_one_element_arrays()
    {
        var plan = WavePlanner.Plan(Site, new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(1) }), new JobPlanOptions { Throttle = 2 });
        var command = Adapter.BuildSubmit(new ArraySubmission(plan, plan.Arrays.Single(), new JobLayout("/x", 1), Array.Empty<string>()));

        Assert.DoesNotContain("-J", command.Arguments);
        Assert.DoesNotContain(command.Arguments, a => a.StartsWith("max_run_subjobs", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("qsub-success.stdout", "24")]
    public void Submit_output_gives_the_job_id(string fixture, string expected)
    {
        Assert.Equal(expected, Adapter.ParseSubmitted(new ShellResult(0, Fixture(fixture), "", TimeSpan.Zero), Submission()));
    }

    [Fact]
    public void The_array_id_form_from_qsub_J_is_accepted()
    {
        var line = Fixture("qsub-J-array-then-qstat-and-qstat-T-openpbs.txt").Split('\n')[1].Trim();

        Assert.Equal("10[].Nile-extn", Adapter.ParseSubmitted(new ShellResult(0, line + "\n", "", TimeSpan.Zero), Submission()));
    }

    [Fact]
    public void An_unknown_queue_surfaces_pbs_message_and_the_fix()
    {
        var error = Assert.Throws<SwarmException>(() =>
            Adapter.ParseSubmitted(new ShellResult(1, "", Fixture("qsub-unknown-queue.stderr"), TimeSpan.Zero), Submission()));

        Assert.Equal("QueueUnknown", error.ErrorId);
        Assert.Contains("qsub: Unknown queue", error.Message);
        Assert.Contains("qstat -Q", error.Remediation);
    }

    [Fact]
    public void A_running_job_with_unknown_attributes_is_running()
    {
        var snapshot = Parse(Fixture("qstat-xf-json-running-metacentrum-pbs19.json"), 0, Tracked("12860476.meta-pbs.metacentrum.cz"));

        Assert.True(snapshot.TryGet("12860476.meta-pbs.metacentrum.cz", 1, out var element));
        Assert.Equal(SchedulerElementState.Running, element.State);
    }

    [Fact]
    public void A_finished_job_gives_its_exit_status_even_when_qsub_printed_a_shorter_server_name()
    {
        var snapshot = Parse(Fixture("qstat-xf-json-finished-exit0-REFORMATTED-buildtest.json"), 0, Tracked("40"));

        Assert.True(snapshot.TryGet("40", 1, out var element));
        Assert.Equal((SchedulerElementState.Completed, (int?)0), (element.State, element.ExitCode));
    }

    [Fact]
    public void An_array_parent_without_subjob_entries_is_read_from_its_remaining_indices()
    {
        // The hybrid sample: id "0.725ccdf1a5fb" without [], but array attributes, remaining "2-1000".
        var snapshot = Parse(Fixture("qstat-f-json-array-attrs-HYBRID-baw-server.json"), 0, Tracked("0[].725ccdf1a5fb", 1000));

        Assert.True(snapshot.TryGet("0[].725ccdf1a5fb", 2, out var second));
        Assert.Equal(SchedulerElementState.Pending, second.State);
        Assert.True(snapshot.TryGet("0[].725ccdf1a5fb", 1000, out _));
        Assert.False(snapshot.TryGet("0[].725ccdf1a5fb", 1, out _)); // not remaining: left to its exit status file
    }

    [Fact]
    public void A_subjob_listing_is_read_by_index()
    {
        // Derived from the real running sample: the job id renamed to a subjob id, plus an attribute PBS may add later.
        var json = Fixture("qstat-xf-json-running-metacentrum-pbs19.json")
            .Replace("\"12860476.meta-pbs.metacentrum.cz\":{", "\"12860476[3].meta-pbs.metacentrum.cz\":{\"some_future_attribute\":{\"nested\":[1,2]},", StringComparison.Ordinal);

        var snapshot = Parse(json, 0, Tracked("12860476[].meta-pbs", 5));

        Assert.True(snapshot.TryGet("12860476[].meta-pbs", 3, out var element));
        Assert.Equal(SchedulerElementState.Running, element.State);
        Assert.False(snapshot.TryGet("12860476[].meta-pbs", 1, out _));
    }

    [Fact]
    public void Missing_fields_and_unrelated_jobs_are_skipped_not_fatal()
    {
        const string json = """{"timestamp":1,"Jobs":{"7[2].srv":{},"8.srv":{"job_state":"R"},"7[x].srv":{"job_state":"Q"},"9.srv":"odd"}}""";

        var snapshot = Parse(json, 0, Tracked("7[].srv", 3));

        Assert.True(snapshot.TryGet("7[].srv", 2, out var element));
        Assert.Equal(SchedulerElementState.Pending, element.State); // no job_state at all: not final, left to status files
        Assert.False(snapshot.KnownJobs.Contains("8.srv"));
    }

    [Fact]
    public void A_server_that_refuses_the_connection_is_reported_with_the_fix()
    {
        var output = Fixture("qstat-cannot-connect-connection-refused.stderr") + Fixture("qstat-cannot-connect-connection-refused.stdout.json");

        var error = Assert.Throws<SwarmException>(() => Parse(output, 255, Tracked("5[].srv", 2)));

        Assert.Equal("SchedulerUnavailable", error.ErrorId);
        Assert.Contains("qstat -B", error.Remediation);
    }

    [Fact]
    public void The_state_letters_of_a_real_qstat_t_listing_map_to_running_and_ended()
    {
        var states = Fixture("qstat-t-array-parent-B-subjobs-X-R-artemis.txt").Split('\n')
            .Where(l => l.Contains("].pbs", StringComparison.Ordinal) && !l.Contains("[]", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2])
            .ToList();

        Assert.Equal(10, states.Count);
        Assert.Equal(8, states.Count(s => SchedulerSnapshot.IsFinal(PbsAdapter.MapState(s, 0))));
        Assert.Equal(2, states.Count(s => PbsAdapter.MapState(s, null) == SchedulerElementState.Running));
    }

    [Fact]
    public void Status_is_one_qstat_over_every_tracked_array()
    {
        var steps = Adapter.BuildStatusSteps(new[] { Tracked("1[].s", 2), Tracked("2[].s", 2), Tracked("2[].s", 2) });

        var step = Assert.Single(steps);
        Assert.Equal("qstat -x -f -F json -t '1[].s' '2[].s'", step.Script);
    }

    private static ArraySubmission Submission()
    {
        var plan = WavePlanner.Plan(Site, new[] { "true" }, TaskSet.Product(new[] { TaskAxis.Seeds(2) }));
        return new ArraySubmission(plan, plan.Arrays.Single(), new JobLayout("/x", 1), Array.Empty<string>());
    }
}
