using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Launch;

namespace SwarmPS.Engine.Tests.Launch;

/// <summary>
/// The campaign the README's demo (build.ps1 -Task Demo) runs, examples/federated-chat/campaign.yaml,
/// as shipped: it validates against sites alpha and beta, and two detached sites finish it.
/// </summary>
public sealed class FederatedChatExampleTests : IDisposable
{
    private readonly LaunchTestBed _bed = new();

    public void Dispose() => _bed.Dispose();

    private static string CampaignFile => Path.Combine(LaunchTestBed.RepositoryPath, "examples", "federated-chat", "campaign.yaml");

    [Fact]
    public void The_demo_campaign_is_valid_and_its_agent_programs_are_found_from_the_repository_root()
    {
        var campaign = CampaignLoader.Load(CampaignFile);

        Assert.DoesNotContain(CampaignValidator.Validate(campaign, new[] { "alpha", "beta" }), f => f.Severity == FindingSeverity.Error);
        Assert.Equal("ping", campaign.InitialAgent);
        Assert.Equal(new[] { "alpha", "beta" }, campaign.Sites);
        AgentCommandCheck.EnsureRunnable(campaign.Agents, LaunchTestBed.RepositoryPath, Environment.GetEnvironmentVariable("PATH"));
    }

    [Fact]
    public async Task The_demo_campaign_counts_to_ten_across_two_detached_sites()
    {
        const string runId = "chat-example";
        await _bed.StartDetachedSiteAsync(CampaignFile, runId, "alpha", "--agents", "ping");
        await _bed.StartDetachedSiteAsync(CampaignFile, runId, "beta", "--agents", "pong");
        await CampaignBootstrap.SendAsync(_bed.Client, CampaignLoader.Load(CampaignFile), runId, null, TimeSpan.FromSeconds(60), null, CancellationToken.None);

        var alpha = await _bed.WaitForSiteAsync(runId, "alpha", TimeSpan.FromSeconds(90));
        var beta = await _bed.WaitForSiteAsync(runId, "beta", TimeSpan.FromSeconds(90));

        Assert.Equal(SiteState.Finished, alpha.State);
        Assert.Equal(SiteState.Finished, beta.State);
        var sent = _bed.Timeline(runId).Where(e => e.Kind == "message_sent").ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(n => n.ToString()), sent.Select(e => e.Field("n")));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? "alpha" : "beta"), sent.Select(e => e.Site));
        Assert.Empty(LaunchTestBed.ProcessesOfRun(runId));
    }
}
