using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>The exchange dies (kill -9) in the middle of a federated run and comes back on the same address and state.</summary>
public sealed class ExchangeOutageTests : IDisposable
{
    private readonly LaunchTestBed _bed = new(LaunchTestBed.FreePort());
    private readonly ITestOutputHelper _output;

    public ExchangeOutageTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task Agents_and_sites_ride_out_an_exchange_restart_and_nothing_is_lost()
    {
        const string runId = "outage-run";
        var file = _bed.WriteCampaign(LaunchTestBed.CounterCampaignYaml(stopAt: 10, pace: 0.2));
        await _bed.StartDetachedSiteAsync(file, runId, "alpha");
        await _bed.StartDetachedSiteAsync(file, runId, "beta");
        await CampaignBootstrap.SendAsync(_bed.Client, CampaignLoader.Load(file), runId, null, TimeSpan.FromSeconds(30), null, CancellationToken.None);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (_bed.Timeline(runId).Count(e => e.Kind == "message_received" && e.Field("n") != "0") < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the count did not reach 3");
            await Task.Delay(20);
        }

        _bed.Exchange.KillHard();
        _output.WriteLine($"exchange killed at count {_bed.Timeline(runId).Count(e => e.Kind == "message_received")}");
        await Task.Delay(TimeSpan.FromSeconds(2));
        _bed.StartExchange();

        var alpha = await _bed.WaitForSiteAsync(runId, "alpha", TimeSpan.FromSeconds(90));
        var beta = await _bed.WaitForSiteAsync(runId, "beta", TimeSpan.FromSeconds(90));
        var timeline = _bed.Timeline(runId);

        Assert.Equal(SiteState.Finished, alpha.State);
        Assert.Equal(SiteState.Finished, beta.State);
        var received = timeline.Where(e => e.Kind == "message_received" && e.Field("n") != "0").Select(e => int.Parse(e.Field("n")!)).Order();
        Assert.Equal(Enumerable.Range(1, 10), received);
        Assert.All(timeline.Where(e => e.Kind == "agent_exited"), e => Assert.Equal("0", e.Field("exit_code")));
        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
        Assert.Equal(0, (await _bed.Client.GetSummaryAsync()).PendingMessages);
    }
}
