using SwarmPS.Engine.Scheduler;
using SwarmPS.Engine.Sites;

namespace SwarmPS.Engine.Tests.Scheduler;

/// <summary>
/// A PBS allocation's state, read from qstat -x -f -F json. PBS Pro cannot run here: the texts are recorded,
/// the queued one from PBS Professional's own qstat(1B) man page (recorded from documentation, not from a
/// live server) and the others from real servers; Fixtures/pbs/SOURCES.md gives each one's origin.
/// </summary>
public sealed class AllocationPbsStateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("swarmps-pbs-state-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scheduler", "Fixtures", "pbs", name));

    private static ShellResult Output(string stdout, int exitCode = 0, string stderr = "") => new(exitCode, stdout, stderr, TimeSpan.Zero);

    /// <summary>The documentation's sample (job 1.vbox, state Q) with its job_state set to another documented letter.</summary>
    private static string DocumentedWithState(string letter) =>
        Fixture("qstat-F-json-queued-DOCUMENTED-qstat-1B.json").Replace("\"job_state\":\"Q\"", $"\"job_state\":\"{letter}\"", StringComparison.Ordinal);

    [Fact]
    public void The_documented_sample_is_a_queued_job()
    {
        Assert.Equal(AllocationJobState.Queued, AllocationJob.ParsePbsState(Output(Fixture("qstat-F-json-queued-DOCUMENTED-qstat-1B.json")), "1.vbox"));
    }

    [Theory]
    [InlineData("Q", AllocationJobState.Queued)]
    [InlineData("H", AllocationJobState.Queued)]
    [InlineData("W", AllocationJobState.Queued)]
    [InlineData("T", AllocationJobState.Queued)]
    [InlineData("S", AllocationJobState.Queued)]
    [InlineData("U", AllocationJobState.Queued)]
    [InlineData("M", AllocationJobState.Queued)]
    [InlineData("R", AllocationJobState.Running)]
    [InlineData("E", AllocationJobState.Running)]
    [InlineData("B", AllocationJobState.Running)]
    [InlineData("F", AllocationJobState.Ended)]
    [InlineData("X", AllocationJobState.Ended)]
    [InlineData("Z", AllocationJobState.Queued)] // not a documented letter: keep waiting rather than abandon a job that may start
    public void Each_documented_job_state_letter_maps_to_waiting_running_or_ended(string letter, AllocationJobState expected)
    {
        Assert.Equal(expected, AllocationJob.ParsePbsState(Output(DocumentedWithState(letter)), "1.vbox"));
    }

    [Fact]
    public void A_real_running_job_is_running_and_is_matched_on_its_sequence_number_whatever_the_server_suffix()
    {
        var running = Output(Fixture("qstat-xf-json-running-metacentrum-pbs19.json"));
        Assert.Equal(AllocationJobState.Running, AllocationJob.ParsePbsState(running, "12860476.meta-pbs.metacentrum.cz"));
        Assert.Equal(AllocationJobState.Running, AllocationJob.ParsePbsState(running, "12860476.meta-pbs"));
        // Another job's entry says nothing about ours: a listing without it means ours has ended.
        Assert.Equal(AllocationJobState.Ended, AllocationJob.ParsePbsState(running, "12860477.meta-pbs.metacentrum.cz"));
    }

    [Fact]
    public void A_real_finished_job_listed_by_qstat_x_has_ended()
    {
        Assert.Equal(AllocationJobState.Ended, AllocationJob.ParsePbsState(Output(Fixture("qstat-xf-json-finished-exit0-REFORMATTED-buildtest.json")), "40.pbs"));
    }

    [Theory]
    [InlineData("qstat-unknown-job-id-artemis.stderr", 153, "596901.pbsserver")]
    [InlineData("qstat-job-has-finished-use-x.stderr", 35, "287529.pbs-ha")]
    public void A_job_qstat_no_longer_knows_has_ended(string stderrFixture, int exitCode, string jobId)
    {
        Assert.Equal(AllocationJobState.Ended, AllocationJob.ParsePbsState(Output("", exitCode, Fixture(stderrFixture)), jobId));
    }

    [Fact]
    public void A_server_that_does_not_answer_is_SchedulerUnavailable_and_not_an_ended_job()
    {
        var refused = Output(Fixture("qstat-cannot-connect-connection-refused.stdout.json"), 255, Fixture("qstat-cannot-connect-connection-refused.stderr"));

        var error = Assert.Throws<SwarmException>(() => AllocationJob.ParsePbsState(refused, "7.6cfab3a0b8ac"));

        Assert.Equal("SchedulerUnavailable", error.ErrorId);
        Assert.Contains("cannot connect to server", error.Message);
        Assert.Contains("qdel 7.6cfab3a0b8ac", error.Remediation);
    }

    [Fact]
    public void A_truncated_reply_is_not_read_as_a_state()
    {
        var cut = Fixture("qstat-F-json-queued-DOCUMENTED-qstat-1B.json")[..120];
        Assert.Throws<SwarmException>(() => AllocationJob.ParsePbsState(Output(cut, 1, "qstat: connection closed"), "1.vbox"));
    }

    [Fact]
    public void The_state_query_asks_for_finished_jobs_too_in_JSON()
    {
        var command = AllocationJob.PbsStateCommand("123.server");
        Assert.Equal("qstat", command.Program);
        Assert.Equal(new[] { "-x", "-f", "-F", "json", "123.server" }, command.Arguments);
        Assert.NotNull(command.Timeout);
    }

    [Fact]
    public async Task Waiting_for_a_PBS_allocation_reports_queued_then_running_from_the_recorded_answers()
    {
        // The staging runs in a real /bin/sh; only qsub and qstat, which need a PBS server, answer from the recorded texts.
        var answers = new Queue<string>(new[] { DocumentedWithState("Q"), DocumentedWithState("H"), DocumentedWithState("R") });
        var shell = new CountingShell(LocalShell.Instance)
        {
            Fault = (command, _) => command.Program switch
            {
                "qsub" => Output("1.vbox\n"),
                "qstat" => Output(answers.Dequeue()),
                _ => null,
            },
        };
        var site = new SiteProfile { Name = "polaris", Scheduler = SchedulerKind.Pbs, RunRoot = _directory, Launcher = "mpiexec" };
        var plan = AllocationPlanner.Plan(site, new AllocationRequest { Name = "swarm-pbs-state" }, new[] { new AllocationRank("scout", new[] { "/bin/true" }, new Dictionary<string, string>()) });
        var job = new AllocationJob(shell, plan, Path.Combine(_directory, "allocation"));
        await job.SubmitAsync(CancellationToken.None);
        var seen = new List<AllocationJobState>();

        await job.WaitForStartAsync(new SynchronousProgress(seen.Add), TimeSpan.FromMilliseconds(10), CancellationToken.None);

        Assert.Equal(new[] { AllocationJobState.Queued, AllocationJobState.Running }, seen);
        Assert.Equal(3, shell.Count("qstat"));
        Assert.All(shell.Commands.Where(c => c.Program == "qstat"), c => Assert.Equal(AllocationJob.PbsStateCommand("1.vbox").Arguments, c.Arguments));
    }

    private sealed class SynchronousProgress(Action<AllocationJobState> report) : IProgress<AllocationJobState>
    {
        public void Report(AllocationJobState value) => report(value);
    }
}
