using System.Diagnostics;
using SwarmPS.Engine.Launch;
using Xunit.Abstractions;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// The federated-chat demo without PowerShell: a real exchange process, sites alpha and beta each as
/// its own detached launcher process with its own run root, the operator's kickoff, and two Python
/// agents bouncing a counter from 1 to 10.
/// </summary>
public sealed class FederatedCounterTests : IDisposable
{
    private readonly LaunchTestBed _bed = new();
    private readonly ITestOutputHelper _output;

    public FederatedCounterTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _bed.Dispose();

    [Fact]
    public async Task Two_sites_count_to_ten_through_the_exchange_and_leave_nothing_behind()
    {
        const string runId = "e2e-counter";
        var campaign = _bed.WriteCampaign(LaunchTestBed.CounterCampaignYaml());
        var clock = Stopwatch.StartNew();

        await _bed.StartDetachedSiteAsync(campaign, runId, "alpha");
        await _bed.StartDetachedSiteAsync(campaign, runId, "beta");
        var receipt = await CampaignBootstrap.SendAsync(
            _bed.Client, SwarmPS.Engine.Campaigns.CampaignLoader.Load(campaign), runId, recipient: null, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        var alpha = await _bed.WaitForSiteAsync(runId, "alpha", TimeSpan.FromSeconds(60));
        var beta = await _bed.WaitForSiteAsync(runId, "beta", TimeSpan.FromSeconds(60));
        clock.Stop();
        _output.WriteLine($"federated counter: both sites finished {clock.Elapsed.TotalSeconds:0.00} s after the first launch (goal: under 10 s)");

        Assert.Equal("ping", receipt.Recipient);
        Assert.False(receipt.Duplicate);
        Assert.True(alpha.State == SiteState.Finished, _bed.Describe(alpha) + "\n" + _bed.Describe(beta));
        Assert.True(beta.State == SiteState.Finished, _bed.Describe(beta) + "\n" + _bed.Describe(alpha));

        var timeline = _bed.Timeline(runId);
        var sent = timeline.Where(e => e.Kind == "message_sent").ToList();
        var shown = string.Join("\n", timeline.Select(e => e.ToJsonLine()));
        Assert.True(
            sent.Select(e => e.Field("n")).SequenceEqual(Enumerable.Range(1, 10).Select(n => n.ToString()))
            && sent.Select(e => e.Site).SequenceEqual(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? "alpha" : "beta")),
            "expected counts 1..10 sent alternately by alpha and beta; timeline:\n" + shown);
        Assert.All(timeline.Where(e => e.Kind == "agent_exited"), e => Assert.Equal("0", e.Field("exit_code")));
        Assert.Equal(2, timeline.Count(e => e.Kind == "agent_exited"));
        Assert.Contains(timeline, e => e.Kind == "bootstrap_skipped" && e.Site == "alpha");

        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
        Assert.False(alpha.Launcher!.Identity.IsAlive);
        Assert.False(beta.Launcher!.Identity.IsAlive);
        var summary = await _bed.Client.GetSummaryAsync();
        Assert.Equal(0, summary.PendingMessages);
    }
}
