using SwarmPS.Engine.Events;
using SwarmPS.Engine.Launch;
using SwarmPS.Engine.Processes;
using SwarmPS.Engine.Tests.Ledger;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// A launch's files are its owner's alone on a shared login node: run, site and agent directories 0700,
/// events.jsonl, status.json (with its process records) and the agents' and launcher's logs 0600, each
/// from creation, so it holds under umask 0000 with nothing tightening it afterwards.
/// </summary>
[Collection(UmaskCollection.Name)]
public sealed class LaunchFileModeTests : IDisposable
{
    private const UnixFileMode Directory700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly string _root = Directory.CreateTempSubdirectory("swarm-modes-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Run_directories_events_status_and_logs_are_born_owner_only_under_umask_0000()
    {
        var layout = new SiteRunLayout(Path.Combine(_root, "runs"), "r1", "alpha");
        using (OwnerOnlyModeTests.LooseUmask())
        {
            new EventLog(layout.EventsFile).Append(SwarmEvent.Now("alpha", null, "site_started"));
            SiteStatusFile.Write(layout.StatusFile, new SiteStatus { RunId = "r1", Site = "alpha", Launcher = new RecordedProcess(1, 2, true) });
            using (var agent = LoggedProcess.Start(new[] { "/bin/sh", "-c", "echo out; echo err >&2" }, new Dictionary<string, string?>(), _root, layout.StdoutLog("ping"), layout.StderrLog("ping")))
            {
                Assert.Equal(0, await agent.WaitForExitAsync(CancellationToken.None));
            }

            using (var launcher = LoggedProcess.Start(new[] { "/bin/true" }, new Dictionary<string, string?>(), _root, layout.LauncherLog, layout.LauncherLog))
            {
                await launcher.WaitForExitAsync(CancellationToken.None);
            }
        }

        foreach (var directory in new[] { layout.RunRoot, layout.RunDirectory, layout.SiteDirectory, Path.Combine(layout.SiteDirectory, "agents"), layout.AgentDirectory("ping") })
        {
            Assert.Equal((directory, Directory700), (directory, File.GetUnixFileMode(directory)));
        }

        foreach (var file in new[] { layout.EventsFile, layout.StatusFile, layout.StdoutLog("ping"), layout.StderrLog("ping"), layout.LauncherLog })
        {
            Assert.Equal((file, File600), (file, File.GetUnixFileMode(file)));
        }

        Assert.Equal("out\n", File.ReadAllText(layout.StdoutLog("ping")));
        Assert.Equal("err\n", File.ReadAllText(layout.StderrLog("ping")));
        Assert.Equal(new[] { "events.jsonl", "status.json" }, Directory.EnumerateFiles(layout.SiteDirectory).Select(Path.GetFileName).Where(n => n != "launcher.log").Order());
    }
}
