using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Exchange;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// A run id names one launch. Launching again under one that already ran would leave the agent waiting
/// for a kickoff the exchange drops as a duplicate, and mix two launches' events and counts: refused.
/// </summary>
public sealed class RunIdReuseTests : IDisposable
{
    private readonly LaunchTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static readonly Campaign Solo =
        LaunchTestBed.Campaign("solo", LaunchTestBed.Agent("solo", "alpha", new[] { "sh", "-c", "exit 0" }));

    private Task<SiteLaunchResult> Launch(string runId) => new SiteLauncher(_bed.Options(Solo, runId, "alpha"), _bed.Client).RunAsync(CancellationToken.None);

    [Fact]
    public async Task A_finished_run_id_is_refused_here_naming_it_and_the_fix_and_its_records_stay_as_they_were()
    {
        var first = await Launch("done-run");
        Assert.Equal(SiteState.Finished, first.State);
        var layout = _bed.Layout("done-run", "alpha");
        var events = File.ReadAllText(layout.EventsFile);
        var status = File.ReadAllText(layout.StatusFile);

        var error = await Assert.ThrowsAsync<SwarmException>(() => Launch("done-run"));

        Assert.Equal("RunIdAlreadyUsed", error.ErrorId);
        Assert.Contains("'done-run'", error.Message);
        Assert.Contains("ended finished", error.Message);
        Assert.Contains("new run id", error.Remediation);
        Assert.Contains($"Remove-Item -Recurse -LiteralPath '{layout.RunDirectory}'", error.Remediation);
        Assert.Equal(events, File.ReadAllText(layout.EventsFile));
        Assert.Equal(status, File.ReadAllText(layout.StatusFile));
        Assert.Empty(LaunchTestBed.ProcessesOfRun("done-run"));
    }

    [Fact]
    public async Task With_the_run_directory_removed_the_exchange_still_knows_the_run_id_was_used()
    {
        await Launch("gone-run");
        Directory.Delete(_bed.Layout("gone-run", "alpha").RunDirectory, recursive: true);

        var error = await Assert.ThrowsAsync<SwarmException>(() => Launch("gone-run"));

        Assert.Equal("RunIdAlreadyUsed", error.ErrorId);
        Assert.Contains("terminated mailbox", error.Message);
        Assert.False(Directory.Exists(_bed.Layout("gone-run", "alpha").SiteDirectory));
        var mailbox = Assert.Single(await _bed.Client.GetStatusAsync(new[] { AgentMailboxId.For("gone-run", "solo") }));
        Assert.Equal(MailboxState.Terminated, mailbox.State);
    }
}
