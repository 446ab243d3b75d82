using SwarmPS.Engine.Events;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// The state Get-SwarmAgent shows, from a real status.json and real process identities: Stale only for an
/// agent recorded as running whose process and launcher are both gone.
/// </summary>
public sealed class AgentReportTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-report-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static readonly ProcessIdentity Alive = ProcessIdentity.Current;

    // This very pid with another start time: the recycled-pid case, never alive.
    private static readonly ProcessIdentity Gone = new(Environment.ProcessId, ProcessIdentity.Current.StartTicks + 1);

    public static TheoryData<string, AgentState, bool, string> Cases => new()
    {
        // what was recorded, whose process, launcher alive, shown
        { "never started, launch ended", AgentState.NotStarted, false, "NotStarted" },
        { "starting without a process, launcher gone", AgentState.Starting, false, "NotStarted" },
        { "waiting to start, launcher alive", AgentState.NotStarted, true, "NotStarted" },
        { "exited 0", AgentState.Exited, false, "Exited" },
        { "failed", AgentState.Failed, false, "Failed" },
        { "running, process gone, launcher gone", AgentState.Running, false, "Stale" },
        { "restarting between attempts, launcher alive", AgentState.Restarting, true, "Restarting" },
        { "restarting, launcher gone", AgentState.Restarting, false, "Stale" },
        { "running, process alive, launcher gone", AgentState.Running, false, "Running" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task An_agent_is_shown_as(string situation, AgentState recorded, bool launcherAlive, string shown)
    {
        var processAlive = situation.Contains("process alive", StringComparison.Ordinal);
        var hasProcess = !situation.Contains("never started", StringComparison.Ordinal) && !situation.Contains("without a process", StringComparison.Ordinal)
            && !situation.Contains("waiting to start", StringComparison.Ordinal);
        var layout = new SiteRunLayout(_root, "report-run", "alpha");
        SiteStatusFile.Write(layout.StatusFile, new SiteStatus
        {
            RunId = "report-run",
            Site = "alpha",
            State = launcherAlive ? SiteState.Running : SiteState.Failed,
            Launcher = RecordedProcess.Of(launcherAlive ? Alive : Gone, leadsGroup: false),
            Agents = new[]
            {
                new AgentRecord
                {
                    Name = "solo",
                    State = recorded,
                    Process = hasProcess ? RecordedProcess.Of(processAlive ? Alive : Gone, leadsGroup: true) : null,
                    LastExitCode = recorded == AgentState.Exited ? 0 : null,
                },
            },
        });
        new EventLog(layout.EventsFile).Append(SwarmEvent.Now("alpha", "solo", "message_sent"));

        var report = Assert.Single(await AgentReport.ReadAsync(layout, exchange: null));

        Assert.Equal(shown, report.State.ToString());
        Assert.Equal(1, report.MessagesOut);
        if (shown == "Exited")
        {
            Assert.Equal(0, report.LastExitCode);
        }
    }
}
