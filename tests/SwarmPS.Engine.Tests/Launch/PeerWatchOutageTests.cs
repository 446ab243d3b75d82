using SwarmPS.Engine.Launch;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// An exchange outage longer than stale_after is not a lost peer: while the exchange cannot be read the
/// peers cannot heartbeat either, so under on_peer_lost: stop both sites must ride it out and keep running.
/// </summary>
public sealed class PeerWatchOutageTests : IDisposable
{
    private readonly LaunchTestBed _bed = new(LaunchTestBed.FreePort());

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task An_exchange_down_for_longer_than_stale_after_loses_no_peer()
    {
        const string runId = "watch-outage";
        var file = _bed.WriteCampaign(LaunchTestBed.PeerWatchCampaignYaml("stop"));
        await _bed.StartDetachedSiteAsync(file, runId, "alpha");
        await _bed.StartDetachedSiteAsync(file, runId, "beta");
        var layouts = new[] { _bed.Layout(runId, "alpha"), _bed.Layout(runId, "beta") };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!layouts.All(layout => SiteStatusFile.TryRead(layout.StatusFile)?.State == SiteState.Running))
        {
            Assert.True(DateTime.UtcNow < deadline, "the sites did not both reach Running");
            await Task.Delay(100);
        }

        // Long enough for both watchers to have seen each peer's stamp, so the outage interrupts a watch under way.
        await Task.Delay(TimeSpan.FromSeconds(2));
        _bed.Exchange.KillHard();
        await Task.Delay(TimeSpan.FromSeconds(5));
        _bed.StartExchange();
        await Task.Delay(TimeSpan.FromSeconds(5));

        var timeline = _bed.Timeline(runId);
        Assert.DoesNotContain(timeline, e => e.Kind == "peer_lost");
        Assert.Contains(timeline, e => e.Kind == "exchange_unreachable");
        foreach (var layout in layouts)
        {
            var status = SiteStatusFile.TryRead(layout.StatusFile)!;
            Assert.True(status.State == SiteState.Running, _bed.Describe(status));
            await SiteStopper.StopAsync(layout, _bed.Client, TimeSpan.FromSeconds(2));
        }

        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
    }
}
