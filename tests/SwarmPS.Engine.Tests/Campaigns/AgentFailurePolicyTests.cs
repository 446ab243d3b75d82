using SwarmPS.Engine.Campaigns;
using SwarmPS.Engine.Configuration;
using SwarmPS.Engine.Tests.Configuration;

namespace SwarmPS.Engine.Tests.Campaigns;

/// <summary>An agent's on_failure: defaulted to stop_site, read, and refused with the nearest value when wrong.</summary>
public sealed class AgentFailurePolicyTests : IDisposable
{
    private const string OneAgent = """
        name: tolerant
        initial_agent: a
        user_task: go
        agents:
          - name: a
            site: local
            command: ["true"]
        """;

    private readonly TempConfigFiles _files = new();

    public void Dispose() => _files.Dispose();

    private Campaign Load(string text) => CampaignLoader.Load(_files.Write("campaign.yaml", text), CampaignTexts.NoVariables);

    [Fact]
    public void The_default_is_stop_site_and_continue_is_read()
    {
        Assert.Equal(AgentFailurePolicy.StopSite, Load(OneAgent).Agents[0].OnFailure);
        Assert.Equal(AgentFailurePolicy.StopSite, Load(OneAgent + "\n    on_failure: stop_site\n").Agents[0].OnFailure);
        Assert.Equal(AgentFailurePolicy.Continue, Load(OneAgent + "\n    on_failure: continue\n").Agents[0].OnFailure);
    }

    [Theory]
    [InlineData("contniue", "Did you mean 'continue'?")]
    [InlineData("stop_sit", "Did you mean 'stop_site'?")]
    [InlineData("ignore", "Use one of: stop_site, continue")]
    public void A_bad_policy_is_refused_naming_the_line_and_the_nearest_value(string value, string hint)
    {
        var path = _files.Write("bad.yaml", OneAgent + $"\n    on_failure: {value}\n");

        var error = Assert.Throws<ConfigException>(() => CampaignLoader.Load(path, CampaignTexts.NoVariables));

        Assert.Equal("ConfigValueInvalid", error.ErrorId);
        Assert.Equal(8, error.Location.Line);
        Assert.Contains($"'{value}' is not an agent failure policy", error.Message);
        Assert.Contains(hint, error.Remediation);
    }
}
