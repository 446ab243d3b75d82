using System.Diagnostics;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// Process records carry the host that started them: behind a round-robin login alias (a shared run root)
/// a stop on another node must not signal whatever holds those pids there.
/// </summary>
public sealed class ProcessHostTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-host-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_recorded_process_names_this_host()
    {
        var recorded = RecordedProcess.Of(ProcessIdentity.Current, leadsGroup: false);

        Assert.Equal(Environment.MachineName, recorded.Host);
        Assert.True(recorded.IsOnThisHost);
    }

    [Fact]
    public async Task A_stop_here_of_processes_another_host_started_is_refused_and_signals_nothing()
    {
        using var sleeper = Process.Start("sleep", "60");
        try
        {
            // The same pid and start time as a live process here, recorded by "another login node".
            var elsewhere = RecordedProcess.Of(ProcessIdentity.Of(sleeper.Id), leadsGroup: false) with { Host = "login-02" };
            var layout = new SiteRunLayout(_root, "host-run", "alpha");
            SiteStatusFile.Write(layout.StatusFile, new SiteStatus
            {
                RunId = "host-run",
                Site = "alpha",
                State = SiteState.Running,
                Launcher = elsewhere,
                Agents = new[] { new AgentRecord { Name = "a", State = AgentState.Running, Process = elsewhere } },
            });

            var error = await Assert.ThrowsAsync<SwarmException>(() => SiteStopper.StopAsync(layout, null, TimeSpan.FromSeconds(1)));

            Assert.Equal("SiteOnOtherHost", error.ErrorId);
            Assert.Contains("login-02", error.Message);
            Assert.False(sleeper.HasExited);
            Assert.Equal(SiteState.Running, SiteStatusFile.TryRead(layout.StatusFile)!.State);
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [Fact]
    public async Task A_record_written_before_hosts_were_recorded_is_still_stopped_here()
    {
        using var sleeper = Process.Start("sleep", "60");
        var old = RecordedProcess.Of(ProcessIdentity.Of(sleeper.Id), leadsGroup: false) with { Host = null };
        var layout = new SiteRunLayout(_root, "old-run", "alpha");
        SiteStatusFile.Write(layout.StatusFile, new SiteStatus
        {
            RunId = "old-run",
            Site = "alpha",
            State = SiteState.Running,
            Agents = new[] { new AgentRecord { Name = "a", State = AgentState.Running, Process = old } },
        });

        var result = await SiteStopper.StopAsync(layout, null, TimeSpan.FromSeconds(1));

        Assert.Equal(new[] { sleeper.Id }, result!.StoppedPids);
        Assert.True(sleeper.WaitForExit(5000));
    }
}
