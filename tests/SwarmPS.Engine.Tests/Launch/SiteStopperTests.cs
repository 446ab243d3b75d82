using System.Diagnostics;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>Stop-SwarmSite signals a launcher only while its site is active.</summary>
public sealed class SiteStopperTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("swarmps-stopper-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(SiteState.Finished)]
    [InlineData(SiteState.Stopped)]
    [InlineData(SiteState.Failed)]
    public async Task The_launcher_of_an_ended_site_is_left_alone_it_is_the_operators_own_pwsh_after_a_foreground_launch(SiteState ended)
    {
        // A real process standing in for the pwsh session that ran Start-SwarmSite in the foreground.
        using var session = Process.Start(new ProcessStartInfo("sleep", "30") { UseShellExecute = false })!;
        try
        {
            var identity = ProcessIdentity.Of(session.Id);
            var layout = new SiteRunLayout(_root, "ended-run", "alpha");
            SiteStatusFile.Write(layout.StatusFile, new SiteStatus
            {
                RunId = "ended-run",
                Site = "alpha",
                State = ended,
                Launcher = RecordedProcess.Of(identity, leadsGroup: false),
                Agents = new[] { new AgentRecord { Name = "solo", State = AgentState.Exited, LastExitCode = 0 } },
            });

            var result = await SiteStopper.StopAsync(layout, exchange: null, TimeSpan.FromSeconds(1));

            Assert.False(result!.LauncherWasRunning);
            Assert.Empty(result.StoppedPids);
            Assert.Equal(ended, result.State);
            Assert.True(identity.IsAlive, "the session must survive Stop-SwarmSite");
        }
        finally
        {
            session.Kill();
        }
    }
}
